"""Ballot intake: ballots accepted per second through the proposals API (gunicorn, PostgreSQL) and their latency.

Runs the proposals service as deployed (gunicorn API + worker, its own PostgreSQL database, the real broker),
opens a budget round of 20 feasible projects through the API, then:

1. open loop: ballots of distinct residents sent at a steady `--rate` for `--seconds` (each at its planned
   time, whether or not earlier ones are done); figures: accepted/s, p50/p90/p99/max latency;
2. ceiling: the same clients in a closed loop on `GET /healthz` (gunicorn + Flask doing nothing) and on
   ballots, for `--closed-seconds` each: the most the stack and the ballot path take on this machine.

Each pass does both, after a warm-up pass (50/s for 4 s); `--repeat` passes, min / median / max
(bench/figures.py). Target (issue 18): 600 ballots/s offered (the default `--rate`), all accepted with p99
under 100 ms; the closed loop on ballots is the saturation rate.

    python bench/ballot_intake.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://...
    python bench/ballot_intake.py ... --quick     # 50/s for 3 s, closed loops of 2 s
    python bench/ballot_intake.py ... --curve 1,2,4 --profile bench/profiles/ballots-after.svg

`--curve 1,2,4` runs the passes with 1, 2 and 4 gunicorn processes in turn (ballots carry no Kafka event:
the API processes on one PostgreSQL are what scales) and draws bench/curves/ballots-scaling.svg
(bench/curves.py); `--profile` records the API's processes (py-spy) during one more open loop after the passes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from figures import Figures, Harness, options

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
HERE = Path(__file__).resolve().parent


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


def run(harness: Harness, args: argparse.Namespace, workers: str) -> list[Figures]:
    """The passes on proposals with `workers` gunicorn processes (of `--threads` threads); emitted."""
    logs = Path(tempfile.mkdtemp(prefix="meemaken-ballots-"))
    database = create_database(args.server_url, f"bench_ballots_{uuid.uuid4().hex[:8]}")
    env = {"LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": workers, "GUNICORN_THREADS": args.threads}
    deployed = deploy("proposals", database, args.bootstrap, logs, env)
    try:
        api = f"{deployed.url}/api/v1"
        rid = open_round(api)
        url = f"{api}/rounds/{rid}/ballot"
        rng = random.Random(11)

        def healthz(s: requests.Session) -> int:
            return s.get(f"{deployed.url}/healthz", timeout=10).status_code

        def ballot(s: requests.Session) -> int:
            headers = _resident()
            return s.put(url, json=_ballot(rng), headers=headers, timeout=10).status_code

        def one_pass() -> dict[str, Any]:
            figures = open_loop(url, args.rate, args.seconds, 32)
            ceiling = closed_loop(healthz, args.closed_seconds, 16)
            most = closed_loop(ballot, args.closed_seconds, 16)
            return figures | {
                "closed_loop_healthz_per_s": ceiling,
                "closed_loop_ballots_per_s": most,
                "ballots_to_healthz_ratio": most / ceiling,
            }

        runs = harness.passes(one_pass, warm=lambda: open_loop(url, 50, 4, 16))  # the pools and code paths
        if args.profile and workers == args.web_concurrency:  # after the passes, not measured: under py-spy
            spy = py_spy(deployed.processes[0].pid, args.profile, args.seconds)
            open_loop(url, args.rate, args.seconds, 32)
            spy.wait(timeout=120)
        harness.emit(
            runs,
            "accepted_per_s",
            "closed_loop_healthz_per_s",
            "all offered accepted, p99 < 100 ms (issue 18: at 600/s); closed_loop_ballots_per_s: the saturation rate",
            case=f"{args.rate:g}/s offered, {workers} workers x {args.threads} threads",
        )
        return runs
    finally:
        deployed.stop()


def py_spy(pid: int, svg: Path, seconds: float) -> subprocess.Popen[bytes]:
    """A flame graph of a gunicorn master and its workers for `seconds` (py-spy, from the dev requirements)."""
    svg.parent.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    command = [str(spy), "record", "--subprocesses", "--nonblocking", "--rate", "100", "--pid", str(pid)]
    command += ["--duration", str(int(seconds)), "--output", str(svg)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def scaling(runs: dict[int, list[Figures]], args: argparse.Namespace) -> None:
    """The curve of ballots/s against gunicorn processes: the saturation (closed loop) and what the open loop
    at the offered rate got accepted, median with min - max of the passes."""
    from curves import of_passes, write_svg

    write_svg(
        args.curve_svg,
        "Ballot intake on PostgreSQL against API processes",
        "gunicorn worker processes (threads each: " + args.threads + ")",
        "ballots accepted per second",
        [
            of_passes("saturation (closed loop, 16 clients)", runs, "closed_loop_ballots_per_s"),
            of_passes(f"accepted at {args.rate:g}/s offered (open loop)", runs, "accepted_per_s"),
        ],
        note=f"2 cores; load average {os.getloadavg()[0]:.1f} at the end; {args.seconds:g} s open loop, "
        f"{args.closed_seconds:g} s closed loop, {args.repeat} passes a point",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--server-url", required=True, help="a PostgreSQL server URL; a database is created on it")
    parser.add_argument("--rate", type=float, default=600, help="ballots offered per second (open loop)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--closed-seconds", type=float, default=10)
    parser.add_argument("--web-concurrency", default="2", help="gunicorn worker processes")
    parser.add_argument("--threads", default="4", help="threads per gunicorn worker")
    parser.add_argument(
        "--curve", help="gunicorn worker processes to run in turn, e.g. 1,2,4: the scaling curve (--curve-svg)"
    )
    parser.add_argument("--curve-svg", type=Path, default=HERE / "curves" / "ballots-scaling.svg")
    parser.add_argument(
        "--profile", type=Path, help="a py-spy flame graph (SVG) of the API (--web-concurrency) after the passes"
    )
    args = options(parser).parse_args()
    if args.quick:
        args.rate, args.seconds, args.closed_seconds = 50.0, 3.0, 2.0
    harness = Harness.start("ballot_intake", args)
    if not args.curve:
        run(harness, args, args.web_concurrency)
        return
    scaling({int(n): run(harness, args, n) for n in args.curve.split(",")}, args)


if __name__ == "__main__":
    main()
