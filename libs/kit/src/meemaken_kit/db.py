"""Engines and migrations, one way for every service.

SQLite (the embedded default of ``make run``) gets WAL, a busy timeout and real transactions
(``BEGIN IMMEDIATE``, so savepoints work and writers queue instead of failing); PostgreSQL
gets pre-ping so a restarted server costs one retry, not a crash, and a pool per process of
``DATABASE_POOL_SIZE`` connections (10) plus ``DATABASE_MAX_OVERFLOW`` more in bursts (10).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config


def make_engine(url: str, **options: Any) -> sa.Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **options)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    options.setdefault("pool_pre_ping", True)
    if "poolclass" not in options:
        options = pool_sizes() | options
    return sa.create_engine(url, **options)


def pool_sizes(env: Mapping[str, str] | None = None) -> dict[str, int]:
    """The pool of one process: ``DATABASE_POOL_SIZE`` kept open, ``DATABASE_MAX_OVERFLOW`` more at most."""
    env = os.environ if env is None else env
    sizes = {
        "pool_size": env.get("DATABASE_POOL_SIZE") or "10",
        "max_overflow": env.get("DATABASE_MAX_OVERFLOW") or "10",
    }
    try:
        counted = {option: int(value) for option, value in sizes.items()}
    except ValueError:
        raise ValueError(f"DATABASE_POOL_SIZE and DATABASE_MAX_OVERFLOW must be whole numbers, not {sizes}") from None
    if counted["pool_size"] < 1 or counted["max_overflow"] < 0:
        raise ValueError(f"DATABASE_POOL_SIZE must be at least 1 and DATABASE_MAX_OVERFLOW at least 0, not {sizes}")
    return counted


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["database_url"] = url
    return config


def migrate(migrations_dir: Path, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations_dir, url), revision)


def run_migrations_online(metadata: sa.MetaData) -> None:
    """The body of every service's ``migrations/env.py``."""
    from alembic import context

    url = context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the migrations")
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite"
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
