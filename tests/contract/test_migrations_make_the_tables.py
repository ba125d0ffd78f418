"""Each service's migrations build exactly the tables its code declares: after ``upgrade head`` on an empty
database, Alembic's comparison finds no table, column, index or type that one side has and the other lacks.

A table added to the code without its migration (or a migration the code forgot) fails here, not on a
municipality's database during an upgrade.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from meemaken_kit import idempotency
from meemaken_kit.db import migrate

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("proposals", "challenges", "panels", "notifications", "gateway")
WITH_IDEMPOTENCY_KEYS = {"proposals", "challenges", "panels", "notifications"}  # the kit's table, in their migrations


def declared_tables(service: str) -> sa.MetaData:
    """Every table a module of the service declares at module level (some modules keep their own MetaData)."""
    package = importlib.import_module(service)
    declared = sa.MetaData()
    tables = [idempotency.keys] if service in WITH_IDEMPOTENCY_KEYS else []
    for module in pkgutil.walk_packages(package.__path__, f"{service}."):
        if module.name.endswith("__main__"):
            continue
        tables += [t for t in vars(importlib.import_module(module.name)).values() if isinstance(t, sa.Table)]
    for table in tables:
        if table.name not in declared.tables:
            table.to_metadata(declared)
    return declared


@pytest.mark.parametrize("service", SERVICES)
def test_the_migrations_build_the_tables_the_code_declares(service: str, tmp_path: Path) -> None:
    declared = declared_tables(service)
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate(ROOT / "services" / service / "migrations", url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), declared)
    finally:
        engine.dispose()
    assert len(declared.tables) > 4
    assert differences == [], f"{service}: migrations and tables differ: {differences}"
