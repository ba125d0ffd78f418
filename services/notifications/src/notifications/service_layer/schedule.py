"""Use cases on a schedule: bundle held messages into digests, and purge the delivery log.

Both keep their state in the database (held rows, digest rows with a unique key, purge marks), so
a worker that was down catches up on its next run and never sends a digest twice.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, tzinfo
from itertools import groupby

import sqlalchemy as sa

from notifications.adapters.deliveries import DeliveryLog
from notifications.adapters.notices import NoticeStore
from notifications.domain.delivery import idempotency_key
from notifications.domain.digest import last_closed_period_end, period_name, period_start

log = logging.getLogger(__name__)


def build_digests(engine: sa.Engine, now: datetime, zone: tzinfo) -> int:
    """One digest per person and closed period, holding that period's messages; the number built."""
    built = 0
    for cadence in ("daily", "weekly"):
        end = last_closed_period_end(cadence, now, zone)
        with engine.begin() as conn:
            store = DeliveryLog(conn)
            held = store.held(cadence, end)
            by_period = groupby(held, key=lambda r: (r.recipient_id, period_start(cadence, r.created_at, zone)))
            for (recipient, start), rows in by_period:
                ids = [r.id for r in rows]
                name = period_name(cadence, start)
                digest_id = uuid.uuid4()
                key = idempotency_key("meemaken:digest", name, recipient, str(ids[0]))  # once: held rows move on
                row = {
                    "id": digest_id,
                    "key": key,
                    "notice_id": None,
                    "recipient_id": recipient,
                    "role": "digest",
                    "template": "digest",
                    "channel": "email",
                    "legally_required": False,
                    "priority": 1,
                    "status": "queued",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "period": name,
                }
                if store.plan([row]):
                    store.bundle(digest_id, ids)
                    built += 1
    if built:
        log.info("%d digests built", built)
    return built


def purge_delivery_log(engine: sa.Engine, now: datetime, retention: timedelta) -> int:
    with engine.begin() as conn:
        purged = DeliveryLog(conn).purge(now - retention, now)
        NoticeStore(conn).purge(now - retention, now)
    if purged:
        log.info("delivery log: personal data of %d deliveries purged", purged)
    return purged
