"""Citizen panels end to end: the panels API and worker as processes, on real Kafka and PostgreSQL.

Registrations are admitted or refused by the worker's eligibility consumer, after the `registered`
event went through the broker; a Right to Challenge referral, published by the challenges service,
opens an advisory panel question in the panels service.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from helpers import read_topic, wait_for

from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]
COORDINATOR = {"X-Meemaken-Role": "coordinator", "X-Meemaken-Actor": str(uuid.uuid4())}
OFFICIAL = {"X-Meemaken-Role": "official", "X-Meemaken-Actor": str(uuid.uuid4())}
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


def register(url, panel, i, **changes):
    body = {
        "identity": f"register-{i}",
        "address": f"Kerkstraat {i}",
        "channel": "letter",
        "consent": True,
        "age": 30 + i,
        "resident": True,
        "strata": {"gender": "female" if i % 2 else "male"},
        "contact": {"name": f"Resident {i}", "email": f"r{i}@example.org", "language": "nl"},
        **changes,
    }
    response = requests.post(f"{url}/panels/{panel}/registrations", json=body, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()["pseudonym"]


def test_registrations_are_checked_by_the_worker_and_the_panel_is_drawn(services, kafka_bootstrap):
    url = services["panels"]
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
        },
    ).json()["id"]
    admitted = [register(url, panel, i) for i in range(8)]
    ops = {"X-Meemaken-Role": "administrator", "X-Meemaken-Actor": str(uuid.uuid4())}

    def contact(pseudonym):
        found = requests.get(f"{services['notifications']}/people/{pseudonym}/contact", headers=ops, timeout=10)
        return found.json() if found.status_code == 200 else None

    shared = wait_for(lambda: contact(admitted[3]), timeout=30)  # the panels worker hands addresses over
    assert shared["email"] == "r3@example.org" and shared["postal_address"][0] == "Resident 3"
    too_young = register(url, panel, 99, age=12)

    def status(pseudonym):
        return requests.get(f"{url}/panels/{panel}/registrations/{pseudonym}", timeout=10).json()["status"]

    wait_for(lambda: all(status(p) == "admitted" for p in admitted), timeout=60)
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
    kinds = [dict(r.headers)["ce_type"].decode().split(".")[-2] for r in records if r.key.decode() == panel]
    assert kinds[:5] == ["set_up", "pool_closed", "lottery_requested", "lottery_committed", "drawn"]
    assert sorted(kinds[5:]) == ["alternate_selected"] + ["member_selected"] * 4
    assert not any(b"example.org" in r.value or b"Resident" in r.value for r in records)


def test_a_challenge_referral_opens_an_advisory_panel(services):
    challenges, panels = services["challenges"], services["panels"]
    now = datetime.now(UTC)
    window = {"opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat()}
    task = requests.post(
        f"{challenges}/tasks",
        headers=OFFICIAL,
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
    ).json()["id"]
    resident = {"X-Meemaken-Role": "resident", "X-Meemaken-Actor": str(uuid.uuid4())}
    challenge = requests.post(
        f"{challenges}/challenges",
        headers=resident,
        timeout=10,
        json={
            "task_id": task,
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
    ).json()["id"]
    requests.post(f"{challenges}/challenges/{challenge}/submit", headers=resident, timeout=10).raise_for_status()

    def in_assessment():
        c = requests.get(f"{challenges}/challenges/{challenge}", headers=OFFICIAL, timeout=10).json()
        return c["status"] == "in_assessment"

    assert wait_for(in_assessment, timeout=60)
    question = "Should the swimming club run the municipal pool?"
    referral = requests.post(
        f"{challenges}/challenges/{challenge}/panel-referral", headers=OFFICIAL, json={"question": question}, timeout=10
    )
    assert referral.status_code == 200, referral.text

    def opened():
        return [
            p for p in requests.get(f"{panels}/panels", timeout=10).json() if p["referred_challenge_id"] == challenge
        ]

    panel = wait_for(opened, timeout=60)[0]
    assert (panel["question"], panel["theme"], panel["mandate"]) == (question, "sport", "adviseren")
