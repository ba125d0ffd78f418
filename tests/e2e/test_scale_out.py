"""Scale-out on one broker and one PostgreSQL: the proposals service with two API replicas (separate Granian
instances, requests round-robin) and two worker replicas, and notifications with two worker replicas, each
service on one database; topics of 3 partitions. While proposals and supports flow, a third worker of each
service joins (a rebalance of their consumer groups) and then the worker holding each service's relay lease is
SIGKILLed (another rebalance, and the relay's takeover). At the end the databases show every command's effect
exactly once, the events of each proposal handled in their order, and each answer term due during the run
fired once.

Why proposals: its worker has a consumer (the admissibility check), a timer (the answer term, claimed with
FOR UPDATE SKIP LOCKED by every replica) and the relay. Its consumer reads one event per proposal, so the
order of one proposal's events is observed in the consumer downstream, notifications.proposals, which reads
them all (its notices' received_at, one clock reading per event handled).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter, deque
from datetime import UTC, datetime
from itertools import cycle
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from helpers import wait_for
from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec
from kafka.errors import KafkaError
from proposals_kit import TEXT, official, process_body, resident

from meemaken_kit import make_engine
from meemaken_testkit.deployed import Deployed, deploy, service_process
from meemaken_testkit.postgres import create_database
from notifications.adapters import tables as notifications_tables
from notifications.integration.incoming import subscriptions
from proposals.adapters import tables as proposals_tables

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]
PROCESS = "scale-out-call"
STEP = 6  # proposals submitted before each change of the workers, and after the last one
THRESHOLD = 2
TIMERS = 4  # answer terms that fall due during the run: as the flow starts, the 3rd worker joins, one is killed,
# and the groups are back to 2 members
PROPOSAL_TOPIC = "meemaken.proposals.proposal"
PROPOSALS_GROUPS = {"proposals.admissibility": [PROPOSAL_TOPIC], "proposals.tally": ["meemaken.proposals.round"]}
ROUTED = ("admitted", "threshold_reached", "answer_overdue")  # the proposal events notifications tells about


class Service:
    """One service's replicas: its APIs and its worker processes, started and killed by the test."""

    def __init__(self, name: str, database: str, bootstrap: str, logs: Path, env: dict[str, str], apis: int) -> None:
        self.name, self.logs, self.database = name, logs, database
        self.env = {"DATABASE_URL": database, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, **env}
        self.deployed: list[Deployed] = [deploy(name, database, bootstrap, logs, env, workers=((), ()))]
        for replica in range(2, apis + 1):  # another API instance on its own port, no worker
            folder = logs / f"api{replica}"
            folder.mkdir()
            self.deployed.append(deploy(name, database, bootstrap, folder, env, workers=()))
        self.workers = list(self.deployed[0].processes[1:])
        self.killed: list[subprocess.Popen[bytes]] = []
        self.engine = make_engine(database)

    @property
    def urls(self) -> list[str]:
        return [d.url for d in self.deployed]

    def add_worker(self) -> None:
        log = self.logs / f"{self.name}-worker{len(self.workers) + 1}.log"
        self.workers.append(service_process(self.name, ["-m", self.name, "worker"], self.env, log))

    def kill_relay_holder(self) -> int:
        """SIGKILL the worker whose relay holds the lease (its owner is host:pid:nonce); its pid."""
        with self.engine.connect() as conn:
            owner = conn.execute(sa.text("SELECT owner FROM relay_lease")).scalar_one()
        pid = int(owner.split(":")[-2])
        [victim] = [w for w in self.workers if w.pid == pid]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        self.workers.remove(victim)
        self.killed.append(victim)
        return pid

    def stop(self) -> list[int]:
        for process in [*self.workers, *(d.processes[0] for d in self.deployed)]:
            process.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=30) for p in [*self.workers, *(d.processes[0] for d in self.deployed)]]
        self.engine.dispose()
        return codes


def groups_to_end(bootstrap: str, groups: dict[str, list[str]]) -> None:
    """These consumer groups (idle or never seen) moved to the end of their topics: the events earlier tests
    of the session left there are not of this test's databases (bench/figures.py does so for every idle group)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        for group, topics in groups.items():
            partitions = [TopicPartition(t, p) for t in topics for p in range(3)]
            deadline = time.monotonic() + 60
            while True:  # a fresh broker makes the groups' coordinator on first ask; a dead member's session ends
                try:
                    admin.reset_group_offsets(group, dict.fromkeys(partitions, OffsetSpec.LATEST))
                    break
                except KafkaError as exc:
                    assert time.monotonic() < deadline, f"the group {group} could not be moved: {exc}"
                    time.sleep(0.5)
    finally:
        admin.close()


def members(bootstrap: str, group: str) -> int:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        described = admin.describe_groups([group])[group]
        return len(described["members"]) if described["group_state"] == "Stable" else -1
    finally:
        admin.close()


@pytest.fixture(scope="module")
def system(postgres_server_url, kafka_bootstrap, tmp_path_factory):
    notified = {name: topics for name, (topics, _) in subscriptions().items()}
    groups_to_end(kafka_bootstrap, {**PROPOSALS_GROUPS, **notified})
    logs = tmp_path_factory.mktemp("scale-out")
    databases = {n: create_database(postgres_server_url, f"scale_{n}_{uuid.uuid4().hex[:8]}") for n in ("p", "n")}
    env = {"WEB_CONCURRENCY": "1", "PROPOSALS_SCHEDULE_INTERVAL": "0.5"}
    proposals = Service("proposals", databases["p"], kafka_bootstrap, logs, env, apis=2)
    try:
        notifications = Service(
            "notifications", databases["n"], kafka_bootstrap, logs, env | {"PROPOSALS_BASE_URL": proposals.urls[0]}, 1
        )
    except Exception:
        proposals.stop()
        raise
    yield proposals, notifications
    assert proposals.stop() == [0] * 4, f"the surviving proposals processes stop cleanly, see {logs}"
    assert notifications.stop() == [0] * 3, f"the surviving notifications processes stop cleanly, see {logs}"


class Client:
    """Requests round-robin over the API replicas; every answer kept."""

    def __init__(self, urls: list[str]) -> None:
        self.apis = cycle(urls)
        self.supports: Counter[uuid.UUID] = Counter()

    def call(self, path: str, who: dict[str, str], body: object = None, method: str = "post", **headers: str) -> dict:
        url = f"{next(self.apis)}/api/v1/{path}"
        response = requests.request(method, url, json=body, headers=who | headers, timeout=20)
        assert response.status_code in (200, 201), (method, path, response.status_code, response.text)
        return dict(response.json())

    def submit(self, n: int, author: uuid.UUID) -> uuid.UUID:
        """Submitted with an Idempotency-Key; every third one sent again to the next replica (a client's retry)."""
        body, key = {"process_id": PROCESS, "title": f"Proposal {n}", "text": f"{TEXT} ({n})"}, str(uuid.uuid4())
        first = self.call("proposals", resident(author), body, **{"Idempotency-Key": key})
        if n % 3 == 0:
            again = self.call("proposals", resident(author), body, **{"Idempotency-Key": key})
            assert again["id"] == first["id"], "a retry on the other replica gets the first answer"
        return uuid.UUID(first["id"])

    def support_admitted(self, waiting: deque[uuid.UUID]) -> None:
        """Support, up to the threshold, each waiting proposal that is admitted by now; the others wait."""
        for _ in range(len(waiting)):
            proposal = waiting.popleft()
            if self.call(f"proposals/{proposal}", official(), method="get")["status"] != "admitted":
                waiting.append(proposal)
                continue
            for _ in range(THRESHOLD):
                self.call(f"proposals/{proposal}/support", resident())
                self.supports[proposal] += 1


def over_the_threshold(client: Client) -> list[uuid.UUID]:
    """Proposals supported to the threshold before the flow: their answer terms (days away) started."""
    ready = [client.submit(100 + n, uuid.uuid4()) for n in range(TIMERS)]
    waiting = deque(ready)
    wait_for(lambda: client.support_admitted(waiting) or not waiting, timeout=60, interval=0.3)
    return ready


def falls_due(service: Service, proposal: uuid.UUID) -> None:
    """The answer term passes now. It is days long: the test moves it in the database (the version bumped,
    as a save does), as a clock would; every worker's schedule (each 0.5 s) sees it from now on."""
    p = proposals_tables.proposals
    moved = p.update().where(p.c.id == proposal).values(answer_due_at=datetime.now(UTC), version=p.c.version + 1)
    with service.engine.begin() as conn:
        assert conn.execute(moved).rowcount == 1


def flow(client: Client, submitted: list[uuid.UUID], until: threading.Event) -> threading.Thread:
    """Proposals, one every 0.4 s, and the supports of those admitted meanwhile, in a thread, `until` set;
    then the last supports."""

    def send() -> None:
        waiting: deque[uuid.UUID] = deque()
        n = 0
        while not until.is_set():
            submitted.append(client.submit(n, uuid.uuid4()))
            n += 1
            waiting.append(submitted[-1])
            client.support_admitted(waiting)
            time.sleep(0.4)
        wait_for(lambda: client.support_admitted(waiting) or not waiting, timeout=60, interval=0.3)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def outbox_by_proposal(engine: sa.Engine) -> dict[str, list[tuple[str, str]]]:
    """Each proposal's events as its service stored them, in order: (type, event id)."""
    o = proposals_tables.outbox
    found: dict[str, list[tuple[str, str]]] = {}
    query = sa.select(o.c.key, o.c.type, o.c.event_id).where(o.c.topic == PROPOSAL_TOPIC).order_by(o.c.id)
    with engine.connect() as conn:
        for row in conn.execute(query):
            found.setdefault(row.key, []).append((row.type.split(".")[-2], row.event_id))
    return found


def unpublished(engine: sa.Engine) -> int:
    o = proposals_tables.outbox
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).where(o.c.published_at.is_(None))).scalar_one())


def noticed(engine: sa.Engine) -> dict[str, datetime]:
    """Event id -> when notifications.proposals handled it (one clock reading per event)."""
    n = notifications_tables.notices
    with engine.connect() as conn:
        return {row.event_id: row.received_at for row in conn.execute(sa.select(n.c.event_id, n.c.received_at))}


def handled(engine: sa.Engine) -> set[str]:
    i = notifications_tables.inbox
    query = sa.select(i.c.event_id).where(i.c.consumer == "notifications.proposals")
    with engine.connect() as conn:
        return set(conn.execute(query).scalars())


def messages_to(engine: sa.Engine, authors: dict[uuid.UUID, uuid.UUID]) -> Counter[tuple[uuid.UUID, str]]:
    m = notifications_tables.messages
    query = sa.select(m.c.recipient_id, m.c.kind).where(m.c.recipient_id.in_(list(authors)))
    with engine.connect() as conn:
        return Counter((row.recipient_id, row.kind) for row in conn.execute(query))


def test_replicas_joining_and_dying_under_load_lose_double_and_reorder_nothing(system, kafka_bootstrap):
    proposals, notifications = system
    client = Client(proposals.urls)
    client.call("processes", official(), process_body(PROCESS) | {"support_threshold": THRESHOLD})
    timers = over_the_threshold(client)
    started, submitted = time.monotonic(), []
    stop = threading.Event()
    sender = flow(client, submitted, stop)
    falls_due(proposals, timers[0])

    def flowed(count: int) -> bool:
        assert sender.is_alive(), "the flow stopped (its error is above)"
        return len(submitted) >= count

    wait_for(lambda: flowed(STEP), timeout=60)
    for service in (proposals, notifications):
        service.add_worker()
    falls_due(proposals, timers[1])
    for group in ("proposals.admissibility", "notifications.proposals"):  # the first rebalance, done
        wait_for(lambda g=group: members(kafka_bootstrap, g) == 3, timeout=60, interval=0.5)
    joined = time.monotonic() - started

    at_join = len(submitted)
    wait_for(lambda: flowed(at_join + STEP), timeout=60)
    killed = [service.kill_relay_holder() for service in (proposals, notifications)]
    falls_due(proposals, timers[2])  # while the groups wait for the dead members' sessions to expire
    for group in ("proposals.admissibility", "notifications.proposals"):  # the second, once the session expired
        wait_for(lambda g=group: members(kafka_bootstrap, g) == 2, timeout=60, interval=0.5)
    rebalanced = time.monotonic() - started
    falls_due(proposals, timers[3])
    at_rebalance = len(submitted)
    wait_for(lambda: flowed(at_rebalance + STEP), timeout=60)
    stop.set()
    sender.join(timeout=120)
    assert not sender.is_alive(), "the flow finished"

    ours = {*submitted, *timers}
    assert len(ours) == len(submitted) + TIMERS, "each submission made its own proposal"
    p = proposals_tables.proposals

    def settled() -> bool:
        with proposals.engine.connect() as conn:
            rows = conn.execute(sa.select(p.c.id, p.c.status, p.c.answer_overdue).where(p.c.process_id == PROCESS))
            state = {row.id: (row.status, row.answer_overdue) for row in rows}
        overdue_done = all(state.get(t, ("", False))[1] for t in timers)
        return set(state) == ours and {s for s, _ in state.values()} == {"admitted"} and overdue_done

    wait_for(settled, timeout=60, interval=0.3)
    wait_for(lambda: unpublished(proposals.engine) == 0, timeout=60, interval=0.3)
    events = {uuid.UUID(key): seq for key, seq in outbox_by_proposal(proposals.engine).items()}
    assert set(events) == ours, "the outbox holds events of this test's proposals only"
    every_event = {event_id for seq in events.values() for _, event_id in seq}
    wait_for(lambda: every_event <= handled(notifications.engine), timeout=60, interval=0.3)
    drained = time.monotonic() - started

    # Exactly one effect per command: the proposal, its check, each support, the threshold, the timer.
    for proposal, seq in events.items():
        expected = ["submitted", *ROUTED] if proposal in timers else ["submitted", *ROUTED[:2]]
        assert [kind for kind, _ in seq] == expected, (proposal, seq)
    with proposals.engine.connect() as conn:
        rows = conn.execute(sa.select(p.c.id, p.c.supporters, p.c.answer_overdue).where(p.c.process_id == PROCESS))
        counted = {row.id: (row.supporters, row.answer_overdue) for row in rows}
        s = proposals_tables.supports
        supports = Counter(conn.execute(sa.select(s.c.proposal_id).where(s.c.proposal_id.in_(ours))).scalars())
    assert client.supports == supports == Counter(dict.fromkeys(ours, THRESHOLD)), "each support counted once"
    assert {k: v[0] for k, v in counted.items()} == dict.fromkeys(ours, THRESHOLD)
    assert {k for k, v in counted.items() if v[1]} == set(timers), "the due terms, and only they, fired"

    # Downstream: every routed event noticed once, and one proposal's events handled in their order.
    when = noticed(notifications.engine)
    for proposal, seq in events.items():
        routed = [event_id for kind, event_id in seq if kind in ROUTED]
        assert set(routed) <= set(when), (proposal, "an event was not noticed")
        moments = [when[event_id] for event_id in routed]
        assert moments == sorted(moments) and len(set(moments)) == len(moments), (proposal, "handled out of order")
    with proposals.engine.connect() as conn:
        rows = conn.execute(sa.select(p.c.author_id, p.c.id).where(p.c.id.in_(ours)))
        authors = {row.author_id: row.id for row in rows}
    told = messages_to(notifications.engine, authors)
    for author, proposal in authors.items():
        news = 2 if proposal in timers else 1
        assert (told[(author, "proposal_admitted")], told[(author, "proposal_news")]) == (1, news), author
    print(
        f"\nscale-out: {len(ours)} proposals, {sum(client.supports.values())} supports; "
        f"3rd workers in the groups at {joined:.1f} s, relay holders {killed} killed and the groups "
        f"rebalanced to 2 at {rebalanced:.1f} s, all {len(every_event)} events handled at {drained:.1f} s; "
        f"load {os.getloadavg()[0]:.1f}"
    )
