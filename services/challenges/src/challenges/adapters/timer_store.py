"""Durable timers: one pending row per (challenge, kind), fired once even with several workers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from challenges.adapters.repository import json_rows
from challenges.adapters.tables import timers
from challenges.domain.deadlines import Deadline
from meemaken_events.tables import json_recordset

# Built once (a prebuilt statement skips SQLAlchemy's per-call work): the pending timers of these challenges
# that are not among the (challenge, kind, due) kept, cancelled. On PostgreSQL the challenges as one array and the
# kept timers as one JSON document: a statement of fixed text, where expanding IN lists made SQLAlchemy render it
# anew for every batch.
_PENDING = (timers.c.fired_at.is_(None), timers.c.cancelled_at.is_(None))
_TIMER = timers.c.challenge_id, timers.c.kind, timers.c.due_at


_KEPT = json_recordset("kept", *(sa.column(c.name, c.type) for c in _TIMER))
_CANCEL = {
    "postgresql": timers.update()
    .where(
        timers.c.challenge_id == sa.any_(sa.bindparam("challenge_ids", type_=ARRAY(sa.Uuid()))),
        *_PENDING,
        sa.tuple_(*_TIMER).not_in(sa.select(_KEPT.c.challenge_id, _KEPT.c.kind, _KEPT.c.due_at)),
    )
    .values(cancelled_at=sa.bindparam("now")),
    "sqlite": timers.update()
    .where(
        timers.c.challenge_id.in_(sa.bindparam("challenge_ids", expanding=True)),
        *_PENDING,
        sa.tuple_(*_TIMER).not_in(sa.bindparam("kept", expanding=True)),
    )
    .values(cancelled_at=sa.bindparam("now")),
}


class TimerStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def sync(self, wanted: Mapping[UUID, list[Deadline]], now: datetime) -> None:
        """Make the timers of each challenge in `wanted` exactly its deadlines: cancel pending ones no longer
        wanted, add the missing ones; one statement of each for all of them. A deadline that already fired stays
        fired: it is never scheduled again (the live timers' unique index makes the insert skip it, as it skips
        a pending one that is still wanted)."""
        kept = [(challenge_id, d.kind, d.due_at) for challenge_id, deadlines in wanted.items() for d in deadlines]
        rows = [
            {"id": uuid.uuid4(), "challenge_id": challenge_id, "kind": kind, "due_at": due_at}
            for challenge_id, kind, due_at in dict.fromkeys(kept)
        ]
        dialect = self.connection.dialect.name
        if dialect == "postgresql":  # one statement of each, of fixed text (see _CANCEL)
            document = json_rows([{"challenge_id": c, "kind": k, "due_at": d} for c, k, d in kept])
            self.connection.execute(_CANCEL[dialect], {"challenge_ids": list(wanted), "kept": document, "now": now})
            if rows:
                self.connection.execute(_INSERT_ALL, {"new": json_rows(rows)})
            return
        self.connection.execute(_CANCEL[dialect], {"challenge_ids": list(wanted), "kept": kept, "now": now})
        if rows:
            self.connection.execute(_INSERT_ONE, rows)

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


# A new timer, unless the same one is live already (or fired): on PostgreSQL the new timers as one JSON document,
# one statement (an executemany ran one INSERT a timer); on SQLite an executemany
_INSERT_ONE = sqlite.insert(timers).on_conflict_do_nothing()
_NEW = json_recordset("new", *(sa.column(c.name, c.type) for c in (timers.c.id, *_TIMER)))
_INSERT_ALL = (
    postgresql.insert(timers)
    .from_select(["id", "challenge_id", "kind", "due_at"], sa.select(_NEW.c.id, *(_NEW.c[c.name] for c in _TIMER)))
    .on_conflict_do_nothing()
)
