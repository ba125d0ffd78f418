"""End to end, as deployed: Granian APIs and workers of proposals and notifications as processes,
each with its own PostgreSQL database, talking only through the real Kafka broker."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from helpers import wait_for
from proposals_kit import official, process_body, resident

from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]
TEXT = "Close the street in front of the school for cars at the start and end of the day."


def inbox_of(person):
    """The gateway's token for a logged-in resident reading their own inbox."""
    return bearer("notifications", "resident", sub=person)


@pytest.fixture
def system(postgres_server_url, kafka_bootstrap, tmp_path):
    deployed = [
        deploy(
            service,
            create_database(postgres_server_url, f"e2e_{service}_{uuid.uuid4().hex[:8]}"),
            kafka_bootstrap,
            tmp_path,
            {"WEB_CONCURRENCY": "1"},
        )
        for service in ("proposals", "notifications")
    ]
    yield {d.service: d.url for d in deployed}, tmp_path
    assert [code for d in deployed for code in d.stop()] == [0] * 4, "every process stops cleanly on SIGTERM"


def messages_of(urls, author):
    return requests.get(
        f"{urls['notifications']}/api/v1/residents/{author}/messages", headers=inbox_of(author), timeout=5
    ).json()


def test_a_submitted_proposal_is_checked_and_its_author_told_with_one_correlation_id(system):
    urls, logs = system
    author, duplicate_author = uuid.uuid4(), uuid.uuid4()
    body = {"process_id": "mobility-2027", "title": "Safer school streets", "text": TEXT}
    defined = requests.post(
        f"{urls['proposals']}/api/v1/processes", json=process_body("mobility-2027"), headers=official(), timeout=5
    )
    assert defined.status_code == 201, defined.text
    headers = {"X-Correlation-ID": "e2e-1"} | resident(author)
    created = requests.post(f"{urls['proposals']}/api/v1/proposals", json=body, headers=headers, timeout=5)
    assert created.status_code == 201, created.text
    assert created.json()["author_id"] == str(author), "the author is the token's subject"
    [message] = wait_for(lambda: messages_of(urls, author), timeout=30)
    assert message["kind"] == "proposal_admitted" and "Safer school streets" in message["subject"]

    copy = dict(body, title="Safer school streets!")
    anonymous = requests.post(
        f"{urls['proposals']}/api/v1/proposals", json=copy | {"author_id": str(author)}, timeout=5
    )
    assert anonymous.status_code == 401, "no token, no proposal (an author_id in the body counts for nothing)"
    requests.post(f"{urls['proposals']}/api/v1/proposals", json=copy, headers=resident(duplicate_author), timeout=5)
    [rejection] = wait_for(lambda: messages_of(urls, duplicate_author), timeout=30)
    assert rejection["kind"] == "proposal_rejected" and "dezelfde titel" in rejection["body"]
    proposal = requests.get(f"{urls['proposals']}/api/v1/proposals/{created.json()['id']}", timeout=5).json()
    assert proposal["status"] == "admitted"

    steps = []
    for log in ("proposals-api", "proposals-worker", "notifications-worker"):
        for line in (logs / f"{log}.log").read_text().splitlines():
            if line.startswith("{") and json.loads(line).get("correlation_id") == "e2e-1":
                steps.append((log, json.loads(line)["message"]))
    assert [log for log, _ in steps] == ["proposals-api", "proposals-worker", "notifications-worker"], steps
    assert str(author) not in "".join(m for _, m in steps), "no resident id in the logs"
