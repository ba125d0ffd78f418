"""Events per second through outbox → relay → Kafka → consumer → inbox, beside raw kafka-python.

Both runs move the same number of events of the same size between two processes on the same
broker: the raw run produces (acks=all, idempotent) and consumes with plain kafka-python; the
pipeline run has the relay publish pre-written outbox rows and the consumer loop handle each
event in a database transaction with its inbox row and one effect row. The figure is events
per second from the first send to the last event's effect committed (or received, for raw).

Each pass runs both, raw first, on topics of their own; `--warmup` passes (default 1) are thrown away, then
`--repeat` (3) are measured: min / median / max of each rate and of the ratio pass by pass (bench/figures.py).

    python bench/pipeline.py --bootstrap HOST:PORT --database-url postgresql+psycopg://... --events 20000
    python bench/pipeline.py ... --quick              # 500 events, checks that it runs
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from figures import Harness, options
from kafka import KafkaConsumer, KafkaProducer

from meemaken_events import ConsumerLoop, EventFactory, Relay, messaging_tables
from meemaken_events.relay import Lease, producer_config
from meemaken_events.settings import EventSettings
from meemaken_kit import make_engine

EVENT_TYPE = "org.meemaken.proposals.proposal.submitted.v1"
SOURCE = "urn:meemaken:municipality:bench:system:proposals"


def schema() -> tuple[sa.MetaData, sa.Table, sa.Table, sa.Table, sa.Table]:
    metadata = sa.MetaData()
    outbox, inbox, lease = messaging_tables(metadata)
    effects = sa.Table("effects", metadata, sa.Column("proposal_id", sa.String(36), primary_key=True))
    return metadata, outbox, inbox, lease, effects


def sample_events(count: int) -> list[Any]:
    factory = EventFactory(SOURCE)
    events = []
    for i in range(count):
        pid = str(uuid.uuid4())
        data = {
            "proposal_id": pid,
            "process_id": "bench",
            "author_id": str(uuid.uuid4()),
            "title": f"Benchmark proposal {i}",
            "submitted_at": datetime.now(UTC).isoformat(),
        }
        events.append(factory.create(EVENT_TYPE, pid, data))
    return events


# --- raw kafka-python ------------------------------------------------------------------------


def raw_produce(bootstrap: str, topic: str, count: int, start: Any) -> None:
    records = [e.to_kafka() for e in sample_events(count)]
    producer = KafkaProducer(**producer_config(EventSettings(kafka_bootstrap_servers=bootstrap), "bench-raw"))
    start.wait()
    futures = [producer.send(topic, key=k, value=v, headers=h) for k, v, h in records]
    producer.flush()
    for f in futures:
        f.get(timeout=30)
    producer.close()


def raw_consume(bootstrap: str, topic: str, count: int, ready: Any, result: Any) -> None:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap.split(","),
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=500,
        fetch_max_wait_ms=100,
    )
    consumer.partitions_for_topic(topic)
    ready.set()
    seen = 0
    while seen < count:
        batch = consumer.poll(timeout_ms=200, max_records=500)
        for records in batch.values():
            seen += len(records)
        if batch:
            consumer.commit()
    result.put(time.perf_counter())
    consumer.close()


def run_raw(bootstrap: str, count: int) -> float:
    topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    from meemaken_testkit import create_topics

    create_topics(bootstrap, [(topic, 3)])
    ctx = mp.get_context("spawn")
    start, ready, result = ctx.Event(), ctx.Event(), ctx.Queue()
    consumer = ctx.Process(target=raw_consume, args=(bootstrap, topic, count, ready, result))
    producer = ctx.Process(target=raw_produce, args=(bootstrap, topic, count, start))
    consumer.start()
    producer.start()
    ready.wait()
    time.sleep(2)  # let the consumer join its group and the producer build its records
    began = time.perf_counter()
    start.set()
    ended = result.get(timeout=600)
    producer.join()
    consumer.join()
    return count / (ended - began)


# --- the meemaken pipeline ---------------------------------------------------------------


def pipeline_relay(database_url: str, bootstrap: str, start: Any, stop: Any) -> None:
    _metadata, outbox, _inbox, lease, _effects = schema()
    engine = make_engine(database_url)
    producer = KafkaProducer(**producer_config(EventSettings(kafka_bootstrap_servers=bootstrap), "bench-relay"))
    relay = Relay(engine, outbox, Lease(engine, lease, "bench-relay"), producer, batch_size=1000)
    start.wait()
    while not stop.is_set():
        if relay.publish_once() == 0:
            time.sleep(0.005)
    producer.close()


def pipeline_consume(database_url: str, bootstrap: str, topic: str, count: int, ready: Any, result: Any) -> None:
    _metadata, _outbox, inbox, _lease, effects = schema()
    engine = make_engine(database_url)

    def handle(conn: sa.Connection, envelope: Any) -> None:
        conn.execute(effects.insert(), {"proposal_id": envelope.data["proposal_id"]})

    loop = ConsumerLoop(
        "bench.consumer",
        [topic],
        {EVENT_TYPE: handle},
        engine,
        inbox,
        EventSettings(kafka_bootstrap_servers=bootstrap),
        consumer_options={"group_id": f"bench-{uuid.uuid4().hex[:6]}"},
    )
    loop.run_once(timeout_ms=100)
    ready.set()
    handled = 0
    while handled < count:
        handled += loop.run_once(timeout_ms=200)
    result.put(time.perf_counter())
    loop.close()


def run_pipeline(database_url: str, bootstrap: str, count: int) -> dict[str, float]:
    topic = f"bench.pipeline.{uuid.uuid4().hex[:8]}"
    from meemaken_testkit import create_topics

    create_topics(bootstrap, [(topic, 3)])
    metadata, outbox, inbox, _lease, effects = schema()
    engine = make_engine(database_url)
    metadata.create_all(engine)
    with engine.begin() as conn:  # every pass starts from empty tables, as the first did
        for table in (outbox, inbox, effects):
            conn.execute(table.delete())
    now = datetime.now(UTC)
    rows = [
        {"event_id": e.id, "topic": topic, "key": e.key, "type": e.type, "envelope": e.to_json(), "created_at": now}
        for e in sample_events(count)
    ]
    written = time.perf_counter()
    with engine.begin() as conn:
        for i in range(0, len(rows), 1000):
            conn.execute(outbox.insert(), rows[i : i + 1000])
    write_rate = count / (time.perf_counter() - written)
    engine.dispose()

    ctx = mp.get_context("spawn")
    start, stop, ready, result = ctx.Event(), ctx.Event(), ctx.Event(), ctx.Queue()
    consumer = ctx.Process(target=pipeline_consume, args=(database_url, bootstrap, topic, count, ready, result))
    relay = ctx.Process(target=pipeline_relay, args=(database_url, bootstrap, start, stop))
    consumer.start()
    relay.start()
    ready.wait()
    time.sleep(2)
    began = time.perf_counter()
    start.set()
    ended = result.get(timeout=600)
    stop.set()
    relay.join()
    consumer.join()
    return {"pipeline_events_per_s": count / (ended - began), "outbox_batch_write_events_per_s": write_rate}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--events", type=int, default=20_000)
    args = options(parser).parse_args()
    events = 500 if args.quick else args.events
    harness = Harness.start("pipeline", args)

    def one_pass() -> dict[str, float]:
        raw = run_raw(args.bootstrap, events)
        pipeline = run_pipeline(args.database_url, args.bootstrap, events)
        ratio = pipeline["pipeline_events_per_s"] / raw
        return {"raw_kafka_python_events_per_s": raw, **pipeline, "pipeline_to_raw_ratio": ratio}

    runs = harness.passes(one_pass)
    harness.emit(
        runs,
        "pipeline_events_per_s",
        "raw_kafka_python_events_per_s",
        "ratio ≥ 0.5",
        ratio="pipeline_to_raw_ratio",
        events=events,
    )


if __name__ == "__main__":
    main()
