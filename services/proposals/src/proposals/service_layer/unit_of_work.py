"""The proposals unit of work: the kit's transaction + outbox, with the proposal repository."""

from __future__ import annotations

from meemaken_kit import UnitOfWork
from proposals.adapters.repository import ProposalRepository


class ProposalsUnitOfWork(UnitOfWork):
    @property
    def proposals(self) -> ProposalRepository:
        return ProposalRepository(self.connection)
