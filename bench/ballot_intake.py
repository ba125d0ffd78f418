"""Ballot intake: ballots accepted per second through the proposals API (gunicorn, PostgreSQL) and their latency.

Runs the proposals service as deployed (gunicorn API + worker, its own PostgreSQL database, the real broker),
opens a budget round of 20 feasible projects through the API, then:

1. open loop: ballots of distinct residents sent at a steady `--rate` for `--seconds` (each at its planned
   time, whether or not earlier ones are done); figures: accepted/s, p50/p90/p99/max latency;
2. ceiling: the same clients in a closed loop on `GET /healthz` (gunicorn + Flask doing nothing) and on
   ballots, for `--closed-seconds` each: the most the stack and the ballot path take on this machine.

Target (issue 5): at least 300 ballots/s at a steady load with p99 under 100 ms.

    python bench/ballot_intake.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://... --rate 300
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from meemaken_kit.tokens import TokenIssuer
from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer

OFFICIAL = bearer("proposals", "case_officer", seconds=3600)
VOTER = {"age": 35, "resident": True, "municipality": "bench"}  # verified at login: in the token, not the ballot
ISSUER = TokenIssuer.configured()  # signs each new resident's token, as the gateway would


def _resident() -> dict[str, str]:
    """A new resident's token, as the gateway signs it (a distinct voter per ballot)."""
    return {"Authorization": f"Bearer {ISSUER.issue(str(uuid.uuid4()), 'proposals', ['resident'], VOTER)}"}


PROJECTS = 20


def open_round(api: str) -> str:
    """A budget round of PROJECTS feasible projects, voting open, opened by an official through the API."""
    phase = {"name": "vote", "rung_promised": "meebeslissen"}
    phase |= {"starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2100-01-01T00:00:00+00:00"}
    process = {"id": "bench-budget", "municipality": "bench", "title": "Bench", "kind": "budget_round"}
    requests.post(f"{api}/processes", json=process | {"phases": [phase]}, headers=OFFICIAL, timeout=10)
    body = {"process_id": "bench-budget", "title": "Bench round", "budget": 1_000_000, "form": {"kind": "approval"}}
    rid = requests.post(f"{api}/rounds", json=body, headers=OFFICIAL, timeout=10).json()["id"]
    for i in range(PROJECTS):
        project = {"title": f"Project {i}", "cost": 50_000 + 10_000 * (i % 10)}
        requests.post(f"{api}/rounds/{rid}/projects", json=project, headers=OFFICIAL, timeout=10)
    requests.post(f"{api}/rounds/{rid}/feasibility", headers=OFFICIAL, timeout=10)
    for i in range(PROJECTS):
        assessment = {"feasible": True, "cost": 50_000 + 10_000 * (i % 10), "legal_check": "ok"}
        requests.post(f"{api}/rounds/{rid}/projects/p{i + 1}/assessment", json=assessment, headers=OFFICIAL, timeout=10)
    opened = requests.post(f"{api}/rounds/{rid}/voting", json={}, headers=OFFICIAL, timeout=10)
    assert opened.status_code == 200, opened.text
    return str(rid)


def _ballot(rng: random.Random) -> dict[str, Any]:
    chosen = rng.sample(range(1, PROJECTS + 1), rng.randint(1, 6))  # at most 6 x 140k < 1M: always fits
    return {"projects": [f"p{i}" for i in chosen]}


class Clients:
    """Threads with one HTTP session each."""

    def __init__(self) -> None:
        self.local = threading.local()

    def session(self) -> requests.Session:
        s = getattr(self.local, "session", None)
        if s is None:
            s = self.local.session = requests.Session()
        return s


def open_loop(url: str, rate: float, seconds: float, threads: int) -> dict[str, float]:
    clients, lock, rng = Clients(), threading.Lock(), random.Random(7)
    latencies: list[float] = []
    failures = 0

    def vote(body: dict[str, Any]) -> None:
        nonlocal failures
        headers = _resident()
        started = time.perf_counter()
        response = clients.session().put(url, json=body, headers=headers, timeout=10)
        took = (time.perf_counter() - started) * 1000
        with lock:
            if response.status_code == 201:
                latencies.append(took)
            else:
                failures += 1

    total = int(rate * seconds)
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for i in range(total):
            delay = began + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(vote, _ballot(rng))
    elapsed = time.monotonic() - began
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return {
        "offered_per_s": rate,
        "ballots": total,
        "accepted": len(latencies),
        "failures": failures,
        "accepted_per_s": len(latencies) / elapsed,
        "p50_ms": q[49],
        "p90_ms": q[89],
        "p99_ms": q[98],
        "max_ms": latencies[-1],
    }


def closed_loop(request: Callable[[requests.Session], int], seconds: float, threads: int) -> float:
    clients, done, stop = Clients(), [0] * threads, time.monotonic() + seconds

    def run(i: int) -> None:
        while time.monotonic() < stop:
            if request(clients.session()) in (200, 201):
                done[i] += 1

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, range(threads)))
    return sum(done) / (time.monotonic() - began)


def run(
    bootstrap: str, server_url: str, rate: float, seconds: float, closed_seconds: float, env: dict[str, str]
) -> dict[str, Any]:
    logs = Path(tempfile.mkdtemp(prefix="meemaken-ballots-"))
    database = create_database(server_url, f"bench_ballots_{uuid.uuid4().hex[:8]}")
    deployed = deploy("proposals", database, bootstrap, logs, {"LOG_LEVEL": "WARNING", **env})
    try:
        api = f"{deployed.url}/api/v1"
        rid = open_round(api)
        url = f"{api}/rounds/{rid}/ballot"
        open_loop(url, 50, 4, 16)  # warm the pools and code paths
        figures = open_loop(url, rate, seconds, 32)
        rng = random.Random(11)

        def healthz(s: requests.Session) -> int:
            return s.get(f"{deployed.url}/healthz", timeout=10).status_code

        def ballot(s: requests.Session) -> int:
            headers = _resident()
            return s.put(url, json=_ballot(rng), headers=headers, timeout=10).status_code

        ceiling = closed_loop(healthz, closed_seconds, 16)
        most = closed_loop(ballot, closed_seconds, 16)
        figures |= {
            "closed_loop_healthz_per_s": ceiling,
            "closed_loop_ballots_per_s": most,
            "ballots_to_healthz_ratio": most / ceiling,
        }
        return figures
    finally:
        deployed.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--server-url", required=True, help="a PostgreSQL server URL; a database is created on it")
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--closed-seconds", type=float, default=10)
    parser.add_argument("--web-concurrency", default="2", help="gunicorn worker processes")
    parser.add_argument("--threads", default="4", help="threads per gunicorn worker")
    args = parser.parse_args()
    env = {"WEB_CONCURRENCY": args.web_concurrency, "GUNICORN_THREADS": args.threads}
    figures = run(args.bootstrap, args.server_url, args.rate, args.seconds, args.closed_seconds, env)
    figures |= {"gunicorn_workers": int(args.web_concurrency), "threads": int(args.threads)}
    print(
        json.dumps(
            {"bench": "ballot_intake", **{k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()}}
        )
    )


if __name__ == "__main__":
    main()
