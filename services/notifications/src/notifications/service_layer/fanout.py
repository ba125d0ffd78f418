"""Use case: plan the messages for recipients another service lists (a round's voters), one page per step.

Each step is one transaction: fetch a page, plan its deliveries, move the cursor. A worker that
stops mid-way resumes from the cursor; a page planned twice plans nothing twice (idempotency keys).
Steps alternate with the rest of the worker's work, so a fan-out to 150,000 voters never holds up
the message about a challenge that arrives meanwhile.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from meemaken_events import TransientError
from notifications.adapters.notices import NoticeStore
from notifications.domain.routing import ROUTES, Route
from notifications.service_layer.planning import plan_for
from notifications.service_layer.ports import RemoteRecipients

log = logging.getLogger(__name__)


def fan_out_step(engine: sa.Engine, recipients: RemoteRecipients, now: datetime, page_size: int = 5000) -> int:
    """Plan one page of one pending fan-out: the number of people in it; 0 when nothing is pending, -1 when
    the service that lists the people could not be reached (the caller backs off)."""
    with engine.begin() as conn:
        store = NoticeStore(conn)
        fanout = store.next_fanout()
        if fanout is None:
            return 0
        notice = store.many([fanout.notice_id])[fanout.notice_id]
        route = ROUTES[notice.event_type]
        assert isinstance(route, Route)
        tell = route.tells[fanout.tell]
        try:
            people, cursor = recipients.page(fanout.role, notice.data, fanout.cursor, page_size)
        except TransientError as exc:  # the other service is away: this fan-out waits, others go first
            store.fanout_failed(fanout, f"{type(exc).__name__}: {exc}")
            log.warning("fan-out of event %s (%s) waits: %s", notice.event_id, fanout.role, type(exc).__name__)
            return -1
        except KeyError as exc:  # the event lacks what names its recipients: nothing to retry
            store.advance(fanout, None, 0, now)
            store.fanout_failed(fanout, f"the event has no {exc}")
            log.error("fan-out of event %s (%s) given up: the event has no %s", notice.event_id, fanout.role, exc)
            return 0
        planned = plan_for(conn, notice, tell, fanout.role, people, now)
        store.advance(fanout, cursor, planned, now)
    if cursor is None:
        log.info("fan-out of event %s to %s done", notice.event_id, fanout.role)
    return len(people) or 1
