"""A consumer's dead-letter topic read back: its dead letters, their resolutions, the blocked keys.

The consumer loop reads it from the beginning when it starts, after every rebalance and before it
decides about a record of a blocked key, so that it parks exactly what waits behind an unresolved
dead letter. ``python -m <service> dead-letters`` reads it to list, show, replay and discard
(`dead_letters.py` has the rules).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError

from meemaken_events import dead_letters as dl
from meemaken_events.brokers import connection_options
from meemaken_events.settings import EventSettings


class NoDeadLetterTopic(KafkaError):  # type: ignore[misc]
    """The dead-letter topic is not there (topics are created explicitly, infra/kafka/topics.txt)."""


@dataclass
class DeadLetter:
    """One dead letter as the dead-letter topic holds it. `summary()` is what may be shown: where it
    came from and why, never the event's data."""

    origin: dl.Origin
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]  # the original record's headers, without the dlq_* ones
    position: tuple[int, int]  # (partition, offset) on the dead-letter topic
    consumer: str
    error: str
    time: str
    parked_behind: dl.Origin | None
    resolution: str | None = None
    reason: str | None = None
    resolved_at: str | None = None

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return bytes(v).decode(errors="replace")
        return None

    @property
    def state(self) -> str:
        if self.resolution:
            return self.resolution
        return f"parked behind {self.parked_behind}" if self.parked_behind else "poison"

    def summary(self) -> dict[str, Any]:
        return {
            "origin": str(self.origin),
            "key": self.key.decode(errors="replace") if self.key is not None else None,
            "type": self.header("ce_type"),
            "state": self.state,
            "error": self.error,
            "time": self.time,
        }


@dataclass
class _Fold:
    """The dead letters and resolutions read so far, in topic order."""

    queues: dl.KeyQueues
    keep: bool
    letters: dict[dl.Origin, DeadLetter] = field(default_factory=dict)

    def take(self, record: ConsumerRecord) -> None:
        headers = {k: bytes(v).decode(errors="replace") for k, v in record.headers or [] if k.startswith("dlq_")}
        if dl.RESOLVES in headers:
            origin = dl.Origin.parse(headers[dl.RESOLVES])
            self.queues.resolve(origin)
            letter = self.letters.get(origin)
            if letter is not None:
                letter.resolution = headers.get(dl.RESOLUTION, "resolved")
                letter.reason = headers.get(dl.REASON)
                letter.resolved_at = headers.get(dl.TIME)
            return
        if dl.ORIGINAL_TOPIC not in headers:
            return  # not a dead letter (nothing else should write here)
        topic, partition, offset = (headers[h] for h in (dl.ORIGINAL_TOPIC, dl.ORIGINAL_PARTITION, dl.ORIGINAL_OFFSET))
        origin = dl.Origin(topic, int(partition), int(offset))
        key = (origin.topic, bytes(record.key)) if record.key is not None else None
        self.queues.add(origin, key)
        if self.keep and origin not in self.letters:
            behind = headers.get(dl.PARKED_BEHIND)
            self.letters[origin] = DeadLetter(
                origin=origin,
                key=record.key,
                value=record.value,
                headers=[(k, v) for k, v in record.headers or [] if not k.startswith("dlq_")],
                position=(record.partition, record.offset),
                consumer=headers.get(dl.CONSUMER, ""),
                error=headers.get(dl.ERROR, ""),
                time=headers.get(dl.TIME) or _iso(record.timestamp / 1000),
                parked_behind=dl.Origin.parse(behind) if behind else None,
            )


class DeadLetterLog:
    """Reads a dead-letter topic into `queues` (and, with `keep`, the dead letters themselves)."""

    def __init__(
        self, brokers: EventSettings, topic: str, queues: dl.KeyQueues | None = None, keep: bool = False
    ) -> None:
        self.topic = topic
        self._fold = _Fold(queues if queues is not None else dl.KeyQueues(), keep)
        self._consumer = KafkaConsumer(
            **connection_options(brokers),
            client_id=f"{topic}-reader",
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=brokers.consumer_fetch_max_wait_ms,  # as its consumer's: read before it decides
        )
        partitions = self._consumer.partitions_for_topic(topic)
        if not partitions:
            self._consumer.close()
            raise NoDeadLetterTopic(f"dead-letter topic {topic} has no partitions (is it created?)")
        self._partitions = [TopicPartition(topic, p) for p in sorted(partitions)]
        self._consumer.assign(self._partitions)
        self._consumer.seek_to_beginning(*self._partitions)

    @property
    def queues(self) -> dl.KeyQueues:
        return self._fold.queues

    @property
    def letters(self) -> list[DeadLetter]:
        return list(self._fold.letters.values())

    def catch_up(self, timeout: float = 30.0) -> None:
        """Read up to the end the topic has now: what was written before this call is known after it."""
        end = self._consumer.end_offsets(self._partitions)
        deadline = time.monotonic() + timeout
        while any(self._consumer.position(tp) < end[tp] for tp in self._partitions):
            if time.monotonic() > deadline:
                raise KafkaError(f"dead-letter topic {self.topic} not read to its end within {timeout:g} s")
            for batch in self._consumer.poll(timeout_ms=200).values():
                for record in batch:
                    self._fold.take(record)

    def close(self) -> None:
        self._consumer.close(autocommit=False)


def dead_letter_headers(
    record: ConsumerRecord, consumer: str, error: str, behind: dl.Origin | None
) -> list[tuple[str, bytes]]:
    headers = [(k, v) for k, v in (record.headers or []) if not k.startswith("dlq_")] + [
        (dl.ORIGINAL_TOPIC, record.topic.encode()),
        (dl.ORIGINAL_PARTITION, str(record.partition).encode()),
        (dl.ORIGINAL_OFFSET, str(record.offset).encode()),
        (dl.CONSUMER, consumer.encode()),
        (dl.ERROR, error[:1000].encode()),
        (dl.TIME, now_iso().encode()),
    ]
    if behind is not None:
        headers.append((dl.PARKED_BEHIND, str(behind).encode()))
    return headers


def write_resolution(producer: KafkaProducer, topic: str, letter: DeadLetter, resolution: str, reason: str) -> None:
    """Close one dead letter on its topic (same key, so it follows the dead letter in its partition)."""
    if resolution not in dl.RESOLUTIONS:
        raise ValueError(f"a resolution is one of {', '.join(dl.RESOLUTIONS)}")
    headers = [
        (dl.RESOLVES, str(letter.origin).encode()),
        (dl.RESOLUTION, resolution.encode()),
        (dl.REASON, reason[:1000].encode()),
        (dl.TIME, now_iso().encode()),
    ]
    producer.send(topic, key=letter.key, value=b"", headers=headers).get(timeout=30)
    letter.resolution, letter.reason, letter.resolved_at = resolution, reason, headers[-1][1].decode()


def now_iso() -> str:
    return _iso(time.time())


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
