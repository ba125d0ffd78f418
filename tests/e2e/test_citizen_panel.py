"""Citizen panels end to end: the panels API and worker as processes, on real Kafka and PostgreSQL.

Every request carries a token as the gateway signs it. Residents register for themselves, with age and
residence from their login; registrations are admitted or refused by the worker's eligibility consumer,
after the `registered` event went through the broker; the worker hands the members' addresses to the
notifications service with its own credentials, so the letter to a selected member carries the address
given at registration. A Right to Challenge referral, published by the challenges service, opens an
advisory panel question in the panels service.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from helpers import read_topic, wait_for

from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import RESIDENT_ATTRS, bearer

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]
HOUR = 3600  # tokens that outlive a slow machine's test
COORDINATOR_ID = uuid.uuid4()
COORDINATOR = bearer("panels", "panel_coordinator", sub=COORDINATOR_ID, seconds=HOUR)
CASE_OFFICER = bearer("challenges", "case_officer", seconds=HOUR)
ADMIN = bearer("notifications", "administrator", seconds=HOUR)
QUOTAS = {"gender": {"female": {"min": 2, "max": 2}, "male": {"min": 2, "max": 2}}}


@pytest.fixture(scope="module")
def services(postgres_server_url, kafka_bootstrap, tmp_path_factory):
    def start(name, **env):
        return deploy(
            name,
            create_database(postgres_server_url, f"e2e_{name}_{uuid.uuid4().hex[:8]}"),
            kafka_bootstrap,
            tmp_path_factory.mktemp(name),
            {"WEB_CONCURRENCY": "1", "PANELS_PSEUDONYM_KEY": "e2e-secret", **env},
        )

    notifications = start("notifications")
    deployed = [start("panels", NOTIFICATIONS_BASE_URL=notifications.url), start("challenges"), notifications]
    yield {d.service: f"{d.url}/api/v1" for d in deployed}
    for d in deployed:
        assert d.stop() == [0, 0]


def register(url, panel, i, age=None, **changes):
    """Resident i registers for themselves; their age and residence come from their login."""
    body = {
        "address": f"Kerkstraat {i}",
        "channel": "open",
        "consent": True,
        "strata": {"gender": "female" if i % 2 else "male"},
        "contact": {"name": f"Resident {i}", "email": f"r{i}@example.org", "language": "nl"},
        **changes,
    }
    login = bearer("panels", "resident", attrs={"age": 30 + i if age is None else age, "resident": True}, seconds=HOUR)
    response = requests.post(f"{url}/panels/{panel}/registrations", json=body, headers=login, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()["pseudonym"]


def test_registrations_are_checked_by_the_worker_and_the_panel_is_drawn(services, kafka_bootstrap):
    url, notifications = services["panels"], services["notifications"]
    panel = requests.post(
        f"{url}/panels",
        headers=COORDINATOR,
        timeout=10,
        json={
            "question": "What should the new park offer?",
            "theme": "parks",
            "mandate": "adviseren",
            "size": 4,
            "alternates": 1,
            "features": QUOTAS,
            "open_registration": True,
        },
    ).json()["id"]
    admitted = [register(url, panel, i) for i in range(8)]
    too_young = register(url, panel, 99, age=12)
    forged = {"X-Meemaken-Role": "coordinator", "X-Meemaken-Actor": str(uuid.uuid4())}
    assert requests.post(f"{url}/panels/{panel}/close", headers=forged, timeout=10).status_code == 401

    def status(pseudonym):
        answer = requests.get(f"{url}/panels/{panel}/registrations/{pseudonym}", headers=COORDINATOR, timeout=10)
        return answer.json()["status"]

    wait_for(lambda: all(status(p) == "admitted" for p in admitted), timeout=120)
    assert wait_for(lambda: status(too_young) == "refused", timeout=30)

    assert requests.post(f"{url}/panels/{panel}/close", headers=COORDINATOR, timeout=10).status_code == 200
    lottery = requests.post(f"{url}/panels/{panel}/lottery", headers=COORDINATOR, json={"panels": 70}, timeout=10)
    assert lottery.status_code == 202 and lottery.json()["status"] == "computing", lottery.text
    committed = wait_for(lambda: requests.get(f"{url}/panels/{panel}", timeout=10).json()["commitment"], timeout=60)
    assert len(committed) == 64  # the worker computed the lottery and published its commitment
    drawn = requests.post(f"{url}/panels/{panel}/draw", headers=COORDINATOR, json={"number": 7}, timeout=10).json()
    assert len(drawn["selected"]) == 4 and len(drawn["alternate_members"]) == 1

    records = read_topic(
        kafka_bootstrap,
        "meemaken.panels.panel",
        lambda rs: sum(1 for r in rs if r.key.decode() == panel) >= 5 + 4 + 1,
    )
    ours = [r for r in records if r.key.decode() == panel]
    kinds = [dict(r.headers)["ce_type"].decode().split(".")[-2] for r in ours]
    assert kinds[:5] == ["set_up", "pool_closed", "lottery_requested", "lottery_committed", "drawn"]
    assert sorted(kinds[5:]) == ["alternate_selected"] + ["member_selected"] * 4
    assert not any(b"example.org" in r.value or b"Resident" in r.value for r in records)
    actors = {kind: json.loads(r.value).get("actor") for kind, r in zip(kinds, ours, strict=True)}  # binary mode
    assert actors["drawn"] == {"id": str(COORDINATOR_ID), "role": "panel_coordinator"}
    assert actors["lottery_committed"] is None  # the worker's own step

    # the worker handed the members' addresses over with its own credentials: their letters carry them
    member = drawn["selected"][0]
    number = admitted.index(member)

    def letter():
        query = {"recipient_id": member, "channel": "letter"}
        found = requests.get(f"{notifications}/deliveries", params=query, headers=ADMIN, timeout=10).json()
        for delivery in found:
            page = requests.get(f"{notifications}/letters/{delivery['id']}", headers=ADMIN, timeout=10)
            if page.status_code == 200:
                return page.text
        return None

    page = wait_for(letter, timeout=60)
    assert f"Resident {number}" in page and f"Kerkstraat {number}" in page

    audit = requests.get(f"{url}/panels/{panel}/audit", headers=bearer("panels", "administrator"), timeout=10).json()
    assert [e["action"] for e in audit] == ["set_up", "pool_closed", "lottery_requested", "drawn"]
    assert {e["actor"]["id"] for e in audit} == {str(COORDINATOR_ID)}


def test_a_challenge_referral_opens_an_advisory_panel(services):
    challenges, panels = services["challenges"], services["panels"]
    now = datetime.now(UTC)
    window = {"opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat()}
    task = requests.post(
        f"{challenges}/tasks",
        headers=CASE_OFFICER,
        timeout=10,
        json={
            "title": "Swimming pool De Vijver",
            "description": "Running the pool.",
            "department": "sport",
            "current_yearly_cost_cents": 1,
            "budget_cents": 1,
            "profile": "flanders",
            "min_members": 1,
            "windows": [window],
        },
    )
    assert task.status_code == 201, task.text
    representative = bearer("challenges", "group_representative", attrs=RESIDENT_ATTRS, seconds=HOUR)
    challenge = requests.post(
        f"{challenges}/challenges",
        headers=representative,
        timeout=10,
        json={
            "task_id": task.json()["id"],
            "group": {"name": "Zwemclub", "legal_form": "vzw", "members_count": 40},
            "submission": {
                "why_better": "We swim here daily.",
                "capacity_and_finances": "Forty members.",
                "local_support": "300 signatures.",
                "cost_estimate_cents": 100,
                "quality_guarantees": "Lifeguards.",
                "continuity_and_exit": "Six months' notice.",
            },
        },
    )
    assert challenge.status_code == 201, challenge.text
    challenge_id = challenge.json()["id"]
    submitted = requests.post(f"{challenges}/challenges/{challenge_id}/submit", headers=representative, timeout=10)
    submitted.raise_for_status()

    def in_assessment():
        c = requests.get(f"{challenges}/challenges/{challenge_id}", headers=CASE_OFFICER, timeout=10).json()
        return c["status"] == "in_assessment"

    assert wait_for(in_assessment, timeout=60)
    question = "Should the swimming club run the municipal pool?"
    referral = requests.post(
        f"{challenges}/challenges/{challenge_id}/panel-referral",
        headers=CASE_OFFICER,
        json={"question": question},
        timeout=10,
    )
    assert referral.status_code == 200, referral.text

    def opened():
        found = requests.get(f"{panels}/panels", timeout=10).json()  # public: no token
        return [p for p in found if p["referred_challenge_id"] == challenge_id]

    panel = wait_for(opened, timeout=60)[0]
    assert (panel["question"], panel["theme"], panel["mandate"]) == (question, "sport", "adviseren")
    # a coordinator scoped to the challenge's department works on the panel it opened
    sport = bearer("panels", "panel_coordinator", role_scopes={"panel_coordinator": ["department:sport"]})
    closing = requests.post(f"{panels}/panels/{panel['id']}/close", headers=sport, timeout=10)
    assert closing.status_code == 409 and "fewer than the panel size" in closing.json()["detail"]
