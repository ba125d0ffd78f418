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
import os
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from figures import (
    Figures,
    Harness,
    busy_core_seconds,
    consumers_to_end,
    cpu_figures,
    cpu_seconds,
    options,
    profile,
)
from kafka import KafkaConsumer, TopicPartition
from pipeline import run_pipeline

from meemaken_testkit.deployed import deploy, service_process
from meemaken_testkit.kafka import group_at_end
from meemaken_testkit.postgres import create_database, scratch_database
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
    """A consumer of the challenge topic, as the notifications or panels service would be: when each `accepted`
    event arrives (the HTTP driver's decision → downstream latency)."""

    def __init__(self, bootstrap: str) -> None:
        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap.split(","), enable_auto_commit=False, fetch_max_wait_ms=100
        )
        partitions = self.consumer.partitions_for_topic(TOPIC) or set()
        self.consumer.assign([TopicPartition(TOPIC, p) for p in partitions])
        self.consumer.seek_to_end()
        self.arrived: dict[str, float] = {}
        self.events = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for records in self.consumer.poll(timeout_ms=100).values():
                now = time.time()
                for record in records:
                    self.events += 1
                    if dict(record.headers or []).get("ce_type") == ACCEPTED:
                        self.arrived[record.key.decode()] = now
        self.consumer.close()


class Afterwards(threading.Thread):
    """The backlog pass's observer, which reads nothing of the chain's events while the chain works.

    Reading every record as it came (`Downstream`) cost this process 25 µs of CPU an event, a tenth of the chain's
    CPU an event, on the same 2 cores (per-process CPU, fourteenth session); the pipeline it is held against has no
    such reader. So while the chain works this thread only samples the machine's busy core-seconds (every 10 ms)
    and asks PostgreSQL (every 100 ms) how many challenges are in assessment. Once all are, it reads the pass's
    records (from the offsets taken before the worker started) and times them by their timestamps: the relay's
    producer's clock when it sent them, this machine's clock.
    """

    def __init__(self, bootstrap: str, database_url: str, count: int, topology: str, timeout: float = 600) -> None:
        super().__init__(daemon=True)
        from meemaken_kit import make_engine

        self.count, self.timeout = count, timeout
        self.marks, self.processes = _worker_marks(topology), len(TOPOLOGIES[topology])
        self.engine = make_engine(database_url, pool_size=1)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False)
        partitions = [TopicPartition(TOPIC, p) for p in sorted(self.consumer.partitions_for_topic(TOPIC) or ())]
        self.consumer.assign(partitions)
        self.consumer.seek_to_end()
        for partition in partitions:
            self.consumer.position(partition)  # resolved now: before the first event of the pass
        self.workers: dict[str, list[int]] = {}  # the worker processes (name: pids), once started
        self.samples: list[tuple[float, dict[str, float]]] = []  # (time, busy core-seconds: machine's, workers')
        self.events = 0
        self.first = self.last_opened = self.last_submitted = 0.0
        self.failed: BaseException | None = None

    def run(self) -> None:
        try:
            self._sample_until_all_in_assessment()
            self._read_the_pass()
        except BaseException as error:  # handed to the pass (result)
            self.failed = error
        finally:
            self.consumer.close()
            self.engine.dispose()

    def _sample_until_all_in_assessment(self) -> None:
        import sqlalchemy as sa

        in_assessment = sa.text("SELECT count(*) FROM challenges WHERE status = 'in_assessment'")
        deadline, asked = time.monotonic() + self.timeout, 0.0
        while True:
            if sum(map(len, self.workers.values())) < self.processes:
                self.workers = _child_processes(self.marks)
            busy = {name: sum(map(cpu_seconds, pids)) for name, pids in self.workers.items()}
            self.samples.append((time.time(), {"machine": busy_core_seconds(), **busy}))
            if time.monotonic() - asked >= 0.1:
                asked = time.monotonic()
                with self.engine.connect() as connection:
                    if connection.execute(in_assessment).scalar_one() >= self.count:
                        return
            if time.monotonic() > deadline:
                raise TimeoutError(f"fewer than {self.count} challenges in assessment after {self.timeout} s")
            time.sleep(0.01)

    def _read_the_pass(self) -> None:
        opened, first = 0, float("inf")
        deadline = time.monotonic() + 60
        while opened < self.count:  # the relay sends the last ones just after their commit
            if time.monotonic() > deadline:
                raise TimeoutError(f"{opened} of {self.count} assessment_opened events on the topic")
            for records in self.consumer.poll(timeout_ms=200).values():
                for record in records:
                    self.events += 1
                    at = record.timestamp / 1000
                    first = min(first, at)
                    kind = dict(record.headers or []).get("ce_type")
                    if kind == OPENED:
                        opened += 1
                        self.last_opened = max(self.last_opened, at)
                    elif kind == SUBMITTED:
                        self.last_submitted = max(self.last_submitted, at)
        self.first = first

    def busy(self) -> dict[str, float]:
        """Busy core-seconds from the first event to the last `assessment_opened` (the samples just before the
        one and just after the other): the machine's (`machine`) and each worker process's."""
        before = [busy for at, busy in self.samples if at <= self.first] or [self.samples[0][1]]
        after = [busy for at, busy in self.samples if at >= self.last_opened] or [self.samples[-1][1]]
        return {name: after[0][name] - before[-1][name] for name in after[0] if name in before[-1]}

    def result(self) -> Afterwards:
        self.join(self.timeout + 120)
        if self.failed is not None:
            raise self.failed
        return self


def _child_processes(marks: dict[str, str]) -> dict[str, list[int]]:
    """This process's children whose command line ends with one of `marks`: name → pids (found as soon as they
    start, before the first event: `deploy` returns only once the API answers)."""
    found: dict[str, list[int]] = {}
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            for name, mark in marks.items():
                if command.rstrip().endswith(mark):
                    found.setdefault(name, []).append(int(pid))
    return found


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
    # two gate consumers in one group, sharing the topic's partitions: one checks while the other waits
    "split2": (("--only", "relay", "--only", "timers"), ("--only", "challenges.gates"), ("--only", "challenges.gates")),
}


def _worker_marks(topology: str) -> dict[str, str]:
    """Each kind of worker process of `topology` as the CPU figures name it (the loop it runs first: `relay`,
    `gates`; `worker` when it runs them all), and how its command line ends (`deploy`'s worker arguments)."""
    return {
        (extra[1].rsplit(".", 1)[-1] if extra else "worker"): " ".join(("challenges", "worker", *extra))
        for extra in TOPOLOGIES[topology]
    }


def pipeline_ceiling(bootstrap: str, server_url: str, events: int) -> dict[str, float]:
    """The event pipeline (outbox → relay → Kafka → consumer → inbox) moving `events` events: its events/s, and
    its CPU per event (bench/pipeline.py's figures)."""
    with scratch_database(server_url, "bench_rtc_pipeline") as database_url:  # dropped after: see backlog_pass
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
    from submitted to in assessment. The figure is events/s from the first event on the topic to the last
    `assessment_opened`, by the records' timestamps (`Afterwards`: nothing reads them while the chain works).
    With `profiled`, a py-spy flame graph of the first worker process (and its children) into that file while
    it works the backlog.
    """
    logs = Path(tempfile.mkdtemp(prefix="meemaken-bench-challenges-"))
    # dropped after the pass, its pages with it: with every pass's database left behind, from the fourth run of a
    # series on, PostgreSQL's backends spent a fifth more CPU and the chain ran 20% slower (bench/README.md; most
    # likely the earlier passes' dirty pages in its 128 MB of shared buffers, written out before reuse)
    with scratch_database(server_url, "bench_challenges") as database_url:
        return _backlog_pass(bootstrap, database_url, logs, count, topology, profiled)


def _backlog_pass(
    bootstrap: str, database_url: str, logs: Path, count: int, topology: str, profiled: Path | None
) -> Figures:
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
    observer = Afterwards(bootstrap, database_url, count, topology)
    observer.start()
    deployed = deploy("challenges", database_url, bootstrap, logs, {"LOG_LEVEL": "WARNING"}, TOPOLOGIES[topology])
    try:
        if profiled is None:
            observed = observer.result()
        else:  # processes[0] is the API
            observed = profile(deployed.processes[1].pid, profiled, observer.result)
        elapsed = observed.last_opened - observed.first
        busy = observed.busy()
        return {
            "challenges_per_s": count / elapsed,
            "events": observed.events,
            "events_per_s": observed.events / elapsed,
            "events_per_challenge": observed.events / count,
            "backlog_relayed_s": observed.last_submitted - observed.first,
            "last_assessment_opened_s": elapsed,
            **cpu_figures("chain", busy.pop("machine"), observed.events, elapsed),
            # each worker process's share; the rest is the broker's, PostgreSQL's and the idle API's
            **{f"chain_{name}_cpu_us_per_event": 1e6 * spent / observed.events for name, spent in busy.items()},
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
