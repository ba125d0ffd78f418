"""The notifications consumer's batch (notifications.integration.incoming.PLANS: a polled batch's events planned
together at its end) on the real broker and PostgreSQL: a member dying after its batch's notices, in-app messages,
deliveries and inbox rows are written and before the commit loses and doubles nothing; each author gets one
in-app message and one e-mail queued, in their language, whatever the batches and the events sent twice."""

from __future__ import annotations

import sys
import uuid
from collections import Counter

import pytest
import sqlalchemy as sa
from helpers import ROOT, start_after_earlier_tests
from kafka import KafkaProducer

from meemaken_events import ConsumerLoop, catalogue
from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.batch_faults import die_in_a_batch
from meemaken_testkit.draining import drain
from meemaken_testkit.plugin import session_env
from meemaken_testkit.postgres import create_database
from notifications import bootstrap
from notifications.adapters import tables
from notifications.adapters.contacts import ContactStore
from notifications.domain.people import Contact, Preferences
from notifications.integration.incoming import PLANS, subscriptions

sys.path.insert(0, str(ROOT / "services" / "notifications" / "tests"))
from notifications_builders import NOW, proposal_event

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
AUTHORS = 30
CONSUMER = "notifications.proposals"
LANGUAGES = ("nl", "fr", "en")


@pytest.fixture
def notifications(postgres_server_url, kafka_bootstrap):
    url = create_database(postgres_server_url, f"batch_notifications_{uuid.uuid4().hex[:8]}")
    migrate(bootstrap.SERVICE.migrations_dir, url)
    engine = make_engine(url)
    env = session_env() | {"DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    yield Settings.from_env("notifications", env), engine
    engine.dispose()


def counts(connection: sa.Connection) -> tuple[int, int]:
    """The in-app messages and the deliveries planned."""
    return (
        connection.scalar(sa.select(sa.func.count()).select_from(tables.messages)),
        connection.scalar(sa.select(sa.func.count()).select_from(tables.deliveries)),
    )


def test_a_consumer_dying_between_its_batch_plans_and_the_commit_plans_each_message_once(
    notifications, kafka_bootstrap
):
    settings, engine = notifications
    prefix = f"test-{uuid.uuid4().hex[:8]}-"
    topics, handlers = subscriptions()[CONSUMER]
    for topic in topics:
        start_after_earlier_tests(kafka_bootstrap, prefix + CONSUMER, topic)
    authors = [uuid.uuid4() for _ in range(AUTHORS)]
    with engine.begin() as conn:
        for index, author in enumerate(authors):
            preferences = Preferences(LANGUAGES[index % 3], ("inapp", "email"))
            ContactStore(conn).put(Contact(str(author), f"author{index}@example.org", (), preferences), NOW)
    events = [proposal_event("admitted", author) for author in authors]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap.split(","), acks="all")
    for event in [*events, *events]:  # as if the relay died before marking: every event on the wire twice
        key, value, headers = event.to_kafka()
        producer.send(catalogue()[event.type].topic, key=key, value=value, headers=headers)
    producer.flush(timeout=30)
    producer.close()

    def dying_after_a_committed_batch(other: sa.Connection, connection: sa.Connection) -> tuple[int, int] | None:
        """Die in a batch that plans messages of its own, after one was committed. A batch of events only sent
        again (their first copies committed already) plans nothing: it commits, and a later one dies (CI met a
        partition whose first seven events made the first batch and their copies the second)."""
        committed, planned = counts(other), counts(connection)
        return planned if 0 < committed[0] < planned[0] else None

    doomed = ConsumerLoop(
        CONSUMER,
        topics,
        handlers,
        engine,
        tables.inbox,
        settings,
        max_records=7,
        consumer_options={"group_id": prefix + CONSUMER},
        batch_scope=PLANS.scope,
    )
    planned_before_crash = die_in_a_batch(doomed, engine, dying_after_a_committed_batch)
    with engine.connect() as conn:
        messages, deliveries = counts(conn)
    assert 0 < messages == deliveries < planned_before_crash[0] == planned_before_crash[1]  # rolled back

    def all_planned() -> bool:
        with engine.connect() as conn:
            return counts(conn)[0] == AUTHORS

    (healthy,) = [c for c in bootstrap.consumers(settings, engine, group_prefix=prefix) if c.name == CONSUMER]
    drain([healthy], all_planned)
    with engine.connect() as conn:
        told = Counter(
            tuple(r) for r in conn.execute(sa.select(tables.messages.c.recipient_id, tables.messages.c.language))
        )
        queued = Counter(
            tuple(r) for r in conn.execute(sa.select(tables.deliveries.c.recipient_id, tables.deliveries.c.status))
        )
        inbox = conn.execute(sa.select(tables.inbox.c.event_id)).scalars().all()
        noticed = conn.scalar(sa.select(sa.func.count()).select_from(tables.notices))
    assert told == {(author, LANGUAGES[index % 3]): 1 for index, author in enumerate(authors)}
    assert queued == {(str(author), "queued"): 1 for author in authors}
    assert len(inbox) == len(set(inbox)) == noticed == AUTHORS
