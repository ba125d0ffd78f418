"""A city-scale budget vote (issue 17): 150,000 eligible residents, the peak hour of a two-week vote, ballots
through the gateway into PostgreSQL with the events on a 3-broker Kafka cluster; 1 then 2 replicas of the
gateway and of proposals (API and worker each) in the same run; and a broker SIGKILLed during a pass.

What runs: a 3-node KRaft cluster of its own (the testkit's `KafkaCluster`: replication factor 3,
min.insync.replicas 2, 12 partitions per topic), proposals and the gateway as deployed (both under
Granian, a worker each; one API process per replica, so that a replica is a unit
of scale-out), the mock OpenID provider of gateway_ballots.py. A replica's gateway passes to its own
proposals API; both replicas share the services' databases, consumer groups and relay leases.

The vote:

- residents: `--residents` (150,000) eligible. `--sessions` (600) of them log in through the real code
  flow (gateway_ballots.log_in); the others are represented by their ballots, written before the peak hour
  in the service's own table (one INSERT ... SELECT: what 150,000 logins through the mock would take
  hours to make). So the ballot box holds the city's whole vote, and every measured ballot goes the path a
  resident's does: session cookie and CSRF header at the gateway, its token to proposals, the box's upsert;
- the peak hour: `--peak-share` (2 %) of the residents' ballots in the busiest hour of a two-week vote
  (336 hours; the mean hour has 0.3 %): 3,000 ballots, 0.83 a second. Each pass casts ballots as fast as
  `--clients` (16) closed-loop clients get them through for `--seconds`, every session replacing its ballot
  (the gateway's per-account limit, 30 a minute, stays in the path: sessions >= 2 x the rate); the JSON
  line says how many seconds the peak hour takes at the measured rate (`peak_hour_s`);
- events: a ballot is no event (the box is a table: one ballot per resident, secret, counted at closing),
  so the events that flow during the vote are the round's steps on meemaken.proposals.round (the ballot
  topic: opened, closed, results) and the residents' ideas submitted meanwhile, `--idea-rate` (2) a second
  through the gateway: proposal.submitted -> relay -> cluster -> the admissibility consumer (proposals'
  worker) -> proposal.admitted -> the officials' queue (the gateway's worker). Consumer lag of those
  consumers' groups (proposals.admissibility, proposals.tally, gateway.queue.proposals) sampled each second;
  submission -> admission in ms (the two events' outbox times).

Figures per case (1 replica, 2 replicas): ballots/s, p50 / p99, failures, CPU ms per ballot of each part
(gateway APIs, gateway workers, proposals APIs, proposals workers, the Kafka brokers, PostgreSQL, the
load generator), the machine's busy share, and the ceiling: the rate the machine's cores allow at the
measured CPU per ballot (`cpu_bound_per_s`: the cores the workers and brokers leave, `background_cores`,
over the CPU per ballot of its path, gateway API + proposals API + PostgreSQL, and the load generator;
`per_core_per_s`: the ballots each more core takes, the load generator elsewhere). The 2-replica line has
the scaling ratio pass by pass (its ballots/s over the 1-replica median).

Recovery, during one more pass with 2 replicas: at a third of it the broker leading the round's partition
of the ballot topic is SIGKILLed; `--probes` ideas submitted right after it; `recovery_s` is the time from
the kill until every probe is admitted (events through the cluster end to end again; goal < 30 s). With
the broker still dead the round is closed: `results_s` from closing until its results are counted and the
`results_published` event is on the cluster. Then the broker starts again, and the audit: every ballot
accepted is in the box and counted once (the results' voters = residents who voted), every idea accepted
was admitted once (one submitted and one admitted event each), every event on the topic handled once by
each consumer.

    python bench/city_vote.py --server-url postgresql+psycopg://... [--repeat 3]
    python bench/city_vote.py --server-url ... --quick     # 2,000 residents, 20 sessions, passes of 4 s
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
import urllib3
from ballot_intake import OFFICIAL, PROJECTS, THREADS, open_round
from figures import Figures, Harness, cpu_seconds, cpu_times, open_call, options, percentile
from gateway_ballots import Cast, Tally, closed_loop, each_once, gateway_env, log_in, provider
from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec

from meemaken_kit import make_engine
from meemaken_testkit.deployed import Deployed, deploy
from meemaken_testkit.kafka_cluster import KafkaCluster
from meemaken_testkit.ports import free_port
from meemaken_testkit.postgres import create_database

ROUND_TOPIC = "meemaken.proposals.round"  # the ballot topic: the round's steps
IDEA_TOPIC = "meemaken.proposals.proposal"
CALL = "bench-city-ideas"
GROUPS = ("proposals.admissibility", "proposals.tally", "gateway.queue.proposals")
SUBMITTED, ADMITTED = "org.meemaken.proposals.proposal.submitted.v1", "org.meemaken.proposals.proposal.admitted.v1"
RESULTS = "org.meemaken.proposals.round.results_published.v1"
VOTE_HOURS = 14 * 24
PATH = ("gateway_api", "proposals_api", "postgres")  # the parts a ballot goes through
log = logging.getLogger("city_vote")
IDEA = "A shaded playground with drinking water and benches near the {n}th school, open after school hours."


@dataclass
class Replica:
    """One unit of scale-out: a gateway (Granian API and worker) passing to its own proposals API and worker."""

    gateway: Deployed
    proposals: Deployed


@dataclass
class City:
    """What the passes drive and look at: the replicas, the voters' sessions, the databases, the cluster."""

    cluster: KafkaCluster
    round_id: str
    sessions: list[dict[str, str]]
    proposals_db: sa.Engine
    gateway_db: sa.Engine
    postmaster: int
    replicas: list[Replica] = field(default_factory=list)
    ideas: list[str] = field(default_factory=list)  # every idea the gateway accepted (201), by id
    failed_ideas: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def casts(self) -> list[Cast]:
        """Each session's ballot, through the gateway of its replica (sessions spread over the replicas)."""
        n = len(self.replicas)
        path = f"api/proposals/v1/rounds/{self.round_id}/ballot"
        return [(s, f"{self.replicas[i % n].gateway.url}/{path}") for i, s in enumerate(self.sessions)]

    def parts(self) -> dict[str, list[int]]:
        """The processes whose CPU is counted, by part."""
        return {
            "gateway_api": [r.gateway.processes[0].pid for r in self.replicas],
            "gateway_worker": [r.gateway.processes[1].pid for r in self.replicas],
            "proposals_api": [r.proposals.processes[0].pid for r in self.replicas],
            "proposals_worker": [r.proposals.processes[1].pid for r in self.replicas],
            "kafka": [pid for n in range(1, 4) if (pid := self.cluster.pid(n))],
            "postgres": [self.postmaster],
        }

    def cpu(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of each part's processes (a broker killed meanwhile drops out of the diff)."""
        found = {part: {pid: cpu_seconds(pid) for pid in pids} for part, pids in self.parts().items()}
        return found | {"client": {0: time.process_time()}}

    def submit_idea(self, n: int) -> str | None:
        """An idea through the gateway, as a session's browser sends it; its id, or None when refused."""
        i = n % len(self.sessions)
        gateway = self.replicas[i % len(self.replicas)].gateway.url
        tag = uuid.uuid4().hex[:12]  # each idea its own: a copy would be rejected, not admitted
        body = {"process_id": CALL, "title": f"Playground {tag}", "text": f"{IDEA.format(n=n)} ({tag})"}
        answer = requests.post(f"{gateway}/api/proposals/v1/proposals", json=body, headers=self.sessions[i], timeout=15)
        with self.lock:
            if answer.status_code != 201:
                self.failed_ideas += 1
                return None
            self.ideas.append(answer.json()["id"])
        return str(answer.json()["id"])

    def admitted(self, ids: list[str]) -> dict[str, float]:
        """Of these ideas, those admitted: id -> ms from its submitted event to its admitted one (outbox times)."""
        o = sa.table("outbox", sa.column("key"), sa.column("type"), sa.column("created_at"))
        query = sa.select(o.c.key, o.c.type, o.c.created_at).where(
            o.c.key.in_(ids), o.c.type.in_([SUBMITTED, ADMITTED])
        )
        seen: dict[str, dict[str, Any]] = {}
        with self.proposals_db.connect() as conn:
            for row in conn.execute(query):
                seen.setdefault(row.key, {})[row.type] = row.created_at
        return {
            key: (t[ADMITTED] - t[SUBMITTED]).total_seconds() * 1000
            for key, t in seen.items()
            if ADMITTED in t and SUBMITTED in t
        }


class Ideas:
    """Ideas submitted at a steady rate in a thread while the ballots go, until stopped."""

    def __init__(self, city: City, rate: float, start: int) -> None:
        self.city, self.rate, self.n = city, rate, start
        self.ids: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        began = time.monotonic()
        sent = 0
        while not self.stop.is_set():
            delay = began + sent / self.rate - time.monotonic()
            if delay > 0 and self.stop.wait(delay):
                break
            found = self.city.submit_idea(self.n)
            self.n += 1
            sent += 1
            if found:
                self.ids.append(found)

    def end(self) -> list[str]:
        self.stop.set()
        self.thread.join(timeout=30)
        return self.ids


class Lag:
    """The consumer groups' lag (events on their topics not yet committed), sampled each second in a thread."""

    def __init__(self, cluster: KafkaCluster) -> None:
        self.admin = KafkaAdminClient(**cluster.client_options(tls=False), request_timeout_ms=3000)
        self.samples: dict[str, list[int]] = {g: [] for g in GROUPS}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(1.0):
            try:
                self.sample()
            except Exception as exc:  # a broker just killed: this second goes unsampled
                log.debug("lag not sampled: %s", exc)

    def sample(self) -> None:
        read = self.admin.list_group_offsets(list(GROUPS))
        partitions = {tp for offsets in read.values() for tp in offsets}
        ends = self.admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.LATEST))
        for group, offsets in read.items():
            behind = sum(max(0, _offset(ends[tp]) - o.offset) for tp, o in offsets.items() if o.offset >= 0)
            self.samples[group].append(behind)

    def end(self) -> dict[str, float]:
        self.stop.set()
        self.thread.join(timeout=10)
        self.admin.close()
        found = {}
        for group, values in self.samples.items():
            name = group.replace("proposals.", "").replace("gateway.queue.", "queue_").replace(".", "_")
            found[f"lag_{name}_max"] = float(max(values, default=0))
            found[f"lag_{name}_median"] = float(statistics.median(values)) if values else 0.0
        return found


def _offset(value: Any) -> int:
    return int(getattr(value, "offset", value))


def one_pass(city: City, args: argparse.Namespace, during: Callable[[int, Tally], None] | None = None) -> Figures:
    """Ballots in `--seconds` of 1 s slices (closed loop) with ideas beside them; `during(slice, tally)` runs
    after each slice (the recovery pass kills a broker there). Figures of the ballots, the parts' CPU, the
    ideas' admission and the consumers' lag."""
    casts, tally = city.casts(), Tally()
    lag, ideas = Lag(city.cluster), Ideas(city, args.idea_rate, len(city.ideas) + 10_000 * len(city.replicas))
    cpu0, busy0, began = city.cpu(), cpu_times(), time.monotonic()
    per_slice = []
    for n in range(int(args.seconds)):
        before, took = len(tally.latencies), tally.elapsed
        closed_loop(casts, 1.0, args.clients, tally)  # a slice lasts 1 s and its requests' tail
        per_slice.append((len(tally.latencies) - before) / (tally.elapsed - took))
        if during:
            during(n, tally)
    cpu1, busy1, elapsed = city.cpu(), cpu_times(), time.monotonic() - began
    sent = ideas.end()
    admitted = wait_until(lambda: city.admitted(sent), lambda a: len(a) == len(sent), 120)
    figures = tally.figures() | lag.end()
    done = max(len(tally.latencies), 1)
    seconds = {part: sum(t - cpu0[part][p] for p, t in cpu1[part].items() if p in cpu0[part]) for part in cpu1}
    cpu = {part: s * 1000 / done for part, s in seconds.items()}
    figures |= {f"cpu_ms_{part}": ms for part, ms in cpu.items()}
    path = sum(cpu[part] for part in PATH)  # the ballot's own way: it touches no broker and no worker
    background = sum(seconds[part] for part in cpu if part not in (*PATH, "client")) / elapsed
    figures |= {
        "cpu_ms_path": path,
        "background_cores": background,  # the workers and brokers, busy whatever the ballots
        "cpu_bound_per_s": ((os.cpu_count() or 1) - background) * 1000 / (path + cpu["client"]),
        "per_core_per_s": 1000 / path,  # each more core's worth of ballots, the load generator elsewhere
        "machine_busy": (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1),
        "peak_hour_s": args.residents * args.peak_share / figures["per_s"],
        "slowest_slice_per_s": min(per_slice),
        "ideas": float(len(sent)),
        "idea_failures": float(city.failed_ideas),
        "admit_p50_ms": percentile(list(admitted.values()), 50),
        "admit_p99_ms": percentile(list(admitted.values()), 99),
    }
    figures["cpu_ratio_to_bound"] = figures["per_s"] / figures["cpu_bound_per_s"]
    return figures


def wait_until(fetch: Callable[[], Any], done: Callable[[Any], bool], timeout: float, interval: float = 0.2) -> Any:
    """What `fetch` returns once `done` says it is complete; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"not there after {timeout} s")
        time.sleep(interval)


def round_partition_leader(cluster: KafkaCluster) -> tuple[int, int]:
    """(partition, leader) of the ballot topic's partition holding the round's events (the only one written:
    the cluster is this benchmark's)."""
    admin = cluster.admin()
    try:
        partitions = [TopicPartition(ROUND_TOPIC, p) for p in range(12)]
        ends = admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.LATEST))
    finally:
        admin.close()
    [partition] = [tp.partition for tp, end in ends.items() if _offset(end) > 0]
    return partition, cluster.leader_of(ROUND_TOPIC, partition)


def recovery(city: City, args: argparse.Namespace) -> Figures:
    """One more pass with the replicas: the round's partition leader SIGKILLed a third of the way in; the
    probes' way through the cluster timed; the round closed with the broker still dead; then the audit."""
    partition, victim = round_partition_leader(city.cluster)
    found: Figures = {"killed_broker": victim, "round_partition": partition}
    kill_at = int(args.seconds) // 3

    def kill(n: int, tally: Tally) -> None:
        if n != kill_at:
            return
        city.cluster.kill(victim)
        killed = time.monotonic()
        probes = [p for k in range(args.probes) if (p := city.submit_idea(900_000 + k))]
        threading.Thread(target=timed, args=(probes, killed), daemon=True).start()

    def timed(probes: list[str], killed: float) -> None:
        wait_until(lambda: city.admitted(probes), lambda a: len(a) == len(probes), 120, 0.1)
        found["recovery_s"] = time.monotonic() - killed

    try:
        found |= one_pass(city, args, kill)
        wait_until(lambda: found, lambda f: "recovery_s" in f, 120)
        closing = time.monotonic()  # with the broker still dead
        r = requests.post(
            f"{city.replicas[0].proposals.url}/api/v1/rounds/{city.round_id}/close", headers=OFFICIAL, timeout=30
        )
        assert r.status_code == 200, r.text
        wait_until(lambda: published(city.proposals_db, RESULTS), bool, 180)
        found["results_s"] = time.monotonic() - closing
    finally:
        city.cluster.start_node(victim)
    city.cluster.wait_in_sync([ROUND_TOPIC, IDEA_TOPIC], timeout=180)
    return found | audit(city, args)


def published(engine: sa.Engine, event_type: str) -> bool:
    o = sa.table("outbox", sa.column("type"), sa.column("published_at"))
    query = sa.select(sa.func.count()).where(o.c.type == event_type, o.c.published_at.is_not(None))
    with engine.connect() as conn:
        return bool(conn.execute(query).scalar_one())


def audit(city: City, args: argparse.Namespace) -> Figures:
    """Nothing lost, nothing doubled: the box against the ballots accepted and the count; each idea's events
    against the consumers' inboxes (the gateway's queue read them through the cluster)."""
    results = requests.get(f"{city.replicas[0].proposals.url}/api/v1/rounds/{city.round_id}", timeout=30)
    counted = int(results.json()["results"]["voters"])
    in_box = box(city.proposals_db, city.round_id)
    with city.proposals_db.connect() as conn:
        rows = conn.execute(sa.text("SELECT key, type, event_id FROM outbox WHERE topic = :t"), {"t": IDEA_TOPIC})
        events = [(row.key, row.type, row.event_id) for row in rows]
        handled = set(
            conn.execute(sa.text("SELECT event_id FROM inbox WHERE consumer = 'proposals.admissibility'")).scalars()
        )
    kinds = Counter((key, kind) for key, kind, _ in events)
    ideas = set(city.ideas)
    ids = {event_id for _, _, event_id in events}

    admitted = {e for _, k, e in events if k == ADMITTED}  # what the officials' queue reads of them

    def queue_handled() -> set[str]:
        with city.gateway_db.connect() as conn:
            query = sa.text("SELECT event_id FROM inbox WHERE consumer = 'gateway.queue.proposals'")
            return set(conn.execute(query).scalars())

    try:
        queue = wait_until(queue_handled, lambda q: admitted <= q, 120)
    except TimeoutError:
        queue = queue_handled()
    expected_voters = args.residents  # the seeded ballots and every session's (each cast in the warm-up)
    return {
        "voters_expected": expected_voters,
        "ballots_in_box": in_box,
        "ballots_counted": counted,
        "ballots_lost_or_doubled": abs(counted - expected_voters) + abs(in_box - expected_voters),
        "ideas_accepted": len(ideas),
        "ideas_admitted_once": sum(kinds[(i, SUBMITTED)] == 1 and kinds[(i, ADMITTED)] == 1 for i in ideas),
        "idea_events": len(ids),
        "idea_events_unhandled_admissibility": len({e for _, k, e in events if k == SUBMITTED} - handled),
        "idea_events_unhandled_queue": len(admitted - queue),
    }


def box(engine: sa.Engine, round_id: str) -> int:
    """Ballots in the round's box (one per voter)."""
    with engine.connect() as conn:
        query = sa.text("SELECT count(*) FROM ballots WHERE round_id = CAST(:r AS uuid)")
        return int(conn.execute(query, {"r": round_id}).scalar_one())


def seed_ballots(engine: sa.Engine, round_id: str, count: int) -> float:
    """The ballots of `count` residents who voted before the peak hour, in the service's ballots table (two
    distinct projects each, every pair alike); seconds it took."""
    began = time.monotonic()
    statement = sa.text(
        """
        INSERT INTO ballots (round_id, voter_id, projects, points, paper, cast_at, replaced)
        SELECT CAST(:round AS uuid), gen_random_uuid(),
               json_build_array('p' || (1 + g % :n), 'p' || (1 + (g % :n + 1 + (g / :n) % (:n - 1)) % :n)),
               NULL, false, now() - interval '1 day' * (1 + g % 13), 0
        FROM generate_series(1, :count) AS g
        """
    )
    with engine.begin() as conn:
        conn.execute(statement, {"round": round_id, "count": count, "n": PROJECTS})
        conn.execute(sa.text("ANALYZE ballots"))
    return time.monotonic() - began


def postmaster_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        folder = conn.execute(sa.text("SHOW data_directory")).scalar_one()
    return int((Path(folder) / "postmaster.pid").read_text().split()[0])


def add_replica(city: City, args: argparse.Namespace, urls: dict[str, str], issuer: str, logs: Path, name: str) -> None:
    """Another gateway and proposals (API + worker each) on the same databases, groups and leases."""
    n = len(city.replicas) + 1
    folder = logs / name
    folder.mkdir(parents=True)
    # the nodes' own listener: SASL as `broker`, the cluster's one super user (no listener is PLAINTEXT)
    env = city.cluster.admin_env() | {"LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": "1"}
    env["PROPOSALS_THREADS"] = args.threads_per
    if args.quick:  # a few sessions take the whole load: the per-account limit would refuse most ballots
        env["MEEMAKEN_RATELIMIT_SUBMISSIONS"] = "1000000/minute"
    gateway_jwks = {"MEEMAKEN_JWKS_URL": f"{urls['jwks']}/.well-known/jwks.json"}
    proposals = deploy("proposals", urls["proposals"], city.cluster.bootstrap, folder, env | gateway_jwks)
    port = int(urls["jwks"].rsplit(":", 1)[1]) if n == 1 else free_port()
    public = f"http://127.0.0.1:{port}"
    try:
        gateway = deploy(
            "gateway",
            urls["gateway"],
            city.cluster.bootstrap,
            folder,
            env | gateway_env(issuer, public, proposals.url),
            port=port,
        )
    except Exception:
        proposals.stop()
        raise
    city.replicas.append(Replica(gateway, proposals))


def scale_out(city: City, args: argparse.Namespace, urls: dict[str, str], issuer: str, logs: Path) -> None:
    """A replica more; tried twice (under outside load a process can take longer than the 60 s it is given)."""
    try:
        add_replica(city, args, urls, issuer, logs, f"replica{len(city.replicas) + 1}")
    except RuntimeError as exc:
        log.warning("a replica did not start, trying again: %s", exc)
        add_replica(city, args, urls, issuer, logs, f"replica{len(city.replicas) + 1}-again")


def run(harness: Harness, args: argparse.Namespace) -> None:
    logs = Path(tempfile.mkdtemp(prefix="meemaken-city-vote-"))
    cluster = KafkaCluster()
    issuer, server = provider([f"resident-{i}" for i in range(args.sessions)])
    city: City | None = None
    try:
        started = time.monotonic()
        cluster.start()
        cluster_s = time.monotonic() - started
        urls = {
            "proposals": create_database(args.server_url, f"bench_city_proposals_{uuid.uuid4().hex[:8]}"),
            "gateway": create_database(args.server_url, f"bench_city_gateway_{uuid.uuid4().hex[:8]}"),
            "jwks": f"http://127.0.0.1:{free_port()}",  # the first gateway's address: proposals reads its keys
        }
        proposals_db, gateway_db = make_engine(urls["proposals"]), make_engine(urls["gateway"])
        city = City(cluster, "", [], proposals_db, gateway_db, postmaster_pid(proposals_db))
        scale_out(city, args, urls, issuer, logs)
        api = f"{city.replicas[0].proposals.url}/api/v1"
        city.round_id = open_round(api)
        open_call(city.replicas[0].proposals.url, CALL, "Ideas for the city")
        seeded_s = seed_ballots(proposals_db, city.round_id, args.residents - args.sessions)
        began = time.monotonic()
        gateway = city.replicas[0].gateway.url
        city.sessions = [log_in(gateway, f"resident-{i}") for i in range(args.sessions)]
        login_s = time.monotonic() - began
        for _ in range(3):  # every session has voted: the measured ballots replace theirs
            each_once(city.casts(), args.clients)
            if box(proposals_db, city.round_id) == args.residents:
                break
        assert box(proposals_db, city.round_id) == args.residents, "a session's first ballot was refused"
        setup = {"cluster_start_s": round(cluster_s, 1), "seed_s": round(seeded_s, 1), "login_s": round(login_s, 1)}
        peak = round(args.residents * args.peak_share)
        common = {
            "residents": args.residents,
            "sessions": args.sessions,
            "peak_hour_ballots": peak,
            "peak_hour_per_s": round(peak / 3600, 2),
            "vote_hours": VOTE_HOURS,
            "clients": args.clients,
            "setup": setup,
        }
        goal = "scaling 2/1 reported with CPU; recovery < 30 s, nothing lost"

        def warm() -> Figures:
            return one_pass(city, argparse.Namespace(**{**vars(args), "seconds": max(2, args.seconds // 3)}))

        one = harness.passes(lambda: one_pass(city, args), warm=warm)
        harness.emit(one, "per_s", "cpu_bound_per_s", goal, ratio="cpu_ratio_to_bound", case="1 replica", **common)
        scale_out(city, args, urls, issuer, logs)
        base = statistics.median(r["per_s"] for r in one)
        two = harness.passes(lambda: one_pass(city, args), warm=warm)
        for r in two:
            r["scaling_ratio"] = r["per_s"] / base
            r["one_replica_per_s"] = base
        harness.emit(two, "per_s", "one_replica_per_s", goal, ratio="scaling_ratio", case="2 replicas", **common)
        killed = recovery(city, args)
        harness.emit([killed], "recovery_s", None, "recovery < 30 s, nothing lost", case="broker kill", **common)
    finally:
        if city is not None:
            for replica in reversed(city.replicas):
                replica.gateway.stop()
                replica.proposals.stop()
        server.shutdown()
        cluster.destroy()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-url", required=True, help="a PostgreSQL server URL; databases are created on it")
    parser.add_argument("--residents", type=int, default=150_000, help="eligible residents (default 150,000)")
    parser.add_argument("--sessions", type=int, default=600, help="residents logged in through the code flow")
    parser.add_argument("--peak-share", type=float, default=0.02, help="the peak hour's share of the ballots")
    parser.add_argument("--seconds", type=int, default=20, help="seconds of ballots per pass")
    parser.add_argument("--clients", type=int, default=16, help="closed-loop client threads")
    parser.add_argument("--idea-rate", type=float, default=2.0, help="ideas submitted a second beside the ballots")
    parser.add_argument("--probes", type=int, default=12, help="ideas submitted right after the broker kill")
    parser.add_argument("--threads-per", default=THREADS, help="threads of each proposals API process")
    args = options(parser).parse_args()
    if args.quick:
        args.residents, args.sessions, args.seconds, args.clients, args.probes = 2_000, 20, 4, 4, 6
        args.peak_share = 0.05
    run(Harness.start("city_vote", args), args)


if __name__ == "__main__":
    urllib3.disable_warnings()
    main()
