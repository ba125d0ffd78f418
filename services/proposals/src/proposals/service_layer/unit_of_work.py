"""The proposals unit of work: the kit's transaction + outbox, with this service's repositories (those of
aggregates show it what they load and add, so their events are published on commit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Self

from meemaken_kit import UnitOfWork
from proposals.adapters.budgets import BallotBox, RoundRepository
from proposals.adapters.processes import ProcessRepository
from proposals.adapters.repository import ProposalRepository


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProposalsUnitOfWork(UnitOfWork):
    clock: Callable[[], datetime] = staticmethod(utc_now)
    writes_one_statement = False

    def one_statement(self) -> Self:
        """This unit of work writes at most one statement and needs no transaction around it (its reads
        are checked by that statement, which commits itself): on PostgreSQL it runs in autocommit, one round
        trip instead of BEGIN, the statement and COMMIT, the same WAL flush before the answer. It must
        publish no events (the outbox's rows need the transaction)."""
        self.writes_one_statement = True
        return self

    def __enter__(self) -> Self:
        if not (self.writes_one_statement and self.engine and self.engine.dialect.name == "postgresql"):
            return super().__enter__()
        # SQLAlchemy sets the connection back to the engine's isolation level when it returns to the pool
        self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._transaction = self.connection.begin()
        self._seen = {}
        return self

    def commit(self) -> None:
        if self.writes_one_statement and any(a.events for a in self.seen):
            raise RuntimeError("a unit of work of one statement publishes no events")
        super().commit()

    @property
    def proposals(self) -> ProposalRepository:
        return self.repository(ProposalRepository)

    @property
    def processes(self) -> ProcessRepository:
        return self.repository(ProcessRepository)

    @property
    def rounds(self) -> RoundRepository:
        return self.repository(RoundRepository)

    @property
    def ballots(self) -> BallotBox:
        return BallotBox(self.connection)
