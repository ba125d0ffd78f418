"""The officials' work queue (issue 14): its render time with 50,000 open items, and the lag from an event
being published to its item being in the queue.

Runs the gateway as deployed (migrate, Granian, worker with the queue's consumers) on a PostgreSQL
database and the real broker, with an in-process OpenID provider (oidc-provider-mock) and one case
officer logged in through the code flow with PKCE. Two cases, each `--repeat` passes after a warm-up:

- render: `--items` open work items across the services (proposals, projects, budget rounds,
  challenges in every state, panels; eight departments, six districts, deadlines from a month late to
  three months ahead, some without) are written into the read model at the start (setup, through the
  queue's own rules: `change_for` on the services' event data). Each pass GETs `--requests` times, one
  after the other, the default view (`/desk/queue`: every open item, soonest deadline first, with the
  count and the filters' choices) and a filtered view (`?service=challenges&department=mobility&overdue=1`)
  with the official's session cookie; p50 / p95 in ms. Ceiling, in the same pass, request by request: the
  same view's SQL (the page's items, saved views, counts and filter choices) run straight on the database from here.
  Goal: p95 < 200 ms.
- lag: `proposal.admitted` events built by the proposals service's own factory are published open-loop
  at `--rate` per second for `--seconds`; a watcher reads the read model every 20 ms and notes when each
  new item is there (the page reads that table; it is in the queue from then on). p50 / p99 / max in ms.
  Ceiling, in the same pass: a plain Kafka consumer in this process receiving the same records (the
  broker's own delivery). Goal: p99 < 1 s.

    python bench/work_queue.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://...
    python bench/work_queue.py ... --quick     # 2,000 items, 30 requests a view, 3 s of events
    python bench/work_queue.py ... --profile bench/profiles   # also py-spy flame graphs of both paths

`--profile DIR` first records, unmeasured, a flame graph (py-spy) of the gateway's API processes during a
render pass (`work_queue_render.svg`) and of its worker during a lag pass (`work_queue_lag.svg`).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
import urllib3
from deploy import stack
from figures import Figures, Harness, options, profile
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from gateway.adapters.tables import work_items
from gateway.casework import store
from gateway.casework.queue import CHALLENGE_WORK, PANEL_STEPS, ROUND_STEPS, change_for
from gateway.casework.views import read_view
from meemaken_events import EventFactory
from meemaken_kit import make_engine
from proposals.domain.model import ProposalAdmitted
from proposals.integration.outgoing import envelope_for

OFFICIAL = {"roles": ["case_officer"], "groups": ["/departments/mobility"], "birthdate": "1980-01-01"}
DEPARTMENTS = ("mobility", "culture", "sports", "youth", "housing", "welfare", "environment", "economy")
DISTRICTS = ("centrum", "noord", "oost", "zuid", "west", "haven")
FILTERED = "service=challenges&department=mobility&overdue=1"
TOPIC = "meemaken.proposals.proposal"


def log_in(gateway: str, sub: str) -> str:
    """The code flow as a browser does it; the session cookie a logged-in browser sends."""
    browser = requests.Session()
    start = browser.get(f"{gateway}/login?next=/desk/queue", allow_redirects=False, timeout=10)
    chosen = requests.post(start.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=10)
    back = urlsplit(chosen.headers["Location"])
    landed = browser.get(f"{gateway}{back.path}?{back.query}", timeout=30)
    assert landed.status_code == 200 and "/desk/queue" in landed.url, f"login failed: {landed.status_code}"
    return f"meemaken={browser.cookies['meemaken']}"


def synthetic(i: int, rng: random.Random, now: datetime, me: str) -> dict[str, Any]:
    """One open item as the queue's rules make it from a service's event data."""
    case = str(uuid.UUID(int=rng.getrandbits(128)))
    due = (now + timedelta(hours=rng.randint(-30 * 24, 90 * 24))).isoformat() if rng.random() < 0.75 else None
    kind = i % 20
    if kind < 8:
        data = {"proposal_id": case, "process_id": "p", "title": f"Proposal {i}", "answer_due_at": due}
        change = change_for("org.meemaken.proposals.proposal.threshold_reached.v1", data, now)
    elif kind < 14:
        state = rng.choice(list(CHALLENGE_WORK))
        data = {"challenge_id": case, "department": rng.choice(DEPARTMENTS), "from_status": "draft"}
        data |= {"to_status": state, "details": {"due_at": due} if due else {}}
        change = change_for("org.meemaken.challenges.challenge.x.v1", data, now)
    elif kind < 17:
        data = {"round_id": case, "project_id": "p1", "title": f"Project {i}", "district": rng.choice(DISTRICTS)}
        change = change_for("org.meemaken.proposals.round.project_added.v1", data, now)
    elif kind < 19:
        data = {"panel_id": case, "details": {"due_at": due, "theme": f"Panel {i}"}}
        change = change_for(f"org.meemaken.panels.panel.{rng.choice(list(PANEL_STEPS))}.v1", data, now)
    else:
        data = {"round_id": case, "process_id": f"budget-{i}"}
        change = change_for(f"org.meemaken.proposals.round.{rng.choice(list(ROUND_STEPS)[:4])}.v1", data, now)
    assert change is not None
    row: dict[str, Any] = {c.name: None for c in work_items.columns}
    row |= {**change.fields, "service": change.service, "case_id": change.case_id}
    row |= {"opened_at": now - timedelta(days=rng.randint(0, 200)), "version": now, "open": True}
    if change.service == "challenges" and rng.random() < 0.3:
        row["assignee"] = me if rng.random() < 0.2 else str(uuid.uuid4())
    return row


def seed(engine: sa.Engine, count: int, me: str) -> None:
    rng, now = random.Random(14), datetime.now(UTC)
    with engine.begin() as conn:
        for start in range(0, count, 5000):
            rows = [synthetic(i, rng, now, me) for i in range(start, min(start + 5000, count))]
            conn.execute(work_items.insert(), rows)
        conn.exec_driver_sql("ANALYZE work_items")


def settle(engine: sa.Engine, limit: float = 900.0) -> dict[str, float]:
    """Wait for the worker to announce the seeded items' deadline crossings (near breach, breach: one row and
    one event each) and relay their events. A running system announces each as it happens; the seed makes
    thousands at once, and measuring during that burst measures the burst (the worker's alert job and relay
    took half its CPU then). Seconds it took and crossings announced."""
    started, last = time.perf_counter(), -1
    while time.perf_counter() - started < limit:
        with engine.connect() as conn:
            alerts = conn.execute(sa.text("SELECT count(*) FROM deadline_alerts")).scalar_one()
            waiting = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar_one()
        if alerts > 0 and alerts == last and waiting == 0:
            break
        last = alerts
        time.sleep(5)
    return {"settle_s": round(time.perf_counter() - started, 1), "crossings_announced": float(last)}


def quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50": statistics.median(ordered), "p95": ordered[int(0.95 * (len(ordered) - 1))]}


def render_pass(http: urllib3.PoolManager, url: str, cookie: str, engine: sa.Engine, me: str, n: int) -> Figures:
    figures: Figures = {}
    for name, query in (("default", ""), ("filtered", FILTERED)):
        pages, sqls = [], []
        view = read_view(dict(p.split("=") for p in query.split("&")) if query else {})[0]
        for _ in range(n):
            started = time.perf_counter()
            answer = http.request("GET", f"{url}/desk/queue?{query}", headers={"Cookie": cookie})
            pages.append((time.perf_counter() - started) * 1000)
            assert answer.status == 200, answer.status
            started = time.perf_counter()
            with engine.connect() as conn:
                store.find(conn, view, me)
                store.views_of(conn, me)
                store.summary(conn, [view], me)
            sqls.append((time.perf_counter() - started) * 1000)
        page_q, sql_q = quantiles(pages), quantiles(sqls)
        figures |= {f"{name}_page_{k}_ms": round(v, 2) for k, v in page_q.items()}
        figures |= {f"{name}_sql_{k}_ms": round(v, 2) for k, v in sql_q.items()}
        figures[f"{name}_page_to_sql_p95"] = round(page_q["p95"] / sql_q["p95"], 2)  # this pass's own ceiling
    return figures


class Watch:
    """The broker's own delivery of the published records, seen by a plain consumer in this process."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False)
        partitions = [TopicPartition(TOPIC, p) for p in self.consumer.partitions_for_topic(TOPIC) or ()]
        self.consumer.assign(partitions)
        self.consumer.seek_to_end()
        for tp in partitions:
            self.consumer.position(tp)
        self.received: dict[str, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            for batch in self.consumer.poll(timeout_ms=50).values():
                now = time.perf_counter()
                for record in batch:
                    self.received.setdefault(record.key.decode(), now)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.consumer.close()


def lag_pass(bootstrap: str, engine: sa.Engine, rate: float, seconds: float) -> Figures:
    factory = EventFactory("urn:meemaken:municipality:bench:system:proposals")
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all", linger_ms=0)
    watch = Watch(bootstrap)
    published: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def watcher() -> None:
        while not done.is_set() or len(seen) < len(published):
            waiting = [k for k in list(published) if k not in seen]
            if waiting:
                with engine.connect() as conn:
                    found = conn.execute(sa.select(work_items.c.case_id).where(work_items.c.case_id.in_(waiting)))
                    now = time.perf_counter()
                    for case_id in found.scalars():
                        seen[case_id] = now
            if done.is_set() and time.perf_counter() - finished > 60:
                return  # what never arrived shows as missing
            time.sleep(0.02)

    finished = float("inf")
    thread = threading.Thread(target=watcher, daemon=True)
    thread.start()
    start, total = time.perf_counter(), int(rate * seconds)
    for k in range(total):
        wait = start + k / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        pid = uuid.uuid4()
        envelope = envelope_for(factory, ProposalAdmitted(pid, "bench", uuid.uuid4(), f"Bench proposal {k}"))
        key, value, headers = envelope.to_kafka()
        published[str(pid)] = time.perf_counter()
        producer.send(TOPIC, key=key, value=value, headers=headers)
    producer.flush(30)
    sent_rate = total / (time.perf_counter() - start)
    finished = time.perf_counter()
    done.set()
    thread.join(90)
    producer.close()
    watch.close()
    lags = [(seen[k] - t) * 1000 for k, t in published.items() if k in seen]
    kafka = [(watch.received[k] - t) * 1000 for k, t in published.items() if k in watch.received]
    ordered, kafka_ordered = sorted(lags), sorted(kafka)
    lag_p99, kafka_p99 = ordered[int(0.99 * (len(ordered) - 1))], kafka_ordered[int(0.99 * (len(kafka_ordered) - 1))]
    return {
        "lag_p50_ms": round(statistics.median(ordered), 1),
        "lag_p99_ms": round(lag_p99, 1),
        "lag_max_ms": round(ordered[-1], 1),
        "kafka_p50_ms": round(statistics.median(kafka_ordered), 1),
        "kafka_p99_ms": round(kafka_p99, 1),
        "lag_to_kafka_p99": round(lag_p99 / kafka_p99, 2),  # against this pass's own ceiling
        "missing": len(published) - len(seen),
        "published_per_s": round(sent_rate, 1),
    }


def run(harness: Harness, args: argparse.Namespace) -> None:
    env = {"LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": args.web_concurrency}
    with stack("queue", args, ["bench-official"], OFFICIAL, env, with_proposals=False) as deployed:
        gateway, url = deployed.gateway, deployed.gateway_url
        engine = make_engine(deployed.gateway_database)
        cookie = log_in(url, "bench-official")
        with engine.connect() as conn:
            me = conn.execute(sa.text("SELECT person_id FROM sessions WHERE person_id IS NOT NULL")).scalar_one()
        seed(engine, args.items, me)
        settled = settle(engine)
        print(
            f"work_queue: the worker announced {settled['crossings_announced']:.0f} crossings of the seeded items "
            f"in {settled['settle_s']} s before the passes",
            file=sys.stderr,
            flush=True,
        )
        http = urllib3.PoolManager(maxsize=1)
        if args.profile:
            api, worker = gateway.processes[0].pid, gateway.processes[1].pid
            render_svg, lag_svg = args.profile / "work_queue_render.svg", args.profile / "work_queue_lag.svg"
            profile(api, render_svg, lambda: render_pass(http, url, cookie, engine, me, args.requests))
            profile(worker, lag_svg, lambda: lag_pass(args.bootstrap, engine, args.rate, args.seconds))
        render = harness.passes(
            lambda: render_pass(http, url, cookie, engine, me, args.requests),
            warm=lambda: render_pass(http, url, cookie, engine, me, max(5, args.requests // 5)),
        )
        harness.emit(
            render,
            "default_page_p95_ms",
            "default_sql_p95_ms",
            "p95 < 200 ms (default and filtered view)",
            ratio="default_page_to_sql_p95",
            case=f"render, {args.items} open items",
            **settled,
            items=args.items,
            requests=args.requests,
            filtered=FILTERED,
        )
        lag = harness.passes(
            lambda: lag_pass(args.bootstrap, engine, args.rate, args.seconds),
            warm=lambda: lag_pass(args.bootstrap, engine, args.rate, min(args.seconds, 2)),
        )
        harness.emit(
            lag,
            "lag_p99_ms",
            "kafka_p99_ms",
            "p99 < 1000 ms",
            ratio="lag_to_kafka_p99",
            case=f"lag at {args.rate:g} events/s",
            rate=args.rate,
            seconds=args.seconds,
        )
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--server-url", required=True, help="a PostgreSQL server URL; a database is created on it")
    parser.add_argument("--items", type=int, default=50_000, help="open work items in the read model")
    parser.add_argument("--requests", type=int, default=200, help="requests per view and pass")
    parser.add_argument("--rate", type=float, default=200, help="events published per second")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of events per pass")
    parser.add_argument("--web-concurrency", default="2", help="the gateway's Granian workers")
    parser.add_argument("--profile", type=Path, help="a folder for py-spy flame graphs of both paths (not measured)")
    args = options(parser).parse_args()
    if args.quick:
        args.items, args.requests, args.seconds = 2000, 30, 3
    run(Harness.start("work_queue", args), args)


if __name__ == "__main__":
    main()
