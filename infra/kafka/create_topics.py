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
        missing = [NewTopic(name, partitions, 1) for name, partitions in topics if name not in existing]
        if missing:
            try:
                admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()


if __name__ == "__main__":
    create_topics(sys.argv[1], declared(Path(sys.argv[2])))
    print(f"topics ready on {sys.argv[1]}")
