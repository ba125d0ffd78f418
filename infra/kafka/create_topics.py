"""Create the declared topics on a broker or cluster; topics that exist already are left alone.

python infra/kafka/create_topics.py 127.0.0.1:9092 infra/kafka/topics.txt [--acls]

With --acls it also grants every service's Kafka user what it needs and nothing more, for brokers with an
authorizer and allow.everyone.if.no.acl.found=false: WRITE on the topics of the event types it publishes (the
event catalogue: meemaken.<service>.<aggregate>), READ on the topics its consumer groups read and on those groups
(consumers.txt beside the topics file), WRITE and READ on its groups' dead-letter topics. The user of a service is
<SERVICE>_KAFKA_USERNAME, else the service's name. It adds ACLs, never removes one (kafka.md says how).
It also makes (or updates) the SCRAM credentials of every service's user whose password it is given:
<SERVICE>_KAFKA_PASSWORD_FILE (a mounted secret) or <SERVICE>_KAFKA_PASSWORD, never the repository; a user
that already signs in with that password is left alone, so a rerun changes nothing.

Environment (defaults: one broker, as the file says):
- KAFKA_REPLICATION_FACTOR: copies of each partition (1; a cluster: 3);
- KAFKA_MIN_INSYNC_REPLICAS: copies a write needs before it counts (2 from 3 copies, else 1);
- KAFKA_SCRAM_MECHANISM: the services' users' SCRAM-SHA-512 (default) or SCRAM-SHA-256 credentials;
- KAFKA_TOPIC_PARTITIONS: partitions of each event topic instead of the file's (dead-letter topics keep theirs:
  one partition, read in order); the most worker replicas a consumer group can keep busy;
- the brokers' TLS and SASL settings, as every client of the services reads them (meemaken_events.brokers).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Mapping
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
    ScramMechanism,
    UserScramCredentialUpsertion,
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


def user(service: str, env: Mapping[str, str]) -> str:
    """The service's Kafka user: <SERVICE>_KAFKA_USERNAME, else the service's name."""
    return env.get(f"{service.upper()}_KAFKA_USERNAME") or service


def acls(groups: dict[str, list[str]], env: Mapping[str, str]) -> list[ACL]:
    """The ACLs of every service's user, from any host."""
    rules = []
    for service, needs in sorted(access(groups).items()):
        principal = "User:" + user(service, env)
        grants = [(ResourceType.TOPIC, t, ACLOperation.WRITE) for t in needs["write"]]
        grants += [(ResourceType.TOPIC, t, ACLOperation.READ) for t in needs["read"]]
        grants += [(ResourceType.GROUP, g, ACLOperation.READ) for g in needs["groups"]]
        for kind, name, operation in sorted(grants):
            pattern = ResourcePattern(kind, name, ACLResourcePatternType.LITERAL)
            rules.append(ACL(principal, "*", operation, ACLPermissionType.ALLOW, pattern))
    return rules


def passwords(services: Iterable[str], env: Mapping[str, str]) -> dict[str, str]:
    """User -> password of every service given one (<SERVICE>_KAFKA_PASSWORD_FILE, else <SERVICE>_KAFKA_PASSWORD)."""
    found = {}
    for service in sorted(services):
        variable = f"{service.upper()}_KAFKA_PASSWORD"
        password = Path(env[f"{variable}_FILE"]).read_text().strip() if env.get(f"{variable}_FILE") else ""
        if password := password or env.get(variable, ""):
            found[user(service, env)] = password
    return found


def set_users(admin: KafkaAdminClient, users: dict[str, str], env: Mapping[str, str]) -> list[str]:
    """SCRAM credentials for each user that does not sign in with its password yet; the users set."""
    name = env.get("KAFKA_SCRAM_MECHANISM") or "SCRAM-SHA-512"
    mechanism = {"SCRAM-SHA-512": ScramMechanism.SCRAM_SHA_512, "SCRAM-SHA-256": ScramMechanism.SCRAM_SHA_256}[name]
    known = admin.describe_user_scram_credentials(list(users)) if users else {}
    made = {u for u, found in known.items() if any(c["mechanism"] == mechanism for c in found["credential_infos"])}
    stale = sorted(u for u, password in users.items() if u not in made or not signs_in(admin, u, password, name))
    if stale:
        upserts = [UserScramCredentialUpsertion(u, mechanism, users[u], iterations=8192) for u in stale]
        refused = {u: error for u, error in admin.alter_user_scram_credentials(upserts).items() if error}
        if refused:
            raise SystemExit(f"SCRAM credentials refused: {refused}")
    return stale


def signs_in(admin: KafkaAdminClient, name: str, password: str, mechanism: str) -> bool:
    """Do the brokers the admin reaches (by SASL) let `name` in with `password`?"""
    config = admin.config
    if not str(config["security_protocol"]).startswith("SASL_"):
        return False  # no way to ask: set the credentials
    reach = {k: v for k, v in config.items() if k.startswith("ssl_") or k in ("bootstrap_servers", "security_protocol")}
    login = {"sasl_mechanism": mechanism, "sasl_plain_username": name, "sasl_plain_password": password}
    try:
        timeouts = {"request_timeout_ms": 10000, "bootstrap_timeout_ms": 10000}  # a refused password: retried till then
        KafkaAdminClient(**reach, **login, **timeouts, client_id="meemaken-topics").close()
    except KafkaError:
        return False
    return True


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
) -> list[str]:
    """The topics that are missing, then (given the consumer groups) the services' SCRAM users whose passwords
    are given and their ACLs; the users whose credentials it set."""
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
        if groups is None:
            return []
        users = set_users(admin, passwords(access(groups), env), env)
        granted = admin.create_acls(acls(groups, env))
        if granted["failed"]:
            raise SystemExit(f"ACLs refused: {granted['failed']}")
        return users
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
    users = create_topics(sys.argv[1], declared(declared_file), groups=groups)
    print(f"topics ready on {sys.argv[1]}" + (", and every service's ACLs" if with_acls else ""))
    if with_acls:
        print("SCRAM credentials set: " + (", ".join(users) or "none (every given password signs in already)"))
