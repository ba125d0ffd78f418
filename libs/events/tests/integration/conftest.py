"""What the integration tests on PostgreSQL share."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from meemaken_kit import make_engine


@pytest.fixture
def engine_with(database_url: str) -> Iterator[Callable[[sa.MetaData], sa.Engine]]:
    """An engine on a fresh database with a test's tables created; disposed after the test."""
    engines: list[sa.Engine] = []

    def make(metadata: sa.MetaData) -> sa.Engine:
        engine = make_engine(database_url)
        metadata.create_all(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()
