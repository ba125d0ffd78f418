"""The one SQL idiom the stores share: insert rows, skipping those whose key exists already."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

COPY_FROM = 200  # rows: from here on PostgreSQL, COPY into a scratch table (a fan-out's page is 5,000 people)


def insert_new(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    """Insert the rows no unique key already holds; the number inserted."""
    return len(inserted_keys(connection, table, rows))


def inserted_keys(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> list[Any]:
    """The same, answering the first primary-key column of each row inserted (a batch's rows told apart)."""
    if not rows:
        return []
    dialect = connection.dialect.name
    if dialect == "postgresql" and len(rows) >= COPY_FROM:
        return _copy_new(connection, table, rows)
    statement = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).on_conflict_do_nothing()
    first = next(iter(table.primary_key.columns))
    return list(connection.execute(statement.returning(first), rows).scalars())


def _copy_new(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> list[Any]:
    """The same in the caller's transaction, for many rows: COPY them into a scratch table, then one
    INSERT ... SELECT ... ON CONFLICT DO NOTHING. A multi-row INSERT of thousands of rows spent most of its
    time building and converting the statement's parameters in the client (the fan-out's flame graph)."""
    names = list(rows[0])
    processors = [table.c[name].type._cached_bind_processor(connection.dialect) for name in names]
    listed = ", ".join(f'"{name}"' for name in names)
    scratch = f"new_{table.name}_{uuid.uuid4().hex[:12]}"
    connection.exec_driver_sql(
        f'CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS SELECT {listed} FROM "{table.name}" WITH NO DATA'
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {scratch} ({listed}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([p(row[n]) if p else row[n] for n, p in zip(names, processors, strict=True)])
    first = next(iter(table.primary_key.columns)).name
    inserted = connection.exec_driver_sql(
        f'INSERT INTO "{table.name}" ({listed}) SELECT {listed} FROM {scratch}'
        f' ON CONFLICT DO NOTHING RETURNING "{first}"'
    )
    keys = [row[0] for row in inserted.fetchall()]
    connection.exec_driver_sql(f"DROP TABLE {scratch}")
    return keys
