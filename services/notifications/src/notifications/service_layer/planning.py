"""Use case: an event arrived; plan who hears about it, on which channel, in which language.

Runs in the consumer's transaction and only writes rows: in-app messages, queued deliveries for
the sender, letters to print, and a fan-out for recipients another service must list. Nothing here
waits on an SMTP server or another service, so a slow one never holds up event consumption.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from meemaken_events.wakeup import notify
from notifications.adapters.audiences import AudienceStore
from notifications.adapters.contacts import ContactStore
from notifications.adapters.deliveries import DeliveryLog
from notifications.adapters.notices import Notice, NoticeStore
from notifications.adapters.sql import insert_new
from notifications.adapters.tables import messages
from notifications.domain import people
from notifications.domain.delivery import idempotency_key
from notifications.domain.recipients import REMOTE_ROLES, audience_changes, audience_scopes, named_in_event
from notifications.domain.routing import ROUTES, Route, Tell
from notifications.domain.templates import Rendered, render

log = logging.getLogger(__name__)
FAN_OUT = 2  # the priority of a fan-out's e-mails (legally required 0, personal 1): sent after the others
PERSONAL_LANE = "meemaken_personal_email"  # NOTIFY at the commit of e-mails under FAN_OUT: the lane wakes at once


def note_event(
    connection: sa.Connection, source: str, event_id: str, event_type: str, data: dict[str, Any], now: datetime
) -> int:
    """Plan the messages an event calls for; the number planned now (fan-outs follow in the worker)."""
    AudienceStore(connection).apply(audience_changes(event_type, data), now)
    route = ROUTES.get(event_type)
    if not isinstance(route, Route):
        if route is None:
            log.warning("event type %s has no route: nobody is told (add it to the routing table)", event_type)
        return 0
    notice = NoticeStore(connection).add(source, event_id, event_type, route.topic, data, now)
    if notice is None:
        return 0
    planned = 0
    for index, tell in enumerate(route.tells):
        for role in tell.roles:
            if role in REMOTE_ROLES:
                NoticeStore(connection).add_fanout(notice.id, index, role)
                continue
            named = named_in_event(role, event_type, data)  # the event's own, then who else holds the role
            kept = AudienceStore(connection).members(audience_scopes(role, data), role)
            people_ids = list(dict.fromkeys([*named, *kept]))
            planned += plan_for(connection, notice, tell, role, people_ids, now)
    fanouts = sum(role in REMOTE_ROLES for tell in route.tells for role in tell.roles)
    log.info("event %s (%s): %d messages planned, %d fan-outs", event_id, event_type, planned, fanouts)
    return planned


def plan_for(
    connection: sa.Connection, notice: Notice, tell: Tell, role: str, person_ids: list[str], now: datetime
) -> int:
    """In-app messages and deliveries for these people, by their preferences; duplicates are skipped."""
    contacts = ContactStore(connection).many(person_ids)
    rendered: dict[str, tuple[Rendered, str]] = {}  # once per language, not once per person (a fan-out's page)
    inapp: list[dict[str, Any]] = []
    queued: list[dict[str, Any]] = []
    priority = 0 if tell.legally_required else FAN_OUT if role in REMOTE_ROLES else 1
    for person in person_ids:
        contact = contacts.get(person)
        inbox = _inbox_id(person)
        plan = people.plan(tell, notice.topic, contact, has_inbox=inbox is not None)
        language = contact.preferences.language if contact else people.Preferences().language
        for channel in plan.channels:
            if channel == "inapp" and inbox is not None:
                if language not in rendered:
                    message = render(tell.template, notice.event_type, notice.data, language, role)
                    rendered[language] = (message, message.text())
                inapp.append(_message(notice, inbox, tell.template, *rendered[language], now))
            elif channel in ("email", "letter"):
                held = channel == "email" and plan.held_for_digest
                queued.append(
                    {
                        "id": uuid.uuid4(),
                        "key": idempotency_key(notice.event_source, notice.event_id, person, channel),
                        "notice_id": notice.id,
                        "recipient_id": person,
                        "role": role,
                        "template": tell.template,
                        "channel": channel,
                        "legally_required": tell.legally_required,
                        "priority": priority,
                        "status": "held" if held else "queued",
                        "attempts": 0,
                        "next_attempt_at": None if held or channel == "letter" else now,
                        "created_at": now,
                        "period": contact.preferences.digest if held and contact else None,
                    }
                )
    if priority < FAN_OUT and any(q["channel"] == "email" and q["status"] == "queued" for q in queued):
        notify(connection, PERSONAL_LANE)  # delivered at the consumer's commit, never for a rolled-back one
    return insert_new(connection, messages, inapp) + DeliveryLog(connection).plan(queued)


def _message(notice: Notice, recipient: UUID, kind: str, r: Rendered, body: str, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "recipient_id": recipient,
        "kind": kind,
        "language": r.language,
        "subject": r.subject[:300],
        "body": body,
        "event_source": notice.event_source,
        "event_id": notice.event_id,
        "created_at": now,
        "read_at": None,
    }


def _inbox_id(person: str) -> UUID | None:
    """Residents and officials with an account have a UUID and an inbox; a panel pseudonym has neither."""
    try:
        return UUID(person)
    except ValueError:
        return None
