"""Right to Challenge: challenges per second through the whole chain, and decision → downstream latency.

Runs the challenges service as deployed (gunicorn API + worker, PostgreSQL, the real broker) and
drives challenges concurrently over HTTP: draft → submit → automatic gates (through Kafka and the
worker) → assessor and eight scores → decision proposal → decision (its notice). A downstream
Kafka consumer in this process notes when each `accepted` event arrives; the figure is the time
from just before the decision request to that moment.

    python bench/right_to_challenge.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://... --challenges 200
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from kafka import KafkaConsumer, TopicPartition

from meemaken_testkit.deployed import deploy, service_process
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import RESIDENT_ATTRS, bearer

TOPIC = "meemaken.challenges.challenge"
ACCEPTED = b"org.meemaken.challenges.challenge.accepted.v1"
OPENED = b"org.meemaken.challenges.challenge.assessment_opened.v1"
SUBMITTED = b"org.meemaken.challenges.challenge.submitted.v1"
CRITERIA = ("cost", "quality", "social_value", "capacity", "continuity", "local_support", "local_roots", "staff_impact")
SUBMISSION = {
    "why_better": "We run the community centre next door and can open the library on Sundays.",
    "capacity_and_finances": "Twelve volunteers, two part-time staff, a reserve of 40 000 euro.",
    "local_support": "412 signatures and the minutes of two neighbourhood meetings.",
    "cost_estimate_cents": 9_500_000,
    "quality_guarantees": "Opening hours at least as today; yearly survey of users.",
    "continuity_and_exit": "Six months' notice; staff and keys return to the municipality.",
}


class Downstream(threading.Thread):
    """A consumer of the challenge topic, as the notifications or panels service would be."""

    def __init__(self, bootstrap: str) -> None:
        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap.split(","), enable_auto_commit=False, fetch_max_wait_ms=100
        )
        partitions = self.consumer.partitions_for_topic(TOPIC) or set()
        self.consumer.assign([TopicPartition(TOPIC, p) for p in partitions])
        self.consumer.seek_to_end()
        self.arrived: dict[str, float] = {}
        self.opened: dict[str, float] = {}
        self.first: float | None = None
        self.last_submitted = 0.0
        self.events = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for records in self.consumer.poll(timeout_ms=100).values():
                now = time.time()
                self.first = self.first or now
                for record in records:
                    self.events += 1
                    kind = dict(record.headers or []).get("ce_type")
                    if kind == ACCEPTED:
                        self.arrived[record.key.decode()] = now
                    elif kind == OPENED:
                        self.opened[record.key.decode()] = now
                    elif kind == SUBMITTED:
                        self.last_submitted = now
        self.consumer.close()


def _use_cases(database_url: str):  # type: ignore[no-untyped-def]
    from challenges.bootstrap import unit_of_work_factory
    from meemaken_kit import Settings, make_engine

    engine = make_engine(database_url, pool_size=20)
    return unit_of_work_factory(Settings.from_env("challenges", {"DATABASE_URL": database_url}), engine)


def _submitter(uow, window: dict[str, str]):  # type: ignore[no-untyped-def]
    """A task in the catalogue and a group's challenge on it, submitted, through the use cases."""
    from challenges.adapters.repository import Task
    from challenges.domain.challenge import Group, Submission
    from challenges.domain.gates import Window
    from challenges.service_layer import handlers

    official = handlers.Actor(uuid.uuid4(), frozenset({"case_officer"}))
    opens, closes = (datetime.fromisoformat(window[k]) for k in ("opens_at", "closes_at"))

    def submit(i: int) -> uuid.UUID:
        task = Task(
            uuid.uuid4(),
            f"Task {i}",
            "A task.",
            "culture",
            1,
            1,
            "flanders",
            "flemish-default",
            True,
            None,
            (),
            1,
            (Window(opens, closes),),
        )
        handlers.add_task(uow(), official, task)
        resident = handlers.Actor(uuid.uuid4(), frozenset({"group_representative"}), attributes=RESIDENT_ATTRS)
        group = Group("Group", "vzw", resident.id, (), 12)  # type: ignore[arg-type]
        c = handlers.start_challenge(uow(), resident, task.id, group, Submission(**SUBMISSION), datetime.now(UTC))
        handlers.act(uow(), resident, c.id, "group_representative", lambda ch, now: ch.submit(now))
        return c.id  # type: ignore[no-any-return]

    return submit


def _service_driver(database_url: str, window: dict[str, str], decided: dict[str, float]):  # type: ignore[no-untyped-def]
    """The same chain through the use cases in this process: the service's cost without HTTP."""
    from challenges.service_layer import handlers

    uow = _use_cases(database_url)
    submit = _submitter(uow, window)
    official = handlers.Actor(uuid.uuid4(), frozenset({"case_officer", "decision_body"}))

    def one(i: int) -> None:
        assessor = handlers.Actor(uuid.uuid4(), frozenset({"assessor"}))
        challenge_id = submit(i)
        _wait(lambda: handlers.get_challenge(uow(), official, challenge_id).status.value == "in_assessment", 60)
        handlers.act(
            uow(), official, challenge_id, "case_officer", lambda ch, now: ch.assign_assessor(now, assessor.id)
        )
        for criterion in CRITERIA:
            handlers.act(
                uow(),
                assessor,
                challenge_id,
                "assessor",
                lambda ch, now, k=criterion: ch.score(now, assessor.id, k, 3, "As argued."),
            )
        judged = {g: (True, "Checked.") for g in ("legally_feasible", "no_harm", "not_frivolous")}
        handlers.act(uow(), official, challenge_id, "case_officer", lambda ch, now: ch.propose_decision(now, judged))
        started = time.time()
        handlers.act(uow(), official, challenge_id, "decision_body", lambda ch, now: ch.accept(now, "Good plan."))
        decided[str(challenge_id)] = started

    return one


TOPOLOGIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "one": ((),),  # one worker process: relay, gate consumer and timers as threads
    "split": (("--only", "relay", "--only", "timers"), ("--only", "challenges.gates")),  # as the pipeline bench
}


def run_backlog(bootstrap: str, server_url: str, count: int, topology: str = "one") -> dict[str, Any]:
    """The chain's automatic links alone, as the event pipeline sees them.

    `count` challenges are submitted while no worker runs (their events wait in the outbox); then
    the service starts, and the relay, the gate consumer and the relay again move each challenge
    from submitted to in assessment. The figure is events/s at a downstream consumer from the
    first event to the last `assessment_opened`.
    """
    logs = Path(tempfile.mkdtemp(prefix="meemaken-bench-challenges-"))
    database_url = create_database(server_url, f"bench_challenges_{uuid.uuid4().hex[:8]}")
    migrate = service_process(
        "challenges", ["-m", "challenges", "migrate"], {"DATABASE_URL": database_url}, logs / "challenges-migrate.log"
    )
    if migrate.wait(timeout=120) != 0:
        raise RuntimeError(f"migrations failed, see {logs}")
    now = datetime.now(UTC)
    window = {"opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat()}
    submit = _submitter(_use_cases(database_url), window)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(submit, range(count)))
    downstream = Downstream(bootstrap)
    downstream.start()
    deployed = deploy("challenges", database_url, bootstrap, logs, {"LOG_LEVEL": "WARNING"}, TOPOLOGIES[topology])
    try:
        _wait(lambda: len(downstream.opened) >= count, 600)
        downstream.stopping.set()
        downstream.join()
        assert downstream.first is not None
        elapsed = max(downstream.opened.values()) - downstream.first
        return {
            "driver": "backlog",
            "workers": topology,
            "challenges": count,
            "challenges_per_s": count / elapsed,
            "events_per_s": downstream.events / elapsed,
            "events_per_challenge": downstream.events / count,
            "backlog_relayed_s": downstream.last_submitted - downstream.first,
            "last_assessment_opened_s": elapsed,
        }
    finally:
        deployed.stop()


def _drive_share(database_url: str, window: dict[str, str], share: list[int], concurrency: int, out: Any) -> None:
    decided: dict[str, float] = {}
    one = _service_driver(database_url, window, decided)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, share))
    out.put(decided)


def _drive_in_processes(  # type: ignore[no-untyped-def]
    database_url: str, window: dict[str, str], decided: dict[str, float], count: int, concurrency: int, processes: int
):
    """The use cases in `processes` driver processes (one Python process is bound to one core by the GIL)."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    shares = [list(range(i, count, processes)) for i in range(processes)]
    workers = [
        ctx.Process(target=_drive_share, args=(database_url, window, share, concurrency, out)) for share in shares
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        decided.update(out.get(timeout=600))
    for worker in workers:
        worker.join()


def run(
    bootstrap: str, server_url: str, count: int, concurrency: int, driver: str = "http", processes_count: int = 1
) -> dict[str, float]:
    logs = Path(tempfile.mkdtemp(prefix="meemaken-bench-challenges-"))
    database_url = create_database(server_url, f"bench_challenges_{uuid.uuid4().hex[:8]}")
    deployed = deploy("challenges", database_url, bootstrap, logs, {"LOG_LEVEL": "WARNING"})
    url = f"{deployed.url}/api/v1"
    official = bearer("challenges", "case_officer", "decision_body", seconds=24 * 3600)
    try:
        now = datetime.now(UTC)
        window = {
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
        }
        downstream = Downstream(bootstrap)
        downstream.start()
        decided: dict[str, float] = {}
        failures = []
        local = threading.local()

        def one(i: int) -> None:
            http = getattr(local, "http", None) or requests.Session()
            local.http = http
            resident = bearer("challenges", "group_representative", attrs=RESIDENT_ATTRS, seconds=3600)
            assessor_id = str(uuid.uuid4())
            assessor = bearer("challenges", "assessor", sub=assessor_id, seconds=3600)
            task = http.post(
                f"{url}/tasks",
                headers=official,
                timeout=30,
                json={
                    "title": f"Task {i}",
                    "description": "A task.",
                    "department": "culture",
                    "profile": "flanders",
                    "current_yearly_cost_cents": 1,
                    "budget_cents": 1,
                    "min_members": 1,
                    "windows": [window],
                },
            ).json()["id"]
            challenge = http.post(
                f"{url}/challenges",
                headers=resident,
                timeout=30,
                json={
                    "task_id": task,
                    "group": {"name": "Group", "legal_form": "vzw", "members_count": 12},
                    "submission": SUBMISSION,
                },
            ).json()["id"]
            base = f"{url}/challenges/{challenge}"
            http.post(f"{base}/submit", headers=resident, timeout=30).raise_for_status()
            _wait(lambda: http.get(base, headers=official, timeout=30).json()["status"] == "in_assessment", 60)
            http.post(f"{base}/assessors", headers=official, json={"assessor_id": assessor_id}, timeout=30)
            for criterion in CRITERIA:
                http.post(
                    f"{base}/scores",
                    headers=assessor,
                    timeout=30,
                    json={"criterion": criterion, "value": 3, "motivation": "As argued."},
                ).raise_for_status()
            gates = {
                c: {"passed": True, "motivation": "Checked."} for c in ("legally_feasible", "no_harm", "not_frivolous")
            }
            http.post(
                f"{base}/decision-proposal", headers=official, json={"gates": gates}, timeout=30
            ).raise_for_status()
            started = time.time()
            response = http.post(
                f"{base}/decision", headers=official, timeout=30, json={"outcome": "accept", "motivation": "Good plan."}
            )
            if response.status_code == 200:
                decided[challenge] = started
            else:
                failures.append(response.status_code)

        began = time.perf_counter()
        if driver == "service":
            _drive_in_processes(database_url, window, decided, count, concurrency, processes_count)
        else:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                list(pool.map(one, range(count)))
        elapsed = time.perf_counter() - began
        _wait(lambda: all(c in downstream.arrived for c in decided), 60)
        downstream.stopping.set()
        downstream.join()
        latencies = sorted((downstream.arrived[c] - t) * 1000 for c, t in decided.items() if c in downstream.arrived)
        return {
            "driver": driver,
            "driver_processes": processes_count if driver == "service" else 0,
            "challenges": count,
            "concurrency": concurrency,
            "failures": len(failures),
            "challenges_per_s": count / elapsed,
            "events_per_s": downstream.events / elapsed,
            "events_per_challenge": downstream.events / count,
            "decision_to_downstream_p50_ms": statistics.quantiles(latencies, n=100)[49],
            "decision_to_downstream_p99_ms": statistics.quantiles(latencies, n=100)[98],
        }
    finally:
        deployed.stop()


def _wait(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--server-url", required=True)
    parser.add_argument("--challenges", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--driver",
        choices=["http", "service", "backlog"],
        default="http",
        help="http: through gunicorn like residents and officials; service: the use cases in-process; "
        "backlog: the automatic links alone, on challenges submitted before the worker starts",
    )
    parser.add_argument("--processes", type=int, default=1, help="driver processes for --driver service")
    parser.add_argument(
        "--workers", choices=sorted(TOPOLOGIES), default="one", help="worker processes for --driver backlog"
    )
    args = parser.parse_args()
    if args.driver == "backlog":
        print(
            json.dumps(
                {
                    k: round(v, 2) if isinstance(v, float) else v
                    for k, v in run_backlog(args.bootstrap, args.server_url, args.challenges, args.workers).items()
                }
            )
        )
        return
    figures = run(args.bootstrap, args.server_url, args.challenges, args.concurrency, args.driver, args.processes)
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
