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
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa

from meemaken_testkit.ports import free_port
from meemaken_testkit.postgres import create_database

ROOT = Path(__file__).resolve().parents[1]
TEXT = "Close the street in front of the school for cars at the start and end of the day."


def start_services(bootstrap: str, server_url: str, logs: Path) -> tuple[dict[str, str], dict[str, str], list]:
    urls, databases, processes = {}, {}, []
    for service in ("proposals", "notifications"):
        port = free_port()
        databases[service] = create_database(server_url, f"bench_{service}_{uuid.uuid4().hex[:8]}")
        env = {
            **os.environ, "DATABASE_URL": databases[service], "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            f"{service.upper()}_BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "WARNING",
        }
        cwd = ROOT / "services" / service
        subprocess.run([sys.executable, "-m", service, "migrate"], cwd=cwd, env=env, check=True, capture_output=True)
        commands = ((["-m", "gunicorn", "-c", "gunicorn.conf.py"], "api"), (["-m", service, "worker"], "worker"))
        for args, name in commands:
            log = (logs / f"{service}-{name}.log").open("ab")
            processes.append(subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdout=log, stderr=log))
        urls[service] = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    for url in urls.values():
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
    return urls, databases, processes


def run(bootstrap: str, server_url: str, rate: float, seconds: float) -> dict[str, float]:
    logs = Path(tempfile.mkdtemp(prefix="meemaken-latency-"))
    urls, databases, processes = start_services(bootstrap, server_url, logs)
    try:
        warmup = requests.Session()
        for _ in range(20):  # warm the connection pools, the consumers' group joins and the code paths
            warmup.post(f"{urls['proposals']}/api/v1/proposals", json=_body(uuid.uuid4()), timeout=10)
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
            response = session.post(f"{urls['proposals']}/api/v1/proposals", json=_body(author), timeout=10)
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
            "rate_per_s": rate, "submissions": total, "http_failures": failures,
            "delivered": len(latencies), "lost": len(sent) - len(latencies),
            "p50_ms": statistics.quantiles(latencies, n=100)[49],
            "p90_ms": statistics.quantiles(latencies, n=100)[89],
            "p99_ms": statistics.quantiles(latencies, n=100)[98],
            "max_ms": latencies[-1],
        }
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def _body(author: uuid.UUID) -> dict[str, str]:
    return {"process_id": f"bench-{uuid.uuid4().hex[:8]}", "author_id": str(author), "title": "Safer school streets",
            "text": TEXT}


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
