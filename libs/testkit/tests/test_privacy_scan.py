"""The session's privacy scan reads every record of the broker, to the last one, headers and values."""

from __future__ import annotations

import pytest
from kafka import KafkaProducer

from meemaken_testkit.plugin import unique_topic
from meemaken_testkit.privacy import PrivacyScan

pytestmark = pytest.mark.kafka


class Seen(PrivacyScan):
    """A scan that keeps what it read of each topic."""

    def __init__(self) -> None:
        super().__init__()
        self.read: dict[str, list[str]] = {}

    def check(self, where: str, text: str, kind: str) -> None:
        super().check(where, text, kind)
        self.read.setdefault(where, []).append(text)


def test_the_scan_reads_every_record_of_every_partition_to_the_end(kafka_bootstrap, make_topics):
    topic, empty = make_topics(unique_topic("privacy"), unique_topic("privacy-empty"), partitions=3)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    for n in range(300):
        producer.send(topic, value=f"ballot {n}".encode(), headers=[("kind", b"ballot")], partition=n % 3)
    producer.flush()
    producer.close()

    scan = Seen()
    scan.check_kafka(kafka_bootstrap)

    assert sorted(scan.read[f"topic {topic}"]) == sorted(f"kind=ballot ballot {n}" for n in range(300))
    assert f"topic {empty}" not in scan.read
    assert scan.findings == []
