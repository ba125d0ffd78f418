"""The three tables every service keeps beside its own: outbox, inbox and relay lease.

A service adds them to its metadata with ``messaging_tables(metadata)`` and creates them in
its first Alembic migration with ``create_messaging_tables(op)``. Changing them later means a
new migration in every service, like any other schema change.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def messaging_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table]:
    outbox = sa.Table(
        "outbox",
        metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Index(
            "ix_outbox_unpublished",
            "id",
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        ),
    )
    inbox = sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("source", sa.String(300), primary_key=True),
        sa.Column("event_id", sa.String(100), primary_key=True),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )
    relay_lease = sa.Table(
        "relay_lease",
        metadata,
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    return outbox, inbox, relay_lease


def create_messaging_tables(op: Any) -> None:
    """For a service's first Alembic migration: create outbox, inbox and relay_lease."""
    for table in messaging_tables(sa.MetaData()):
        op.create_table(table.name, *[c.copy() for c in table.columns], *_copy_constraints(table))
        for index in table.indexes:
            op.create_index(
                index.name,
                table.name,
                [c.name for c in index.columns],
                unique=index.unique,
                **index.dialect_kwargs,
            )


def _copy_constraints(table: sa.Table) -> list[sa.Constraint]:
    return [
        sa.UniqueConstraint(*[c.name for c in con.columns])
        for con in table.constraints
        if isinstance(con, sa.UniqueConstraint)
    ]


def drop_messaging_tables(op: Any) -> None:
    for name in ("relay_lease", "inbox", "outbox"):
        op.drop_table(name)
