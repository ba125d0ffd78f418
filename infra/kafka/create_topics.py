"""Create the declared topics on a broker; topics that exist already are left alone.

python infra/kafka/create_topics.py 127.0.0.1:9092 infra/kafka/topics.txt
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError


def declared(path: Path) -> list[tuple[str, int]]:
    topics = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, partitions = line.split()
            topics.append((name, int(partitions)))
    return topics


def configs(name: str) -> dict[str, str]:
    """A dead-letter topic keeps its records until they are replayed or discarded: no time limit."""
    return {"retention.ms": "-1"} if name.endswith(".dlq") else {}


def create_topics(bootstrap: str, topics: list[tuple[str, int]], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="meemaken-topics")
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(name, partitions, 1, topic_configs=configs(name))
            for name, partitions in topics
            if name not in existing
        ]
        if missing:
            try:
                admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
        _wait_until_usable(admin, dict(topics), deadline)
    finally:
        admin.close()


def _wait_until_usable(admin: KafkaAdminClient, partitions: dict[str, int], deadline: float) -> None:
    """Block until every topic shows all its partitions with a leader, so producers and consumers
    that assign partitions right after this returns find them."""
    while True:
        described = {t.get("name", t.get("topic")): t for t in admin.describe_topics(list(partitions))}
        pending = [
            name
            for name in partitions
            if name not in described
            or described[name]["error_code"] != 0
            or not described[name]["partitions"]
            or any(p.get("leader_id", p.get("leader", -1)) < 0 for p in described[name]["partitions"])
        ]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics not ready: {', '.join(pending)}")
        time.sleep(0.2)


if __name__ == "__main__":
    create_topics(sys.argv[1], declared(Path(sys.argv[2])))
    print(f"topics ready on {sys.argv[1]}")
