"""Use case: an event arrived; plan who hears about it, on which channel, in which language.

Runs in the consumer's transaction and only writes rows: in-app messages, queued deliveries for
the sender, letters to print, and a fan-out for recipients another service must list. Nothing here
waits on an SMTP server or another service, so a slow one never holds up event consumption.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from meemaken_events.wakeup import notify
from notifications.adapters.audiences import AudienceStore
from notifications.adapters.contacts import ContactStore
from notifications.adapters.deliveries import DeliveryLog
from notifications.adapters.notices import Notice, NoticeStore, new_notice
from notifications.adapters.sql import insert_new, inserted_keys
from notifications.adapters.tables import messages
from notifications.domain import people
from notifications.domain.delivery import idempotency_key
from notifications.domain.recipients import REMOTE_ROLES, audience_changes, audience_scopes, named_in_event
from notifications.domain.routing import ROUTES, Route, Tell
from notifications.domain.templates import Rendered, render

log = logging.getLogger(__name__)
FAN_OUT = 2  # the priority of a fan-out's e-mails (legally required 0, personal 1): sent after the others
PERSONAL_LANE = "meemaken_personal_email"  # NOTIFY at the commit of e-mails under FAN_OUT: the lane wakes at once


@dataclass(frozen=True)
class Incoming:
    """An event to plan, with what its handling runs within (its correlation and CONSUMER span, when batched)."""

    source: str
    event_id: str
    event_type: str
    data: dict[str, Any]
    now: datetime
    context: Callable[[], AbstractContextManager[object]] = nullcontext


def note_event(
    connection: sa.Connection, source: str, event_id: str, event_type: str, data: dict[str, Any], now: datetime
) -> int:
    """Plan the messages an event calls for; the number planned now (fan-outs follow in the worker)."""
    return note_events(connection, [Incoming(source, event_id, event_type, data, now)])[0]


def note_events(connection: sa.Connection, events: Sequence[Incoming]) -> list[int]:
    """``note_event`` of each event in turn, with the same rows, written set-wise: the notices in one statement,
    the audiences read once per run of events between two that change an audience (so each event sees the
    changes of those before it, as alone), the contacts in one read, the in-app messages and the deliveries in
    one statement each. Each event's log line is written within its `context`. The number planned of each."""
    routed: list[tuple[int, Route, Notice]] = []
    for index, event in enumerate(events):
        with event.context():
            route = ROUTES.get(event.event_type)
            if isinstance(route, Route):
                notice = new_notice(event.source, event.event_id, event.event_type, route.topic, event.data)
                routed.append((index, route, notice))
            elif route is None:
                log.warning(
                    "event type %s has no route: nobody is told (add it to the routing table)", event.event_type
                )
    store = NoticeStore(connection)
    fresh = store.add_many([(notice, events[index].now) for index, _, notice in routed])
    routed = [(index, route, notice) for index, route, notice in routed if notice.id in fresh]
    store.add_fanouts(
        [
            (notice.id, tell, role)
            for _, route, notice in routed
            for tell, told in enumerate(route.tells)
            for role in told.roles
            if role in REMOTE_ROLES
        ]
    )
    wanted = _people(connection, events, routed)
    contacts = ContactStore(connection).many(person for *_, people_ids in wanted for person in people_ids)
    inapp: list[tuple[int, dict[str, Any]]] = []
    queued: list[tuple[int, dict[str, Any]]] = []
    for index, notice, tell, role, people_ids in wanted:
        rows = _rows(notice, tell, role, people_ids, contacts, events[index].now)
        inapp += [(index, row) for row in rows[0]]
        queued += [(index, row) for row in rows[1]]
    if any(_wakes_the_lane(row) for _, row in queued):
        notify(connection, PERSONAL_LANE)  # delivered at the consumer's commit, never for a rolled-back one
    written = set(inserted_keys(connection, messages, [row for _, row in inapp]))
    written |= DeliveryLog(connection).plan_keys([row for _, row in queued])
    planned = [0] * len(events)
    for index, row in [*inapp, *queued]:
        planned[index] += row["id"] in written
    for index, route, notice in routed:
        fanouts = sum(role in REMOTE_ROLES for tell in route.tells for role in tell.roles)
        with events[index].context():
            log.info(
                "event %s (%s): %d messages planned, %d fan-outs",
                notice.event_id,
                notice.event_type,
                planned[index],
                fanouts,
            )
    return planned


def _people(
    connection: sa.Connection, events: Sequence[Incoming], routed: list[tuple[int, Route, Notice]]
) -> list[tuple[int, Notice, Tell, str, list[str]]]:
    """Who each routed event's local roles reach, in the events' order; each event's audience changes applied
    before the audiences are read for it, and after they are read for the events before it."""
    notices = {index: (route, notice) for index, route, notice in routed}
    audience = AudienceStore(connection)
    found: list[tuple[int, Notice, Tell, str, list[str]]] = []
    run: list[tuple[int, Notice, Tell, str]] = []

    def read_run() -> None:
        members = audience.members_of_many([(audience_scopes(role, notice.data), role) for _, notice, _, role in run])
        for (index, notice, tell, role), kept in zip(run, members, strict=True):
            named = named_in_event(role, notice.event_type, notice.data)  # the event's own, then the role's holders
            found.append((index, notice, tell, role, list(dict.fromkeys([*named, *kept]))))
        run.clear()

    for index, event in enumerate(events):
        changes = audience_changes(event.event_type, event.data)
        if changes:
            read_run()
            audience.apply(changes, event.now)
        if index in notices:
            route, notice = notices[index]
            run += [
                (index, notice, tell, role) for tell in route.tells for role in tell.roles if role not in REMOTE_ROLES
            ]
    read_run()
    return found


def plan_for(
    connection: sa.Connection, notice: Notice, tell: Tell, role: str, person_ids: list[str], now: datetime
) -> int:
    """In-app messages and deliveries for these people, by their preferences; duplicates are skipped."""
    inapp, queued = _rows(notice, tell, role, person_ids, ContactStore(connection).many(person_ids), now)
    if any(_wakes_the_lane(row) for row in queued):
        notify(connection, PERSONAL_LANE)  # delivered at the consumer's commit, never for a rolled-back one
    return insert_new(connection, messages, inapp) + DeliveryLog(connection).plan(queued)


def _wakes_the_lane(delivery: dict[str, Any]) -> bool:
    return bool(delivery["priority"] < FAN_OUT and delivery["channel"] == "email" and delivery["status"] == "queued")


def _rows(
    notice: Notice,
    tell: Tell,
    role: str,
    person_ids: list[str],
    contacts: dict[str, people.Contact],
    now: datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The in-app messages and the deliveries for these people, by their preferences."""
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
    return inapp, queued


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
