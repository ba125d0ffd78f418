"""Ballot intake: ballots accepted per second through the proposals API (Granian, PostgreSQL) and their latency.

Runs the proposals service as deployed (API under Granian + worker, its own PostgreSQL database, the real broker),
opens a budget round of 20 feasible projects through the API, then:

1. open loop: ballots of distinct residents sent at a steady `--rate` for `--seconds` (each at its planned
   time, whether or not earlier ones are done); figures: accepted/s, p50/p90/p99/max latency, CPU ms per
   ballot of the API's processes and of the load generator, and the generator's share of the machine;
2. ceiling: the same clients in a closed loop on `GET /healthz` (the server + Flask doing nothing) and on
   ballots, for `--closed-seconds` each: the most the stack and the ballot path take on this machine.

The load generator takes as little of the 2 cores as it can: `--clients` processes (2) of 32 threads, one
kept-alive connection a thread, each resident's token signed and each request built before the loop starts.

Each pass does both, after a warm-up pass (50/s for 4 s); `--repeat` passes, min / median / max
(bench/figures.py). Target (issue 18): 600 ballots/s offered (the default `--rate`), all accepted with p99
under 100 ms; the closed loop on ballots is the saturation rate.

    python bench/ballot_intake.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://...
    python bench/ballot_intake.py ... --quick     # 50/s for 3 s, closed loops of 2 s
    python bench/ballot_intake.py ... --curve 1,2,4 --profile bench/profiles/ballots-after.svg

`--curve 1,2,4` runs the passes with 1, 2 and 4 API processes in turn (ballots carry no Kafka event:
the API processes on one PostgreSQL are what scales) and draws bench/curves/ballots-scaling.svg
(bench/curves.py); `--profile` records the API's processes (py-spy) during one more open loop after the passes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import random
import re
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from figures import Figures, Harness, cpu_seconds, options, percentile, profile

from meemaken_kit.serve import GRANIAN_WORKERS
from meemaken_kit.tokens import TokenIssuer
from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer
from proposals.settings import ProposalsSettings

OFFICIAL = bearer("proposals", "case_officer", seconds=3600)
VOTER = {"age": 35, "resident": True, "municipality": "bench"}  # verified at login: in the token, not the ballot
ISSUER = TokenIssuer.configured()  # signs each new resident's token, as the gateway would


def _resident() -> dict[str, str]:
    """A new resident's token, as the gateway signs it (a distinct voter per ballot)."""
    return {"Authorization": f"Bearer {ISSUER.issue(str(uuid.uuid4()), 'proposals', ['resident'], VOTER)}"}


PROJECTS = 20
THREADS = str(ProposalsSettings.model_fields["threads"].default)  # as deployed: PROPOSALS_THREADS unset
HERE = Path(__file__).resolve().parent


def open_round(api: str) -> str:
    """A budget round of PROJECTS feasible projects, voting open, opened by an official through the API."""
    phase = {"name": "vote", "rung_promised": "meebeslissen"}
    phase |= {"starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2100-01-01T00:00:00+00:00"}
    process: dict[str, Any] = {"id": "bench-budget", "municipality": "bench", "title": "Bench", "kind": "budget_round"}
    requests.post(f"{api}/processes", json=process | {"phases": [phase]}, headers=OFFICIAL, timeout=10)
    body: dict[str, Any] = {
        "process_id": "bench-budget",
        "title": "Bench round",
        "budget": 1_000_000,
        "form": {"kind": "approval"},
    }
    rid = requests.post(f"{api}/rounds", json=body, headers=OFFICIAL, timeout=10).json()["id"]
    for i in range(PROJECTS):
        project: dict[str, Any] = {"title": f"Project {i}", "cost": 50_000 + 10_000 * (i % 10)}
        requests.post(f"{api}/rounds/{rid}/projects", json=project, headers=OFFICIAL, timeout=10)
    requests.post(f"{api}/rounds/{rid}/feasibility", headers=OFFICIAL, timeout=10)
    for i in range(PROJECTS):
        assessment: dict[str, Any] = {"feasible": True, "cost": 50_000 + 10_000 * (i % 10), "legal_check": "ok"}
        requests.post(f"{api}/rounds/{rid}/projects/p{i + 1}/assessment", json=assessment, headers=OFFICIAL, timeout=10)
    opened = requests.post(f"{api}/rounds/{rid}/voting", json={}, headers=OFFICIAL, timeout=10)
    assert opened.status_code == 200, opened.text
    return str(rid)


def _ballot(rng: random.Random) -> dict[str, Any]:
    chosen = rng.sample(range(1, PROJECTS + 1), rng.randint(1, 6))  # at most 6 x 140k < 1M: always fits
    return {"projects": [f"p{i}" for i in chosen]}


class Loader:
    """One process of the load generator: threads with one kept-alive connection each, sending requests built
    before the loop (the residents' tokens signed, ~1 ms of RSA each: the gateway's work, not the API's) and
    reading only the status line and the body's length of each answer (http.client and requests cost the
    client more CPU per ballot than the API's Flask takes, on the same 2 cores)."""

    def __init__(self, base: str, threads: int) -> None:
        self.address, self.threads = urlsplit(base).netloc, threads
        self.local = threading.local()
        self.tokens: list[str] = []

    def sign(self, count: int) -> None:
        self.tokens = [_resident()["Authorization"] for _ in range(count)]

    def built(self, method: str, path: str, body: bytes = b"", token: str | None = None) -> bytes:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.address}\r\n"
        head += f"Authorization: {token}\r\n" if token else ""
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode() + body

    def ballots(self, count: int, path: str, rng: random.Random) -> list[bytes]:
        """`count` ballots of as many signed residents, ready to send (the tokens used up)."""
        tokens, self.tokens = self.tokens[:count], self.tokens[count:]
        return [self.built("PUT", path, json.dumps(_ballot(rng)).encode(), token) for token in tokens]

    def send(self, request: bytes) -> int:
        """The answer's status; 0 when the connection failed (a new one is opened next time)."""
        local = self.local
        if getattr(local, "socket", None) is None or time.monotonic() - local.used > 1:  # a server may close idle ones
            self.hang_up()
            host, port = self.address.rsplit(":", 1)
            local.socket = socket.create_connection((host, int(port)), timeout=10)
            local.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            local.socket.sendall(request)
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += local.socket.recv(65536) or _closed()
            head, _, body = answer.partition(b"\r\n\r\n")
            length = CONTENT_LENGTH.search(head)
            while length and len(body) < int(length[1]):
                body += local.socket.recv(65536) or _closed()
            if length is None or b"onnection: close" in head:
                self.hang_up()
            return int(head[9:12])
        except OSError:
            self.hang_up()
            return 0
        finally:
            local.used = time.monotonic()

    def hang_up(self) -> None:
        if getattr(self.local, "socket", None) is not None:
            self.local.socket.close()
        self.local.socket = None

    def open_loop(self, path: str, rate: float, seconds: float, start: float, seed: int) -> dict[str, Any]:
        """Ballots of distinct residents at `rate` from `start` (time.monotonic), each at its planned time."""
        lock, latencies, failures = threading.Lock(), [], 0
        ballots = self.ballots(int(rate * seconds), path, random.Random(seed))

        def vote(request: bytes) -> None:
            nonlocal failures
            started = time.perf_counter()
            status = self.send(request)
            took = (time.perf_counter() - started) * 1000
            with lock:
                if status == 201:
                    latencies.append(took)
                else:
                    failures += 1

        cpu = time.process_time()
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            for i, request in enumerate(ballots):
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(vote, request)
        return {"latencies": latencies, "failures": failures, "cpu": time.process_time() - cpu}

    def closed_loop(self, path: str, ballots: bool, seconds: float, start: float) -> dict[str, Any]:
        """Each thread sends its next request as soon as the last one is answered, until `start + seconds`
        (or, for ballots, until the residents signed run out): how many were answered 200/201."""
        if ballots:
            sent = iter(self.ballots(len(self.tokens), path, random.Random(13)))
        else:
            sent = itertools.repeat(self.built("GET", path))
        done, stop = [0] * self.threads, start + seconds
        time.sleep(max(start - time.monotonic(), 0))

        def run(i: int) -> None:
            while time.monotonic() < stop and (request := next(sent, None)) is not None:
                if self.send(request) in (200, 201):
                    done[i] += 1

        cpu = time.process_time()
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            list(pool.map(run, range(self.threads)))
        return {"done": sum(done), "ended": time.monotonic(), "cpu": time.process_time() - cpu}


CONTENT_LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)", re.IGNORECASE)


def _closed() -> bytes:
    raise ConnectionResetError("the API closed the connection")


def _serve(connection: Connection, base: str, threads: int) -> None:
    """A load generator process: runs each (method, args) it is sent on its Loader, answers the result."""
    loader = Loader(base, threads)
    while (command := connection.recv()) is not None:
        connection.send(getattr(loader, command[0])(*command[1:]))


class Load:
    """`processes` load generator processes (so that the client's CPU is no bottleneck: its share is
    reported), given the same work in equal parts and started at the same moment."""

    def __init__(self, base: str, processes: int, threads: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        for _ in range(processes):
            ours, theirs = context.Pipe()
            context.Process(target=_serve, args=(theirs, base, threads), daemon=True).start()
            self.pipes.append(ours)

    def each(self, *command: Any) -> list[Any]:
        for pipe in self.pipes:
            pipe.send(command)
        return [pipe.recv() for pipe in self.pipes]

    def sign(self, tokens: int) -> None:
        """Tokens of as many new residents, signed before the loop and outside its time."""
        self.each("sign", -(-tokens // len(self.pipes)))

    def open_loop(self, path: str, rate: float, seconds: float) -> dict[str, float]:
        self.sign(int(rate * seconds))
        share, start = rate / len(self.pipes), time.monotonic() + 0.5
        cpu0 = time.process_time()
        found = [p.recv() for p in self._send_all(lambda i: ("open_loop", path, share, seconds, start + i / rate, i))]
        elapsed = time.monotonic() - start
        latencies = sorted(t for f in found for t in f["latencies"])
        total = int(share * seconds) * len(self.pipes)
        client_cpu = sum(f["cpu"] for f in found) + time.process_time() - cpu0
        return {
            "offered_per_s": rate,
            "ballots": total,
            "accepted": len(latencies),
            "failures": sum(f["failures"] for f in found),
            "accepted_per_s": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 50),
            "p90_ms": percentile(latencies, 90),
            "p99_ms": percentile(latencies, 99),
            "max_ms": latencies[-1],
            "client_cpu_ms_per_ballot": client_cpu * 1000 / total,
            "client_cpu_share": client_cpu / (elapsed * (os.cpu_count() or 1)),
            "seconds": elapsed,
        }

    def closed_loop(self, path: str, ballots: bool, seconds: float, most: float) -> float:
        """Requests answered per second (ballots: at most `most` a second, the residents signed beforehand)."""
        if ballots:
            self.sign(int(most * seconds))
        start = time.monotonic() + 0.5
        found = [p.recv() for p in self._send_all(lambda i: ("closed_loop", path, ballots, seconds, start))]
        return sum(f["done"] for f in found) / (max(f["ended"] for f in found) - start)

    def _send_all(self, command: Callable[[int], tuple[Any, ...]]) -> list[Connection]:
        for i, pipe in enumerate(self.pipes):
            pipe.send(command(i))
        return self.pipes

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send(None)


def run(harness: Harness, args: argparse.Namespace, workers: str) -> list[Figures]:
    """The passes on proposals with `workers` API processes (of `--threads` threads); emitted."""
    logs = Path(tempfile.mkdtemp(prefix="meemaken-ballots-"))
    database = create_database(args.server_url, f"bench_ballots_{uuid.uuid4().hex[:8]}")
    env = {"LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": workers, "PROPOSALS_THREADS": args.threads}
    deployed = deploy("proposals", database, args.bootstrap, logs, env)
    load = Load(deployed.url, args.clients, 32)
    try:
        rid = open_round(f"{deployed.url}/api/v1")
        path = f"/api/v1/rounds/{rid}/ballot"
        api = deployed.processes[0].pid  # the server's main process; its workers are its children

        def one_pass() -> dict[str, Any]:
            cpu = cpu_seconds(api)
            figures = load.open_loop(path, args.rate, args.seconds)
            api_cpu = cpu_seconds(api) - cpu
            ceiling = load.closed_loop("/healthz", False, args.closed_seconds, 0)
            most = load.closed_loop(path, True, args.closed_seconds, 2 * args.rate)
            return figures | {
                "api_cpu_ms_per_ballot": api_cpu * 1000 / figures["ballots"],
                "closed_loop_healthz_per_s": ceiling,
                "closed_loop_ballots_per_s": most,
                "ballots_to_healthz_ratio": most / ceiling,
            }

        runs = harness.passes(one_pass, warm=lambda: load.open_loop(path, 50, 4))  # the pools and code paths
        if args.profile and workers == args.web_concurrency:  # after the passes, not measured: under py-spy
            profile(api, args.profile, lambda: load.open_loop(path, args.rate, args.seconds))
        harness.emit(
            runs,
            "accepted_per_s",
            "closed_loop_healthz_per_s",
            "all offered accepted, p99 < 100 ms (issue 18: at 600/s); closed_loop_ballots_per_s: the saturation rate",
            case=f"{args.rate:g}/s offered, {workers} workers x {args.threads} threads",
        )
        return runs
    finally:
        load.close()
        deployed.stop()


def scaling(runs: dict[int, list[Figures]], args: argparse.Namespace) -> None:
    """The curve of ballots/s against API processes: the saturation (closed loop) and what the open loop
    at the offered rate got accepted, median with min - max of the passes."""
    from curves import of_passes, write_svg

    write_svg(
        args.curve_svg,
        "Ballot intake on PostgreSQL against API processes",
        "API processes (Granian; threads each: " + args.threads + ")",
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
    parser.add_argument("--web-concurrency", default=GRANIAN_WORKERS["proposals"], help="API processes")
    parser.add_argument("--threads", default=THREADS, help="threads per API process")
    parser.add_argument("--clients", type=int, default=2, help="load generator processes (32 threads each)")
    parser.add_argument("--curve", help="API processes to run in turn, e.g. 1,2,4: the scaling curve (--curve-svg)")
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
