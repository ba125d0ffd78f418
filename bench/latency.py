"""Latency from `POST /api/v1/proposals` to the author's in-app notification, at a steady rate.

Runs proposals and notifications as deployed (Granian API + worker each, own PostgreSQL
database, the real broker), sends submissions open-loop at a fixed rate (each at its planned
time, whether or not earlier ones are done), and measures for every submission the time from
just before its request to the moment its notification row was committed (both clocks are this
machine's). Reports p50, p90, p99 and max, beside the floor measured in the same pass: the POST's own
answer time (p50 / p99), which the notification can never beat. Each author's token is signed before the pass, as
the gateway signs one at login: the timed request is the POST alone, not the load generator's RS256 signature.

What the pass cost: `cpu_ms_per_submission`, the machine's busy core-milliseconds from the first request to
the last message per submission (every process: the services, PostgreSQL, the broker, this load generator, whose
own share `load_generator_cpu_ms_per_submission` is given apart), and `cores_busy` meanwhile. Once the cores are
full (2.0 here), submissions queue in front of every step and the latency grows with the pass, whatever the code's
latency settings: the rate the cores allow is the cores over the CPU a submission costs.

Where the time goes: the chain has two hops through the broker (proposals' admissibility consumer
admits the submitted proposal; its `proposal.admitted` event is what notifications turns into the
author's message), and every step leaves a timestamp this benchmark reads after the pass: the outbox
rows' `created_at` (staged in the writing transaction), each record's Kafka timestamp (set by the relay's
producer at send), the inbox rows' `handled_at` (the consumer's transaction), the message's `created_at`.
`stages_p50_ms` / `stages_p99_ms` give each step's share, in the chain's order:

- `api`: request sent -> its event staged in proposals' outbox (the POST, up to its commit);
- `relay_submitted`, `relay_admitted`: outbox row -> sent to Kafka (commit, the relay's poll, its read);
- `kafka_admissibility`, `kafka_notifications`: sent -> the consumer's transaction (the broker, the fetch);
- `admit`: proposals' handler -> the `proposal.admitted` row; `row`: notifications' handler -> the message.

The stages' medians add up to about the total's; their p99s do not add (different submissions).

A warm-up pass of a few seconds (pools, the consumers' group joins, code paths), then `--repeat` passes of
`--seconds` each; min / median / max over the passes (bench/figures.py).

    python bench/latency.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://... --rate 50 --seconds 30
    python bench/latency.py ... --rate 50,200   # one row per rate, each with its own passes
    python bench/latency.py ... --rate 25,50,100,200 --curve bench/curves/latency-rate.svg   # p50 / p99 by rate
    python bench/latency.py ... --quick     # 20/s for 3 s a pass
    python bench/latency.py ... --rate 200 --profile bench/profiles/latency-x   # + both workers' flame graphs
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from figures import Figures, Harness, busy_core_seconds, open_call, options, profile
from kafka import KafkaConsumer, TopicPartition

from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer

PROCESS = "bench-latency"
TOPIC = "meemaken.proposals.proposal"
SUBMITTED, ADMITTED = "org.meemaken.proposals.proposal.submitted.v1", "org.meemaken.proposals.proposal.admitted.v1"
ADMISSIBILITY = "proposals.admissibility"  # proposals' consumer of SUBMITTED (notifications' takes it in too)
STAGES = ("api", "relay_submitted", "kafka_admissibility", "admit", "relay_admitted", "kafka_notifications", "row")
TEXT = "Close the street in front of the school for cars at the start and end of the day."


def run(
    harness: Harness,
    bootstrap: str,
    server_url: str,
    rates: list[float],
    seconds: float,
    profiles: str | None = None,
) -> list[Figures]:
    """Every rate's passes on one deployment; the JSON line of each rate. With `profiles` (a path prefix), one
    more pass at the last rate, unmeasured, under py-spy: `<prefix>-proposals-worker.svg` and
    `<prefix>-notifications-worker.svg`."""
    lines = []
    logs = Path(tempfile.mkdtemp(prefix="meemaken-latency-"))
    databases = {
        s: create_database(server_url, f"bench_{s}_{uuid.uuid4().hex[:8]}") for s in ("proposals", "notifications")
    }
    deployed = []
    try:
        for service, url in databases.items():  # a service that does not start stops those started before it
            deployed.append(deploy(service, url, bootstrap, logs, {"LOG_LEVEL": "WARNING"}, ready_within=180))
        urls = {d.service: d.url for d in deployed}
        open_call(urls["proposals"], PROCESS, "Bench")
        engines = {s: sa.create_engine(url) for s, url in databases.items()}
        for rate in rates:
            runs = harness.passes(
                lambda rate=rate: one_pass(urls["proposals"], engines, bootstrap, rate, seconds),
                warm=lambda rate=rate: one_pass(urls["proposals"], engines, bootstrap, rate, min(seconds, 3)),
            )
            goal = "p99 < 100 ms at 50/s, < 250 ms at 200/s, none lost"
            lines.append(harness.emit(runs, "p99_ms", "post_p99_ms", goal, case=f"{rate:g}/s"))
        if profiles:
            workers = {d.service: d.processes[1].pid for d in deployed}
            profile(
                workers["proposals"],
                Path(f"{profiles}-proposals-worker.svg"),
                lambda: profile(
                    workers["notifications"],
                    Path(f"{profiles}-notifications-worker.svg"),
                    lambda: one_pass(urls["proposals"], engines, bootstrap, rates[-1], seconds),
                ),
            )
        for engine in engines.values():
            engine.dispose()
        return lines
    finally:
        for d in deployed:
            d.stop()


def one_pass(proposals: str, engines: dict[str, sa.Engine], bootstrap: str, rate: float, seconds: float) -> Figures:
    """Submissions at `rate` for `seconds`, open loop; each one's time to its notification row."""
    sent: dict[str, float] = {}
    answered: list[float] = []
    failures = 0
    lock = threading.Lock()
    local = threading.local()

    def submit(author: uuid.UUID, headers: dict[str, str]) -> None:
        nonlocal failures
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.time()
        response = session.post(f"{proposals}/api/v1/proposals", json=_body(author), headers=headers, timeout=10)
        took = (time.time() - started) * 1000
        with lock:
            if response.status_code == 201:
                sent[str(author)] = started
                answered.append(took)
            else:
                failures += 1

    total = int(rate * seconds)
    # each author's token signed before the pass, as the gateway signs one at login, not per request: signed in the
    # timed request, it cost the load generator ~1 ms of CPU (RS256 and the settings read) and counted in `api`
    authors = [uuid.uuid4() for _ in range(total)]
    tokens = [_as(author) for author in authors]
    busy, own, wall = busy_core_seconds(), time.process_time(), time.time()
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for i, (author, headers) in enumerate(zip(authors, tokens, strict=True)):
            delay = began + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(submit, author, headers)
    query = sa.text("SELECT recipient_id, event_id, created_at FROM messages WHERE recipient_id = ANY(:ids)")
    ids = [uuid.UUID(a) for a in sent]
    delivered: dict[str, Any] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with engines["notifications"].connect() as conn:
            delivered = {str(r.recipient_id): r for r in conn.execute(query, {"ids": ids})}
        if all(a in delivered for a in sent):
            break
        time.sleep(0.5)
    busy, own = busy_core_seconds() - busy, time.process_time() - own
    last = max((r.created_at.timestamp() for r in delivered.values()), default=time.time())
    latencies = sorted((delivered[a].created_at.timestamp() - t) * 1000 for a, t in sent.items() if a in delivered)
    stages = _stages(engines, bootstrap, [(t, delivered[a]) for a, t in sent.items() if a in delivered])
    return {
        "submissions": total,
        "http_failures": failures,
        "delivered": len(latencies),
        "lost": len(sent) - len(latencies),  # no message within a minute of the last submission
        "p50_ms": _quantile(latencies, 50),
        "p90_ms": _quantile(latencies, 90),
        "p99_ms": _quantile(latencies, 99),
        "max_ms": latencies[-1] if latencies else math.nan,
        "post_p50_ms": _quantile(answered, 50),
        "post_p99_ms": _quantile(answered, 99),
        # the machine's CPU from the first request to the last message (every process: the services, PostgreSQL,
        # the broker, this load generator, whose own share is given apart), and the cores it kept busy
        "cpu_ms_per_submission": 1000 * busy / total,
        "load_generator_cpu_ms_per_submission": 1000 * own / total,
        "cores_busy": busy / max(last - wall, 1e-3),
        "stages_p50_ms": {name: _quantile(values, 50) for name, values in stages.items()},
        "stages_p99_ms": {name: _quantile(values, 99) for name, values in stages.items()},
    }


def _stages(engines: dict[str, sa.Engine], bootstrap: str, messages: list[tuple[float, Any]]) -> dict[str, list[float]]:
    """Each delivered submission's time in each step of the chain (module text), from the timestamps its rows
    and records carry: `messages` holds the moment each request was sent and its message's row."""
    with engines["proposals"].connect() as conn:
        outbox = {r.event_id: r for r in conn.execute(sa.text("SELECT event_id, key, type, created_at FROM outbox"))}
        handled = _handled(conn, ADMISSIBILITY, SUBMITTED)
    with engines["notifications"].connect() as conn:
        handled |= _handled(conn, None, ADMITTED)
    submitted = {r.key: r for r in outbox.values() if r.type == SUBMITTED}
    sent = _sent_to_kafka(bootstrap)
    stages: dict[str, list[float]] = {name: [] for name in STAGES}
    for began, message in messages:
        admitted = outbox.get(message.event_id)
        first = submitted.get(admitted.key) if admitted else None
        if admitted is None or first is None:
            continue
        moments = [
            began,
            first.created_at.timestamp(),
            sent.get(first.event_id),
            _moment(handled.get(first.event_id)),
            admitted.created_at.timestamp(),
            sent.get(admitted.event_id),
            _moment(handled.get(admitted.event_id)),
            message.created_at.timestamp(),
        ]
        if any(m is None for m in moments):
            continue
        for name, start, end in zip(STAGES, moments, moments[1:], strict=False):
            stages[name].append((end - start) * 1000)  # type: ignore[operator]
    return stages


def _handled(conn: sa.Connection, consumer: str | None, event_type: str) -> dict[str, datetime]:
    """When the chain's consumer of `event_type` (`consumer`, or the database's only one of that type) took each
    event in: its inbox row's `handled_at`. Only that consumer's rows: notifications' inbox also holds
    `proposal.submitted` (taken in silently), whose row, merged over proposals' own, made `admit` negative when
    notifications lagged behind proposals' admissibility consumer (200/s)."""
    query = "SELECT event_id, min(handled_at) FROM inbox WHERE type = :type"
    query += " AND consumer = :consumer" if consumer else ""
    rows = conn.execute(sa.text(query + " GROUP BY event_id"), {"type": event_type, "consumer": consumer})
    return {event_id: at for event_id, at in rows}


def _sent_to_kafka(bootstrap: str) -> dict[str, float]:
    """Each event's Kafka timestamp (the relay's producer sets it at send), by event id (its `ce_id` header)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False)
    try:
        partitions = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        sent: dict[str, float] = {}
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    ids = [bytes(v).decode() for k, v in record.headers or [] if k == "ce_id"]
                    if ids:
                        sent[ids[0]] = record.timestamp / 1000
        return sent
    finally:
        consumer.close()


def _moment(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _quantile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0] if values else math.nan
    return statistics.quantiles(values, n=100)[percent - 1]


def curve(lines: list[Figures], path: Path) -> None:
    """p50 and p99 against the offered rate (median of the passes, min - max as a band), beside the POST's p99."""
    from curves import Series, write_svg

    def series(label: str, figure: str) -> Series:
        spreads = [line["figures"][figure] for line in lines]
        return Series(
            label,
            [(float(line["case"].removesuffix("/s")), s["median"]) for line, s in zip(lines, spreads, strict=True)],
            low=[s["min"] for s in spreads],
            high=[s["max"] for s in spreads],
        )

    last = lines[-1]
    note = (
        f"2 cores; load average {last['loadavg_before'][0]:g} -> {last['loadavg_after'][0]:g}"
        f"{' (outside load: not a result)' if any(line['outside_load'] for line in lines) else ''}; "
        f"{last['repeat']} passes a rate; commit {last['commit']}"
    )
    write_svg(
        path,
        "Submit -> notification latency against the offered rate",
        "submissions per second (open loop)",
        "ms",
        [
            series("p99 to the notification", "p99_ms"),
            series("p50 to the notification", "p50_ms"),
            series("p99 of the POST's answer", "post_p99_ms"),
        ],
        log_y=True,
        note=note,
    )


def _as(author: uuid.UUID) -> dict[str, str]:
    """The gateway's token for the author (the author is the token's subject, never a body field)."""
    return bearer("proposals", "resident", sub=author)


def _body(author: uuid.UUID) -> dict[str, str]:
    """A proposal that is admitted: an open process, a title of its own."""
    return {
        "process_id": PROCESS,
        "title": f"Safer school streets {author.hex[:12]}",
        "text": f"{TEXT} ({author.hex[:12]})",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--server-url", required=True, help="a PostgreSQL server URL; databases are created on it")
    parser.add_argument("--rate", default="50", help="submissions per second; a comma-separated list: a row each")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--curve", type=Path, help="draw p50 / p99 against the rates into this SVG (bench/curves.py)")
    parser.add_argument("--profile", help="path prefix: py-spy both workers in one more pass at the last rate")
    args = options(parser).parse_args()
    harness = Harness.start("latency", args)
    rates, seconds = ([20.0], 3.0) if args.quick else ([float(r) for r in args.rate.split(",")], args.seconds)
    lines = run(harness, args.bootstrap, args.server_url, rates, seconds, args.profile)
    if args.curve:
        curve(lines, args.curve)


if __name__ == "__main__":
    main()
