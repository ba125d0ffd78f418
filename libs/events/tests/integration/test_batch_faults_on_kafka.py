"""Crashes on the batched paths, on the real broker and PostgreSQL: nothing lost, nothing done twice.

- the consumer dies after a polled batch's inbox and effect rows are written (one executemany at the batch's
  end, `meemaken_events.deferred`) and before its commit: the rows vanish with the transaction, the offsets
  were not committed, and the next member of the group does the batch again, once (also when every event is
  on the topic twice in a row: copies in one batch, and copies of events an earlier batch handled);
- the consumer dies after its batches committed and before the broker had their offsets (the loop commits them
  without waiting for the answer): the next member reads them again, and the inbox skips them all;
- the relay dies after Kafka confirmed a batch and before the outbox rows are marked: the next relay sends
  the batch again, and the consumer's inbox skips the copies; also in the loop's way (`publish_overlapped`),
  whose mark of a batch, in its marker thread, dies after the next batch was sent; and in the loop itself, on
  lone events sent without its pause (`Relay.few`), each round reading while the row before is being marked.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from meemaken_events import (
    ConsumerLoop,
    EventFactory,
    Lease,
    Relay,
    dead_letter_topic,
    deferred,
    messaging_tables,
)
from meemaken_events.relay import producer_config
from meemaken_events.settings import EventSettings
from meemaken_events.wakeup import notify
from meemaken_kit import make_engine
from meemaken_testkit.batch_faults import Crash, die_in_a_batch

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

SOURCE = "urn:meemaken:municipality:demo:system:test"
SUBMITTED = "org.meemaken.proposals.proposal.submitted.v1"
EVENTS = 40


def envelopes(count):
    factory = EventFactory(SOURCE)
    for i in range(count):
        proposal = str(uuid.uuid4())
        data = {"proposal_id": proposal, "process_id": "p", "author_id": str(uuid.uuid4()), "title": f"t{i}"}
        data["submitted_at"] = datetime.now(UTC).isoformat()
        yield factory.create(SUBMITTED, proposal, data)


@pytest.fixture
def stage(database_url, kafka_bootstrap, make_topics):
    """A topic of 2 partitions, its consumer's dead-letter topic, and a database with the messaging tables
    and an effects table (one row per handled event, its key unique)."""
    name = f"test.batch{uuid.uuid4().hex[:8]}"
    topic = f"test.{name}"
    make_topics((topic, 2), (dead_letter_topic(name), 1))
    metadata = sa.MetaData()
    outbox, inbox, lease = messaging_tables(metadata)
    effects = sa.Table("effects", metadata, sa.Column("proposal_id", sa.String(36), primary_key=True))
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield name, topic, engine, outbox, inbox, lease, effects
    engine.dispose()


def consumer(stage, kafka_bootstrap, scope=deferred.batch_inserts):
    name, topic, engine, _outbox, inbox, _lease, effects = stage

    def handle(connection, envelope):
        deferred.insert(connection, effects, {"proposal_id": envelope.data["proposal_id"]})

    return ConsumerLoop(
        name,
        [topic],
        {SUBMITTED: handle},
        engine,
        inbox,
        EventSettings(kafka_bootstrap_servers=kafka_bootstrap),
        max_records=7,
        batch_scope=scope,
    )


def rows(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def handled_each_once(stage, kafka_bootstrap, sent):
    """A healthy member of the group reads what is left (copies included): each event's effect and inbox row
    are there once."""
    name, _topic, engine, _outbox, inbox, _lease, effects = stage
    loop = consumer(stage, kafka_bootstrap)
    deadline = time.monotonic() + 90
    try:
        while rows(engine, effects) < len(sent):
            assert time.monotonic() < deadline, f"{rows(engine, effects)} of {len(sent)} effects"
            loop.run_once(timeout_ms=500)
        for _ in range(3):  # whatever else is still on the topic (copies) comes and is skipped
            loop.run_once(timeout_ms=500)
    finally:
        loop.close()
    with engine.connect() as conn:
        done = conn.execute(sa.select(effects.c.proposal_id)).scalars().all()
        handled = conn.execute(sa.select(inbox.c.event_id).where(inbox.c.consumer == name)).scalars().all()
    assert sorted(done) == sorted(e.data["proposal_id"] for e in sent)  # each once: the key is unique anyway
    assert sorted(handled) == sorted(e.id for e in sent)


@pytest.mark.parametrize("copies", [1, 2], ids=["each event once", "each event twice in a row"])
def test_a_consumer_dying_between_its_batch_write_and_the_commit_loses_and_doubles_nothing(
    stage, kafka_bootstrap, copies
):
    """With copies, a batch holds an event twice and events handled in the batch before: the inbox's one
    statement for the batch (PostgreSQL: the batch unnested from arrays) returns each new event once."""
    _name, topic, engine, _outbox, inbox, _lease, effects = stage
    sent = list(envelopes(EVENTS))
    producer = KafkaProducer(**producer_config(EventSettings(kafka_bootstrap_servers=kafka_bootstrap), "test"))
    for envelope in sent:
        key, value, headers = envelope.to_kafka()
        for _ in range(copies):  # the copies side by side on the key's partition, as a relay's resend leaves them
            producer.send(topic, key=key, value=value, headers=headers)
    producer.flush()
    producer.close()

    def dying_after_a_committed_batch(other: sa.Connection, connection: sa.Connection) -> int | None:
        def count(c: sa.Connection) -> int:
            return c.execute(sa.select(sa.func.count()).select_from(effects)).scalar_one()

        return count(connection) if count(other) > 0 else None  # a batch was committed before this one

    written_before_crash = die_in_a_batch(consumer(stage, kafka_bootstrap), engine, dying_after_a_committed_batch)
    committed = rows(engine, effects)
    assert 0 < committed < written_before_crash  # the dying batch's rows were written, then rolled back
    assert rows(engine, inbox) == committed

    handled_each_once(stage, kafka_bootstrap, sent)


def test_a_consumer_dying_before_its_offsets_reached_the_broker_loses_and_doubles_nothing(stage, kafka_bootstrap):
    _name, topic, engine, _outbox, inbox, _lease, effects = stage
    sent = list(envelopes(EVENTS))
    producer = KafkaProducer(**producer_config(EventSettings(kafka_bootstrap_servers=kafka_bootstrap), "test"))
    for envelope in sent:
        key, value, headers = envelope.to_kafka()
        producer.send(topic, key=key, value=value, headers=headers)
    producer.flush()
    producer.close()
    doomed = consumer(stage, kafka_bootstrap)
    doomed._consumer = doomed._connect()
    doomed._consumer.commit_async = lambda *_args: None  # it dies before any offset commit goes out
    deadline = time.monotonic() + 90
    while rows(engine, effects) < EVENTS // 2:  # some batches handled and committed in the database
        assert time.monotonic() < deadline
        doomed.run_once(timeout_ms=500)
    doomed._consumer.close(autocommit=False)  # the process is gone: nothing more is committed
    assert rows(engine, inbox) == rows(engine, effects) > 0

    handled_each_once(stage, kafka_bootstrap, sent)


@pytest.mark.parametrize("overlapped", [False, True], ids=["publish_once", "the next batch sent meanwhile"])
def test_a_relay_dying_between_the_send_and_the_outbox_mark_loses_and_doubles_nothing(
    stage, kafka_bootstrap, overlapped
):
    name, topic, engine, outbox, _inbox, lease, _effects = stage
    sent = list(envelopes(EVENTS))
    now = datetime.now(UTC)
    staged = {"topic": topic, "created_at": now}
    with engine.begin() as conn:  # as the service's transactions left them
        conn.execute(
            outbox.insert(),
            [{"event_id": e.id, "key": e.key, "type": e.type, "envelope": e.to_json()} | staged for e in sent],
        )
    brokers = EventSettings(kafka_bootstrap_servers=kafka_bootstrap)

    def relay():
        producer = KafkaProducer(**producer_config(brokers, "test-relay"))
        return Relay(engine, outbox, Lease(engine, lease, f"{name}-relay"), producer, batch_size=25)

    def die_at_the_mark(conn, clauseelement, *_args):
        if isinstance(clauseelement, sa.Update) and clauseelement.table is outbox:
            raise Crash

    doomed = relay()
    sa.event.listen(engine, "before_execute", die_at_the_mark)
    try:
        with pytest.raises(Crash):
            if overlapped:  # the first batch's mark dies in the marker's thread; the second batch goes out meanwhile
                assert doomed.publish_overlapped() == 25
                doomed.publish_overlapped()
            doomed.publish_once()
    finally:
        sa.event.remove(engine, "before_execute", die_at_the_mark)
    doomed.producer.close()
    with engine.connect() as conn:
        unmarked = conn.execute(sa.select(sa.func.count()).where(outbox.c.published_at.is_(None))).scalar_one()
    assert unmarked == EVENTS  # 25 of them (overlapped: all 40) are on the broker, none marked

    survivor = relay()
    try:
        while survivor.publish_once():
            pass
    finally:
        survivor.close()
    with engine.connect() as conn:
        unmarked = conn.execute(sa.select(sa.func.count()).where(outbox.c.published_at.is_(None))).scalar_one()
    assert unmarked == 0
    handled_each_once(stage, kafka_bootstrap, sent)


class Watched(Relay):
    """The relay, noting the outbox rows each batch got confirmed (to pace the writer: one lone event a round)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.confirmed: list[int] = []

    def _send_batch(self) -> list[int]:
        confirmed = super()._send_batch()
        self.confirmed += confirmed
        return confirmed


def test_a_relay_sending_lone_events_without_its_pause_dying_at_a_mark_loses_and_doubles_nothing(
    stage, kafka_bootstrap
):
    """Lone events, each committed (with its NOTIFY) once the one before is sent: every round finds one row and
    waits for the next notification without the pause (Relay.few), so the next round reads while the row before
    is still being marked. The sixth mark dies in the marker's thread; the relay's loop ends with it. A second
    relay sends the rest: every event on the topic in its outbox order, each handled once."""
    name, topic, engine, outbox, _inbox, lease, _effects = stage
    sent = list(envelopes(EVENTS))
    brokers = EventSettings(kafka_bootstrap_servers=kafka_bootstrap)
    marks = []

    def relay() -> Watched:
        producer = KafkaProducer(**producer_config(brokers, "test-relay"))
        return Watched(engine, outbox, Lease(engine, lease, f"{name}-relay"), producer)

    def die_at_the_sixth_mark(conn, clauseelement, *_args):
        if isinstance(clauseelement, sa.Update) and clauseelement.table is outbox:
            marks.append(clauseelement)
            if len(marks) == 6:
                raise Crash

    def running(loop: Watched) -> threading.Thread:
        def run() -> None:
            with contextlib.suppress(Crash):
                loop.run()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def write_one_by_one(loop: Watched, thread: threading.Thread, pending: list, count: int) -> None:
        """`count` events, each in its own transaction with its NOTIFY (as `Outbox.add` stages them), the next
        once the loop sent it (or the loop ended)."""
        for _ in range(count):
            envelope = pending.pop(0)
            row = {"event_id": envelope.id, "key": envelope.key, "type": envelope.type, "topic": topic}
            with engine.begin() as conn:
                inserted = outbox.insert().values(**row, envelope=envelope.to_json(), created_at=datetime.now(UTC))
                row_id = conn.execute(inserted.returning(outbox.c.id)).scalar_one()
                notify(conn)
            deadline = time.monotonic() + 30
            while row_id not in loop.confirmed and thread.is_alive():
                assert time.monotonic() < deadline, f"row {row_id} not sent"
                time.sleep(0.005)

    pending = list(sent)
    doomed = relay()
    assert doomed.wakeup is not None and doomed.few >= 1
    thread = running(doomed)
    sa.event.listen(engine, "before_execute", die_at_the_sixth_mark)
    try:
        write_one_by_one(doomed, thread, pending, 7)  # the sixth's mark dies once the seventh is sent
        thread.join(timeout=30)
    finally:
        sa.event.remove(engine, "before_execute", die_at_the_sixth_mark)
    assert not thread.is_alive() and len(marks) == 6
    assert len(doomed.confirmed) in (6, 7)  # one a round (the seventh unless a safety poll's round came first)
    assert rows_unmarked(engine, outbox) == 2  # the sixth and the seventh: none marked after the fifth

    survivor = relay()
    thread = running(survivor)
    try:
        write_one_by_one(survivor, thread, pending, len(pending))
        deadline = time.monotonic() + 30
        while (unmarked := rows_unmarked(engine, outbox)) > 0:
            assert time.monotonic() < deadline, f"{unmarked} rows left unpublished"
            time.sleep(0.05)
    finally:
        survivor.stop()
        thread.join(timeout=30)
    assert not pending
    in_outbox_order(engine, outbox, topic, kafka_bootstrap)
    handled_each_once(stage, kafka_bootstrap, sent)


def rows_unmarked(engine, outbox) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).where(outbox.c.published_at.is_(None))).scalar_one()


def in_outbox_order(engine, outbox, topic, kafka_bootstrap) -> None:
    """Every outbox row is on the topic, and on each partition their first copies come in the outbox's order."""
    with engine.connect() as conn:
        order = dict(conn.execute(sa.select(outbox.c.event_id, outbox.c.id)).all())
    reader = KafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic)]
    reader.assign(partitions)
    reader.seek_to_beginning()
    first: dict[int, list[str]] = {p.partition: [] for p in partitions}
    seen: set[str] = set()
    deadline = time.monotonic() + 30
    try:
        while len(seen) < len(order):
            assert time.monotonic() < deadline, f"{len(seen)} of {len(order)} events on the topic"
            for tp, records in reader.poll(timeout_ms=500).items():
                for record in records:
                    event_id = dict(record.headers)["ce_id"].decode()
                    if event_id not in seen:
                        seen.add(event_id)
                        first[tp.partition].append(event_id)
    finally:
        reader.close()
    assert seen == set(order)
    for ids in first.values():
        assert [order[i] for i in ids] == sorted(order[i] for i in ids)
