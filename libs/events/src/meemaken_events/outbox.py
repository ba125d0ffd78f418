"""The transactional outbox: an event is a row written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa

from meemaken_events.catalogue import Catalogue, catalogue
from meemaken_events.envelope import Envelope
from meemaken_events.wakeup import notify


class Outbox:
    def __init__(self, table: sa.Table, events: Catalogue | None = None) -> None:
        self.table = table
        self.events = events or catalogue()

    def add(self, connection: sa.Connection, envelopes: Iterable[Envelope]) -> None:
        """Stage envelopes in the caller's open transaction; they commit (or vanish) with it, and their commit
        wakes the relay (meemaken_events.wakeup)."""
        now = datetime.now(UTC)
        rows = [
            {
                "event_id": env.id,
                "topic": self.events[env.type].topic,
                "key": env.key,
                "type": env.type,
                "envelope": env.to_json(),
                "created_at": now,
            }
            for env in envelopes
        ]
        if rows:
            connection.execute(self.table.insert(), rows)
            notify(connection)

    def pending_count(self, connection: sa.Connection) -> int:
        query = sa.select(sa.func.count()).select_from(self.table).where(self.table.c.published_at.is_(None))
        return int(connection.execute(query).scalar_one())
