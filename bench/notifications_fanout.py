"""Notifications: a budget-results fan-out to 150,000 voters, and a challenge event's lag meanwhile.

Runs the notifications service as deployed (gunicorn API + worker, PostgreSQL, the real broker), an
SMTP server process on loopback (aiosmtpd, counting what it receives) and the proposals service's
voters endpoint (served here from a list). 150,000 voters with an e-mail address are on file; one
`round.results_published` event goes through Kafka; the worker pages through the voters, plans a
message each, renders and hands them to the SMTP server. Meanwhile a challenge decision is published
every few seconds: its lag is the time from publishing it to its e-mail arriving at the SMTP server.

    python bench/notifications_fanout.py [--voters 150000] [--bootstrap HOST:PORT --server-url postgresql+psycopg://...]

Prints one JSON line: messages handed to SMTP per second, seconds until the last was sent
(target < 600), and the challenge e-mails' lag (p50/max) while the fan-out ran.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa
from kafka import KafkaProducer

from meemaken_events import EventFactory
from meemaken_testkit import LocalKafka, LocalPostgres, create_topics
from meemaken_testkit.deployed import deploy
from meemaken_testkit.kafka import declared_topics
from meemaken_testkit.postgres import create_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "notifications" / "tests"))
from smtp_server import SmtpServer  # noqa: E402

PROPOSALS = EventFactory("urn:meemaken:municipality:demo:system:proposals")
CHALLENGES = EventFactory("urn:meemaken:municipality:demo:system:challenges")
LANGUAGES = ("nl", "nl", "nl", "fr", "en")


class Voters(BaseHTTPRequestHandler):
    voters: list[str] = []

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        start, limit = int(query.get("after", ["0"])[0]), int(query["limit"][0])
        end = start + limit
        page = {"voters": self.voters[start:end], "next": str(end) if end < len(self.voters) else None}
        body = json.dumps(page).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def register(database_url: str, voters: list[str]) -> None:
    """The voters' contacts, as residents would have set them through the API (bulk, for the setup only)."""
    engine = sa.create_engine(database_url)
    contacts = sa.table(
        "contacts",
        *(
            sa.column(c)
            for c in (
                "person_id",
                "email",
                "postal_address",
                "language",
                "channels",
                "digest",
                "muted_topics",
                "updated_at",
            )
        ),
    )
    now = datetime.now(UTC)
    rows = [
        {
            "person_id": v,
            "email": f"voter{i}@example.org",
            "postal_address": "[]",
            "language": LANGUAGES[i % 5],
            "channels": '["inapp", "email"]',
            "digest": "immediately",
            "muted_topics": "[]",
            "updated_at": now,
        }
        for i, v in enumerate(voters)
    ]
    with engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(contacts.insert(), rows[start : start + 10_000])
    engine.dispose()


def stats(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {"received": 0, "watched": {}}


def decision(representative: str) -> Any:
    cid = str(uuid.uuid4())
    data = {
        "challenge_id": cid,
        "task_id": str(uuid.uuid4()),
        "department": "mobility",
        "profile": "flanders",
        "representative_id": representative,
        "from_status": "decision_pending",
        "to_status": "rejected",
        "at": datetime.now(UTC).isoformat(),
        "details": {
            "outcome": "rejected",
            "grounds": ["insufficient_score"],
            "reason": "Not feasible yet.",
            "objection_until": "2027-01-01T00:00:00+00:00",
        },
    }
    return CHALLENGES.create("org.meemaken.challenges.challenge.rejected.v1", cid, data)


def run(bootstrap: str, server_url: str, count: int, connections: int, every: float) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-notifications-"))
    database = create_database(server_url, f"bench_notifications_{uuid.uuid4().hex[:8]}")
    stats_file = folder / "smtp-stats.json"
    smtp = SmtpServer(folder, "--stats", str(stats_file), "--watch", "lag-", keep=False)
    Voters.voters = [str(uuid.uuid4()) for _ in range(count)]
    http = ThreadingHTTPServer(("127.0.0.1", 0), Voters)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    env = {
        **smtp.env,
        "PROPOSALS_BASE_URL": f"http://127.0.0.1:{http.server_address[1]}",
        "SMTP_CONNECTIONS": str(connections),
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
    }
    deployed = deploy("notifications", database, bootstrap, folder, env)
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all")
    try:
        migrated_at = time.time()
        register(database, Voters.voters)
        setup_seconds = time.time() - migrated_at
        lag_people = {f"lag-{n}@example.org": str(uuid.uuid4()) for n in range(1000)}
        round_id = str(uuid.uuid4())
        results = PROPOSALS.create(
            "org.meemaken.proposals.round.results_published.v1",
            round_id,
            {
                "round_id": round_id,
                "process_id": "budget-2027",
                "rule": "equal_shares",
                "voters": count,
                "paper_ballots": 0,
                "spent": 1_200_000,
                "selected": [{"project_id": f"p{i}", "title": f"Project {i}"} for i in range(1, 9)],
            },
        )
        published = time.time()
        producer.send("meemaken.proposals.round", *_kafka(results)).get(timeout=30)
        sent_decisions: dict[str, float] = {}
        addresses = iter(lag_people.items())
        engine = sa.create_engine(database)
        while stats(stats_file)["received"] < count + len(sent_decisions):
            if time.time() - published > 1800:
                raise RuntimeError("the fan-out did not finish within 30 minutes")
            address, person = next(addresses)
            with engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO contacts VALUES (:p, :e, '[]', 'nl', '[\"email\"]', 'immediately', '[]', now())"
                    ),
                    {"p": person, "e": address},
                )
            event = decision(person)
            sent_decisions[address] = time.time()
            producer.send("meemaken.challenges.challenge", *_kafka(event)).get(timeout=30)
            time.sleep(every)
        final = stats(stats_file)
        with engine.connect() as conn:
            fanout = conn.execute(
                sa.text("SELECT n.received_at, f.done_at FROM fanouts f JOIN notices n ON n.id = f.notice_id")
            ).one()
            failed = conn.execute(sa.text("SELECT count(*) FROM deliveries WHERE status <> 'sent'")).scalar_one()
        engine.dispose()
        lags = sorted(final["watched"][a] - t for a, t in sent_decisions.items() if a in final["watched"])
        voters_last = final["last"]
        return {
            "benchmark": "notifications_fanout",
            "voters": count,
            "smtp_connections": connections,
            "contacts_setup_s": round(setup_seconds, 1),
            "fanout_planned_s": round((fanout.done_at - fanout.received_at).total_seconds(), 1),
            "first_email_after_s": round(final["first"] - published, 2),
            "last_email_after_s": round(voters_last - published, 1),
            "target_last_email_s": 600,
            "emails_per_s": round(final["received"] / (final["last"] - final["first"]), 1),
            "emails_received": final["received"],
            "not_sent": failed,
            "challenge_events_during_fanout": len(sent_decisions),
            "challenge_lag_p50_s": round(statistics.median(lags), 3) if lags else None,
            "challenge_lag_max_s": round(lags[-1], 3) if lags else None,
        }
    finally:
        producer.close()
        deployed.stop()
        smtp.stop()
        http.shutdown()


def _kafka(envelope: Any) -> tuple[Any, ...]:
    key, value, headers = envelope.to_kafka()
    return (value, key, headers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=150_000)
    parser.add_argument("--connections", type=int, default=4, help="SMTP connections (sender threads)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between challenge events")
    parser.add_argument("--bootstrap")
    parser.add_argument("--server-url")
    args = parser.parse_args()
    kafka = postgres = None
    try:
        bootstrap = args.bootstrap
        if not bootstrap:
            kafka = LocalKafka().start()
            bootstrap = kafka.bootstrap
        create_topics(bootstrap, declared_topics())  # the consumers' dead-letter topics are declared there too
        server = args.server_url
        if not server:
            postgres = LocalPostgres().start()
            server = postgres.url()
        print(json.dumps(run(bootstrap, server, args.voters, args.connections, args.every)), flush=True)
        return 0
    finally:
        if kafka is not None:
            kafka.destroy()
        if postgres is not None:
            postgres.destroy()


if __name__ == "__main__":
    raise SystemExit(main())
