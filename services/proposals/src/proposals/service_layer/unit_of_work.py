"""The proposals unit of work: the kit's transaction + outbox, with this service's repositories (those of
aggregates show it what they load and add, so their events are published on commit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from meemaken_kit import UnitOfWork
from proposals.adapters.budgets import BallotBox, RoundRepository
from proposals.adapters.processes import ProcessRepository
from proposals.adapters.repository import ProposalRepository


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProposalsUnitOfWork(UnitOfWork):
    clock: Callable[[], datetime] = staticmethod(utc_now)

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
