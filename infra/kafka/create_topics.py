"""Create the declared topics on a broker or cluster; topics that exist already are left alone.

python infra/kafka/create_topics.py 127.0.0.1:9092 infra/kafka/topics.txt [--acls]

With --acls it also grants every service's Kafka user what it needs and nothing more, for brokers with an
authorizer and allow.everyone.if.no.acl.found=false: WRITE on the topics of the event types it publishes (the
event catalogue: meemaken.<service>.<aggregate>), READ on the topics its consumer groups read and on those groups
(consumers.txt beside the topics file), WRITE and READ on its groups' dead-letter topics. The user of a service is
<SERVICE>_KAFKA_USERNAME, else the service's name. It adds ACLs, never removes one (kafka.md says how).

Environment (defaults: one broker, as the file says):
- KAFKA_REPLICATION_FACTOR: copies of each partition (1; a cluster: 3);
- KAFKA_MIN_INSYNC_REPLICAS: copies a write needs before it counts (2 from 3 copies, else 1);
- KAFKA_TOPIC_PARTITIONS: partitions of each event topic instead of the file's (dead-letter topics keep theirs:
  one partition, read in order); the most worker replicas a consumer group can keep busy;
- the brokers' TLS and SASL settings, as every client of the services reads them (meemaken_events.brokers).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    NewTopic,
    ResourcePattern,
    ResourceType,
)
from kafka.errors import KafkaError, TopicAlreadyExistsError

from meemaken_events import catalogue
from meemaken_events.brokers import connection_options
from meemaken_events.settings import EventSettings


def declared(path: Path) -> list[tuple[str, int]]:
    topics = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, partitions = line.split()
            topics.append((name, int(partitions)))
    return topics


def consumers(path: Path) -> dict[str, list[str]]:
    """Consumer group -> the topics it reads (consumers.txt: `<group> <topic>...`, `#` comments)."""
    groups = {}
    for line in path.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            groups[words[0]] = words[1:]
    return groups


def access(groups: dict[str, list[str]]) -> dict[str, dict[str, set[str]]]:
    """Per service: the topics it writes ("write"), the topics it reads ("read") and its groups ("groups")."""
    services: dict[str, dict[str, set[str]]] = {}

    def of(service: str) -> dict[str, set[str]]:
        return services.setdefault(service, {"write": set(), "read": set(), "groups": set()})

    for topic in catalogue().topics():  # meemaken.<service>.<aggregate>: its owner publishes the events
        of(topic.split(".")[1])["write"].add(topic)
    for group, topics in groups.items():
        mine, dead_letters = of(group.split(".")[0]), f"meemaken.{group}.dlq"
        mine["groups"].add(group)
        mine["read"] |= {*topics, dead_letters}
        mine["write"].add(dead_letters)
    return services


def acls(groups: dict[str, list[str]], env: Mapping[str, str]) -> list[ACL]:
    """The ACLs of every service's user (<SERVICE>_KAFKA_USERNAME, else the service's name), from any host."""
    rules = []
    for service, needs in sorted(access(groups).items()):
        principal = "User:" + (env.get(f"{service.upper()}_KAFKA_USERNAME") or service)
        grants = [(ResourceType.TOPIC, t, ACLOperation.WRITE) for t in needs["write"]]
        grants += [(ResourceType.TOPIC, t, ACLOperation.READ) for t in needs["read"]]
        grants += [(ResourceType.GROUP, g, ACLOperation.READ) for g in needs["groups"]]
        for kind, name, operation in sorted(grants):
            pattern = ResourcePattern(kind, name, ACLResourcePatternType.LITERAL)
            rules.append(ACL(principal, "*", operation, ACLPermissionType.ALLOW, pattern))
    return rules


def replication(env: Mapping[str, str]) -> tuple[int, int]:
    """(replication factor, min.insync.replicas) from the environment."""
    factor = int(env.get("KAFKA_REPLICATION_FACTOR") or 1)
    in_sync = int(env.get("KAFKA_MIN_INSYNC_REPLICAS") or (2 if factor >= 3 else 1))
    if factor < 1 or not 1 <= in_sync <= factor:
        raise SystemExit(f"replication factor {factor} with min.insync.replicas {in_sync}: need 1 <= min <= factor")
    return factor, in_sync


def sized(topics: list[tuple[str, int]], env: Mapping[str, str]) -> list[tuple[str, int]]:
    """Every event topic with KAFKA_TOPIC_PARTITIONS partitions when set; dead-letter topics as declared."""
    partitions = int(env.get("KAFKA_TOPIC_PARTITIONS") or 0)
    return [(name, partitions if partitions and not name.endswith(".dlq") else n) for name, n in topics]


def configs(name: str, in_sync: int = 1) -> dict[str, str]:
    """A dead-letter topic keeps its records until they are replayed or discarded: no time limit."""
    config = {"min.insync.replicas": str(in_sync)}
    return config | {"retention.ms": "-1"} if name.endswith(".dlq") else config


def create_topics(
    bootstrap: str,
    topics: list[tuple[str, int]],
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    groups: dict[str, list[str]] | None = None,
) -> None:
    """The topics that are missing, then (given the consumer groups) the services' ACLs."""
    env = os.environ if env is None else env
    factor, in_sync = replication(env)
    topics = sized(topics, env)
    deadline = time.monotonic() + timeout
    while True:
        try:
            brokers = EventSettings.from_env("create-topics", {**env, "KAFKA_BOOTSTRAP_SERVERS": bootstrap})
            admin = KafkaAdminClient(**connection_options(brokers), client_id="meemaken-topics")
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(name, partitions, factor, topic_configs=configs(name, in_sync))
            for name, partitions in topics
            if name not in existing
        ]
        if missing:
            try:
                admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
        _wait_until_usable(admin, dict(topics), deadline)
        if groups is not None:
            granted = admin.create_acls(acls(groups, env))
            if granted["failed"]:
                raise SystemExit(f"ACLs refused: {granted['failed']}")
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
    declared_file = Path(sys.argv[2])
    with_acls = "--acls" in sys.argv[3:]
    groups = consumers(declared_file.with_name("consumers.txt")) if with_acls else None
    create_topics(sys.argv[1], declared(declared_file), groups=groups)
    print(f"topics ready on {sys.argv[1]}" + (", and every service's ACLs" if with_acls else ""))
