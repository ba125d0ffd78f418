"""Proposals and a budget round end to end: the proposals API and worker as processes on real Kafka and
PostgreSQL. The admissibility check and the count happen because their events went through the broker to
the worker; the answer term fires from the service's own schedule; the sequence is read back from Kafka."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from helpers import headers_of, read_topic, wait_for

from meemaken_kit import Settings, make_engine
from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]
TEXT = "Close the street in front of the school for cars at the start and end of the day."
NOW = datetime.now(UTC)


GENT = {"age": 40, "municipality": "gent", "resident": True, "district": "Noord"}


def resident(who=None):
    """A resident of gent as the gateway's token says (a fresh token per request: they live minutes)."""
    return bearer("proposals", "resident", sub=who or uuid.uuid4(), attrs=GENT)


def official():
    return bearer("proposals", "case_officer")


@pytest.fixture(scope="module")
def service(postgres_server_url, kafka_bootstrap, tmp_path_factory):
    database = create_database(postgres_server_url, f"e2e_proposals_{uuid.uuid4().hex[:8]}")
    deployed = deploy(
        "proposals",
        database,
        kafka_bootstrap,
        tmp_path_factory.mktemp("proposals"),
        {"WEB_CONCURRENCY": "2", "PROPOSALS_SCHEDULE_INTERVAL": "0.5"},
    )
    notifications = deploy(
        "notifications",
        create_database(postgres_server_url, f"e2e_notifications_{uuid.uuid4().hex[:8]}"),
        kafka_bootstrap,
        tmp_path_factory.mktemp("notifications"),
        {"WEB_CONCURRENCY": "1", "PROPOSALS_BASE_URL": deployed.url},
    )
    yield f"{deployed.url}/api/v1", database, f"{notifications.url}/api/v1"
    assert deployed.stop() == [0, 0]
    assert notifications.stop() == [0, 0]


def post(url, body, who=None, method="post"):
    response = requests.request(method, url, json=body, headers=who or official(), timeout=10)
    assert response.status_code in (200, 201), (url, response.text)
    return response.json()


def types_for(bootstrap, topic, key, until):
    records = read_topic(bootstrap, topic, lambda rs: until([r for r in rs if r.key == key.encode()]), 60)
    return [headers_of(r)["ce_type"].decode().split(".")[-2] for r in records if r.key == key.encode()]


def test_a_proposal_is_admitted_supported_past_the_threshold_and_its_answer_term_fires(service, kafka_bootstrap):
    api, database, _notifications = service
    phase = {"name": "call", "rung_promised": "adviseren"}
    phase |= {"starts_at": (NOW - timedelta(days=1)).isoformat(), "ends_at": (NOW + timedelta(days=30)).isoformat()}
    post(
        f"{api}/processes",
        {
            "id": "school-streets",
            "municipality": "gent",
            "title": "School streets",
            "kind": "proposals_call",
            "support_threshold": 3,
            "answer_days": 30,
            "phases": [phase],
        },
    )
    body = {"process_id": "school-streets", "title": "Safer school streets", "text": TEXT}
    proposal = post(f"{api}/proposals", body, resident())["id"]
    wait_for(lambda: requests.get(f"{api}/proposals/{proposal}", timeout=5).json()["status"] == "admitted", 30)
    for _ in range(3):
        post(f"{api}/proposals/{proposal}/support", None, resident())
    due = datetime.fromisoformat(requests.get(f"{api}/proposals/{proposal}", timeout=5).json()["answer_due_at"])
    assert due.date() == (NOW + timedelta(days=30)).date()

    # Thirty-one days on: the schedule of a worker whose clock says so (the deployed one runs on today's).
    from proposals.bootstrap import unit_of_work_factory
    from proposals.service_layer.handlers import check_answer_deadlines

    engine = make_engine(database)
    later = unit_of_work_factory(
        Settings.from_env("proposals", {"DATABASE_URL": database}), engine, lambda: NOW + timedelta(days=31)
    )
    assert check_answer_deadlines(later) == 1
    engine.dispose()
    seen = types_for(kafka_bootstrap, "meemaken.proposals.proposal", proposal, lambda rs: len(rs) >= 4)
    assert seen == ["submitted", "admitted", "threshold_reached", "answer_overdue"]


def test_a_budget_round_is_voted_closed_counted_and_its_voters_told_what_they_helped_fund(service, kafka_bootstrap):
    api, _database, notifications = service
    phase = {"name": "vote", "rung_promised": "meebeslissen"}
    phase |= {"starts_at": (NOW - timedelta(days=1)).isoformat(), "ends_at": (NOW + timedelta(days=30)).isoformat()}
    post(
        f"{api}/processes",
        {
            "id": "budget-e2e",
            "municipality": "gent",
            "title": "Citizen budget",
            "kind": "budget_round",
            "phases": [phase],
        },
    )
    rid = post(
        f"{api}/rounds",
        {
            "process_id": "budget-e2e",
            "title": "Citizen budget",
            "budget": 100_000,
            "form": {"kind": "approval"},
            "rule": "equalshares/add1",
        },
    )["id"]
    for title, cost in (("Benches", 60_000), ("Trees", 50_000), ("Playground", 40_000)):
        post(f"{api}/rounds/{rid}/projects", {"title": title, "cost": cost}, resident())
    post(f"{api}/rounds/{rid}/feasibility", None)
    for pid, cost in (("p1", 60_000), ("p2", 50_000), ("p3", 40_000)):
        post(f"{api}/rounds/{rid}/projects/{pid}/assessment", {"feasible": True, "cost": cost, "legal_check": "ok"})
    post(f"{api}/rounds/{rid}/voting", {})
    residents = [uuid.uuid4() for _ in range(5)]
    for voter, choice in zip(residents, (["p1"], ["p1"], ["p2", "p3"], ["p2", "p3"], ["p3"]), strict=True):
        post(f"{api}/rounds/{rid}/ballot", {"projects": choice}, resident(voter), "put")
    post(f"{api}/rounds/{rid}/close", None)
    counted = wait_for(lambda: requests.get(f"{api}/rounds/{rid}", timeout=5).json()["results"], 30)
    assert counted["voters"] == 5 and "p3" in counted["selected"]
    seen = types_for(
        kafka_bootstrap,
        "meemaken.proposals.round",
        rid,
        lambda rs: "results_published" in str([headers_of(r)["ce_type"] for r in rs]),
    )
    assert seen[-3:] == ["voting_opened", "closed", "results_published"]

    def told(voter):
        inbox = bearer("notifications", "resident", sub=voter, attrs=GENT)
        return requests.get(f"{notifications}/residents/{voter}/messages", headers=inbox, timeout=5).json()

    for voter in residents:  # the notifications service asked the proposals service who voted
        [message] = wait_for(lambda r=voter: told(r), timeout=60)
        assert message["kind"] == "budget_results" and "Playground" in message["body"]


def test_the_apis_metrics_count_every_request_whichever_of_its_two_processes_answered(service):
    """Granian's two worker processes count into one PROMETHEUS_MULTIPROC_DIR: /metrics sums them."""
    base = service[0].removesuffix("/api/v1")
    counted = re.compile(r'^meemaken_http_requests_total\{endpoint="/healthz",method="GET",status="200"\} (\S+)$', re.M)

    def healthz_answered() -> float:
        metrics = requests.get(f"{base}/metrics", headers=bearer("proposals", "administrator"), timeout=10)
        found = counted.search(metrics.text)
        return float(found[1]) if found else 0.0

    before = healthz_answered()
    for _ in range(20):  # a new connection each: the processes take turns
        assert requests.get(f"{base}/healthz", headers={"Connection": "close"}, timeout=10).status_code == 200
    assert healthz_answered() == before + 20
