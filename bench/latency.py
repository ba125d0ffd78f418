"""Latency from `POST /api/v1/proposals` to the author's in-app notification, at a steady rate.

Runs proposals and notifications as deployed (gunicorn API + worker each, own PostgreSQL
database, the real broker), sends submissions open-loop at a fixed rate (each at its planned
time, whether or not earlier ones are done), and measures for every submission the time from
just before its request to the moment its notification row was committed (both clocks are this
machine's). Reports p50, p90, p99 and max.

    python bench/latency.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://... --rate 50 --seconds 30
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa
from figures import open_call

from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer

PROCESS = "bench-latency"
TEXT = "Close the street in front of the school for cars at the start and end of the day."


def run(bootstrap: str, server_url: str, rate: float, seconds: float) -> dict[str, float]:
    logs = Path(tempfile.mkdtemp(prefix="meemaken-latency-"))
    databases = {
        s: create_database(server_url, f"bench_{s}_{uuid.uuid4().hex[:8]}") for s in ("proposals", "notifications")
    }
    deployed = [deploy(s, url, bootstrap, logs, {"LOG_LEVEL": "WARNING"}) for s, url in databases.items()]
    urls = {d.service: d.url for d in deployed}
    try:
        open_call(urls["proposals"], PROCESS, "Bench")
        warmup = requests.Session()
        for _ in range(20):  # warm the connection pools, the consumers' group joins and the code paths
            author = uuid.uuid4()
            warmup.post(f"{urls['proposals']}/api/v1/proposals", json=_body(author), headers=_as(author), timeout=10)
        time.sleep(3)
        sent: dict[str, float] = {}
        failures = 0
        lock = threading.Lock()
        local = threading.local()

        def submit(author: uuid.UUID) -> None:
            nonlocal failures
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            started = time.time()
            response = session.post(
                f"{urls['proposals']}/api/v1/proposals", json=_body(author), headers=_as(author), timeout=10
            )
            with lock:
                if response.status_code == 201:
                    sent[str(author)] = started
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
        engine = sa.create_engine(databases["notifications"])
        query = sa.text("SELECT recipient_id, created_at FROM messages")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                delivered = {str(r.recipient_id): r.created_at.timestamp() for r in conn.execute(query)}
            if all(a in delivered for a in sent):
                break
            time.sleep(0.5)
        engine.dispose()
        latencies = sorted((delivered[a] - t) * 1000 for a, t in sent.items() if a in delivered)
        return {
            "rate_per_s": rate,
            "submissions": total,
            "http_failures": failures,
            "delivered": len(latencies),
            "lost": len(sent) - len(latencies),
            "p50_ms": statistics.quantiles(latencies, n=100)[49],
            "p90_ms": statistics.quantiles(latencies, n=100)[89],
            "p99_ms": statistics.quantiles(latencies, n=100)[98],
            "max_ms": latencies[-1],
        }
    finally:
        for d in deployed:
            d.stop()


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
    args = parser.parse_args()
    figures = run(args.bootstrap, args.server_url, args.rate, args.seconds)
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
