"""Latency from `POST /api/v1/proposals` to the author's in-app notification, at a steady rate.

Runs proposals and notifications as deployed (gunicorn API + worker each, own PostgreSQL
database, the real broker), sends submissions open-loop at a fixed rate (each at its planned
time, whether or not earlier ones are done), and measures for every submission the time from
just before its request to the moment its notification row was committed (both clocks are this
machine's). Reports p50, p90, p99 and max, beside the floor measured in the same pass: the POST's own
answer time (p50 / p99), which the notification can never beat.

A warm-up pass of a few seconds (pools, the consumers' group joins, code paths), then `--repeat` passes of
`--seconds` each; min / median / max over the passes (bench/figures.py).

    python bench/latency.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://... --rate 50 --seconds 30
    python bench/latency.py ... --quick     # 20/s for 3 s a pass
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa
from figures import Harness, open_call, options

from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer

PROCESS = "bench-latency"
TEXT = "Close the street in front of the school for cars at the start and end of the day."


def run(harness: Harness, bootstrap: str, server_url: str, rate: float, seconds: float) -> None:
    logs = Path(tempfile.mkdtemp(prefix="meemaken-latency-"))
    databases = {
        s: create_database(server_url, f"bench_{s}_{uuid.uuid4().hex[:8]}") for s in ("proposals", "notifications")
    }
    deployed = [deploy(s, url, bootstrap, logs, {"LOG_LEVEL": "WARNING"}) for s, url in databases.items()]
    urls = {d.service: d.url for d in deployed}
    try:
        open_call(urls["proposals"], PROCESS, "Bench")
        engine = sa.create_engine(databases["notifications"])
        runs = harness.passes(
            lambda: one_pass(urls["proposals"], engine, rate, seconds),
            warm=lambda: one_pass(urls["proposals"], engine, rate, min(seconds, 3)),
        )
        engine.dispose()
        harness.emit(runs, "p99_ms", "post_p99_ms", "p99 < 100 ms at 50/s, < 250 ms at 200/s", case=f"{rate:g}/s")
    finally:
        for d in deployed:
            d.stop()


def one_pass(proposals: str, notifications: sa.Engine, rate: float, seconds: float) -> dict[str, float]:
    """Submissions at `rate` for `seconds`, open loop; each one's time to its notification row."""
    sent: dict[str, float] = {}
    answered: list[float] = []
    failures = 0
    lock = threading.Lock()
    local = threading.local()

    def submit(author: uuid.UUID) -> None:
        nonlocal failures
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.time()
        response = session.post(f"{proposals}/api/v1/proposals", json=_body(author), headers=_as(author), timeout=10)
        took = (time.time() - started) * 1000
        with lock:
            if response.status_code == 201:
                sent[str(author)] = started
                answered.append(took)
            else:
                failures += 1

    total = int(rate * seconds)
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for i in range(total):
            delay = began + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(submit, uuid.uuid4())
    query = sa.text("SELECT recipient_id, created_at FROM messages WHERE recipient_id = ANY(:ids)")
    ids = [uuid.UUID(a) for a in sent]
    delivered: dict[str, float] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with notifications.connect() as conn:
            delivered = {str(r.recipient_id): r.created_at.timestamp() for r in conn.execute(query, {"ids": ids})}
        if all(a in delivered for a in sent):
            break
        time.sleep(0.5)
    latencies = sorted((delivered[a] - t) * 1000 for a, t in sent.items() if a in delivered)
    q, posts = statistics.quantiles(latencies, n=100), statistics.quantiles(answered, n=100)
    return {
        "submissions": total,
        "http_failures": failures,
        "delivered": len(latencies),
        "lost": len(sent) - len(latencies),
        "p50_ms": q[49],
        "p90_ms": q[89],
        "p99_ms": q[98],
        "max_ms": latencies[-1],
        "post_p50_ms": posts[49],
        "post_p99_ms": posts[98],
    }


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
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    args = options(parser).parse_args()
    harness = Harness.start("latency", args)
    rate, seconds = (20.0, 3.0) if args.quick else (args.rate, args.seconds)
    run(harness, args.bootstrap, args.server_url, rate, seconds)


if __name__ == "__main__":
    main()
