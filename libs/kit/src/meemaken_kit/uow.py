"""The unit of work: the state change and its events commit together, or neither does.

Aggregates raise domain events (``aggregate.events``); the unit of work turns every event of
every aggregate it saw into a CloudEvent (with the service's ``publish`` translation) and
stages it in the outbox inside the same transaction. The web process never talks to Kafka.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, Self

import sqlalchemy as sa

from meemaken_events import Envelope, Outbox


class HasEvents(Protocol):
    events: list[Any]


Publish = Callable[[Any], Envelope]


class UnitOfWork:
    def __init__(self, engine: sa.Engine | None, outbox: Outbox, publish: Publish) -> None:
        self.engine, self.outbox, self.publish = engine, outbox, publish
        self.connection: sa.Connection
        self._transaction: sa.Transaction | None = None
        self._seen: list[HasEvents] = []
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
        self._seen = []
        return self

    def __exit__(self, *exc: object) -> None:
        if self._owns_transaction:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
            self.connection.close()

    @property
    def seen(self) -> tuple[HasEvents, ...]:
        """The aggregates this unit of work will publish events of."""
        return tuple(self._seen)

    def track(self, aggregate: HasEvents) -> None:
        self._seen.append(aggregate)

    def commit(self) -> None:
        envelopes = []
        for aggregate in self._seen:
            envelopes += [self.publish(event) for event in aggregate.events]
            aggregate.events.clear()
        self.outbox.add(self.connection, envelopes)
        if self._owns_transaction and self._transaction is not None:
            self._transaction.commit()
