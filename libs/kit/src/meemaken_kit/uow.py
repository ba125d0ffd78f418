"""The unit of work: the state change and its events commit together, or neither does.

Aggregates raise domain events (``aggregate.events``); the unit of work turns every event of
every aggregate it saw into a CloudEvent (with the service's ``publish`` translation) and
stages it in the outbox inside the same transaction. The web process never talks to Kafka.

It sees an aggregate when one of its repositories (a ``TrackingRepository``, built with
``uow.repository(...)``) hands it out from a load or takes it in ``add``: a use case cannot
forget to have its events published.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, Self, TypeVar

import sqlalchemy as sa

from meemaken_events import Envelope, Outbox


class HasEvents(Protocol):
    events: list[Any]


Publish = Callable[[Any], Envelope]
Seen = Callable[[HasEvents], None]
A = TypeVar("A", bound=HasEvents | None)
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
            self._transaction = self.connection.begin()
        self._seen = {}
        return self

    def __exit__(self, *exc: object) -> None:
        if self._owns_transaction:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
            self.connection.close()

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
        envelopes = []
        for aggregate in self._seen.values():
            envelopes += [self.publish(event) for event in aggregate.events]
            aggregate.events.clear()
        self.outbox.add(self.connection, envelopes)
        if self._owns_transaction and self._transaction is not None:
            self._transaction.commit()
