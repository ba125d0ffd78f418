"""Shared helpers of the cross-service tests: read topics, wait for conditions, run workers."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from meemaken_testkit.deployed import service_process
from meemaken_testkit.kafka import group_at_end
from meemaken_testkit.waiting import scaled, wait_for

ROOT = Path(__file__).resolve().parents[1]


def read_topic(bootstrap: str, topic: str, until: Callable[[list[Any]], bool], timeout: float = 30.0) -> list[Any]:
    """Every record of a topic from the beginning, read until `until(records)` holds or time runs out."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False)
    records: list[Any] = []
    deadline = time.monotonic() + scaled(timeout)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        consumer.seek_to_beginning()
        while time.monotonic() < deadline and not until(records):
            for batch in consumer.poll(timeout_ms=300).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


def headers_of(record: Any) -> dict[str, bytes]:
    return dict(record.headers or [])


def produce(bootstrap: str, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all")
    producer.send(topic, key=key, value=value, headers=headers).get(timeout=30)
    producer.close()


def start_after_earlier_tests(bootstrap: str, group: str, topic: str) -> None:
    """Commit `group`'s offsets at the end of `topic`, as a deployment that has handled all before: the
    session's broker is shared, and records other tests left there name aggregates in their own databases
    (to this test's service: poison, each handled alone and dead-lettered). Call it while no member of
    `group` runs and before this test publishes."""
    group_at_end(bootstrap, group, topic)


__all__ = [
    "ROOT",
    "headers_of",
    "produce",
    "read_topic",
    "scaled",
    "service_process",
    "start_after_earlier_tests",
    "wait_for",
]
