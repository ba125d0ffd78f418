"""Events per second through outbox → relay → Kafka → consumer → inbox, beside raw kafka-python.

Both runs move the same number of events of the same size on the same broker: the raw run produces (acks=all,
idempotent; kafka-python's own partitioner) from one process and consumes with plain kafka-python; the pipeline
run has the relay publish pre-written outbox rows and the consumer loop handle each polled batch in a database
transaction with its inbox rows and one effect row per event (`meemaken_events.deferred`: the batch's effect
rows in one statement, as a service's handler that writes a row per event does). The figure is events per second
from the first send to the last event's effect committed (or received, for raw).

Beside each rate, the CPU each run spent per event (`*_cpu_us_per_event`: the whole machine's busy
core-seconds, the broker and PostgreSQL included; of them the sender's and the consumers', the rest
`..._broker_database_other`) and the cores it kept busy (`*_cores_busy`). Their ratio
(`pipeline_to_raw_cpu_per_event`) says what the rate ratio can be once both runs are held by the 2 cores: a
pipeline that costs k times raw kafka-python's CPU an event cannot pass 1/k of its rate on a machine both fill.

Each pass runs both, raw first, on topics of their own (3 partitions, one consumer process); `--warmup` passes
(default 1) are thrown away, then `--repeat` (3) are measured: min / median / max of each rate and of the ratio
pass by pass (bench/figures.py).

`--scale 1,2,4` measures instead, at each point n, both runs on n partitions with n consumer processes in one
group (one relay, as deployed: its lease lets one publish), one JSON line per point, and draws the curve
(bench/curves/pipeline-scaling.svg, `--curve`; redrawn after each point). `--profile DIR` first records,
unmeasured, py-spy flame graphs of the relay and the consumer process during one pipeline run
(DIR/pipeline-relay.svg, DIR/pipeline-consumer.svg).

The relay and the consumers read their knobs as a service reads its own, as the service "bench"
(`BenchSettings`: `BENCH_RELAY_BATCH_SIZE`, `BENCH_RELAY_LINGER_MS`, `BENCH_CONSUMER_MAX_RECORDS`,
`BENCH_CONSUMER_FETCH_MAX_WAIT_MS`, docs/configuration.md's `<SERVICE>_*`); the raw run's producer and consumers
take the same linger, records a poll and fetch wait. The relay's batch is 1,000 rows unless
`BENCH_RELAY_BATCH_SIZE` says otherwise (the shared default is 500; see `BenchSettings`).

    python bench/pipeline.py --bootstrap HOST:PORT --database-url postgresql+psycopg://... --events 20000
    python bench/pipeline.py ... --scale 1,2,4 --events 5000 > scale.jsonl
    python bench/pipeline.py --curve-from scale.jsonl  # the curve again from a saved run's lines
    python bench/pipeline.py ... --quick              # 500 events, checks that it runs
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from curves import Series, write_svg
from figures import Figures, Harness, busy_core_seconds, cpu_figures, cpu_seconds, options, profile
from kafka import KafkaConsumer, KafkaProducer
from kafka.partitioner import DefaultPartitioner

from meemaken_events import ConsumerLoop, EventFactory, Relay, deferred, messaging_tables
from meemaken_events.consumer import StuckJoin, listed_in_group
from meemaken_events.relay import producer_config
from meemaken_events.settings import EventSettings, variable
from meemaken_kit import make_engine

EVENT_TYPE = "org.meemaken.proposals.proposal.submitted.v1"
SOURCE = "urn:meemaken:municipality:bench:system:proposals"
PARTITIONS = 3  # the headline's topics, as in every earlier run
CURVE = Path(__file__).resolve().parent / "curves" / "pipeline-scaling.svg"
TIMEOUT = 600.0


def schema() -> tuple[sa.MetaData, sa.Table, sa.Table, sa.Table, sa.Table]:
    metadata = sa.MetaData()
    outbox, inbox, lease = messaging_tables(metadata)
    effects = sa.Table("effects", metadata, sa.Column("proposal_id", sa.String(36), primary_key=True))
    return metadata, outbox, inbox, lease, effects


class BenchSettings(EventSettings):
    """The benchmark's event settings, read from the environment as the service "bench" (`BENCH_RELAY_*`,
    `BENCH_CONSUMER_*`), with one default of its own. The relay's batch is 1,000 rows, not the shared 500: the
    challenges service's relay sends 1,000 a round (`CHALLENGES_RELAY_BATCH_SIZE`'s default), and this pipeline is
    the ceiling `right_to_challenge.py` measures that chain against, so both relays send the same batches; every
    pipeline figure in bench/README.md was measured with 1,000. `BENCH_RELAY_BATCH_SIZE=500` measures the relay as
    the other services deploy it (the line's `relay_batch_size` says which)."""

    relay_batch_size: int = variable(
        "BENCH_RELAY_BATCH_SIZE", 1000, "outbox rows the benchmark's relay reads, sends and marks together", ge=1
    )


def brokers(bootstrap: str) -> BenchSettings:
    """The settings of the relay and consumers, the broker `--bootstrap` (each process reads them at its start)."""
    return BenchSettings.from_env("bench", {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap})


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


def new_topic(kind: str, bootstrap: str, partitions: int) -> str:
    from meemaken_testkit import create_topics

    topic = f"bench.{kind}.{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, [(topic, partitions)])
    return topic


@dataclass(frozen=True)
class Cpu:
    """CPU seconds: the machine's busy core-seconds (every process: the broker, PostgreSQL, ours), and of them
    the sender's (raw producer or relay) and the consumers'. Per event, they say what the rate can be once the
    cores are the limit (a run that keeps both cores busy is there): the broker and PostgreSQL are `machine`
    less the two."""

    machine: float
    sender: float
    consumers: float

    @classmethod
    def now(cls, processes: Processes) -> Cpu:
        return cls(
            busy_core_seconds(),
            cpu_seconds(processes.sender.pid),
            sum(cpu_seconds(p.pid) for p in processes.consumers),
        )

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.machine - other.machine, self.sender - other.sender, self.consumers - other.consumers)

    def figures(self, run: str, count: int, seconds: float) -> dict[str, float]:
        """Microseconds of CPU per event, in all and by part, and the cores kept busy, as figures of `run`."""
        parts = {
            "sender": self.sender,
            "consumers": self.consumers,
            "broker_database_other": self.machine - self.sender - self.consumers,
        }
        return {
            **cpu_figures(run, self.machine, count, seconds),
            **{f"{run}_cpu_us_per_event_{part}": 1e6 * cpu / count for part, cpu in parts.items()},
        }


class Processes:
    """A run's processes: `consumers` consumer processes in one group, each saying when its partitions are
    assigned (`ready`) and how many events each committed batch held, and when (`done`); plus one sender."""

    def __init__(self) -> None:
        self.ctx = mp.get_context("spawn")
        self.start, self.stop = self.ctx.Event(), self.ctx.Event()
        self.ready, self.done = self.ctx.Queue(), self.ctx.Queue()
        self.consumers: list[Any] = []
        self.sender: Any = None
        self.cpu = Cpu(0.0, 0.0, 0.0)

    def run(self, sender: Callable[..., None], consumer: Callable[..., None], args: tuple[Any, ...], n: int) -> None:
        group = f"bench-{uuid.uuid4().hex[:6]}"
        for _ in range(n):
            self.consumers.append(
                self.ctx.Process(target=consumer, args=(*args, group, self.ready, self.done, self.stop))
            )
        self.sender = self.ctx.Process(target=sender, args=(*args, self.start, self.stop))
        for process in [*self.consumers, self.sender]:
            process.start()
        for _ in range(n):  # every member holds its partitions: the group's last rebalance is done
            self.ready.get(timeout=TIMEOUT)
        time.sleep(2)  # let the sender build its records

    def measure(self, count: int) -> float:
        """Seconds from the start signal to the last of `count` events done, as the consumers report them; the
        CPU spent meanwhile in `self.cpu` (`Cpu`)."""
        before = Cpu.now(self)
        began = time.perf_counter()
        self.start.set()
        total, ended = 0, began
        while total < count:
            n, at = self.done.get(timeout=TIMEOUT)
            total, ended = total + n, max(ended, at)
        self.cpu = Cpu.now(self) - before
        return ended - began

    def close(self) -> None:
        self.stop.set()
        for process in [self.sender, *self.consumers]:
            if process is not None and process.pid is not None:
                process.join(timeout=60)


# --- raw kafka-python ------------------------------------------------------------------------


def raw_produce(bootstrap: str, topic: str, count: int, start: Any, stop: Any) -> None:
    records = [e.to_kafka() for e in sample_events(count)]
    # kafka-python as published: the relay's settings, with kafka-python's own partitioner (the relay's
    # KeyHash is this project's code, part of what the pipeline run measures)
    producer = KafkaProducer(**producer_config(brokers(bootstrap), "bench-raw") | {"partitioner": DefaultPartitioner()})
    start.wait()
    futures = [producer.send(topic, key=k, value=v, headers=h) for k, v, h in records]
    producer.flush()
    for f in futures:
        f.get(timeout=30)
    producer.close()


def raw_consume(bootstrap: str, topic: str, _count: int, group: str, ready: Any, done: Any, stop: Any) -> None:
    settings = brokers(bootstrap)

    def member() -> KafkaConsumer:
        return KafkaConsumer(
            topic,
            bootstrap_servers=bootstrap.split(","),
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            max_poll_records=settings.consumer_max_records,  # as the consumer loop's
            fetch_max_wait_ms=settings.consumer_fetch_max_wait_ms,
        )

    def listed() -> bool:
        return listed_in_group(consumer, settings, group)

    consumer, join = member(), StuckJoin()  # kafka-python 3.0.12's stuck member: the consumer loop's guard
    while not consumer.assignment():
        consumer.poll(timeout_ms=100)
        if join.stuck(bool(consumer.assignment()), listed):
            print("bench: a raw group member held no partition and is not in its group; joining again", file=sys.stderr)
            consumer.close()
            consumer = member()
    ready.put(True)
    while not stop.is_set():
        batch = consumer.poll(timeout_ms=200, max_records=settings.consumer_max_records)
        if seen := sum(len(records) for records in batch.values()):
            consumer.commit()
            done.put((seen, time.perf_counter()))
    consumer.close()


def run_raw(bootstrap: str, count: int, partitions: int = PARTITIONS, consumers: int = 1) -> dict[str, float]:
    topic = new_topic("raw", bootstrap, partitions)
    processes = Processes()
    try:
        processes.run(raw_produce, raw_consume, (bootstrap, topic, count), consumers)
        seconds = processes.measure(count)
    finally:
        processes.close()
    return {"raw_kafka_python_events_per_s": count / seconds, **processes.cpu.figures("raw", count, seconds)}


# --- the meemaken pipeline ---------------------------------------------------------------


def pipeline_relay(database_url: str, bootstrap: str, _topic: str, _count: int, start: Any, stop: Any) -> None:
    _metadata, outbox, _inbox, lease, _effects = schema()
    engine = make_engine(database_url)
    relay = Relay.for_service("bench", engine, outbox, lease, brokers(bootstrap))  # its batch: BenchSettings
    _ = relay.producer  # connected before the start, as the raw run's producer is
    start.wait()
    while not stop.is_set():  # as the relay's loop publishes: a batch's mark done while the next one is sent
        if relay.publish_overlapped() == 0:
            time.sleep(0.005)
    relay.close()


def pipeline_consume(
    database_url: str, bootstrap: str, topic: str, _count: int, group: str, ready: Any, done: Any, stop: Any
) -> None:
    _metadata, _outbox, inbox, _lease, effects = schema()
    engine = make_engine(database_url)
    handled = 0

    def handle(conn: sa.Connection, envelope: Any) -> None:
        nonlocal handled
        deferred.insert(conn, effects, {"proposal_id": envelope.data["proposal_id"]})
        handled += 1

    loop = ConsumerLoop(
        "bench.consumer",
        [topic],
        {EVENT_TYPE: handle},
        engine,
        inbox,
        brokers(bootstrap),
        consumer_options={"group_id": group},
        batch_scope=deferred.batch_inserts,
    )
    while not loop.assignment():  # a stuck member joins again (the loop's StuckJoin)
        loop.run_once(timeout_ms=100)
    ready.put(True)
    while not stop.is_set():
        handled = 0
        if loop.run_once(timeout_ms=200):  # a batch committed: its handlers' effects are in
            done.put((handled, time.perf_counter()))
    loop.close()


def run_pipeline(
    database_url: str,
    bootstrap: str,
    count: int,
    partitions: int = PARTITIONS,
    consumers: int = 1,
    profiles: Path | None = None,
) -> dict[str, float]:
    """One pipeline run on fresh tables; with `profiles`, flame graphs of the relay and the first consumer."""
    topic = new_topic("pipeline", bootstrap, partitions)
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

    processes = Processes()
    try:
        processes.run(pipeline_relay, pipeline_consume, (database_url, bootstrap, topic, count), consumers)
        if profiles is None:
            seconds = processes.measure(count)
        else:
            relay, consumer = processes.sender.pid, processes.consumers[0].pid
            seconds = profile(
                relay,
                profiles / "pipeline-relay.svg",
                lambda: profile(consumer, profiles / "pipeline-consumer.svg", lambda: processes.measure(count)),
            )
    finally:
        processes.close()
    return {
        "pipeline_events_per_s": count / seconds,
        "outbox_batch_write_events_per_s": write_rate,
        **processes.cpu.figures("pipeline", count, seconds),
    }


def one_pass(args: argparse.Namespace, events: int, n: int | None = None) -> Figures:
    """Raw, then the pipeline: at the headline's shape, or at n partitions x n consumers."""
    partitions, consumers = (PARTITIONS, 1) if n is None else (n, n)
    raw = run_raw(args.bootstrap, events, partitions, consumers)
    pipeline = run_pipeline(args.database_url, args.bootstrap, events, partitions, consumers)
    ratio = pipeline["pipeline_events_per_s"] / raw["raw_kafka_python_events_per_s"]
    cpu = pipeline["pipeline_cpu_us_per_event"] / raw["raw_cpu_us_per_event"]
    return {**raw, **pipeline, "pipeline_to_raw_ratio": ratio, "pipeline_to_raw_cpu_per_event": cpu}


def emit(harness: Harness, runs: list[Figures], **extra: Any) -> Figures:
    """The JSON line of a set of passes: the pipeline's rate beside raw kafka-python's, their ratio pass by pass."""
    figures = ("pipeline_events_per_s", "raw_kafka_python_events_per_s", "ratio ≥ 0.5")
    batch = BenchSettings.from_env("bench").relay_batch_size
    return harness.emit(runs, *figures, ratio="pipeline_to_raw_ratio", relay_batch_size=batch, **extra)


def scaling(harness: Harness, args: argparse.Namespace, events: int, points: list[int]) -> None:
    """One JSON line per point; the curve of both rates against n, redrawn after each point."""
    lines = []
    for n in points:
        runs = harness.passes(lambda n=n: one_pass(args, events, n))
        case = f"{n} partitions x {n} consumers"
        lines.append(emit(harness, runs, case=case, events=events, partitions=n))
        draw(lines, args.curve)


def draw(lines: list[Figures], svg: Path) -> None:
    """The curve of the pipeline's and raw kafka-python's events/s (median, min - max band) against n, from the
    JSON lines of `--scale` points (of this run, or of a saved one: `--curve-from`)."""
    lines = sorted(lines, key=lambda line: int(line["partitions"]))
    points = [int(line["partitions"]) for line in lines]
    series = [
        Series(
            label,
            [(n, line["figures"][figure]["median"]) for n, line in zip(points, lines, strict=True)],
            low=[line["figures"][figure]["min"] for line in lines],
            high=[line["figures"][figure]["max"] for line in lines],
        )
        for label, figure in (
            ("pipeline (one relay, n consumer processes)", "pipeline_events_per_s"),
            ("raw kafka-python (one producer, n consumers)", "raw_kafka_python_events_per_s"),
        )
    ]
    loads = sorted({load for line in lines for load in (line["loadavg_before"][0], line["loadavg_after"][0])})
    commits = ", ".join(sorted({line["commit"] for line in lines}))
    note = (
        f"{lines[0]['events']} events a pass, median and min-max of {lines[0]['repeat']} passes, {commits}; "
        f"load average {loads[0]} - {loads[-1]}"
        + (" (outside load: indicative only)" if any(line["outside_load"] for line in lines) else "")
    )
    write_svg(svg, "Event pipeline: events/s by partitions x consumers", "n", "events/s", series, note=note)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap")
    parser.add_argument("--database-url")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--scale", help="points n, e.g. 1,2,4: n partitions x n consumer processes, and the curve")
    parser.add_argument("--curve", type=Path, default=CURVE, help="the SVG --scale draws")
    parser.add_argument("--curve-from", type=Path, help="draw --curve from a saved run's JSON lines, run nothing")
    parser.add_argument("--profile", type=Path, help="a folder for py-spy flame graphs of one run (not measured)")
    args = options(parser).parse_args()
    if args.curve_from:
        draw([json.loads(t) for t in args.curve_from.read_text().splitlines() if '"partitions"' in t], args.curve)
        return
    if not (args.bootstrap and args.database_url):
        parser.error("--bootstrap and --database-url are needed to measure")
    events = 500 if args.quick else args.events
    harness = Harness.start("pipeline", args)
    if args.profile:
        run_pipeline(args.database_url, args.bootstrap, events, profiles=args.profile)
    if args.scale:
        scaling(harness, args, events, [int(n) for n in args.scale.split(",")])
        return
    emit(harness, harness.passes(lambda: one_pass(args, events)), events=events)


if __name__ == "__main__":
    main()
