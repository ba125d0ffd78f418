"""Rows a consumer's handlers insert, written together at the end of their polled batch.

A handler that records one row per event (an effect, a projection's row) calls ``insert(connection, table,
row)``; with ``batch_inserts`` as the consumer loop's ``batch_scope``, the rows wait until the batch's
handlers are done and go out as one executemany per run of rows of the same table, in the order they were
given, in the batch's transaction, before its commit (with its inbox rows: all or nothing). Without the scope
(an event redone alone in its savepoint during poison triage, a dead letter replayed) the row is written at
once, as before. A failing write fails the batch as a failing handler does: it is rolled back and redone
event by event, each row then written in its event's own savepoint.

The py-spy profile of bench/pipeline.py's consumer (bench/profiles/pipeline-consumer.svg) had 62 % of its
samples in the handler's one INSERT per event, nearly all of it waiting for PostgreSQL's answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

PENDING = "meemaken.batched_inserts"  # the connection's info key holding a batch's rows


def insert(connection: sa.Connection, table: sa.Table, row: Mapping[str, Any]) -> None:
    """Insert `row` into `table`: at the end of the polled batch inside ``batch_inserts``, else now."""
    pending: list[tuple[sa.Table, Mapping[str, Any]]] | None = connection.info.get(PENDING)
    if pending is None:
        connection.execute(table.insert(), dict(row))
    else:
        pending.append((table, row))


@contextmanager
def batch_inserts(connection: sa.Connection) -> Iterator[None]:
    """A consumer loop's ``batch_scope``: the handlers' ``insert`` rows, one executemany per run of a table."""
    pending: list[tuple[sa.Table, Mapping[str, Any]]] = []
    connection.info[PENDING] = pending
    try:
        yield
        run: list[dict[str, Any]] = []
        for index, (table, row) in enumerate(pending):
            run.append(dict(row))
            if index + 1 == len(pending) or pending[index + 1][0] is not table:
                connection.execute(table.insert(), run)
                run = []
    finally:
        connection.info.pop(PENDING, None)
