"""Proposal submissions under concurrent load on the embedded SQLite default, beside PostgreSQL.

Runs proposals as deployed (Granian API + worker, the real broker) twice in the same run: on a
SQLite file (what `make run` uses when no DATABASE_URL is given) and on a PostgreSQL database. For
8 and 32 clients in a closed loop, each submitting admitted proposals for `--seconds`, `--repeat`
times after a warm-up pass: submissions/s, p50/p99 latency, and the count of 5xx answers (goal: 0 at
both loads); min / median / max (bench/figures.py). PostgreSQL is SQLite's ceiling: pass i on SQLite is
compared with pass i on PostgreSQL.

    python bench/submissions_load.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://...
    python bench/submissions_load.py ... --quick     # passes of 2 s
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from figures import Figures, Harness, consumers_to_end, open_call, options, percentile

from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer

PROCESS = "bench-load"
TEXT = "Plant trees along the canal and put benches in their shade for people who walk there."


def body(author: uuid.UUID) -> dict[str, str]:
    tag = author.hex[:12]
    return {"process_id": PROCESS, "title": f"Shade by the canal {tag}", "text": f"{TEXT} ({tag})"}


def closed_loop(url: str, clients: int, seconds: float, tokens: list[dict[str, str]]) -> dict[str, Any]:
    stop = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]

    def run(i: int) -> None:
        session = requests.Session()
        n = 0
        while time.monotonic() < stop:
            headers = tokens[(i + n * clients) % len(tokens)]
            n += 1
            began = time.perf_counter()
            try:
                status = session.post(
                    f"{url}/api/v1/proposals", json=body(uuid.uuid4()), headers=headers, timeout=30
                ).status_code
            except requests.RequestException:
                status = 599  # no answer at all counts as a server error
            latencies[i].append((time.perf_counter() - began) * 1000)
            statuses[i][status] = statuses[i].get(status, 0) + 1

    began = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, range(clients)))
    elapsed = time.monotonic() - began
    counts: dict[int, int] = {}
    for per in statuses:
        for status, n in per.items():
            counts[status] = counts.get(status, 0) + n
    done = sorted(x for per in latencies for x in per)
    ok = sum(n for s, n in counts.items() if 200 <= s < 300)
    return {
        "per_s": ok / elapsed,
        "p50_ms": percentile(done, 50),
        "p99_ms": percentile(done, 99),
        "server_errors": sum(n for s, n in counts.items() if s >= 500),
        "statuses": {str(k): v for k, v in sorted(counts.items())},
    }


CLIENTS = (8, 32)


def measure(harness: Harness, database_url: str, args: argparse.Namespace, logs: Path) -> dict[int, list[Figures]]:
    """The passes at each number of clients on one deployment."""
    consumers_to_end(args.bootstrap)  # not the other database's proposals, which this one does not have
    deployed = deploy("proposals", database_url, args.bootstrap, logs, {"LOG_LEVEL": "WARNING"})
    try:
        open_call(deployed.url, PROCESS, "Load")
        tokens = [bearer("proposals", "resident", sub=uuid.uuid4()) for _ in range(400)]
        return {
            clients: harness.passes(
                lambda clients=clients: closed_loop(deployed.url, clients, args.seconds, tokens),  # type: ignore[misc]
                warm=lambda: closed_loop(deployed.url, 8, 2.0, tokens),
            )
            for clients in CLIENTS
        }
    finally:
        deployed.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--server-url", required=True, help="a PostgreSQL server URL; a database is created on it")
    parser.add_argument("--seconds", type=float, default=10)
    args = options(parser).parse_args()
    if args.quick:
        args.seconds = 2.0
    harness = Harness.start("submissions_load", args)
    logs = Path(tempfile.mkdtemp(prefix="meemaken-load-"))
    sqlite = measure(harness, f"sqlite:///{logs / 'proposals.sqlite'}", args, logs)
    postgres = measure(harness, create_database(args.server_url, f"bench_load_{uuid.uuid4().hex[:8]}"), args, logs)
    for clients in CLIENTS:
        runs = [
            {f"sqlite_{k}": v for k, v in lite.items()}
            | {f"postgresql_{k}": v for k, v in pg.items()}
            | {"sqlite_to_postgresql_ratio": lite["per_s"] / max(pg["per_s"], 0.1)}
            for lite, pg in zip(sqlite[clients], postgres[clients], strict=True)
        ]
        harness.emit(
            runs,
            "sqlite_per_s",
            "postgresql_per_s",
            "no 5xx",
            ratio="sqlite_to_postgresql_ratio",
            case=f"{clients} clients",
        )


if __name__ == "__main__":
    main()
