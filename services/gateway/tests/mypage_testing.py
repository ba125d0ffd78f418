"""My page's test scene: the real notifications, challenges and panels services beside the proposals service
(each its own app on its own database, served on a local port), and a resident who took part in everything:
a proposal of her own (admitted, so the notifications service wrote her a message from the proposals service's
event), a proposal she supports, a vote in a budget round, a challenge of her group and a panel registration.

What the workers do (the admissibility check, the notifications consumer, the panels' eligibility check) is done
here by calling the same handlers with the events the services wrote to their outboxes, since no Kafka runs in
these tests."""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from budget_testing import VOTER, cast, open_round
from portal_testing import RESIDENT, ProposalsService, phase
from served import ServedService

from meemaken_events import Envelope
from meemaken_testkit.tokens import bearer

ANNA_SUB = "anna"
PANEL = {
    "question": "How should the old station square be used?",
    "theme": "public space",
    "mandate": "adviseren",
    "size": 6,
    "alternates": 2,
    "features": {"gender": {"female": {"min": 3, "max": 3}, "male": {"min": 3, "max": 3}}},
    "household_rule": True,
    "min_age": 16,
    "open_registration": True,
}


class Service(ServedService):
    """One service's real app (``package``: notifications, challenges, panels) on a database and a local port,
    with what it wrote to its outbox (the events its worker would read)."""

    def outbox(self) -> list[Envelope]:
        tables = importlib.import_module(f"{self.package}.adapters.tables")
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(tables.outbox.c.envelope).order_by(tables.outbox.c.id)).all()
        return [Envelope.from_json(r.envelope) for r in rows]


def outbox_of(engine: sa.Engine) -> list[Envelope]:
    from proposals.adapters.tables import outbox

    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.envelope).order_by(outbox.c.id)).all()
    return [Envelope.from_json(r.envelope) for r in rows]


def person_id(issuer: str, sub: str = ANNA_SUB) -> uuid.UUID:
    """The pseudonymous id the gateway gives ``sub`` of the test provider (the tests' pseudonym key)."""
    from gateway_testing import gateway_env

    from gateway.identity.pseudonyms import Pseudonyms
    from gateway.settings import GatewaySettings

    settings = GatewaySettings.from_env(gateway_env(issuer))
    return Pseudonyms(settings.pseudonym_key, settings.municipality).person_id(issuer, sub)


def deliver(events: list[Envelope], notifications: Service) -> None:
    """The notifications consumer's work on these events (its real handler, in its inbox transaction)."""
    from notifications.integration.incoming import handler

    on_event = handler(lambda: datetime.now(UTC))
    for envelope in events:
        with notifications.engine.begin() as conn:
            on_event(conn, envelope)


def my_scene(
    proposals: ProposalsService, notifications: Service, challenges: Service, panels: Service, me: uuid.UUID
) -> dict[str, str]:
    """Everything ``me`` took part in, and a neighbour's proposal she supports; the ids by name."""
    proposals.define("mobility-2027", "Mobility plan 2027", "adviseren")
    mine = proposals.submit("mobility-2027", "Safer school streets", author=me)
    proposals.admit(mine)
    theirs = proposals.submit("mobility-2027", "More benches on the market square")
    proposals.admit(theirs)
    supported = proposals.client.post(
        f"/api/v1/proposals/{theirs}/support", headers=bearer("proposals", "resident", sub=me, attrs=RESIDENT)
    )
    assert supported.status_code == 200, supported.get_json()
    deliver(outbox_of(proposals.engine), notifications)

    now = datetime.now(UTC)
    proposals.define(
        "budget-2027",
        "Citizens' budget 2027",
        "meebeslissen",
        kind="budget_round",
        support_threshold=None,
        phases=[phase("voting", now - timedelta(days=5), now + timedelta(days=25), "meebeslissen")],
    )
    small = [("Water fountains", 500_000, None, None), ("Book boxes", 200_000, None, None)]
    voted = open_round(proposals, "Small projects 2027", {"kind": "approval"}, small)
    cast(proposals, voted, {"projects": ["p1"]}, voter=me)
    open_round(proposals, "Not voted in", {"kind": "approval"}, small)

    officer = bearer("challenges", "case_officer")
    task = {
        "title": "Bicycle parking at the station",
        "description": "Opening, supervision and small repairs, today done by the municipality.",
        "department": "mobility",
        "current_yearly_cost_cents": 11_000_000,
        "budget_cents": 9_500_000,
        "profile": "flanders",
        "eligible_legal_forms": ["vzw"],
        "min_members": 3,
        "windows": [
            {"opens_at": (now - timedelta(days=10)).isoformat(), "closes_at": (now + timedelta(days=60)).isoformat()}
        ],
    }
    created = challenges.client.post("/api/v1/tasks", json=task, headers=officer)
    assert created.status_code == 201, created.get_json()
    group = {"name": "Fietspunt Station vzw", "legal_form": "vzw", "members_count": 12}
    opened = challenges.client.post(
        "/api/v1/challenges",
        json={"task_id": created.get_json()["id"], "group": group},
        headers=bearer("challenges", "group_representative", "resident", sub=me, attrs=VOTER),
    )
    assert opened.status_code == 201, opened.get_json()

    coordinator = bearer("panels", "panel_coordinator")
    panel = panels.client.post("/api/v1/panels", json=PANEL, headers=coordinator)
    assert panel.status_code == 201, panel.get_json()
    registration = {"channel": "open", "consent": True, "strata": {"gender": "female"}, "address": "Kerkstraat 1"}
    registered = panels.client.post(
        f"/api/v1/panels/{panel.get_json()['id']}/registrations",
        json=registration,
        headers=bearer("panels", "resident", sub=me, attrs={"age": 35, "resident": True}),
    )
    assert registered.status_code == 202, registered.get_json()
    from panels.integration.incoming import eligibility_handlers

    within = importlib.import_module("panels.bootstrap").unit_of_work_within(panels.settings)
    check = next(iter(eligibility_handlers(within).values()))
    for envelope in panels.outbox():
        if envelope.type.endswith("respondent.registered.v1"):
            with panels.engine.begin() as conn:
                check(conn, envelope)
    return {
        "mine": mine,
        "supported": theirs,
        "round": voted,
        "challenge": str(opened.get_json()["id"]),
        "panel": str(panel.get_json()["id"]),
    }


def gateway_services(
    proposals: ProposalsService, notifications: Service, challenges: Service, panels: Service
) -> dict[str, str]:
    """The gateway's environment pointing at the four services."""
    return {
        "PROPOSALS_BASE_URL": proposals.url,
        "NOTIFICATIONS_BASE_URL": notifications.url,
        "CHALLENGES_BASE_URL": challenges.url,
        "PANELS_BASE_URL": panels.url,
    }
