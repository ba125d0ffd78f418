"""Durable timers: one pending row per (challenge, kind), fired once even with several workers."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from challenges.adapters.tables import timers
from challenges.domain.deadlines import Deadline


class TimerStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def sync(self, challenge_id: UUID, wanted: list[Deadline], now: datetime) -> None:
        """Make the timers of a challenge exactly `wanted`: cancel pending ones no longer wanted, add the
        missing ones. A deadline that already fired stays fired: it is never scheduled again."""
        rows = self.connection.execute(
            sa.select(timers.c.id, timers.c.kind, timers.c.due_at, timers.c.fired_at).where(
                timers.c.challenge_id == challenge_id, timers.c.cancelled_at.is_(None)
            )
        ).all()
        keep = {(d.kind, d.due_at) for d in wanted}
        have = {(row.kind, row.due_at) for row in rows if row.fired_at is not None}
        cancelled = []
        for row in rows:
            if row.fired_at is not None:
                continue
            key = (row.kind, row.due_at)
            if key in keep and key not in have:
                have.add(key)
            else:
                cancelled.append(row.id)
        if cancelled:
            self.connection.execute(timers.update().where(timers.c.id.in_(cancelled)).values(cancelled_at=now))
        added = [
            {"id": uuid.uuid4(), "challenge_id": challenge_id, "kind": kind, "due_at": due_at}
            for kind, due_at in keep - have
        ]
        if added:
            self.connection.execute(timers.insert(), added)

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
