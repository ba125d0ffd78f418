"""The one SQL idiom the stores share: insert rows, skipping those whose key exists already."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def insert_new(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    """Insert the rows no unique key already holds; the number inserted."""
    if not rows:
        return 0
    dialect = connection.dialect.name
    statement = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).on_conflict_do_nothing()
    first = next(iter(table.primary_key.columns))
    return len(list(connection.execute(statement.returning(first), rows)))
