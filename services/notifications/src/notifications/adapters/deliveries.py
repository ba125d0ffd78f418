"""The delivery log: plan, claim what is due, record what happened, bundle digests, purge."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from notifications.adapters.sql import insert_new, inserted_keys
from notifications.adapters.tables import deliveries
from notifications.domain.delivery import FINAL, Outcome


@dataclass(frozen=True)
class Due:
    id: UUID
    notice_id: UUID | None
    recipient_id: str
    role: str
    template: str
    attempts: int
    period: str | None


class DeliveryLog:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def plan(self, rows: list[dict[str, Any]]) -> int:
        """Add deliveries; those whose idempotency key exists already are skipped."""
        return insert_new(self.connection, deliveries, rows)

    def plan_keys(self, rows: list[dict[str, Any]]) -> set[UUID]:
        """The same, answering the ids of the deliveries added."""
        return set(inserted_keys(self.connection, deliveries, rows))

    def claim_due(self, now: datetime, limit: int, lease_until: datetime, below: int | None = None) -> list[Due]:
        """Due e-mails, best first, marked `sending` until `lease_until` (a worker that dies mid-send leaves
        them to be claimed again then). Rows another worker holds are skipped, not awaited. `below`: only
        those of a priority under it (the lane that fan-outs never fill)."""
        d = deliveries.c
        query = (
            sa.select(d.id)
            .where(d.channel == "email", d.status.in_(("queued", "sending")), d.next_attempt_at <= now)
            .order_by(d.priority, d.next_attempt_at)
            .limit(limit)
        )
        if below is not None:
            query = query.where(d.priority < below)
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(self.connection.execute(query).scalars())
        if not ids:
            return []
        claimed = self.connection.execute(
            deliveries.update()
            .where(d.id.in_(ids))
            .values(status="sending", attempts=d.attempts + 1, next_attempt_at=lease_until)
            .returning(d.id, d.notice_id, d.recipient_id, d.role, d.template, d.attempts, d.period)
        )
        return [Due(*row) for row in claimed]

    def record(self, outcomes: dict[UUID, Outcome], now: datetime) -> None:
        """What became of a batch: the sent ones in one statement (a fan-out's batch, nearly always all of it),
        the others (retried, bounced, failed) one row each."""
        sent = [delivery_id for delivery_id, o in outcomes.items() if o.status == "sent"]
        if sent:
            self.connection.execute(
                deliveries.update()
                .where(deliveries.c.id.in_(sent))
                .values(status="sent", next_attempt_at=None, last_error=None, sent_at=now)
            )
        rows = [
            {
                "b_id": delivery_id,
                "b_status": o.status,
                "b_next": o.next_attempt_at,
                "b_error": o.last_error[:500] if o.last_error else None,
                "b_sent": None,
            }
            for delivery_id, o in outcomes.items()
            if o.status != "sent"
        ]
        if not rows:
            return
        statement = (
            deliveries.update()
            .where(deliveries.c.id == sa.bindparam("b_id"))
            .values(
                status=sa.bindparam("b_status"),
                next_attempt_at=sa.bindparam("b_next"),
                last_error=sa.bindparam("b_error"),
                sent_at=sa.bindparam("b_sent"),
            )
        )
        self.connection.execute(statement, rows)

    def held(self, cadence: str, before: datetime) -> list[sa.Row]:
        d = deliveries.c
        query = (
            sa.select(d.id, d.recipient_id, d.created_at)
            .where(d.status == "held", d.period == cadence, d.created_at < before)
            .order_by(d.recipient_id, d.created_at)
        )
        return list(self.connection.execute(query))

    def bundle(self, digest_id: UUID, held_ids: list[UUID]) -> None:
        self.connection.execute(
            deliveries.update()
            .where(deliveries.c.id.in_(held_ids), deliveries.c.status == "held")
            .values(status="digested", digest_id=digest_id)
        )

    def in_digest(self, digest_id: UUID) -> list[sa.Row]:
        d = deliveries.c
        query = sa.select(d.notice_id, d.template, d.role).where(d.digest_id == digest_id).order_by(d.created_at)
        return list(self.connection.execute(query))

    def listing(self, filters: dict[str, Any], limit: int, offset: int) -> list[sa.Row]:
        d = deliveries.c
        query = sa.select(deliveries).order_by(d.created_at.desc(), d.id).limit(limit).offset(offset)
        for name in ("status", "channel", "recipient_id", "notice_id"):
            if filters.get(name) is not None:
                query = query.where(d[name] == filters[name])
        return list(self.connection.execute(query))

    def get(self, delivery_id: UUID) -> sa.Row | None:
        return self.connection.execute(sa.select(deliveries).where(deliveries.c.id == delivery_id)).first()

    def mark_printed(self, delivery_id: UUID, printed_by: str, now: datetime) -> None:
        """A letter printed and posted, by whom (an administrator's pseudonymous id)."""
        self.connection.execute(
            deliveries.update()
            .where(deliveries.c.id == delivery_id)
            .values(status="sent", sent_at=now, printed_by=printed_by)
        )

    def purge(self, before: datetime, now: datetime) -> int:
        """Forget who a finished delivery went to, and its error text (it may quote an address)."""
        d = deliveries.c
        return int(
            self.connection.execute(
                deliveries.update()
                .where(d.status.in_(FINAL), d.created_at < before, d.purged_at.is_(None))
                .values(recipient_id=None, last_error=None, purged_at=now)
            ).rowcount
        )

    def counts(self, statuses: Iterable[str]) -> dict[str, int]:
        d = deliveries.c
        rows = self.connection.execute(
            sa.select(d.status, sa.func.count()).where(d.status.in_(list(statuses))).group_by(d.status)
        )
        return {status: int(n) for status, n in rows}
