"""Right to Challenge: challenges per second through the whole chain, and decision → downstream latency.

Runs the challenges service as deployed (Granian API + worker, PostgreSQL, the real broker) and
drives challenges concurrently over HTTP, as residents and officials do: draft → submit → automatic
gates (through Kafka and the worker) → assessor and eight scores → decision proposal → decision (its
notice). A downstream Kafka consumer in this process counts the events and notes when each `accepted`
event arrives; the latency is the time from just before the decision request to that moment.

`--driver backlog` measures the chain's automatic links alone: challenges submitted while no worker
runs, then the worker's relay, gate consumer and relay again move each to `in_assessment`.

Each pass is followed by the ceiling, in the same run: the event pipeline (bench/pipeline.py's relay and
consumer processes) moving as many events as the chain's pass did. A warm-up pass (a few challenges),
then `--repeat` passes; min / median / max (bench/figures.py). Target: the chain's events/s at least
half the pipeline's. `--driver backlog --profile SVG`: a flame graph (py-spy) of the worker during one more
pass before the measured ones, not measured.

    python bench/right_to_challenge.py --bootstrap 127.0.0.1:9092 --server-url postgresql+psycopg://... --challenges 200
    python bench/right_to_challenge.py ... --driver backlog --challenges 3000 [--workers split]
    python bench/right_to_challenge.py ... --driver backlog --profile bench/profiles/r2c-backlog.svg
    python bench/right_to_challenge.py ... --quick
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from figures import Figures, Harness, busy_core_seconds, consumers_to_end, cpu_figures, options, profile
from kafka import KafkaConsumer, TopicPartition
from pipeline import run_pipeline

from meemaken_testkit.deployed import deploy, service_process
from meemaken_testkit.kafka import group_at_end
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
        self.busy_at_first = self.busy_at_last_opened = 0.0  # the machine's busy core-seconds then
        self.last_submitted = 0.0
        self.events = 0
        self.stopping = threading.Event()

    def busy(self) -> float:
        """The machine's busy core-seconds from the first event to the last `assessment_opened`."""
        return self.busy_at_last_opened - self.busy_at_first

    def run(self) -> None:
        while not self.stopping.is_set():
            opened = False
            for records in self.consumer.poll(timeout_ms=100).values():
                now = time.time()
                if self.first is None:
                    self.first, self.busy_at_first = now, busy_core_seconds()
                for record in records:
                    self.events += 1
                    kind = dict(record.headers or []).get("ce_type")
                    if kind == ACCEPTED:
                        self.arrived[record.key.decode()] = now
                    elif kind == OPENED:
                        self.opened[record.key.decode()] = now
                        opened = True
                    elif kind == SUBMITTED:
                        self.last_submitted = now
            if opened:  # once a poll, not a record: reading /proc/stat 3,000 times was CPU charged to the chain
                self.busy_at_last_opened = busy_core_seconds()
        self.consumer.close()


def _use_cases(database_url: str, engine):  # type: ignore[no-untyped-def]
    from challenges.bootstrap import unit_of_work_factory
    from meemaken_kit import Settings

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


TOPOLOGIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "one": ((),),  # one worker process: relay, gate consumer and timers as threads
    "split": (("--only", "relay", "--only", "timers"), ("--only", "challenges.gates")),  # as the pipeline bench
}


def pipeline_ceiling(bootstrap: str, server_url: str, events: int) -> dict[str, float]:
    """The event pipeline (outbox → relay → Kafka → consumer → inbox) moving `events` events: its events/s, and
    its CPU per event (bench/pipeline.py's figures)."""
    database_url = create_database(server_url, f"bench_rtc_pipeline_{uuid.uuid4().hex[:8]}")
    return run_pipeline(database_url, bootstrap, max(events, 100))


def with_ceiling(chain: Figures, bootstrap: str, server_url: str) -> Figures:
    """The chain's pass beside the pipeline moving as many events, right after it; with the backlog driver's
    CPU per event, the two's CPU per event side by side."""
    pipeline = pipeline_ceiling(bootstrap, server_url, int(chain["events"]))
    rate = pipeline["pipeline_events_per_s"]
    figures = {"pipeline_events_per_s": rate, "events_to_pipeline_ratio": chain["events_per_s"] / rate}
    if "chain_cpu_us_per_event" in chain:
        cpu = {k: v for k, v in pipeline.items() if k.startswith(("pipeline_cpu_", "pipeline_cores_"))}
        ratio = chain["chain_cpu_us_per_event"] / pipeline["pipeline_cpu_us_per_event"]
        figures |= cpu | {"chain_to_pipeline_cpu_per_event": ratio}
    return chain | figures


def _window() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat()}


def backlog_pass(
    bootstrap: str, server_url: str, count: int, topology: str = "one", profiled: Path | None = None
) -> Figures:
    """The chain's automatic links alone, as the event pipeline sees them.

    `count` challenges are submitted while no worker runs (their events wait in the outbox); then
    the service starts, and the relay, the gate consumer and the relay again move each challenge
    from submitted to in assessment. The figure is events/s at a downstream consumer from the
    first event to the last `assessment_opened`. With `profiled`, a py-spy flame graph of the first worker
    process (and its children) into that file while it works the backlog.
    """
    logs = Path(tempfile.mkdtemp(prefix="meemaken-bench-challenges-"))
    database_url = create_database(server_url, f"bench_challenges_{uuid.uuid4().hex[:8]}")
    migrate = service_process(
        "challenges", ["-m", "challenges", "migrate"], {"DATABASE_URL": database_url}, logs / "challenges-migrate.log"
    )
    if migrate.wait(timeout=120) != 0:
        raise RuntimeError(f"migrations failed, see {logs}")
    from meemaken_kit import make_engine

    engine = make_engine(database_url, pool_size=8)
    submit = _submitter(_use_cases(database_url, engine), _window())
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(submit, range(count)))
    engine.dispose()
    consumers_to_end(bootstrap)  # the earlier passes' events are not this database's
    from challenges.integration.incoming import GATES_CONSUMER

    # nor are those of a pass whose gate consumer never committed (stopped, halted): consumers_to_end skips a group
    # without offsets, which would read from the topic's start (poison here, enough of them to halt it)
    group_at_end(bootstrap, GATES_CONSUMER, TOPIC)
    downstream = Downstream(bootstrap)
    downstream.start()
    deployed = deploy("challenges", database_url, bootstrap, logs, {"LOG_LEVEL": "WARNING"}, TOPOLOGIES[topology])
    try:
        if profiled is None:
            _wait(lambda: len(downstream.opened) >= count, 600)
        else:  # processes[0] is the API
            profile(deployed.processes[1].pid, profiled, lambda: _wait(lambda: len(downstream.opened) >= count, 600))
        downstream.stopping.set()
        downstream.join()
        assert downstream.first is not None
        elapsed = max(downstream.opened.values()) - downstream.first
        return {
            "challenges_per_s": count / elapsed,
            "events": downstream.events,
            "events_per_s": downstream.events / elapsed,
            "events_per_challenge": downstream.events / count,
            "backlog_relayed_s": downstream.last_submitted - downstream.first,
            "last_assessment_opened_s": elapsed,
            **cpu_figures("chain", downstream.busy(), downstream.events, elapsed),
        }
    finally:
        deployed.stop()


class Chain:
    """The challenges service as deployed, and challenges driven through it over HTTP by `concurrency` clients."""

    def __init__(self, bootstrap: str, server_url: str, concurrency: int) -> None:
        self.bootstrap, self.concurrency = bootstrap, concurrency
        logs = Path(tempfile.mkdtemp(prefix="meemaken-bench-challenges-"))
        database_url = create_database(server_url, f"bench_challenges_{uuid.uuid4().hex[:8]}")
        self.deployed = deploy("challenges", database_url, bootstrap, logs, {"LOG_LEVEL": "WARNING"})
        self.url = f"{self.deployed.url}/api/v1"
        self.official = bearer("challenges", "case_officer", "decision_body", seconds=24 * 3600)
        self.window = _window()
        self.local = threading.local()

    def one(self, i: int, decided: dict[str, float], failures: list[int]) -> None:
        """One challenge, from the task in the catalogue to the decision."""
        url, official, window = self.url, self.official, self.window
        http = getattr(self.local, "http", None) or requests.Session()
        self.local.http = http
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
        http.post(f"{base}/decision-proposal", headers=official, json={"gates": gates}, timeout=30).raise_for_status()
        started = time.time()
        response = http.post(
            f"{base}/decision", headers=official, timeout=30, json={"outcome": "accept", "motivation": "Good plan."}
        )
        if response.status_code == 200:
            decided[challenge] = started
        else:
            failures.append(response.status_code)

    def drive(self, count: int) -> Figures:
        """`count` challenges through the chain; events and the decisions' latency at a downstream consumer."""
        downstream = Downstream(self.bootstrap)
        downstream.start()
        decided: dict[str, float] = {}
        failures: list[int] = []
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            list(pool.map(lambda i: self.one(i, decided, failures), range(count)))
        elapsed = time.perf_counter() - began
        _wait(lambda: all(c in downstream.arrived for c in decided), 60)
        downstream.stopping.set()
        downstream.join()
        latencies = sorted((downstream.arrived[c] - t) * 1000 for c, t in decided.items() if c in downstream.arrived)
        q = statistics.quantiles(latencies, n=100)
        return {
            "failures": len(failures),
            "challenges_per_s": count / elapsed,
            "events": downstream.events,
            "events_per_s": downstream.events / elapsed,
            "events_per_challenge": downstream.events / count,
            "decision_to_downstream_p50_ms": q[49],
            "decision_to_downstream_p99_ms": q[98],
        }

    def stop(self) -> None:
        self.deployed.stop()


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
    parser.add_argument("--challenges", type=int, default=200, help="challenges a pass")
    parser.add_argument("--concurrency", type=int, default=16, help="HTTP clients")
    parser.add_argument(
        "--driver",
        choices=["http", "backlog"],
        default="http",
        help="http: the whole chain through its API, as residents and officials drive it; "
        "backlog: the automatic links alone, on challenges submitted before the worker starts",
    )
    parser.add_argument(
        "--workers", choices=sorted(TOPOLOGIES), default="one", help="worker processes for --driver backlog"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="--driver backlog: a flame graph (SVG) of the worker during one pass (not measured)",
    )
    args = options(parser).parse_args()
    if args.profile and args.driver != "backlog":
        parser.error("--profile records the worker under --driver backlog")
    count = 16 if args.quick else args.challenges
    harness = Harness.start("right_to_challenge", args)
    goal = "events/s ≥ half the pipeline's"
    if args.driver == "backlog":
        if args.profile:
            backlog_pass(args.bootstrap, args.server_url, count, args.workers, args.profile)
        runs = harness.passes(
            lambda: with_ceiling(
                backlog_pass(args.bootstrap, args.server_url, count, args.workers), args.bootstrap, args.server_url
            ),
            warm=lambda: backlog_pass(args.bootstrap, args.server_url, min(count, 50), args.workers),
        )
        case = f"backlog, {count} challenges, workers {args.workers}"
    else:
        chain = Chain(args.bootstrap, args.server_url, args.concurrency)
        try:
            runs = harness.passes(
                lambda: with_ceiling(chain.drive(count), args.bootstrap, args.server_url),
                warm=lambda: chain.drive(min(count, args.concurrency)),
            )
        finally:
            chain.stop()
        case = f"http, {count} challenges, {args.concurrency} clients"
    harness.emit(runs, "events_per_s", "pipeline_events_per_s", goal, ratio="events_to_pipeline_ratio", case=case)


if __name__ == "__main__":
    main()
