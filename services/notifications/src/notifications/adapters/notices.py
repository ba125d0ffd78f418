"""Notices (the events to tell people about) and their pending fan-outs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from meemaken_events.tracing import trace_headers
from notifications.adapters.sql import insert_new, inserted_keys
from notifications.adapters.tables import deliveries, fanouts, notices
from notifications.domain.delivery import FINAL


@dataclass(frozen=True)
class Notice:
    id: UUID
    event_source: str
    event_id: str
    event_type: str
    topic: str
    data: dict[str, Any]
    traceparent: str | None = None  # the consumer's trace, which the sender's e-mails continue
    tracestate: str | None = None


@dataclass(frozen=True)
class FanOut:
    notice_id: UUID
    tell: int
    role: str
    cursor: str | None
    planned: int


def new_notice(source: str, event_id: str, event_type: str, topic: str, data: dict[str, Any]) -> Notice:
    """A notice of an event, in the trace of the consumer's span handling it (when tracing is on)."""
    return Notice(uuid.uuid4(), source, event_id, event_type, topic, data, **trace_headers())


class NoticeStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def add(
        self, source: str, event_id: str, event_type: str, topic: str, data: dict[str, Any], now: datetime
    ) -> Notice | None:
        """The new notice; None when this event was noticed before (a replay plans nothing again)."""
        notice = new_notice(source, event_id, event_type, topic, data)
        return notice if self.add_many([(notice, now)]) else None

    def add_many(self, received: list[tuple[Notice, datetime]]) -> set[UUID]:
        """Notices (each with when it came) in one statement: the ids of those not noticed before."""
        rows = [{**vars(notice), "received_at": now} for notice, now in received]
        return set(inserted_keys(self.connection, notices, rows))

    def many(self, ids: Iterable[UUID]) -> dict[UUID, Notice]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        rows = self.connection.execute(sa.select(notices).where(notices.c.id.in_(wanted)))
        return {
            r.id: Notice(r.id, r.event_source, r.event_id, r.event_type, r.topic, r.data, r.traceparent, r.tracestate)
            for r in rows
        }

    def add_fanout(self, notice_id: UUID, tell: int, role: str) -> None:
        self.add_fanouts([(notice_id, tell, role)])

    def add_fanouts(self, pending: list[tuple[UUID, int, str]]) -> None:
        rows = [{"notice_id": notice_id, "tell": tell, "role": role, "planned": 0} for notice_id, tell, role in pending]
        insert_new(self.connection, fanouts, rows)

    def next_fanout(self) -> FanOut | None:
        """The oldest unfinished fan-out, locked (another worker skips it rather than waiting)."""
        query = (
            sa.select(fanouts)
            .join(notices, notices.c.id == fanouts.c.notice_id)
            .where(fanouts.c.done_at.is_(None))
            .order_by(fanouts.c.last_error.is_not(None), notices.c.received_at)  # a failing one waits its turn
            .limit(1)
        )
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update(of=fanouts, skip_locked=True)
        row = self.connection.execute(query).first()
        return FanOut(row.notice_id, row.tell, row.role, row.cursor, row.planned) if row else None

    def advance(self, fanout: FanOut, cursor: str | None, planned: int, now: datetime) -> None:
        self.connection.execute(
            fanouts.update()
            .where(
                fanouts.c.notice_id == fanout.notice_id, fanouts.c.tell == fanout.tell, fanouts.c.role == fanout.role
            )
            .values(cursor=cursor, planned=fanout.planned + planned, done_at=None if cursor else now, last_error=None)
        )

    def fanout_failed(self, fanout: FanOut, error: str) -> None:
        self.connection.execute(
            fanouts.update()
            .where(
                fanouts.c.notice_id == fanout.notice_id, fanouts.c.tell == fanout.tell, fanouts.c.role == fanout.role
            )
            .values(last_error=error[:500])
        )

    def purge(self, before: datetime, now: datetime) -> int:
        """Forget the data of old events whose messages are all done (it names the people of the case)."""
        unfinished = sa.select(deliveries.c.id).where(
            deliveries.c.notice_id == notices.c.id, deliveries.c.status.not_in(FINAL)
        )
        fanning = sa.select(fanouts.c.notice_id).where(fanouts.c.notice_id == notices.c.id, fanouts.c.done_at.is_(None))
        statement = (
            notices.update()
            .where(notices.c.received_at < before, notices.c.purged_at.is_(None))
            .where(~unfinished.exists(), ~fanning.exists())
            .values(data={}, purged_at=now)
        )
        return int(self.connection.execute(statement).rowcount)
