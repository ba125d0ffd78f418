"""Notifications' reliability on real Kafka, PostgreSQL and SMTP, with the worker's loops driven in the test
and a clock the test moves (no sleeping): retries with backoff, the failed state, opt-outs, daily digests."""

from __future__ import annotations

import sys
import time
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from helpers import ROOT, produce

from meemaken_kit import Settings, make_engine, migrate
from notifications.adapters.config import NotificationSettings
from notifications.adapters.contacts import ContactStore
from notifications.adapters.smtp import SmtpMailer
from notifications.adapters.tables import deliveries
from notifications.bootstrap import SERVICE, consumers, sender
from notifications.domain.people import Contact, Preferences
from notifications.service_layer.schedule import build_digests

sys.path.insert(0, str(ROOT / "services" / "notifications" / "tests"))
from fakes import Clock
from notifications_builders import NOW, challenge_event, rejected
from smtp_server import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]
TOPIC = "meemaken.challenges.challenge"
BRUSSELS = ZoneInfo("Europe/Brussels")


class Worker:
    """The worker's consumers and sender, stepped by the test."""

    def __init__(self, database_url, bootstrap, smtp, clock):
        migrate(SERVICE.migrations_dir, database_url)
        self.engine = make_engine(database_url)
        self.clock = clock
        env = {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap}
        settings = Settings.from_env("notifications", env)
        own = NotificationSettings.from_env({**smtp.env, "SMTP_MAX_ATTEMPTS": "3", "SMTP_RETRY_FIRST_SECONDS": "30"})
        group = f"test-{uuid.uuid4().hex[:8]}-"  # its own group: no waiting on an earlier test's members
        self.consumers = [
            c
            for c in consumers(settings, self.engine, clock, group_prefix=group)
            if c.name == "notifications.challenges"
        ]
        self.sender = sender(self.engine, own, clock)
        self.mailer = SmtpMailer(own.smtp)

    def consume_until(self, condition, timeout=30.0):
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "the consumer did not get there in time"
            for consumer in self.consumers:
                consumer.run_once(timeout_ms=200)

    def send(self):
        return self.sender.send_due(self.mailer)

    def deliveries(self):
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(deliveries).order_by(deliveries.c.created_at)))

    def contact(self, person, email, **prefs):
        with self.engine.begin() as conn:
            ContactStore(conn).put(Contact(str(person), email, (), Preferences(**prefs)), NOW)

    def close(self):
        for consumer in self.consumers:
            consumer.close()
        self.mailer.close()
        self.engine.dispose()


@pytest.fixture
def start(database_url, kafka_bootstrap, make_topics, tmp_path):
    started = []

    def start_with(*smtp_options):
        smtp = SmtpServer(tmp_path, *smtp_options)
        worker = Worker(database_url, kafka_bootstrap, smtp, Clock(NOW))
        started.append((worker, smtp))
        return worker, smtp

    yield start_with
    for worker, smtp in started:
        worker.close()
        smtp.stop()


def publish(bootstrap, *envelopes):
    for envelope in envelopes:
        produce(bootstrap, TOPIC, *envelope.to_kafka())


def test_a_server_that_refuses_twice_then_accepts_gets_the_message_once(start, kafka_bootstrap):
    worker, smtp = start("--refuse", "2")
    rep = uuid.uuid4()
    worker.contact(rep, "rep@example.org")
    decided = rejected(rep)
    publish(kafka_bootstrap, decided, decided, decided)
    worker.consume_until(lambda: worker.deliveries())
    assert worker.send() == 1 and worker.deliveries()[0].status == "queued"
    assert worker.send() == 0, "the retry waits for its time"
    worker.clock.advance(seconds=30)
    assert worker.send() == 1
    worker.clock.advance(seconds=60)
    assert worker.send() == 1
    [row] = worker.deliveries()
    assert (row.status, row.attempts) == ("sent", 3)
    assert [m["Subject"] for m in smtp.received()] == ["Je uitdaging is afgewezen"]


def test_a_server_that_always_refuses_ends_in_failed_with_the_error_while_events_keep_flowing(start, kafka_bootstrap):
    worker, smtp = start("--refuse-always")
    rep, later = uuid.uuid4(), uuid.uuid4()
    worker.contact(rep, "rep@example.org")
    worker.contact(later, "later@example.org")
    publish(kafka_bootstrap, rejected(rep))
    worker.consume_until(lambda: worker.deliveries())
    for _ in range(3):
        worker.send()
        worker.clock.advance(hours=1)
    [row] = worker.deliveries()
    assert row.status == "failed" and row.attempts == 3
    assert row.last_error.startswith("gave up after 3 tries: 451") and "try again later" in row.last_error
    publish(kafka_bootstrap, rejected(later))
    worker.consume_until(lambda: len(worker.deliveries()) == 2)
    assert smtp.received() == []


def test_an_opted_out_topic_sends_nothing_except_a_legally_required_message(start, kafka_bootstrap):
    worker, smtp = start()
    rep = uuid.uuid4()
    worker.contact(rep, "muted@example.org", muted_topics=("challenge",))
    news = challenge_event("dialogue_started", rep, "in_dialogue")
    publish(kafka_bootstrap, news, rejected(rep))
    worker.consume_until(lambda: worker.deliveries())
    while worker.send():
        pass
    assert [m["Subject"] for m in smtp.received()] == ["Je uitdaging is afgewezen"]


def test_a_daily_digest_contains_the_days_messages_once(start, kafka_bootstrap):
    worker, smtp = start()
    rep = uuid.uuid4()
    worker.contact(rep, "daily@example.org", digest="daily", language="en")
    first = challenge_event("dialogue_started", rep, "in_dialogue")
    second = challenge_event("referred_to_panel", rep, "in_assessment", question="Should residents run it?")
    publish(kafka_bootstrap, first, second)
    worker.consume_until(lambda: len(worker.deliveries()) == 2)
    assert worker.send() == 0 and {r.status for r in worker.deliveries()} == {"held"}
    worker.clock.advance(days=1)
    assert build_digests(worker.engine, worker.clock(), BRUSSELS) == 1
    assert build_digests(worker.engine, worker.clock(), BRUSSELS) == 0, "a second run finds the day done"
    worker.clock.advance(days=1)
    assert build_digests(worker.engine, worker.clock(), BRUSSELS) == 0
    while worker.send():
        pass
    [digest] = smtp.received()
    assert digest["Subject"] == "Your messages of 27 November 2026" and digest["To"] == "daily@example.org"
    text = digest.get_body(("plain",)).get_content()
    assert text.count("Your challenge: in talks with your group") == 1
    assert text.count("Your challenge: being assessed") == 1
    assert sorted(r.status for r in worker.deliveries()) == ["digested", "digested", "sent"]
    assert timedelta(0) < worker.clock() - NOW
