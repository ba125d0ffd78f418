"""Durable timers: one pending row per (challenge, kind), fired once even with several workers."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from challenges.adapters.tables import timers
from challenges.domain.deadlines import Deadline


class TimerStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def sync(self, challenge_id: UUID, wanted: list[Deadline], now: datetime) -> None:
        """Make the timers of a challenge exactly `wanted`: cancel pending ones no longer wanted, add the
        missing ones. A deadline that already fired stays fired: it is never scheduled again (the live
        timers' unique index makes the insert skip it, as it skips a pending one that is still wanted)."""
        pending = sa.and_(
            timers.c.challenge_id == challenge_id, timers.c.fired_at.is_(None), timers.c.cancelled_at.is_(None)
        )
        still_wanted = [sa.and_(timers.c.kind == d.kind, timers.c.due_at == d.due_at) for d in wanted]
        unwanted = sa.not_(sa.or_(*still_wanted)) if still_wanted else sa.true()
        self.connection.execute(timers.update().where(pending, unwanted).values(cancelled_at=now))
        if wanted:
            rows = [
                {"id": uuid.uuid4(), "challenge_id": challenge_id, "kind": d.kind, "due_at": d.due_at}
                for d in {(d.kind, d.due_at): d for d in wanted}.values()
            ]
            self.connection.execute(_insert(self.connection.dialect.name).on_conflict_do_nothing(), rows)

    def claim_due(self, now: datetime, limit: int) -> list[sa.Row]:
        """Due timers, locked for this transaction; rows another worker holds are skipped, not awaited."""
        query = (
            sa.select(timers.c.id, timers.c.challenge_id, timers.c.kind)
            .where(timers.c.due_at <= now, timers.c.fired_at.is_(None), timers.c.cancelled_at.is_(None))
            .order_by(timers.c.due_at)
            .limit(limit)
        )
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.connection.execute(query))

    def mark_fired(self, timer_id: UUID, now: datetime) -> bool:
        updated = self.connection.execute(
            timers.update().where(timers.c.id == timer_id, timers.c.fired_at.is_(None)).values(fired_at=now)
        ).rowcount
        return bool(updated == 1)


def _insert(dialect: str) -> postgresql.Insert | sqlite.Insert:
    return postgresql.insert(timers) if dialect == "postgresql" else sqlite.insert(timers)
