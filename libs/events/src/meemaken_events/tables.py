"""The three tables every service keeps beside its own: outbox, inbox and relay lease.

A service adds them to its metadata with ``messaging_tables(metadata)`` and creates them in
its first Alembic migration with ``create_messaging_tables(op)``. Changing them later means a
new migration in every service, like any other schema change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A moment in UTC, aware of its time zone on every database.

    PostgreSQL keeps the zone; SQLite (``make run``) stores none and would hand back naive
    times. Every table of every service uses this type, so no repository corrects times itself.
    The DDL is that of ``DateTime(timezone=True)``: migrations need not change.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("store aware datetimes only (UTC)")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


READ_ONLY = "meemaken_read_only"


def reading(connection: sa.Connection) -> sa.Connection:
    """`connection`, marked as one that only reads (before its first statement): on SQLite its transaction
    starts deferred, so it neither takes nor waits for the write lock (WAL: readers and the writer go on side
    by side); elsewhere nothing changes."""
    return connection.execution_options(**{READ_ONLY: True})


def json_recordset(parameter: str, *columns: sa.ColumnClause[Any]) -> Any:
    """PostgreSQL's rows of a JSON document parameter (a list of objects), as the columns' names and types:
    ``json_to_recordset(CAST(:parameter AS JSON)) AS (column type, ...)``. One string to send for a batch, where
    text arrays make psycopg escape every element in Python; the statement's text stays the same whatever the
    batch's size."""
    return (
        sa.func.json_to_recordset(sa.cast(sa.bindparam(parameter, type_=sa.Text()), sa.JSON()))
        .table_valued(*columns)
        .render_derived(with_types=True)
    )


UNPUBLISHED: dict[str, Any] = {
    "postgresql_where": sa.text("published_at IS NULL"),
    "sqlite_where": sa.text("published_at IS NULL"),
}


def _outbox_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
    ]


def _inbox_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("source", sa.String(300), primary_key=True),
        sa.Column("event_id", sa.String(100), primary_key=True),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("handled_at", UtcDateTime(), nullable=False),
    ]


def _lease_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
    ]


def messaging_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table]:
    outbox = sa.Table("outbox", metadata, *_outbox_columns(), sa.Index("ix_outbox_unpublished", "id", **UNPUBLISHED))
    inbox = sa.Table("inbox", metadata, *_inbox_columns(), sa.Index(INBOX_HANDLED, "consumer", "handled_at"))
    relay_lease = sa.Table("relay_lease", metadata, *_lease_columns())
    return outbox, inbox, relay_lease


INBOX_HANDLED = "ix_inbox_handled"  # the prune's range: one consumer's rows handled before a cutoff


def create_inbox_handled_index(op: Any) -> None:
    """For a migration: the index the inbox's prune reads, so it does not scan every row it keeps."""
    op.create_index(INBOX_HANDLED, "inbox", ["consumer", "handled_at"])


def create_messaging_tables(op: Any) -> None:
    """For a service's first Alembic migration: create outbox, inbox and relay_lease."""
    op.create_table("outbox", *_outbox_columns())
    op.create_index("ix_outbox_unpublished", "outbox", ["id"], **UNPUBLISHED)
    op.create_table("inbox", *_inbox_columns())  # its prune index comes in a later migration
    op.create_table("relay_lease", *_lease_columns())


def drop_messaging_tables(op: Any) -> None:
    for name in ("relay_lease", "inbox", "outbox"):
        op.drop_table(name)
