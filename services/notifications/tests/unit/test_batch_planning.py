"""A polled batch's events planned together (integration.incoming.PLANS, the consumers' batch_scope) give the
same rows, the same log lines and the same counts as the same events planned one by one, on SQLite and
PostgreSQL: messages in each person's language, deliveries by preferences, a replayed event planned once, and
panel members who join or leave between two events of the batch heard of only by the events after they joined."""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from notifications_builders import NOW, PANELS, PROPOSALS, proposal_event, pseudonym, rejected, sample

from meemaken_events import Envelope
from notifications.adapters.audiences import AudienceStore
from notifications.adapters.contacts import ContactStore
from notifications.adapters.tables import audiences, deliveries, fanouts, messages, notices
from notifications.domain.people import Contact, Preferences
from notifications.integration.incoming import PLANS, handler

P = "org.meemaken.panels.panel."
DELIVERY = ("key", "recipient_id", "role", "template", "channel", "legally_required", "priority", "status")
DELIVERY += ("next_attempt_at", "created_at", "period")


def panel(name: str, panel_id: str, member: str, **details: Any) -> Envelope:
    data = sample(f"{P}{name}.v1") | {"panel_id": panel_id}
    data["details"] = data["details"] | ({"pseudonym": member} if "pseudonym" in data["details"] else {}) | details
    return PANELS.create(f"{P}{name}.v1", panel_id, data)


def people_and_events(engine: sa.Engine) -> list[Envelope]:
    """Contacts in three languages and on every channel, a challenge's followers and a department's officials
    (committed), and the batch: a challenge decided (and the same event again), work for the department, a
    panel whose members change between its events, proposals (one noticed before the batch), a round's results."""
    rep, co, follower, official, author, answered_author = (uuid.uuid4() for _ in range(6))
    member, later, gone = pseudonym(), pseudonym(), pseudonym()
    decided = rejected(rep, co_initiator_ids=[str(co)])
    challenge = f"challenge:{decided.data['challenge_id']}"
    panel_id = str(uuid.uuid4())
    noticed_before = proposal_event("admitted", author)
    with engine.begin() as conn:
        contacts = ContactStore(conn)
        contacts.put(Contact(str(rep), "rep@example.org", (), Preferences("fr", ("inapp", "email"))), NOW)
        contacts.put(Contact(str(co), "co@example.org", (), Preferences("nl", ("inapp", "email"), "daily")), NOW)
        contacts.put(Contact(str(follower), None, ("Markt 1", "Gent"), Preferences("en", ("letter",))), NOW)
        contacts.put(Contact(member, "m@example.org", (), Preferences("nl", ("email",))), NOW)
        contacts.put(Contact(later, "l@example.org", (), Preferences("fr", ("email",))), NOW)
        store = AudienceStore(conn)
        store.join(challenge, "followers", str(follower), NOW)
        store.join(challenge, "co_initiators", str(co), NOW)
        store.join("department:mobility", "department_queue", str(official), NOW)
        store.join(f"panel:{panel_id}", "selected_members", gone, NOW)
        handler(lambda: NOW)(conn, noticed_before)
    work = PROPOSALS.create(
        "org.meemaken.proposals.proposal.answered.v1",
        str(uuid.uuid4()),
        sample("org.meemaken.proposals.proposal.answered.v1") | {"author_id": str(answered_author)},
    )
    results = sample("org.meemaken.proposals.round.results_published.v1")
    return [
        decided,
        proposal_event("submitted", author, submitted_at=NOW.isoformat()),  # silent
        panel("session_planned", panel_id, member),  # before `member` joins: `gone` only
        panel("member_selected", panel_id, member),
        panel("session_planned", panel_id, member),  # `gone` and `member`
        panel("member_replaced", panel_id, later, replaces=gone),
        panel("composition_final", panel_id, member),  # `member` and `later`
        panel("member_declined", panel_id, member),
        panel("session_planned", panel_id, member),  # `later` only
        decided,  # the same event again: planned once
        noticed_before,  # noticed before the batch: nothing again
        proposal_event("admitted", author),
        work,
        PROPOSALS.create("org.meemaken.proposals.round.results_published.v1", results["round_id"], results),
    ]


def content(values: Any) -> str:
    return json.dumps(list(values), sort_keys=True, default=str)


def planned(engine: sa.Engine, events: list[Envelope], together: bool, caplog: Any) -> dict[str, Any]:
    """The rows and log lines the events leave, planned in one transaction, which is then rolled back; each
    event's own ids (message, notice, delivery) left out, the rows counted by their content."""
    order: dict[str, int] = {}
    for index, event in enumerate(events):
        order.setdefault(event.id, index)
    caplog.clear()
    with engine.connect() as conn, conn.begin() as transaction, caplog.at_level(logging.INFO):
        on_event = handler(lambda: NOW + timedelta(seconds=1))
        if together:
            with PLANS.scope(conn):
                for event in events:
                    on_event(conn, event)
        else:
            for event in events:
                on_event(conn, event)
        event_of = {r.id: r.event_id for r in conn.execute(sa.select(notices.c.id, notices.c.event_id))}
        found = {
            "messages": Counter(content(r[1:]) for r in conn.execute(sa.select(messages))),
            "deliveries": Counter(
                (event_of[r.notice_id], *(r._mapping[k] for k in DELIVERY)) for r in conn.execute(sa.select(deliveries))
            ),
            "notices": Counter(content(r[1:]) for r in conn.execute(sa.select(notices))),
            "fanouts": Counter((event_of[r.notice_id], *r[1:]) for r in conn.execute(sa.select(fanouts))),
            "audiences": Counter((r.scope, r.role, r.person_id) for r in conn.execute(sa.select(audiences))),
        }
        found["languages"] = Counter(conn.execute(sa.select(messages.c.language)).scalars())
        found["statuses"] = Counter(
            tuple(r) for r in conn.execute(sa.select(deliveries.c.channel, deliveries.c.status))
        )
        transaction.rollback()
    lines = [r.getMessage() for r in caplog.records if r.name == "notifications.service_layer.planning"]
    found["log"] = sorted(lines, key=lambda line: order[line.split()[1]])
    return found


def test_a_batch_plans_the_same_rows_as_its_events_one_by_one(engine, caplog):
    events = people_and_events(engine)
    alone = planned(engine, events, together=False, caplog=caplog)
    together = planned(engine, events, together=True, caplog=caplog)
    assert together == alone
    assert alone["languages"] == {"nl": 4, "fr": 1}  # the representative's French, the default Dutch
    assert alone["statuses"] == {("email", "queued"): 9, ("letter", "queued"): 1}
    assert len(alone["notices"]) == 11 and len(alone["fanouts"]) == 1  # 10 new, none of the silent ones, 1 before
    told = [line.split(": ")[1].split()[0] for line in alone["log"]]
    assert told == ["5", "0", "1", "1", "2", "2", "1", "1", "1", "0"]  # the panel's members as they were then
