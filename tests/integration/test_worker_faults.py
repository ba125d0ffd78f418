"""Faults of the worker and the database: killed mid-batch or restarted, nothing lost or doubled."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa
from helpers import ROOT, service_process, start_after_earlier_tests, wait_for
from proposals_kit import TEXT, TOPIC, admissibility_loop, open_process, relay_for

from meemaken_events import Envelope, EventFactory
from meemaken_kit import make_engine, migrate
from notifications.adapters.tables import contacts, deliveries, fanouts
from notifications.bootstrap import SERVICE as NOTIFICATIONS
from notifications.service_layer.planning import note_event
from proposals.adapters import tables
from proposals.bootstrap import SERVICE, unit_of_work_factory
from proposals.integration.incoming import ADMISSIBILITY_CONSUMER
from proposals.service_layer import handlers

sys.path.insert(0, str(ROOT / "services" / "notifications" / "tests"))
from smtp_server import SmtpServer

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def submit_many(settings, engine, count):
    uow = unit_of_work_factory(settings, engine)
    process = open_process(uow)
    for i in range(count):
        title = f"Proposal {i:05d} for a greener street"
        handlers.submit_proposal(handlers.SubmitProposal(process, uuid.uuid4(), title, TEXT), uow())


def decision_counts(engine) -> Counter[str]:
    with engine.connect() as conn:
        envelopes = [Envelope.from_json(t) for t in conn.execute(sa.select(tables.outbox.c.envelope)).scalars()]
    decisions = [e for e in envelopes if ".proposal." in e.type and not e.type.endswith("submitted.v1")]
    return Counter(e.data["proposal_id"] for e in decisions)


def undecided(engine) -> int:
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).where(tables.proposals.c.status == "submitted")
        return int(conn.execute(query).scalar_one())


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(service, tmp_path):
    settings, engine, env = service
    total = 1500
    submit_many(settings, engine, total)
    # the real group reads the shared topic: not the proposals earlier tests left there (in other databases)
    start_after_earlier_tests(env["KAFKA_BOOTSTRAP_SERVERS"], ADMISSIBILITY_CONSUMER, TOPIC)
    log = tmp_path / "worker.log"

    def working() -> tuple[int, int]:
        """What moves while the worker decides: the proposals still undecided (a polled batch of up to 500 commits
        at once, a minute or more apart on a loaded machine) and the decisions its open batch logged."""
        logged = log.read_text() if log.exists() else ""
        return undecided(engine), logged.count(' admitted"') + logged.count(' rejected"')

    worker = service_process("proposals", ["-m", "proposals", "worker"], env, log)
    try:
        wait_for(lambda: total - undecided(engine) >= 50, timeout=60, interval=0.02, progress=working)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        assert undecided(engine) > 0, "the worker finished before it could be killed; raise `total`"
        worker = service_process("proposals", ["-m", "proposals", "worker"], env, log)
        # the killed member's session (10 s) ends before the group rebalances to the new one
        wait_for(lambda: undecided(engine) == 0, timeout=60, interval=0.2, progress=working)
        with engine.connect() as conn:
            outbox_pending = sa.select(sa.func.count()).where(tables.outbox.c.published_at.is_(None))
            wait_for(lambda: conn.execute(outbox_pending).scalar_one() == 0 or conn.rollback(), timeout=60)
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
    assert code == 0, (ROOT, log.read_text()[-2000:])
    decisions = decision_counts(engine)
    assert len(decisions) == total
    assert set(decisions.values()) == {1}


def test_a_database_restart_pauses_the_consumer_without_losing_or_doubling(service, postgres):
    if postgres is None:
        pytest.skip("needs the local PostgreSQL cluster to restart it")
    settings, engine, _env = service
    total = 400
    submit_many(settings, engine, total)
    relay = relay_for(settings, engine)
    while relay.publish_once():
        pass
    relay.producer.close()
    loop = admissibility_loop(settings, engine)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: _safe_undecided(engine) < total, timeout=60, interval=0.02)
        postgres.restart()
        remaining = lambda: _safe_undecided(engine)  # noqa: E731
        wait_for(lambda: remaining() == 0, timeout=60, interval=0.2, progress=remaining)
    finally:
        loop.stop()
        thread.join(timeout=30)
    decisions = decision_counts(engine)
    assert len(decisions) == total and set(decisions.values()) == {1}


def _safe_undecided(engine) -> int:
    try:
        return undecided(engine)
    except sa.exc.OperationalError:
        return -1


def test_a_worker_started_while_the_broker_is_down_waits_and_stops_cleanly(database_url, tmp_path):
    migrate(SERVICE.migrations_dir, database_url)
    env = {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}  # nothing listens there
    log = tmp_path / "worker.log"
    worker = service_process("proposals", ["-m", "proposals", "worker"], env, log)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            worker.wait(timeout=4)  # still running: it waits for the broker instead of dying
    finally:
        worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0, log.read_text()[-2000:]


class RoundVoters(BaseHTTPRequestHandler):
    """The proposals service's voters endpoint for one round, 250 a page (fewer than the worker asks)."""

    round_id = ""
    voters: list[str] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path != f"/api/v1/rounds/{self.round_id}/voters":
            self.send_error(404)
            return
        start = int(parse_qs(url.query).get("after", ["0"])[0])
        end = min(start + 250, len(self.voters))
        body = json.dumps({"voters": self.voters[start:end], "next": str(end) if end < len(self.voters) else None})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


def round_results_to_voters(database_url, kafka_bootstrap, tmp_path, count, *smtp_options):
    """`count` voters with an e-mail address, a round's results noted (its fan-out pending), the voters endpoint
    and the real SMTP server process: the engine, the endpoint, the server and the worker's environment."""
    migrate(NOTIFICATIONS.migrations_dir, database_url)
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    RoundVoters.round_id, RoundVoters.voters = str(uuid.uuid4()), [str(uuid.uuid4()) for _ in range(count)]
    contact = {"postal_address": [], "language": "nl", "digest": "immediately", "muted_topics": [], "updated_at": now}
    with engine.begin() as conn:
        conn.execute(
            contacts.insert(),
            [
                contact | {"person_id": v, "email": f"voter{i}@example.org", "channels": ["inapp", "email"]}
                for i, v in enumerate(RoundVoters.voters)
            ],
        )
        results = EventFactory("urn:meemaken:municipality:demo:system:proposals").create(
            "org.meemaken.proposals.round.results_published.v1",
            RoundVoters.round_id,
            {"round_id": RoundVoters.round_id, "process_id": "b", "rule": "equal_shares", "voters": count}
            | {"paper_ballots": 0, "spent": 1, "selected": [{"project_id": "p1", "title": "Benches"}]},
        )
        note_event(conn, results.source, results.id, results.type, results.data, now)
    voters = ThreadingHTTPServer(("127.0.0.1", 0), RoundVoters)
    threading.Thread(target=voters.serve_forever, daemon=True).start()
    smtp = SmtpServer(tmp_path, *smtp_options)
    env = {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, **smtp.env}
    env["PROPOSALS_BASE_URL"] = f"http://127.0.0.1:{voters.server_address[1]}"
    return engine, voters, smtp, env


SENDING = ["-m", "notifications", "worker", "--only", "fanout", "--only", "sender"]  # the worker's fan-out and sender


def delivery_statuses(engine: sa.Engine) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(conn.execute(sa.select(deliveries.c.status)).scalars())


def settled_count(smtp: SmtpServer) -> int:
    """The e-mails in the server's maildir once their number held for half a second."""
    count, since = -1, time.monotonic()
    while (now := len(list(smtp.maildir.glob("new/*")))) != count or time.monotonic() - since < 0.5:
        if now != count:
            count, since = now, time.monotonic()
        time.sleep(0.05)
    return count


def stop_sending(worker, voters, smtp, log) -> Counter[str]:
    """The worker stopped (cleanly: its log's end otherwise), the voters endpoint and the SMTP server: who got how
    many e-mails."""
    worker.send_signal(signal.SIGTERM)
    code = worker.wait(timeout=30)
    voters.shutdown()
    smtp.stop()
    assert code == 0, log.read_text()[-2000:]
    return Counter(str(m["To"]) for m in smtp.received())


def test_a_fan_out_worker_killed_mid_page_sends_every_voter_one_e_mail(database_url, kafka_bootstrap, tmp_path):
    """A round's results to 1,500 voters, 250 a page (each page's deliveries and messages COPYed in one
    transaction with the cursor): the worker killed while planning, started again, then sending to the real
    SMTP server process: each voter gets one e-mail and one in-app message, the delivery log one row each."""
    engine, voters, smtp, env = round_results_to_voters(database_url, kafka_bootstrap, tmp_path, 1500)
    log = tmp_path / "worker.log"

    def planned() -> tuple[int, bool]:
        with engine.connect() as conn:
            row = conn.execute(sa.select(fanouts.c.planned, fanouts.c.done_at)).one()
        return row.planned, row.done_at is not None

    worker = service_process("notifications", ["-m", "notifications", "worker", "--only", "fanout"], env, log)
    try:
        wait_for(lambda: planned()[0] >= 500, timeout=90, interval=0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        assert not planned()[1], "the fan-out finished before the worker could be killed; raise the voters"
        args = ["-m", "notifications", "worker", "--only", "fanout", "--only", "sender"]
        worker = service_process("notifications", args, env, log)
        wait_for(lambda: len(list(smtp.maildir.glob("new/*"))) >= 1500, timeout=180, interval=0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
        voters.shutdown()
        smtp.stop()
    assert code == 0, log.read_text()[-2000:]
    received = Counter(str(m["To"]) for m in smtp.received())
    assert len(received) == 1500 and set(received.values()) == {1}
    with engine.connect() as conn:
        statuses = Counter(conn.execute(sa.select(deliveries.c.status)).scalars())
        inbox = conn.execute(sa.text("SELECT count(DISTINCT recipient_id), count(*) FROM messages")).one()
    assert planned() == (3000, True)  # an in-app message and an e-mail each, the killed page planned once
    engine.dispose()
    assert statuses == {"sent": 1500} and tuple(inbox) == (1500, 1500)


def test_a_sender_killed_between_sending_a_batch_and_marking_it_sends_again_only_that_batch(
    database_url, kafka_bootstrap, tmp_path
):
    """The sender marks a batch's sent deliveries in one statement after handing them to the server: SIGKILLed
    in between, the batch stays claimed (`sending`) until its lease runs out, then goes again - at least once,
    as documented: no voter lost, and only e-mails of the batches claimed at the kill sent twice."""
    # the server takes 20 ms a message, so a batch of 100 is in flight for about two seconds (pipelined, the
    # sender's own time is small beside it), and the kill lands in the middle of the batches
    slow = ("--delay", "0.02")
    engine, voters, smtp, env = round_results_to_voters(database_url, kafka_bootstrap, tmp_path, 1500, *slow)
    env["SMTP_CONNECTIONS"] = "4"
    log = tmp_path / "worker.log"
    args = SENDING
    statuses = partial(delivery_statuses, engine)
    worker = service_process("notifications", args, env, log)

    def release_leases() -> None:  # the lease runs out (5 minutes in the worker)
        with engine.begin() as conn:
            conn.execute(
                deliveries.update().where(deliveries.c.status == "sending").values(next_attempt_at=sa.func.now())
            )

    def mid_batch() -> bool:  # the connections' batches partly handed over, the server still taking more
        # the server's count first: e-mails it holds that are still unmarked after it are claimed (`sending`)
        handed = len(list(smtp.maildir.glob("new/*")))
        now = statuses()
        return now["sent"] >= 200 and now["sending"] > 0 and 100 <= handed - now["sent"] <= 300

    try:
        for _ in range(3):  # a kill that fell between a batch's mark and the next hand-over proves nothing: again
            wait_for(mid_batch, timeout=180, interval=0.01)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            at_kill = statuses()
            handed = settled_count(smtp)  # the server may still write what it had read when the sender died
            assert at_kill["sent"] < 1500, f"the kill came after the last batch: {at_kill}; raise the voters"
            release_leases()
            worker = service_process("notifications", args, env, log)
            if handed > at_kill["sent"]:
                break
        else:
            pytest.fail("three kills fell between batches, none between sending and marking")
        wait_for(lambda: statuses() == {"sent": 1500}, timeout=180, interval=0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
        voters.shutdown()
        smtp.stop()
    engine.dispose()
    assert code == 0, log.read_text()[-2000:]
    received = Counter(str(m["To"]) for m in smtp.received())
    twice = sum(n - 1 for n in received.values())
    assert len(received) == 1500 and max(received.values()) <= 2  # nobody lost, nobody more than twice
    assert handed - at_kill["sent"] <= at_kill["sending"]  # sent but not marked: only claimed ones
    assert twice == handed - at_kill["sent"]  # exactly those handed over and not marked went again


def test_an_smtp_server_killed_mid_batch_leaves_its_unanswered_e_mails_unmarked_and_they_go_again(
    database_url, kafka_bootstrap, tmp_path
):
    """The server advertises PIPELINING, so each connection has a message's text and the next envelope in flight:
    SIGKILLed mid-fan-out and started again on its port, no e-mail is marked sent that it did not take (nobody
    lost), those it took but never answered go again (at least once: at most twice, and only retried ones), and
    the batches go on over new connections."""
    slow = ("--delay", "0.01")  # 10 ms a message: four connections' batches in flight when the server dies
    engine, voters, smtp, env = round_results_to_voters(database_url, kafka_bootstrap, tmp_path, 1500, *slow)
    env |= {"SMTP_CONNECTIONS": "4", "SMTP_RETRY_FIRST_SECONDS": "1"}
    log = tmp_path / "worker.log"
    args = SENDING
    statuses = partial(delivery_statuses, engine)
    worker = service_process("notifications", args, env, log)
    try:
        wait_for(lambda: len(list(smtp.maildir.glob("new/*"))) >= 300, timeout=180, interval=0.01)
        smtp.kill()
        at_kill = statuses()
        assert at_kill["sent"] < 1500, "the fan-out was sent before the server died; raise the voters"
        smtp = SmtpServer(tmp_path, *slow, port=smtp.port)
        wait_for(lambda: statuses() == {"sent": 1500}, timeout=240, interval=0.5)
    finally:
        received = stop_sending(worker, voters, smtp, log)
    with engine.connect() as conn:
        attempts = {r: n for r, n in conn.execute(sa.select(deliveries.c.recipient_id, deliveries.c.attempts))}
    engine.dispose()
    tries = {f"voter{i}@example.org": attempts[v] for i, v in enumerate(RoundVoters.voters)}
    assert len(received) == 1500 and max(received.values()) <= 2  # nobody lost, nobody more than twice
    assert any(n > 1 for n in tries.values()), "no e-mail was cut off by the kill"
    assert all(tries[to] > 1 for to, n in received.items() if n > 1)  # only e-mails tried again went twice
