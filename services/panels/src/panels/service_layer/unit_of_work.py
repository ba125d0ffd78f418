"""The panels unit of work: the kit's transaction and outbox, with panels, the pool and the identity store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from meemaken_kit import UnitOfWork
from panels.adapters.repository import AuditLog, IdentityStore, PanelRepository, Pool, Register


class PanelsUnitOfWork(UnitOfWork):
    clock: Callable[[], datetime]
    pseudonym_key: bytes

    @property
    def panels(self) -> PanelRepository:
        return self.repository(PanelRepository)

    @property
    def pool(self) -> Pool:
        return self.repository(Pool)

    @property
    def register(self) -> Register:
        return Register(self.connection)

    @property
    def identities(self) -> IdentityStore:
        return IdentityStore(self.connection)

    @property
    def audit(self) -> AuditLog:
        return AuditLog(self.connection)
