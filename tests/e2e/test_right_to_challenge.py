"""Right to Challenge end to end: the challenges API and worker as processes, on real Kafka and PostgreSQL.

Each path is driven over HTTP the way the gateway does, with the tokens it signs (the development
key): a group's representative, a case officer, an assessor, the decision body. The gate check
happens because the `submitted` event went through the broker to the worker's consumer. The event
sequence, and who acted in each event, is read back from the Kafka topic itself.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from helpers import headers_of, read_topic, wait_for

from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import RESIDENT_ATTRS, bearer

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]
TOPIC = "meemaken.challenges.challenge"
PREFIX = "org.meemaken.challenges.challenge."
NOW = datetime.now(UTC)
SUBMISSION = {
    "why_better": "We run the community centre next door and can open the library on Sundays.",
    "capacity_and_finances": "Twelve volunteers, two part-time staff, a reserve of 40 000 euro.",
    "local_support": "412 signatures and the minutes of two neighbourhood meetings.",
    "cost_estimate_cents": 9_500_000,
    "quality_guarantees": "Opening hours at least as today; yearly survey of users.",
    "continuity_and_exit": "Six months' notice; staff and keys return to the municipality.",
}


@pytest.fixture(scope="module")
def service(postgres_server_url, kafka_bootstrap, tmp_path_factory):
    database = create_database(postgres_server_url, f"e2e_challenges_{uuid.uuid4().hex[:8]}")
    deployed = deploy(
        "challenges", database, kafka_bootstrap, tmp_path_factory.mktemp("challenges"), {"WEB_CONCURRENCY": "1"}
    )
    yield f"{deployed.url}/api/v1"
    assert deployed.stop() == [0, 0]


class Actors:
    """One person per role, each with the token the gateway would send (an hour, for slow machines)."""

    ROLES = ("case_officer", "group_representative", "assessor", "decision_body", "administrator")

    def __init__(self, url):
        self.url = url
        self.ids = {role: uuid.uuid4() for role in self.ROLES}
        self.headers = {
            role: bearer(
                "challenges",
                role,
                sub=self.ids[role],
                attrs=RESIDENT_ATTRS if role == "group_representative" else None,
                seconds=3600,
            )
            for role in self.ROLES
        }

    def post(self, path, role, body=None):
        response = requests.post(f"{self.url}{path}", json=body or {}, headers=self.headers[role], timeout=10)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()

    def get(self, path, role):
        response = requests.get(f"{self.url}{path}", headers=self.headers[role], timeout=10)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    def status(self, challenge):
        return self.get(f"/challenges/{challenge}", "case_officer")["status"]


def open_challenge(actors, profile, **task):
    window = {"opens_at": (NOW - timedelta(days=1)).isoformat(), "closes_at": (NOW + timedelta(days=30)).isoformat()}
    task_id = actors.post(
        "/tasks",
        "case_officer",
        {
            "title": "Library De Linde",
            "description": "Running the library.",
            "department": "culture",
            "current_yearly_cost_cents": 12_000_000,
            "budget_cents": 11_000_000,
            "profile": profile,
            "eligible_legal_forms": ["vzw", "stichting", "charity"],
            "min_members": 5,
            "windows": [window],
            **task,
        },
    )["id"]
    group = {"name": "Buurtwerking De Linde", "legal_form": "vzw", "members_count": 35}
    body = {"task_id": task_id, "group": group, "submission": SUBMISSION}
    challenge = actors.post("/challenges", "group_representative", body)["id"]
    actors.post(f"/challenges/{challenge}/submit", "group_representative")
    return challenge


def assess(actors, challenge, value):
    """Each criterion of the case's own set: scored where the set is weighted, considered in words (no
    value) where it is not (England's Localism Act)."""
    actors.post(f"/challenges/{challenge}/assessors", "case_officer", {"assessor_id": str(actors.ids["assessor"])})
    code = actors.get(f"/challenges/{challenge}", "case_officer")["criteria_set"]
    [criteria] = [c for c in actors.get("/rules/criteria-sets", "case_officer") if c["code"] == code]
    for criterion in criteria["criteria"]:
        scored = value if criteria["scoring"] == "weighted" else None
        actors.post(
            f"/challenges/{challenge}/scores",
            "assessor",
            {"criterion": criterion["code"], "value": scored, "motivation": f"{criterion['code']}: as argued."},
        )
    gates = {c: {"passed": True, "motivation": "Checked."} for c in ("legally_feasible", "no_harm", "not_frivolous")}
    actors.post(f"/challenges/{challenge}/decision-proposal", "case_officer", {"gates": gates})


def records_on_kafka(bootstrap, challenge, last):
    """(event name, data) of the challenge's events on the topic, once `last` has arrived."""
    key = challenge.encode()
    records = read_topic(
        bootstrap,
        TOPIC,
        lambda rs: any(r.key == key and headers_of(r)["ce_type"].decode() == PREFIX + last + ".v1" for r in rs),
        timeout=30,
    )
    return [(headers_of(r)["ce_type"].decode()[len(PREFIX) : -3], json.loads(r.value)) for r in records if r.key == key]


def events_on_kafka(bootstrap, challenge, last):
    names = [name for name, _ in records_on_kafka(bootstrap, challenge, last)]
    return [n for n in dict.fromkeys(names) if n not in ("draft_saved", "scored", "assessor_assigned")]


@pytest.mark.parametrize("profile", ["flanders", "netherlands", "uk"])
def test_the_happy_path_through_kafka(service, kafka_bootstrap, profile):
    actors = Actors(service)
    challenge = open_challenge(actors, profile)
    wait_for(lambda: actors.status(challenge) == "in_assessment", timeout=30)
    assess(actors, challenge, 3)
    actors.post(f"/challenges/{challenge}/decision", "decision_body", {"outcome": "accept", "motivation": "Good plan."})
    actors.post(f"/challenges/{challenge}/agreement", "case_officer")
    actors.post(f"/challenges/{challenge}/execution", "case_officer", {"summary": "Three years of Sunday opening."})
    actors.post(f"/challenges/{challenge}/review", "case_officer")
    actors.post(
        f"/challenges/{challenge}/review/conclusion",
        "decision_body",
        {"outcome": "complete", "motivation": "Done as agreed."},
    )
    assert actors.status(challenge) == "completed"
    assert events_on_kafka(kafka_bootstrap, challenge, "completed") == [
        "submitted",
        "acknowledged",
        "admissibility_check_started",
        "gates_checked",
        "assessment_opened",
        "decision_proposed",
        "accepted",
        "agreement_drafting_started",
        "execution_started",
        "review_started",
        "completed",
    ]


@pytest.mark.parametrize("profile", ["flanders", "netherlands", "uk"])
def test_each_rejection_path_through_kafka(service, kafka_bootstrap, profile):
    actors = Actors(service)
    blocked = open_challenge(actors, profile, blocked_by="procurement 2026/14")
    out_of_scope = open_challenge(actors, profile, open=False)
    assessed = open_challenge(actors, profile)
    wait_for(lambda: actors.status(assessed) == "in_assessment", timeout=30)
    assess(actors, assessed, 1)
    ground = "inadequate_information" if profile == "uk" else "insufficient_score"
    actors.post(
        f"/challenges/{assessed}/decision",
        "decision_body",
        {"outcome": "reject", "grounds": [ground], "motivation": "Not viable yet."},
    )

    assert actors.status(blocked) == "rejected" and actors.status(out_of_scope) == "out_of_scope"
    gate_path = ["submitted", "acknowledged", "admissibility_check_started", "gates_checked"]
    assert events_on_kafka(kafka_bootstrap, blocked, "admission_refused") == [*gate_path, "admission_refused"]
    assert events_on_kafka(kafka_bootstrap, out_of_scope, "declared_out_of_scope") == [
        *gate_path,
        "declared_out_of_scope",
    ]
    assert events_on_kafka(kafka_bootstrap, assessed, "rejected") == [
        *gate_path,
        "assessment_opened",
        "decision_proposed",
        "rejected",
    ]


def test_who_acted_travels_in_each_event_and_the_audit_lists_it(service, kafka_bootstrap):
    actors = Actors(service)
    challenge = open_challenge(actors, "flanders")
    wait_for(lambda: actors.status(challenge) == "in_assessment", timeout=30)
    assess(actors, challenge, 3)
    actors.post(f"/challenges/{challenge}/decision", "decision_body", {"outcome": "accept", "motivation": "Good plan."})

    signed = {name: data.get("actor") for name, data in records_on_kafka(kafka_bootstrap, challenge, "accepted")}
    me = {role: str(actors.ids[role]) for role in Actors.ROLES}
    assert signed["submitted"] == {"id": me["group_representative"], "role": "group_representative"}
    assert signed["gates_checked"] is None  # the worker's own step
    assert signed["assessor_assigned"] == {"id": me["case_officer"], "role": "case_officer"}
    assert signed["scored"] == {"id": me["assessor"], "role": "assessor"}
    assert signed["accepted"] == {"id": me["decision_body"], "role": "decision_body"}

    trail = actors.get(f"/challenges/{challenge}/audit", "administrator")
    assert trail[-1]["action"] == "accepted"
    assert trail[-1]["actor"] == {"id": me["decision_body"], "role": "decision_body"}


def test_only_the_decision_body_decides_a_deployed_case(service):
    """The forged requests of issue 12 against the running service: refused, and nothing changes."""
    actors = Actors(service)
    challenge = open_challenge(actors, "netherlands")
    wait_for(lambda: actors.status(challenge) == "in_assessment", timeout=30)
    assess(actors, challenge, 3)
    url = f"{service}/challenges/{challenge}/decision"
    body = {"outcome": "accept", "motivation": "Self-declared."}
    before = actors.get(f"/challenges/{challenge}", "case_officer")
    forged = {"X-Meemaken-Role": "official", "X-Meemaken-Actor": str(uuid.uuid4())}
    assert requests.post(url, json=body, headers=forged, timeout=10).status_code == 401
    resident = bearer("challenges", "resident", attrs=RESIDENT_ATTRS)
    assert requests.post(url, json=body, headers=resident, timeout=10).status_code == 403
    assert requests.post(url, json=body, headers=actors.headers["case_officer"], timeout=10).status_code == 403
    elsewhere = bearer("proposals", "decision_body")
    assert requests.post(url, json=body, headers=elsewhere, timeout=10).status_code == 401
    assert actors.get(f"/challenges/{challenge}", "case_officer") == before
    decided = requests.post(url, json=body, headers=actors.headers["decision_body"], timeout=10)
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"


def test_the_notice_publishes_only_approved_texts_and_a_name_never_travels(service, kafka_bootstrap):
    """A name typed into a text for the notice is refused at the door (the session's privacy scan reads
    every Kafka record and log line for it); the approval that passes travels signed by the official."""
    actors = Actors(service)
    challenge = open_challenge(actors, "flanders")
    wait_for(lambda: actors.status(challenge) == "in_assessment", timeout=30)
    assess(actors, challenge, 3)
    texts = f"{service}/challenges/{challenge}/notice-texts"
    named = {"part": "decision", "text": "Zoals Anna Janssens zei: een goed plan."}
    refused = requests.post(texts, json=named, headers=actors.headers["case_officer"], timeout=10)
    assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "/text"
    assert "Anna" not in refused.text
    approved = {"part": "decision", "text": "The group showed it can run the library for three years."}
    actors.post(f"/challenges/{challenge}/notice-texts", "case_officer", approved)
    actors.post(f"/challenges/{challenge}/decision", "decision_body", {"outcome": "accept", "motivation": "Good plan."})

    events = dict(records_on_kafka(kafka_bootstrap, challenge, "accepted"))
    signed = events["notice_text_approved"]
    assert signed["actor"] == {"id": str(actors.ids["case_officer"]), "role": "case_officer"}
    assert signed["details"] == approved
    notice = events["accepted"]["details"]["notice"]
    assert approved["text"] in notice and "as argued" not in notice and "Good plan." not in notice
