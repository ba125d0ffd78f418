"""Notifications: a budget-results fan-out to 150,000 voters, and a challenge event's lag meanwhile.

Runs the notifications service as deployed (Granian API + worker, PostgreSQL, the real broker), an
SMTP server process on loopback (aiosmtpd, counting what it receives) and the proposals service's
voters endpoint (served here from a list). 150,000 voters with an e-mail address are on file; one
`round.results_published` event goes through Kafka; the worker pages through the voters, plans a
message each, renders and hands them to the SMTP server. Meanwhile a challenge decision is published
every few seconds: its lag is the time from publishing it to its e-mail arriving at the SMTP server.

    python bench/notifications_fanout.py [--voters 150000] [--bootstrap HOST:PORT --server-url postgresql+psycopg://...]

Each pass publishes a new round's results to the same 150,000 voters, after a warm-up pass; `--repeat`
passes (bench/figures.py). Figures a pass: messages handed to SMTP per second from the event to the last
(target: the last within 120 s), the first e-mail's delay, and the challenge e-mails' lag (p50/max) while
the fan-out ran; beside the ceiling in the same pass: as many messages as the sink takes from the service's
own SMTP adapter (pipelined) over the same number of connections, with nothing else to do
(`--ceiling-messages`). `--compare-plain` runs each pass again with a sink that does not advertise
PIPELINING (the sender then hands messages over one at a time, as before it pipelined): the `plain_*`
figures, with plain smtplib's ceiling. `--profile SVG`: a flame graph of the worker in the first pass.

    python bench/notifications_fanout.py --quick     # 2,000 voters
    python bench/notifications_fanout.py --sizes 10000,50000,150000   # bench/curves/fanout-size.svg

`--sizes` runs the passes for each number of voters in turn (a database of its own each) and draws the
time to the last e-mail, the planning time and the challenge e-mails' lag against it (bench/curves.py).
"""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa
from figures import Figures, Harness, options, profile
from kafka import KafkaProducer

from meemaken_events import EventFactory
from meemaken_testkit import LocalKafka, LocalPostgres, create_topics
from meemaken_testkit.deployed import deploy
from meemaken_testkit.kafka import declared_topics
from meemaken_testkit.postgres import create_database
from notifications.adapters.config import SmtpSettings
from notifications.adapters.smtp import SmtpMailer

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
            "notice": "Decision notice: the challenge is rejected.",
            "co_initiator_ids": [],
        },
    }
    return CHALLENGES.create("org.meemaken.challenges.challenge.rejected.v1", cid, data)


class Fanout:
    """The notifications service as deployed with `count` voters on file, an SMTP sink, the voters endpoint."""

    def __init__(self, bootstrap: str, server_url: str, count: int, connections: int, every: float) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-notifications-"))
        self.database = create_database(server_url, f"bench_notifications_{uuid.uuid4().hex[:8]}")
        self.stats_file = self.folder / "smtp-stats.json"
        self.smtp = self._sink(pipelining=True)
        self.count, self.connections, self.every = count, connections, every
        Voters.voters = [str(uuid.uuid4()) for _ in range(count)]
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Voters)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        env = {
            **self.smtp.env,
            "PROPOSALS_BASE_URL": f"http://127.0.0.1:{self.http.server_address[1]}",
            "SMTP_CONNECTIONS": str(connections),
            "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "WARNING",
        }
        try:
            self.deployed = deploy("notifications", self.database, bootstrap, self.folder, env)
        except Exception:  # not ready in time: the sink and the voters endpoint go with it, not left running
            self.smtp.stop()
            self.http.shutdown()
            raise
        self.producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all")
        self.engine = sa.create_engine(self.database)
        migrated_at = time.time()
        register(self.database, Voters.voters)
        self.setup_seconds = time.time() - migrated_at
        self.lag_people = iter({f"lag-{n}@example.org": str(uuid.uuid4()) for n in range(100_000)}.items())

    def _sink(self, pipelining: bool, port: int | None = None) -> SmtpServer:
        options = ["--stats", str(self.stats_file), "--watch", "lag-", *([] if pipelining else ["--no-pipelining"])]
        return SmtpServer(self.folder, *options, keep=False, port=port)

    def one_pass(self, pipelining: bool = True) -> Figures:
        """A round's results to every voter, a challenge decision every `every` seconds meanwhile; the SMTP sink
        started again, advertising PIPELINING or not (the sender then hands messages over one at a time)."""
        self.smtp.stop()  # the sender's connections are closed while it is idle
        self.stats_file.unlink(missing_ok=True)  # the stopped sink's counts are not the new one's
        self.smtp = self._sink(pipelining, self.smtp.port)
        before = stats(self.stats_file)
        received_before = before["received"]
        with self.engine.connect() as conn:
            failed_before = conn.execute(sa.text("SELECT count(*) FROM deliveries WHERE status <> 'sent'")).scalar_one()
        round_id = str(uuid.uuid4())
        results = PROPOSALS.create(
            "org.meemaken.proposals.round.results_published.v1",
            round_id,
            {
                "round_id": round_id,
                "process_id": "budget-2027",
                "rule": "equal_shares",
                "voters": self.count,
                "paper_ballots": 0,
                "spent": 1_200_000,
                "selected": [{"project_id": f"p{i}", "title": f"Project {i}"} for i in range(1, 9)],
            },
        )
        published = time.time()
        self.producer.send("meemaken.proposals.round", *_kafka(results)).get(timeout=30)
        first: float | None = None
        sent_decisions: dict[str, float] = {}
        next_decision = time.time()
        while (now := stats(self.stats_file))["received"] < received_before + self.count + len(sent_decisions):
            if time.time() - published > 1800:
                raise RuntimeError("the fan-out did not finish within 30 minutes")
            if first is None and now["received"] > received_before:
                first = time.time()
            arrived = sum(a in now["watched"] for a in sent_decisions)
            fanning_out = now["received"] - received_before - arrived < self.count  # then no new decisions
            if fanning_out and time.time() >= next_decision:
                address, person = next(self.lag_people)
                with self.engine.begin() as conn:
                    conn.execute(
                        sa.text(
                            "INSERT INTO contacts VALUES"
                            " (:p, :e, '[]', 'nl', '[\"email\"]', 'immediately', '[]', now())"
                        ),
                        {"p": person, "e": address},
                    )
                sent_decisions[address] = time.time()
                self.producer.send("meemaken.challenges.challenge", *_kafka(decision(person))).get(timeout=30)
                next_decision = time.time() + self.every
            time.sleep(0.2)
        final = stats(self.stats_file)
        with self.engine.connect() as conn:
            fanout = conn.execute(
                sa.text(
                    "SELECT n.received_at, f.done_at FROM fanouts f JOIN notices n ON n.id = f.notice_id"
                    " WHERE n.event_id = :id"
                ),
                {"id": results.id},
            ).one()
            failed = conn.execute(sa.text("SELECT count(*) FROM deliveries WHERE status <> 'sent'")).scalar_one()
        lags = sorted(final["watched"][a] - t for a, t in sent_decisions.items() if a in final["watched"])
        received = final["received"] - received_before
        return {
            "fanout_planned_s": (fanout.done_at - fanout.received_at).total_seconds(),
            "first_email_after_s": (first or final["last"]) - published,
            "last_email_after_s": final["last"] - published,
            "emails_per_s": received / (final["last"] - published),
            "emails_received": received,
            "not_sent": failed - failed_before,
            "challenge_events_during_fanout": len(sent_decisions),
            "challenge_lag_p50_s": statistics.median(lags) if lags else 0.0,
            "challenge_lag_max_s": lags[-1] if lags else 0.0,
        }

    def stop(self) -> None:
        self.producer.close()
        self.engine.dispose()
        self.deployed.stop()
        self.smtp.stop()
        self.http.shutdown()


def smtp_ceiling(folder: Path, connections: int, messages: int, client: str = "mailer") -> float:
    """Messages/s a sink of its own takes over `connections` connections with nothing else to do (no planning,
    no rendering, no database): the most the fan-out could hand over on this machine. `client`: "mailer", the
    service's own SMTP adapter (pipelined: the sink advertises PIPELINING), in batches of 100 as the sender
    claims them; "smtplib", plain smtplib, a message at a time (four round trips each); "blind", the sink's own
    limit, the client writing 50 messages' MAIL, RCPT, DATA and text at once before it reads the replies (no
    round trip a message; against RFC 2920, which waits for DATA's 354: a measurement, not a client)."""
    sink = SmtpServer(folder, keep=False)
    message = EmailMessage()
    message["From"], message["Subject"] = "gemeente@example.org", "De uitslag van de begroting"
    message.set_content("De stemmen zijn geteld. " * 40)
    text = message.as_bytes(policy=policy.SMTP)
    host, port = sink.env["SMTP_HOST"], int(sink.env["SMTP_PORT"])

    def send(share: range) -> None:
        if client == "mailer":
            with SmtpMailer(SmtpSettings(host=host, port=port, timeout=30)) as mailer:
                for start in range(0, len(share), 100):
                    mails = [(f"voter{i}@example.org", text) for i in share[start : start + 100]]
                    if any(mailer.send_all("gemeente@example.org", mails)):
                        raise RuntimeError("the sink refused a message")
            return
        with smtplib.SMTP(host, port, timeout=30) as smtp:
            if client == "smtplib":
                for i in share:
                    smtp.send_message(message, to_addrs=[f"voter{i}@example.org"])
                return
            smtp.ehlo()
            for start in range(0, len(share), 50):
                window = share[start : start + 50]
                smtp.send(b"".join(_envelope(i) + text + b"\r\n.\r\n" for i in window))
                for _ in range(4 * len(window)):  # MAIL, RCPT, DATA (354), the text's 250
                    code, reply = smtp.getreply()
                    if code >= 400:
                        raise RuntimeError(f"the sink refused: {code} {reply!r}")

    try:
        began = time.perf_counter()
        with ThreadPoolExecutor(connections) as pool:
            list(pool.map(send, [range(i, messages, connections) for i in range(connections)]))
        return messages / (time.perf_counter() - began)
    finally:
        sink.stop()


def _envelope(i: int) -> bytes:
    return b"MAIL FROM:<gemeente@example.org>\r\nRCPT TO:<voter%d@example.org>\r\nDATA\r\n" % i


def sink_ceilings(args: argparse.Namespace) -> None:
    """The SMTP side alone: the sink's messages/s from plain smtplib (four round trips a message), from the
    service's pipelining adapter (one) and written blind (none), over 1, 4 and 8 connections - is the sink or
    the client's round trips the limit?"""
    folder = Path(tempfile.mkdtemp(prefix="bench-smtp-"))
    for client in ("smtplib", "mailer", "blind"):
        for connections in (1, 4, 8):
            rate = statistics.median(
                smtp_ceiling(folder, connections, args.ceiling_messages, client) for _ in range(args.repeat)
            )
            row = {"client": client, "connections": connections, "messages_per_s": round(rate)}
            print(json.dumps(row | {"load": round(os.getloadavg()[0], 1)}), flush=True)


def run(harness: Harness, args: argparse.Namespace, bootstrap: str, server: str, voters: int) -> list[Figures]:
    fanout = Fanout(bootstrap, server, voters, args.connections, args.every)
    try:
        profiled = [args.profile] if args.profile else []
        args.profile = None  # of the first size only

        def one_pass() -> Figures:
            if profiled:  # the worker, during the first measured pass
                figures = profile(fanout.deployed.processes[1].pid, profiled.pop(), fanout.one_pass)
            else:
                figures = fanout.one_pass()
            ceiling = smtp_ceiling(fanout.folder, args.connections, min(voters, args.ceiling_messages))
            figures |= {"smtp_ceiling_per_s": ceiling, "emails_to_ceiling_ratio": figures["emails_per_s"] / ceiling}
            if not args.compare_plain:
                return figures
            plain = fanout.one_pass(pipelining=False)
            plain["smtp_ceiling_per_s"] = smtp_ceiling(
                fanout.folder, args.connections, min(voters, args.ceiling_messages), "smtplib"
            )
            return figures | {f"plain_{name}": value for name, value in plain.items()}

        runs = harness.passes(one_pass, warm=fanout.one_pass)
        harness.emit(
            runs,
            "emails_per_s",
            "smtp_ceiling_per_s",
            "the last e-mail within 120 s (1,250/s for 150,000), other events' lag < 1 s",
            ratio="emails_to_ceiling_ratio",
            case=f"{voters} voters, {args.connections} SMTP connections",
            contacts_setup_s=round(fanout.setup_seconds, 1),
        )
        return runs
    finally:
        fanout.stop()


def size_curve(runs: dict[int, list[Figures]], args: argparse.Namespace) -> None:
    """The fan-out's time against its recipients, with the challenge e-mails' lag meanwhile (median, min - max)."""
    from curves import of_passes, write_svg

    write_svg(
        args.curve_svg,
        "Budget-results fan-out: the last e-mail against the recipients",
        "voters with an e-mail address",
        "seconds from the event",
        [
            of_passes("last e-mail handed to SMTP", runs, "last_email_after_s"),
            of_passes("fan-out planned", runs, "fanout_planned_s"),
            of_passes("a challenge e-mail's lag meanwhile (max)", runs, "challenge_lag_max_s"),
        ],
        note=f"2 cores; {args.connections} SMTP connections + the personal lane; load average "
        f"{os.getloadavg()[0]:.1f} at the end; {args.repeat} passes a point",
    )


def _kafka(envelope: Any) -> tuple[Any, ...]:
    key, value, headers = envelope.to_kafka()
    return (value, key, headers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=150_000)
    parser.add_argument("--connections", type=int, default=4, help="SMTP connections (sender threads)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between challenge events")
    parser.add_argument("--ceiling-messages", type=int, default=20_000, help="messages sent for the SMTP ceiling")
    parser.add_argument("--sizes", help="voters to run in turn, e.g. 10000,50000,150000: the size curve (--curve-svg)")
    parser.add_argument("--curve-svg", type=Path, default=ROOT / "bench" / "curves" / "fanout-size.svg")
    parser.add_argument("--sink-ceiling", action="store_true", help="only the SMTP sink's ceilings (see sink_ceilings)")
    parser.add_argument(
        "--compare-plain",
        action="store_true",
        help="each pass again with a sink that does not advertise PIPELINING (plain_* figures: one message at a time)",
    )
    parser.add_argument("--profile", type=Path, help="a flame graph (SVG) of the worker during the first measured pass")
    parser.add_argument("--bootstrap")
    parser.add_argument("--server-url")
    args = options(parser).parse_args()
    if args.quick:
        args.voters, args.every, args.ceiling_messages = 2_000, 1.0, 2_000
    if args.sink_ceiling:
        sink_ceilings(args)
        return 0
    harness = Harness.start("notifications_fanout", args)
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
        if not args.sizes:
            run(harness, args, bootstrap, server, args.voters)
            return 0
        size_curve({int(n): run(harness, args, bootstrap, server, int(n)) for n in args.sizes.split(",")}, args)
        return 0
    finally:
        if kafka is not None:
            kafka.destroy()
        if postgres is not None:
            postgres.destroy()


if __name__ == "__main__":
    raise SystemExit(main())
