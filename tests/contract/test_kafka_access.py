"""infra/kafka/consumers.txt is what the services' workers subscribe to, and the ACLs `create_topics.py --acls`
derives from it and the event catalogue give each service its own topics and groups, and no other's."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from meemaken_events import ConsumerLoop, catalogue
from meemaken_kit import Settings, make_engine

ROOT = Path(__file__).resolve().parents[2]
KAFKA = ROOT / "infra" / "kafka"
SERVICES = ("gateway", "proposals", "challenges", "panels", "notifications")


def create_topics() -> Any:
    spec = importlib.util.spec_from_file_location("create_topics", KAFKA / "create_topics.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def subscribed() -> dict[str, list[str]]:
    """Every consumer group of every service's worker, with its topics, as the worker builds them."""
    groups = {}
    for name in SERVICES:
        service = importlib.import_module(f"{name}.bootstrap").SERVICE
        settings = Settings.from_env(name, {"DATABASE_URL": "sqlite://"})
        for loop in service.loops(settings, make_engine("sqlite://")):
            if isinstance(loop, ConsumerLoop):
                groups[loop.name] = sorted(loop.topics)
    return groups


def test_the_declared_consumer_groups_are_those_the_workers_subscribe_with_on_declared_topics() -> None:
    module = create_topics()
    declared = {group: sorted(topics) for group, topics in module.consumers(KAFKA / "consumers.txt").items()}
    assert declared == subscribed()
    topics = {name for name, _ in module.declared(KAFKA / "topics.txt")}
    for group, read in declared.items():
        assert set(read) <= topics and f"meemaken.{group}.dlq" in topics, group
    assert catalogue().topics() <= topics


def test_each_service_may_write_only_its_own_topics_and_read_what_its_groups_consume() -> None:
    module = create_topics()
    groups = module.consumers(KAFKA / "consumers.txt")
    rules = module.acls(groups, {"PROPOSALS_KAFKA_USERNAME": "svc-proposals"})
    granted = {
        (a.principal, a.operation.name, a.resource_pattern.resource_type.name, a.resource_pattern.resource_name)
        for a in rules
    }
    for acl in rules:
        assert (acl.host, acl.permission_type.name, acl.resource_pattern.pattern_type.name) == ("*", "ALLOW", "LITERAL")
    writes = {(p, name) for p, op, kind, name in granted if op == "WRITE"}
    for principal, topic in writes:
        owner = principal.removeprefix("User:").removeprefix("svc-")
        assert topic.startswith(f"meemaken.{owner}."), f"{principal} writes {topic}"
    assert ("User:svc-proposals", "meemaken.proposals.proposal") in writes, "its user is <SERVICE>_KAFKA_USERNAME"
    assert ("User:challenges", "meemaken.challenges.challenge") in writes
    assert not [w for w in writes if w[1] == "meemaken.challenges.challenge" and w[0] != "User:challenges"]
    reads = {(p, kind, name) for p, op, kind, name in granted if op == "READ"}
    assert ("User:notifications", "GROUP", "notifications.proposals") in reads
    assert ("User:notifications", "TOPIC", "meemaken.proposals.round") in reads
    assert ("User:panels", "TOPIC", "meemaken.challenges.challenge") in reads  # its referrals consumer
    assert ("User:panels", "GROUP", "notifications.panels") not in reads
    assert not [r for r in reads if r[0] == "User:svc-proposals" and "challenges" in r[2]]
