"""A throwaway Kafka broker started by infra/kafka/kafka.sh, which tests may stop, kill and restart."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from meemaken_testkit.ports import free_port

ROOT = Path(__file__).resolve().parents[4]
KAFKA_SH = ROOT / "infra" / "kafka" / "kafka.sh"
CREATE_TOPICS = ROOT / "infra" / "kafka" / "create_topics.py"
TOPICS_FILE = ROOT / "infra" / "kafka" / "topics.txt"


class LocalKafka:
    def __init__(self) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="meemaken-kafka-"))
        self.port, self.controller_port = free_port(), free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
        env.update(
            KAFKA_DATA_DIR=str(self.data_dir),
            KAFKA_PORT=str(self.port),
            KAFKA_CONTROLLER_PORT=str(self.controller_port),
            KAFKA_HEAP=os.environ.get("KAFKA_HEAP", "512m"),
            PYTHON=sys.executable,
        )
        return env

    def _run(self, *commands: str) -> None:
        for command in commands:
            subprocess.run(["bash", str(KAFKA_SH), command], env=self._env(), check=True)

    def start(self) -> LocalKafka:
        self._run("start", "wait")
        return self

    def stop(self) -> None:
        self._run("stop")

    def kill(self) -> None:
        pid_file = self.data_dir / "kafka.pid"
        if pid_file.exists():
            subprocess.run(["kill", "-KILL", pid_file.read_text().strip()], check=False)
            pid_file.unlink()

    def create_topics(self, topics: list[tuple[str, int]]) -> None:
        create_topics(self.bootstrap, topics)

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def create_topics(bootstrap: str, topics: list[tuple[str, int]]) -> None:
    """Create topics (name, partitions) with the same script ops use for the declared ones."""
    listing = "\n".join(f"{name} {partitions}" for name, partitions in topics) + "\n"
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(listing)
    try:
        subprocess.run([sys.executable, str(CREATE_TOPICS), bootstrap, handle.name], check=True, capture_output=True)
    finally:
        os.unlink(handle.name)


def declared_topics() -> list[tuple[str, int]]:
    topics = []
    for line in TOPICS_FILE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, partitions = line.split()
            topics.append((name, int(partitions)))
    return topics
