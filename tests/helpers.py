"""Shared helpers of the cross-service tests: read topics, wait for conditions, run workers."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from meemaken_testkit.deployed import service_process

ROOT = Path(__file__).resolve().parents[1]


def read_topic(bootstrap: str, topic: str, until: Callable[[list[Any]], bool], timeout: float = 30.0) -> list[Any]:
    """Every record of a topic from the beginning, read until `until(records)` holds or time runs out."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False)
    records: list[Any] = []
    deadline = time.monotonic() + timeout
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


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


__all__ = ["ROOT", "headers_of", "produce", "read_topic", "service_process", "wait_for"]
