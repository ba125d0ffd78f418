"""Engines and migrations, one way for every service.

SQLite (the embedded default of ``make run``) gets WAL, a busy timeout and real transactions
(``BEGIN IMMEDIATE``, so savepoints work and writers queue instead of failing); PostgreSQL
gets pre-ping so a restarted server costs one retry, not a crash, and a pool per process of
``pool_size`` connections (10) plus ``max_overflow`` more in bursts (10): the settings'
``DATABASE_POOL_SIZE`` and ``DATABASE_MAX_OVERFLOW`` (``Settings.pool_sizes``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

DEFAULT_POOL = {"pool_size": 10, "max_overflow": 10}


def make_engine(url: str, **options: Any) -> sa.Engine:
    if url.startswith("sqlite"):
        options = {k: v for k, v in options.items() if k not in DEFAULT_POOL}  # SQLAlchemy's own pool for SQLite
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
        options = DEFAULT_POOL | options
    return sa.create_engine(url, **options)


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
