"""Notifications end to end, as deployed: its API and worker as processes on PostgreSQL, events through the
real Kafka broker, e-mail to a real SMTP server process on loopback, a round's voters from an HTTP API.

Each workflow's key event reaches the right people in their language: a challenge decided, information
requested, a deadline near, a panel member selected, budget results; a redelivered event sends once.
Who asks is the gateway's token: forged identity headers change nobody's address, and the worker asks for
the voters with its own credential.
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from helpers import ROOT, produce, wait_for

from meemaken_events import EventFactory
from meemaken_kit.tokens import InvalidToken, TokenVerifier
from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer, service_bearer

sys.path.insert(0, str(ROOT / "services" / "notifications" / "tests"))
from notifications_builders import challenge_event, panel_event, pseudonym, rejected
from smtp_server import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]


def admin():
    return bearer("notifications", "administrator")  # made when used: a token lives five minutes


def panels():
    return service_bearer("panels", "notifications", "contacts:write")


PROPOSALS = EventFactory("urn:meemaken:municipality:demo:system:proposals")


class VotersApi(BaseHTTPRequestHandler):
    """The proposals service's voters endpoint, serving a fixture list page by page to a caller whose token
    (audience proposals) holds voters:read."""

    rounds: dict[str, list[str]] = {}
    callers: list[str] = []

    def do_GET(self) -> None:
        try:
            claims = TokenVerifier.configured("proposals").verify(
                self.headers.get("Authorization", "").removeprefix("Bearer ")
            )
        except InvalidToken:
            self.send_error(401)
            return
        if "voters:read" not in claims.scope:
            self.send_error(403)
            return
        self.callers.append(claims.subject)
        url = urlparse(self.path)
        round_id = url.path.split("/")[4]
        query = parse_qs(url.query)
        start, limit = int(query.get("after", ["0"])[0]), int(query["limit"][0])
        voters = self.rounds.get(round_id, [])
        end = start + limit
        page = {"voters": voters[start:end], "next": str(end) if end < len(voters) else None}
        body = json.dumps(page).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def as_(person, *roles, **options):
    """The gateway's token for a logged-in person."""
    return bearer("notifications", *(roles or ("resident",)), sub=person, **options)


@pytest.fixture
def voters_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), VotersApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    VotersApi.callers.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}", VotersApi.rounds
    server.shutdown()


@pytest.fixture
def system(postgres_server_url, kafka_bootstrap, make_topics, tmp_path, voters_api):
    smtp = SmtpServer(tmp_path)
    url, rounds = voters_api
    env = {"WEB_CONCURRENCY": "1", "SMTP_CONNECTIONS": "2", "PROPOSALS_BASE_URL": url, **smtp.env}
    database = create_database(postgres_server_url, f"e2e_notifications_{uuid.uuid4().hex[:8]}")
    deployed = deploy("notifications", database, kafka_bootstrap, tmp_path, env)
    yield deployed.url, smtp, rounds, tmp_path
    codes = deployed.stop()
    smtp.stop()
    assert codes == [0, 0], "API and worker stop cleanly on SIGTERM"


def publish(bootstrap, topic, *envelopes):
    for envelope in envelopes:
        produce(bootstrap, topic, *envelope.to_kafka())


def contact(base, person, email, headers=None, **prefs):
    headers = headers or as_(person)
    body = {"email": email, **prefs}
    answer = requests.put(f"{base}/api/v1/people/{person}/contact", json=body, headers=headers, timeout=5)
    assert answer.status_code == 200, answer.text


def mail_to(smtp, address):
    return [m for m in smtp.received() if m["To"] == address]


def test_key_events_reach_the_right_people_once_in_their_language(system, kafka_bootstrap):
    base, smtp, rounds, logs = system
    rep, co, official = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    member = pseudonym()
    contact(base, rep, "rep@example.org")
    contact(base, co, "co@example.org", language="en")
    contact(base, official, "official@example.org", headers=as_(official, "case_officer"))
    contact(base, member, "member@example.org", headers=panels(), language="fr", channels=["email"])
    decided = rejected(rep)
    challenge = decided.data["challenge_id"]
    case_officer = as_(uuid.uuid4(), "case_officer", role_scopes={"case_officer": ["department:mobility"]})
    assigned = as_(uuid.uuid4(), "case_officer", role_scopes={"case_officer": [f"case:{challenge}"]})
    for scope, role, person, headers in (
        (f"challenge:{challenge}", "co_initiators", co, assigned),
        ("department:mobility", "department_queue", official, case_officer),
    ):
        assert requests.put(f"{base}/api/v1/audiences/{scope}/{role}/{person}", headers=headers, timeout=5).ok

    # What an outsider tried with curl: forged headers (and the wrong credentials) change nobody's address.
    rep_contact = f"{base}/api/v1/people/{rep}/contact"
    for method, headers in (
        ("PUT", {"X-Meemaken-Role": "service"}),
        ("PUT", {"X-Meemaken-Role": "resident", "X-Meemaken-Actor": str(rep)}),
        ("GET", {"X-Meemaken-Role": "administrator", "X-Meemaken-Actor": str(uuid.uuid4())}),
    ):
        forged = requests.request(method, rep_contact, json={"email": "attacker@evil.test"}, headers=headers, timeout=5)
        assert forged.status_code == 401, forged.text
    for method, headers in (("PUT", panels()), ("PUT", as_(co)), ("GET", admin()), ("GET", as_(co))):
        refused = requests.request(
            method, rep_contact, json={"email": "attacker@evil.test"}, headers=headers, timeout=5
        )
        assert refused.status_code == 403, refused.text
    assert requests.get(rep_contact, headers=as_(rep), timeout=5).json()["email"] == "rep@example.org"

    question = challenge_event(
        "information_requested",
        rep,
        "information_requested",
        reason="Please send the accounts of the last two years.",
        due_at="2026-12-11T10:00:00+00:00",
        repair=False,
    )
    near = challenge_event(
        "deadline_near_breach",
        rep,
        "in_assessment",
        challenge_id=uuid.UUID(challenge),
        deadline="decision",
        due_at="2026-12-04T10:00:00+00:00",
    )
    publish(kafka_bootstrap, "meemaken.challenges.challenge", decided, question, near)
    publish(kafka_bootstrap, "meemaken.panels.panel", panel_event("member_selected", uuid.uuid4(), pseudonym=member))

    voters = [str(uuid.uuid4()) for _ in range(7)]
    for number, voter in enumerate(voters[:5]):
        contact(base, voter, f"voter{number}@example.org")
    round_id = str(uuid.uuid4())
    rounds[round_id] = voters
    results = PROPOSALS.create(
        "org.meemaken.proposals.round.results_published.v1",
        round_id,
        {
            "round_id": round_id,
            "process_id": "budget-2027",
            "rule": "equal_shares",
            "voters": 7,
            "paper_ballots": 0,
            "spent": 90_000,
            "selected": [{"project_id": "p1", "title": "Benches in the park"}],
        },
    )
    publish(kafka_bootstrap, "meemaken.proposals.round", results)

    wait_for(lambda: len(smtp.received()) >= 10, timeout=60)
    [to_rep_decided] = [m for m in mail_to(smtp, "rep@example.org") if m["Subject"] == "Je uitdaging is afgewezen"]
    text = to_rep_decided.get_body(("plain",)).get_content()
    assert "who maintains the park" in text and "bezwaar" in text and "27 december 2026" in text
    assert to_rep_decided.get_body(("html",)).get_content().startswith("<!DOCTYPE html>")
    assert [m["Subject"] for m in mail_to(smtp, "co@example.org")] == ["Your challenge has been rejected"]
    [info] = [m for m in mail_to(smtp, "rep@example.org") if m["Subject"] != "Je uitdaging is afgewezen"]
    assert info["Subject"] == "We hebben meer informatie nodig over je uitdaging"
    assert "accounts of the last two years" in info.get_body(("plain",)).get_content()
    [deadline] = mail_to(smtp, "official@example.org")
    assert deadline["Subject"] == f"Termijn loopt bijna af: uitdaging {challenge[:8]}"
    assert [m["Subject"] for m in mail_to(smtp, "member@example.org")] == [
        "Vous \u00eates choisi(e) pour le panel citoyen"
    ]
    for number in range(5):
        [result] = mail_to(smtp, f"voter{number}@example.org")
        assert "Jouw stem hielp deze projecten mogelijk maken." in result.get_body(("plain",)).get_content()
        assert "Benches in the park" in result.get_body(("plain",)).get_content()

    # The decision delivered twice more, then a later event on the same challenge (same partition) as a marker.
    publish(kafka_bootstrap, "meemaken.challenges.challenge", decided, decided)
    final = challenge_event("decision_final", rep, "rejected", challenge_id=uuid.UUID(challenge), outcome="rejected")
    publish(kafka_bootstrap, "meemaken.challenges.challenge", final)
    wait_for(lambda: len(mail_to(smtp, "co@example.org")) == 2, timeout=30)
    assert [m["Subject"] for m in mail_to(smtp, "rep@example.org")].count("Je uitdaging is afgewezen") == 1

    inbox = requests.get(f"{base}/api/v1/residents/{rep}/messages", headers=as_(rep), timeout=5).json()
    assert sorted(m["kind"] for m in inbox) == ["challenge_decided", "challenge_status", "information_requested"]
    voter_inbox = requests.get(
        f"{base}/api/v1/residents/{voters[6]}/messages", headers=as_(voters[6]), timeout=5
    ).json()
    assert [m["kind"] for m in voter_inbox] == ["budget_results"], "voters without e-mail read it in the app"
    log = requests.get(f"{base}/api/v1/deliveries?status=sent&limit=100", headers=admin(), timeout=5).json()
    assert len(log) == 12 and {d["channel"] for d in log} == {"email"}
    assert not mail_to(smtp, "attacker@evil.test"), "nothing went to the address the forgers tried to set"
    assert set(VotersApi.callers) == {"service:notifications"}, "the worker asked with its own credential"
    worker_log = (logs / "notifications-worker.log").read_text()
    assert "@example.org" not in worker_log and str(rep) not in worker_log, "no personal data in the logs"
