"""A throwaway Kafka broker started by infra/kafka/kafka.sh, which tests may stop, kill and restart.

The broker keeps its data folder and its ports for its whole life, so a test can stop (or kill) it
and start it again and find every record it had. It is stopped and its folder removed by
``destroy()``, at interpreter exit, or by a reaper process if the tests die without cleaning up.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from meemaken_testkit import reaper
from meemaken_testkit.ports import free_port
from meemaken_testkit.waiting import scaled

ROOT = Path(__file__).resolve().parents[4]
KAFKA_SH = ROOT / "infra" / "kafka" / "kafka.sh"
CREATE_TOPICS = ROOT / "infra" / "kafka" / "create_topics.py"
TOPICS_FILE = ROOT / "infra" / "kafka" / "topics.txt"


class LocalKafka(reaper.LocalServer):
    def __init__(self) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="meemaken-kafka-"))
        self.port = free_port()
        self.controller_port = free_port(avoid=(self.port,))
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._reaper: subprocess.Popen[bytes] | None = reaper.spawn(
            str(self.data_dir), ["bash", str(KAFKA_SH), "stop"], env=self._env()
        )
        atexit.register(self.destroy)

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
        env.update(
            KAFKA_DATA_DIR=str(self.data_dir),
            KAFKA_PORT=str(self.port),
            KAFKA_CONTROLLER_PORT=str(self.controller_port),
            KAFKA_HEAP=os.environ.get("KAFKA_HEAP", "512m"),
            # C1 only and the serial collector, as the cluster's nodes: the broker up in about 60 % of the time
            KAFKA_JVM_OPTS=os.environ.get("KAFKA_TEST_JVM_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"),
            PYTHON=sys.executable,
        )
        return env

    def _run(self, *commands: str) -> None:
        for command in commands:
            subprocess.run(["bash", str(KAFKA_SH), command], env=self._env(), check=True)

    def start(self) -> LocalKafka:
        """Start (or start again, on the same data and ports) and wait until it serves metadata."""
        self._run("start", "wait")
        return self

    def stop(self) -> None:
        """Clean shutdown (SIGTERM; SIGKILL after 30 s)."""
        self._run("stop")

    def discard(self) -> None:
        """Killed: a clean stop of a broker whose data goes next costs seconds of controlled shutdown."""
        self.kill()

    def kill(self) -> None:
        """SIGKILL, as a crash would; returns once the process is gone."""
        kill_broker(self.pid, self.data_dir / "kafka.pid")

    @property
    def pid(self) -> int | None:
        try:
            return int((self.data_dir / "kafka.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def create_topics(self, topics: list[tuple[str, int]]) -> None:
        create_topics(self.bootstrap, topics)

    @property
    def folder(self) -> Path:
        return self.data_dir


def kill_broker(pid: int | None, pid_file: Path) -> None:
    """SIGKILL the broker (or a cluster's node) `pid_file` names, as a crash would; returns once the process is
    gone (at most 10 s, times MEEMAKEN_TEST_TIME_FACTOR) and its pid file with it."""
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + scaled(10)
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    pid_file.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def create_topics(bootstrap: str, topics: list[tuple[str, int]]) -> None:
    """Create topics (name, partitions) with the same script ops use for the declared ones; topics
    that exist are left alone. Returns once every partition has a leader."""
    listing = "\n".join(f"{name} {partitions}" for name, partitions in topics) + "\n"
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(listing)
    try:
        done = subprocess.run(
            [sys.executable, str(CREATE_TOPICS), bootstrap, handle.name], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"creating topics on {bootstrap} failed:\n{done.stderr[-3000:]}")
    finally:
        os.unlink(handle.name)


def group_at_end(bootstrap: str, group: str, topic: str) -> None:
    """Commit `group`'s offsets at the end of `topic`, as a deployment that has handled all before (call it while
    no member of `group` runs): it reads only what is published after, not what other tests or passes left."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=group, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in ends.items()})
    finally:
        consumer.close(autocommit=False)


def declared_topics() -> list[tuple[str, int]]:
    topics = []
    for line in TOPICS_FILE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, partitions = line.split()
            topics.append((name, int(partitions)))
    return topics


def wait_for_broker(bootstrap: str, timeout: float = 90.0) -> None:
    """Until the broker at `bootstrap` answers a metadata request (for brokers not started here), at most
    `timeout` seconds times MEEMAKEN_TEST_TIME_FACTOR."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    deadline = time.monotonic() + scaled(timeout)
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=3000)
            try:
                admin.list_topics()
                return
            finally:
                admin.close()
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
