"""Rows a consumer's handlers insert, written together at the end of their polled batch.

A handler that records one row per event (an effect, a projection's row) calls ``insert(connection, table,
row)``; with ``batch_inserts`` as the consumer loop's ``batch_scope``, the rows wait until the batch's
handlers are done and go out as one statement per run of rows of the same table (on PostgreSQL one INSERT of
the run's columns as arrays, unnested; elsewhere an executemany), in the order they were given, in the batch's
transaction, before its commit (with its inbox rows: all or nothing). Without the scope
(an event redone alone in its savepoint during poison triage, a dead letter replayed) the row is written at
once, as before. A failing write fails the batch as a failing handler does: it is rolled back and redone
event by event, each row then written in its event's own savepoint.

The py-spy profile of bench/pipeline.py's consumer (bench/profiles/pipeline-consumer.svg) had 62 % of its
samples in the handler's one INSERT per event, nearly all of it waiting for PostgreSQL's answer.

``PerBatch`` is the same for any work a handler can leave to its batch's end (the admissibility checks of
proposals and challenges: their batch's items read, decided and written together): ``add`` notes an item inside
the scope and does it at once outside it; the scope, once the handlers are done, does the batch's items in the
order they came, in the batch's transaction. ``resumable()``, called in the handler, keeps what its event's work
runs within (the correlation id and the loop's CONSUMER span as the current trace context) for the batch's end
to enter again: the log lines and the events of that work carry the event's correlation and are children of its
one CONSUMER span, as when done at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from opentelemetry import context as trace_context
from sqlalchemy.dialects.postgresql import ARRAY

from meemaken_events.correlation import correlated, current_correlation_id

T = TypeVar("T")


class PerBatch(Generic[T]):
    """Items a consumer's handlers leave for the end of their polled batch (see the module's text): `at_end`
    does a batch's items together, `alone` one item outside a batch (poison triage, a dead letter replayed)."""

    def __init__(
        self,
        name: str,
        at_end: Callable[[sa.Connection, list[T]], object],
        alone: Callable[[sa.Connection, T], object],
    ) -> None:
        self.key = f"meemaken.per_batch.{name}"  # the connection's info key holding a batch's items
        self.at_end, self.alone = at_end, alone

    def add(self, connection: sa.Connection, item: T) -> None:
        """Leave `item` to the batch's end inside the scope; else do it now."""
        pending: list[T] | None = connection.info.get(self.key)
        if pending is None:
            self.alone(connection, item)
        else:
            pending.append(item)

    @contextmanager
    def scope(self, connection: sa.Connection) -> Iterator[None]:
        """A consumer loop's ``batch_scope``: the batch's items done together once its handlers are done."""
        pending: list[T] = []
        connection.info[self.key] = pending
        try:
            yield
        finally:
            connection.info.pop(self.key, None)
        if pending:
            self.at_end(connection, pending)


def resumable() -> Callable[[], AbstractContextManager[None]]:
    """The handler's correlation and trace context now, to enter again at its batch's end (see the module's text)."""
    correlation, context = current_correlation_id(), trace_context.get_current()

    @contextmanager
    def again() -> Iterator[None]:
        token = trace_context.attach(context)
        try:
            with correlated(correlation):
                yield
        finally:
            trace_context.detach(token)

    return again


Row = tuple[sa.Table, Mapping[str, Any]]


def _insert_now(connection: sa.Connection, row: Row) -> None:
    table, values = row
    connection.execute(table.insert(), dict(values))


def _insert_runs(connection: sa.Connection, rows: list[Row]) -> None:
    """One statement per run of rows of the same table and columns, in their order: on PostgreSQL an INSERT of
    the run's columns as arrays, unnested (one statement of fixed text, where an executemany ran one INSERT per
    row: 18% of the pipeline consumer's samples, bench/profiles/pipeline-s12-consumer.svg), elsewhere an
    executemany."""
    unnest = connection.dialect.name == "postgresql"
    start = 0
    for index, (table, values) in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) else None
        if following is not None and following[0] is table and following[1].keys() == values.keys():
            continue
        run = [dict(row) for _table, row in rows[start : index + 1]]
        if unnest:
            names = tuple(run[0])
            connection.execute(_unnested(table, names), {name: [row[name] for row in run] for name in names})
        else:
            connection.execute(table.insert(), run)
        start = index + 1


@functools.cache
def _unnested(table: sa.Table, names: tuple[str, ...]) -> sa.Insert:
    """INSERT INTO table (names) SELECT * FROM unnest(CAST(:name AS type[]), ...): each column's values as an
    array of the column's own type."""
    arrays = [sa.cast(sa.bindparam(name, type_=ARRAY(table.c[name].type)), ARRAY(table.c[name].type)) for name in names]
    batch = sa.func.unnest(*arrays).table_valued(*names).render_derived()
    return table.insert().from_select(list(names), sa.select(*(batch.c[name] for name in names)))


INSERTS: PerBatch[Row] = PerBatch("inserts", _insert_runs, _insert_now)
PENDING = INSERTS.key


def insert(connection: sa.Connection, table: sa.Table, row: Mapping[str, Any]) -> None:
    """Insert `row` into `table`: at the end of the polled batch inside ``batch_inserts``, else now."""
    INSERTS.add(connection, (table, row))


batch_inserts = INSERTS.scope  # a consumer loop's ``batch_scope``: the handlers' rows, one executemany per table run
