"""The unit of work: the state change and its events commit together, or neither does.

Aggregates raise domain events (``aggregate.events``); the unit of work turns every event of
every aggregate it saw into a CloudEvent (with the service's ``publish`` translation) and
stages it in the outbox inside the same transaction. The web process never talks to Kafka.

It sees an aggregate when one of its repositories (a ``TrackingRepository``, built with
``uow.repository(...)``) hands it out from a load or takes it in ``add``: a use case cannot
forget to have its events published.

A unit of work that writes at most one statement and publishes no events may run it without a
transaction around it: ``with uow.one_statement():`` (chosen per ``with``; a plain ``with uow:`` after it
is a transaction again). On PostgreSQL the statement then commits itself in autocommit, one round trip
instead of ``BEGIN``, the statement and ``COMMIT``, with the same WAL flush before the answer; elsewhere
(SQLite) and inside someone else's transaction it runs in the transaction as usual.

A unit of work that collides with another transaction (SQLite busy past its timeout, a PostgreSQL
serialization failure or deadlock: ``meemaken_events.errors.is_transient``) is run again from the start,
use case and outbox staging together, by ``retrying``: the service app wraps every request's view in it
(``meemaken_kit.app``), so a request retries its units of work before any of them committed, and never after.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, Self, TypeVar

import sqlalchemy as sa

from meemaken_events import Envelope, Outbox
from meemaken_events.errors import transient_reason
from meemaken_events.metrics import DB_RETRIES
from meemaken_kit.pipelining import writes_in_one_go

log = logging.getLogger("meemaken.uow")
FIRST_PAUSE = 0.025  # seconds: the longest pause before the first retry; each next one may be twice as long


class HasEvents(Protocol):
    events: list[Any]


Publish = Callable[[Any], Envelope]
Seen = Callable[[HasEvents], None]
A = TypeVar("A", bound=HasEvents | None)
T = TypeVar("T")
R = TypeVar("R", bound="TrackingRepository")


class TrackingRepository:
    """A repository of aggregates that raise events. Whatever it returns from a load, or takes in
    ``add``, it shows its unit of work through ``seen`` (pass them through ``_saw``/``_saw_all``),
    and the unit of work publishes their events on commit."""

    def __init__(self, connection: sa.Connection, seen: Seen) -> None:
        self.connection = connection
        self._seen = seen

    def _saw(self, aggregate: A) -> A:
        if aggregate is not None:
            self._seen(aggregate)
        return aggregate

    def _saw_all(self, aggregates: Iterable[A]) -> list[A]:
        return [self._saw(aggregate) for aggregate in aggregates]


class UnitOfWork:
    def __init__(self, engine: sa.Engine | None, outbox: Outbox, publish: Publish) -> None:
        self.engine, self.outbox, self.publish = engine, outbox, publish
        self.connection: sa.Connection
        self._transaction: sa.Transaction | None = None
        self._seen: dict[int, HasEvents] = {}
        self._owns_transaction = True
        self._one_statement = False  # inside ``with uow.one_statement():`` only

    @classmethod
    def within(cls, connection: sa.Connection, outbox: Outbox, publish: Publish) -> Self:
        """A unit of work inside a transaction someone else commits (the consumer loop's)."""
        uow = cls(None, outbox, publish)
        uow.connection = connection
        uow._owns_transaction = False
        return uow

    def __enter__(self) -> Self:
        if self._owns_transaction:
            assert self.engine is not None
            self.connection = self.engine.connect()
            if self._one_statement and self.engine.dialect.name == "postgresql":
                # in place; SQLAlchemy sets the connection back to the engine's level when it returns to the pool
                self.connection.execution_options(isolation_level="AUTOCOMMIT")
            self._transaction = self.connection.begin()  # in autocommit: no BEGIN is sent, its commit sends nothing
        self._seen = {}
        return self

    def __exit__(self, *exc: object) -> None:
        if self._owns_transaction:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
            self.connection.close()

    @contextmanager
    def one_statement(self) -> Iterator[Self]:
        """This unit of work, for one ``with``, writing at most one statement that needs no transaction around
        it (its reads are checked by that statement, which commits itself): on PostgreSQL in autocommit, one
        round trip; on other databases, or within someone else's transaction, in a transaction as usual.
        It publishes no events (the outbox's rows need the transaction): ``commit`` refuses any."""
        self._one_statement = True
        try:
            with self:
                yield self
        finally:
            self._one_statement = False

    def writes_in_one_go(self) -> AbstractContextManager[None]:
        """This unit of work's statements within, sent without waiting for each one's answer (on PostgreSQL;
        ``meemaken_kit.pipelining``): for the writes that end a use case, not for reads."""
        return writes_in_one_go(self.connection)

    def repository(self, kind: type[R]) -> R:
        """A repository on this unit of work's connection that shows it every aggregate it loads or adds."""
        return kind(self.connection, self._see)

    @property
    def seen(self) -> tuple[HasEvents, ...]:
        """The aggregates this unit of work will publish events of, each once, in the order first seen."""
        return tuple(self._seen.values())

    def _see(self, aggregate: HasEvents) -> None:
        # by identity: two loads of one row are two objects (each may change), one object is seen once
        self._seen.setdefault(id(aggregate), aggregate)

    def commit(self) -> None:
        if self._one_statement and any(aggregate.events for aggregate in self._seen.values()):
            raise RuntimeError("a unit of work of one statement publishes no events")
        envelopes = []
        for aggregate in self._seen.values():
            envelopes += [self.publish(event) for event in aggregate.events]
            aggregate.events.clear()
        self.outbox.add(self.connection, envelopes)
        if self._owns_transaction and self._transaction is not None:
            self._transaction.commit()


@dataclass
class _Attempt:
    """One run of a retried piece of work: did it (or anything it ran within) send a COMMIT?"""

    parent: _Attempt | None
    committed: bool = False


_attempt: ContextVar[_Attempt | None] = ContextVar("meemaken_attempt", default=None)


@sa.event.listens_for(sa.Engine, "commit")
def _committing(_connection: sa.Connection) -> None:
    """Any engine's COMMIT (a unit of work's or not) ends the retrying of the work it runs in (sent before
    the database answered: a COMMIT that failed counts too, the safe side)."""
    attempt = _attempt.get()
    while attempt is not None:
        attempt.committed = True
        attempt = attempt.parent


def retrying(
    work: Callable[[], T],
    retries: int,
    before_again: Callable[[], None] | None = None,
    pause: Callable[[float], None] = time.sleep,
) -> T:
    """``work()``, run again from the start when it failed for a reason a retry cures (``transient_reason``)
    while none of its transactions had committed: at most ``retries`` more times, each after a random pause
    (up to FIRST_PAUSE, doubling), counted in ``meemaken_db_retries_total{reason}``; ``before_again`` readies
    its input for the next run. Then, or after a COMMIT, or for any other error, the error goes on as it came
    (the app answers a collision with its 503 problem and Retry-After): nothing is done twice."""
    done = 0
    while True:
        attempt = _Attempt(_attempt.get())
        token = _attempt.set(attempt)
        try:
            return work()
        except Exception as exc:
            reason = transient_reason(exc)
            if reason is None or attempt.committed or done >= retries:
                raise
            DB_RETRIES.labels(reason).inc()
            log.info("transaction collided (%s): running it again (retry %d of %d)", reason, done + 1, retries)
        finally:
            _attempt.reset(token)
        pause(random.uniform(0, FIRST_PAUSE * 2**done))  # at random: two requests that collided part ways
        done += 1
        if before_again is not None:
            before_again()
