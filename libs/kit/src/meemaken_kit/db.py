"""Engines and migrations, one way for every service.

SQLite (the embedded default of ``make run``) gets, on every connection, WAL, ``synchronous=NORMAL``, a busy
timeout and real transactions: a writing one starts ``BEGIN IMMEDIATE`` (savepoints work, writers queue instead of
failing), after this process's other writers (a lock: a waiting thread is woken as soon as the one before it ends,
where SQLite's busy handler polls with sleeps of up to 100 ms, the long tail under load); a transaction marked
reading (``meemaken_events.tables.reading``) starts deferred and takes no lock. PostgreSQL
gets pre-ping so a restarted server costs one retry, not a crash, and a pool per process of
``pool_size`` connections (10) plus ``max_overflow`` more in bursts (10): the settings'
``DATABASE_POOL_SIZE`` and ``DATABASE_MAX_OVERFLOW`` (``Settings.pool_sizes``).

Both write and read JSON columns by ``meemaken_events.jsontext`` (orjson, a fifth of json's time: the challenges'
state is read and written on every step of a challenge).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from meemaken_events import jsontext
from meemaken_events.tables import READ_ONLY

DEFAULT_POOL = {"pool_size": 10, "max_overflow": 10}
WRITER_QUEUE_SECONDS = 10.0
_WRITING = "meemaken_writing"


def json_text(value: Any) -> str:
    """A JSON column's value as the text stored."""
    return jsontext.dumps(value).decode()


def make_engine(url: str, **options: Any) -> sa.Engine:
    options = {"json_serializer": json_text, "json_deserializer": jsontext.loads} | options
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

        writers = threading.Lock()  # this process's writers queue here, woken at once, not polling SQLite's lock

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: sa.Connection) -> None:
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
                return
            queued = writers.acquire(timeout=WRITER_QUEUE_SECONDS)  # past it: on to SQLite's busy timeout
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if queued:
                    writers.release()
                raise
            conn.info[_WRITING] = queued

        @sa.event.listens_for(engine, "commit")
        @sa.event.listens_for(engine, "rollback")
        def _sqlite_end(conn: sa.Connection) -> None:
            if conn.info.pop(_WRITING, False):
                writers.release()

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
