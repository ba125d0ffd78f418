"""Database pools under the server's limit, with many replicas (infra/README.md, "Database connections";
docs/operations/scale-out.md, step 2). The proposals service runs 3 API replicas of 2 Granian processes each
(6 API processes, each with 8 threads) and 3 workers (the answer-term timer loop, every 0.5 s, which claims due
terms with FOR UPDATE SKIP LOCKED; the relay and consumers draw on the same per-process pool, and are left out so
that the test needs no broker) against a PostgreSQL of its own whose max_connections leaves exactly the
arithmetic's sum to the service:
(API replicas x WEB_CONCURRENCY + workers) x (DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW) = (3 x 2 + 3) x 3 = 27,
plus the 3 connections PostgreSQL reserves for superusers (the monitor below is one). Concurrent submissions and
reads at every replica, more at once than the pools hold, must all succeed (a request waits for a connection,
it is not refused one), and pg_stat_activity never shows more of the service's connections than the sum."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import psycopg
import pytest
import requests
import sqlalchemy as sa
from proposals_kit import TEXT, official, process_body, resident

from meemaken_kit import make_engine
from meemaken_testkit.deployed import Deployed, deploy
from meemaken_testkit.postgres import LocalPostgres, libpq_url
from proposals.adapters import tables

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
NO_BROKER = "127.0.0.1:9"  # nothing here talks to Kafka: the API stages events in its outbox
APIS, WEB_CONCURRENCY, WORKERS = 3, 2, 3
POOL_SIZE, MAX_OVERFLOW = 2, 1
BUDGET = (APIS * WEB_CONCURRENCY + WORKERS) * (POOL_SIZE + MAX_OVERFLOW)  # 27
RESERVED = 3  # PostgreSQL's superuser_reserved_connections (default)
REQUESTS, CLIENTS = 180, 24  # 24 requests at once against 6 API processes of 3 connections each
PROCESS = "connection-budget-call"
READY = 240  # seconds for a replica to answer /readyz: nine processes start at once on two cores


class Monitor(threading.Thread):
    """The most connections of `role` pg_stat_activity showed, sampled every 50 ms as a superuser."""

    def __init__(self, server_url: str, role: str) -> None:
        super().__init__(daemon=True)
        self.server_url, self.role, self.peak, self.samples = server_url, role, 0, 0
        self.done = threading.Event()

    def run(self) -> None:
        with psycopg.connect(libpq_url(self.server_url), autocommit=True) as conn:
            while not self.done.is_set():
                query = "SELECT count(*) FROM pg_stat_activity WHERE usename = %s"
                row = conn.execute(query, (self.role,)).fetchone()
                self.peak, self.samples = max(self.peak, int(row[0]) if row else 0), self.samples + 1
                time.sleep(0.05)


@pytest.fixture(scope="module")
def server():
    postgres = LocalPostgres(max_connections=BUDGET + RESERVED).start()
    with psycopg.connect(libpq_url(postgres.url()), autocommit=True) as conn:
        conn.execute('CREATE ROLE "proposals" LOGIN')
        conn.execute('CREATE DATABASE "proposals" OWNER "proposals"')
    yield postgres
    postgres.destroy()


def test_many_replicas_under_load_stay_within_the_pools_sum_and_no_request_lacks_a_connection(server, tmp_path):
    database = f"postgresql+psycopg://proposals@127.0.0.1:{server.port}/proposals"
    env = {
        "WEB_CONCURRENCY": str(WEB_CONCURRENCY),
        "DATABASE_POOL_SIZE": str(POOL_SIZE),
        "DATABASE_MAX_OVERFLOW": str(MAX_OVERFLOW),
        "PROPOSALS_SCHEDULE_INTERVAL": "0.5",
    }
    only = ("--only", "schedule")
    monitor = Monitor(server.url(), "proposals")
    monitor.start()
    replicas: list[Deployed] = []
    try:
        replicas.append(deploy("proposals", database, NO_BROKER, tmp_path, env, [only] * WORKERS, ready_within=READY))
        for n in range(2, APIS + 1):
            folder = tmp_path / f"api{n}"
            folder.mkdir()
            replicas.append(deploy("proposals", database, NO_BROKER, folder, env, (), ready_within=READY))
        apis = cycle([r.url for r in replicas])
        process = process_body(PROCESS)
        created = requests.post(f"{next(apis)}/api/v1/processes", json=process, headers=official(), timeout=30)
        assert created.status_code == 201, created.text

        def one(n: int) -> int:
            url = next(apis)
            if n % 3:
                body = {"process_id": PROCESS, "title": f"Proposal {n}", "text": f"{TEXT} ({n})"}
                response = requests.post(f"{url}/api/v1/proposals", json=body, headers=resident(), timeout=60)
            else:
                response = requests.get(f"{url}/api/v1/processes/{PROCESS}", headers=official(), timeout=60)
            return response.status_code

        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as clients:
            answers = list(clients.map(one, range(REQUESTS)))
        took = time.monotonic() - started
        assert set(answers) <= {200, 201}, f"every request answered: {sorted(set(answers))}"

        engine = make_engine(database, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(tables.proposals)).scalar_one() == 120
            staged = sa.select(sa.func.count()).select_from(tables.outbox)
            assert conn.execute(staged).scalar_one() >= 120, "each submission's event staged with it"
        engine.dispose()
    finally:
        monitor.done.set()
        monitor.join(timeout=5)
        codes = [code for r in replicas for code in r.stop()]
    print(f"{REQUESTS} requests, {CLIENTS} at once, in {took:.1f} s; peak {monitor.peak} of {BUDGET} connections")
    assert codes == [0] * (APIS + WORKERS), f"every process stops cleanly, see {tmp_path}"
    assert monitor.samples > 20
    assert APIS * WEB_CONCURRENCY + WORKERS <= monitor.peak <= BUDGET, "every process connected, none beyond its pool"
    log = (server.folder / "server.log").read_text(errors="replace")
    assert "too many clients" not in log and "remaining connection slots" not in log
