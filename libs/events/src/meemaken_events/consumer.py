"""The consumer loop: one poll, one database transaction, then the offset commit.

For each polled batch:

1. every record is decoded against the catalogue and handled in one transaction, together
   with the batch's inbox rows (an event handled before is skipped);
2. a record that cannot be decoded, or whose handler raised, is poison: the batch is redone
   with one savepoint per record so that only the poison is rolled back and, once the
   transaction committed, it is copied to the consumer's dead-letter topic with its origin
   (topic, partition, offset), the error and the consumer's name in headers;
3. a transient failure (database gone, lock timeout, TransientError) rolls the whole batch
   back, waits with bounded exponential backoff and reads the same records again: nothing is
   skipped;
4. offsets are committed only after the transaction and the dead-letter sends succeeded.

A crash anywhere redelivers at most the last batch, which the inbox makes harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from meemaken_events.catalogue import Catalogue, catalogue
from meemaken_events.correlation import correlated
from meemaken_events.envelope import Envelope, from_kafka
from meemaken_events.errors import PoisonMessage, TransientError
from meemaken_events.inbox import Inbox, retention_from_env
from meemaken_events.metrics import CONSUMED, HANDLE_SECONDS
from meemaken_events.relay import producer_config

log = logging.getLogger("meemaken.consumer")

Handler = Callable[[sa.Connection, Envelope], None]
TRANSIENT = (TransientError, sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


def dead_letter_topic(consumer: str) -> str:
    return f"meemaken.{consumer}.dlq"


@dataclass(frozen=True)
class Poison:
    record: ConsumerRecord
    error: str


class Backoff:
    """Bounded exponential backoff: 0.1 s doubling up to a ceiling, reset on success."""

    def __init__(self, first: float = 0.1, ceiling: float = 10.0) -> None:
        self.first, self.ceiling, self.next = first, ceiling, first

    def delay(self) -> float:
        current = self.next
        self.next = min(self.next * 2, self.ceiling)
        return current

    def reset(self) -> None:
        self.next = self.first


class ConsumerLoop:
    def __init__(
        self,
        name: str,
        topics: list[str],
        handlers: Mapping[str, Handler],
        engine: sa.Engine,
        inbox_table: sa.Table,
        bootstrap_servers: str,
        events: Catalogue | None = None,
        max_records: int = 500,
        consumer_options: Mapping[str, Any] | None = None,
        inbox_retention: timedelta | None = None,
    ) -> None:
        self.name, self.topics, self.handlers = name, topics, dict(handlers)
        self.engine, self.inbox = engine, Inbox(inbox_table, name)
        self.inbox_retention = inbox_retention or retention_from_env()
        self._next_prune = 0.0
        self.events = events or catalogue()
        self.max_records = max_records
        self.dead_letter_topic = dead_letter_topic(name)
        self.backoff = Backoff()
        self._stop = threading.Event()
        self._bootstrap = bootstrap_servers
        self._options = dict(consumer_options or {})
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _connect(self) -> KafkaConsumer:
        options: dict[str, Any] = {
            "bootstrap_servers": self._bootstrap.split(","),
            "group_id": self.name,
            "client_id": self.name,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "max_poll_records": self.max_records,
            "session_timeout_ms": 10_000,
            "heartbeat_interval_ms": 2_000,
            "fetch_max_wait_ms": 100,
            "reconnect_backoff_max_ms": 2_000,
        }
        options.update(self._options)
        consumer = KafkaConsumer(**options)
        for topic in self.topics:  # know every partition before the first join, or the assignor skips them
            if not consumer.partitions_for_topic(topic):
                consumer.close()
                raise KafkaError(f"topic {topic} has no partitions (is it created?)")
        consumer.subscribe(self.topics)
        return consumer

    def run(self) -> None:
        """Consume until stop(); the consumer leaves its group cleanly on the way out."""
        while not self._stop.is_set():
            try:
                if self._consumer is None:
                    self._consumer = self._connect()
                self.run_once(timeout_ms=200)
                if time.monotonic() >= self._next_prune:
                    self.prune_inbox()
                    self._next_prune = time.monotonic() + 600
            except KafkaError as exc:
                wait = self.backoff.delay()
                log.warning("consumer %s: broker trouble (%s), retrying in %.1fs", self.name, exc, wait)
                self._stop.wait(wait)
        self.close()

    def prune_inbox(self) -> int:
        """Forget handled events older than the inbox retention (a database hiccup waits for the next time)."""
        try:
            with self.engine.begin() as conn:
                gone = self.inbox.prune(conn, self.inbox_retention)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            log.warning("consumer %s: inbox not pruned (%s); next time", self.name, type(exc).__name__)
            return 0
        if gone:
            log.info("consumer %s: forgot %d handled events older than the inbox retention", self.name, gone)
        return gone

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close(autocommit=False)
            self._consumer = None
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

    def run_once(self, timeout_ms: int = 200) -> int:
        """Poll and process one batch; return the number of records processed."""
        if self._consumer is None:
            self._consumer = self._connect()
        consumer = self._consumer
        polled = consumer.poll(timeout_ms=timeout_ms, max_records=self.max_records)
        records = [record for batch in polled.values() for record in batch]
        if not records:
            return 0
        try:
            with HANDLE_SECONDS.labels(self.name).time():
                poison = self._handle(records)
            self._dead_letter(poison)
        except (*TRANSIENT, KafkaError) as exc:
            self._rewind(consumer, records)
            wait = self.backoff.delay()
            log.warning(
                "consumer %s: transient failure (%s: %s); batch rolled back, retrying in %.1fs",
                self.name,
                type(exc).__name__,
                exc,
                wait,
            )
            CONSUMED.labels(self.name, "retried").inc(len(records))
            self._stop.wait(wait)
            return 0
        try:
            consumer.commit(self._next_offsets(records))
        except KafkaError as exc:
            # The group rebalanced (or the coordinator moved) between the poll and the commit: the batch
            # is handled and in the inbox; whoever owns these partitions now gets them again and skips them.
            log.warning(
                "consumer %s: offset commit failed (%s); the batch will be redelivered and skipped",
                self.name,
                type(exc).__name__,
            )
        self.backoff.reset()
        return len(records)

    def _handle(self, records: list[ConsumerRecord]) -> list[Poison]:
        """Fast path: the whole batch in one transaction, inbox rows in one statement. If any
        handler fails, that transaction is rolled back and the batch is redone record by record
        in savepoints, so only the failing records become poison."""
        poison: list[Poison] = []
        work: list[tuple[ConsumerRecord, Envelope, Handler]] = []
        for record in records:
            declared = _declared_type(record)
            if declared in self.events and declared not in self.handlers:  # a known event, not ours: skipped unread
                CONSUMED.labels(self.name, "ignored").inc()
                continue
            try:
                envelope = from_kafka(record.key, record.value, record.headers or [], self.events)
            except PoisonMessage as exc:
                poison.append(Poison(record, f"{type(exc).__name__}: {exc}"))
                continue
            handler = self.handlers.get(envelope.type)
            if handler is None:
                CONSUMED.labels(self.name, "ignored").inc()
                continue
            work.append((record, envelope, handler))
        try:
            self._handle_batch(work)
        except TRANSIENT:
            raise
        except Exception:
            log.warning("consumer %s: a handler failed; redoing the batch one event at a time", self.name)
            poison += self._handle_one_by_one(work)
        return sorted(poison, key=lambda p: (p.record.partition, p.record.offset))

    def _handle_batch(self, work: list[tuple[ConsumerRecord, Envelope, Handler]]) -> None:
        with self.engine.begin() as conn:
            fresh = self.inbox.first_deliveries(conn, [envelope for _, envelope, _ in work])
            for _record, envelope, handler in work:
                if (envelope.source, envelope.id) not in fresh:
                    CONSUMED.labels(self.name, "duplicate").inc()
                    continue
                fresh.discard((envelope.source, envelope.id))  # the same event twice in one batch
                with correlated(envelope.correlation_id):
                    handler(conn, envelope)
                CONSUMED.labels(self.name, "handled").inc()

    def _handle_one_by_one(self, work: list[tuple[ConsumerRecord, Envelope, Handler]]) -> list[Poison]:
        poison: list[Poison] = []
        with self.engine.begin() as conn:
            for record, envelope, handler in work:
                savepoint = conn.begin_nested()
                try:
                    with correlated(envelope.correlation_id):
                        if self.inbox.first_delivery(conn, envelope):
                            handler(conn, envelope)
                            CONSUMED.labels(self.name, "handled").inc()
                        else:
                            CONSUMED.labels(self.name, "duplicate").inc()
                    savepoint.commit()
                except TRANSIENT:
                    raise
                except Exception as exc:  # any other failure of this one event makes it poison
                    savepoint.rollback()
                    log.error(
                        "consumer %s: event %s (%s) at %s[%d]@%d is poison: %s",
                        self.name,
                        envelope.id,
                        envelope.type,
                        record.topic,
                        record.partition,
                        record.offset,
                        type(exc).__name__,
                        extra={"correlation_id": envelope.correlation_id},
                    )
                    poison.append(Poison(record, f"{type(exc).__name__}: {exc}"))
        return poison

    def _dead_letter(self, poison: list[Poison]) -> None:
        if not poison:
            return
        if self._producer is None:
            self._producer = KafkaProducer(**producer_config(self._bootstrap, f"{self.name}-dlq"))
        futures = []
        for item in poison:
            r = item.record
            headers = [(k, v) for k, v in (r.headers or []) if not k.startswith("dlq_")] + [
                ("dlq_original_topic", r.topic.encode()),
                ("dlq_original_partition", str(r.partition).encode()),
                ("dlq_original_offset", str(r.offset).encode()),
                ("dlq_consumer", self.name.encode()),
                ("dlq_error", item.error[:1000].encode()),
            ]
            futures.append(self._producer.send(self.dead_letter_topic, key=r.key, value=r.value, headers=headers))
        self._producer.flush(timeout=30)
        for future in futures:
            future.get(timeout=30)
        CONSUMED.labels(self.name, "dead_lettered").inc(len(poison))

    @staticmethod
    def _next_offsets(records: list[ConsumerRecord]) -> dict[TopicPartition, OffsetAndMetadata]:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            if tp not in offsets or offsets[tp].offset <= r.offset:
                offsets[tp] = OffsetAndMetadata(r.offset + 1, "", -1)
        return offsets

    @staticmethod
    def _rewind(consumer: KafkaConsumer, records: list[ConsumerRecord]) -> None:
        first: dict[TopicPartition, int] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            first[tp] = min(first.get(tp, r.offset), r.offset)
        for tp, offset in first.items():
            consumer.seek(tp, offset)


def _declared_type(record: ConsumerRecord) -> str | None:
    """The record's `ce_type` header, without parsing the event; None when it has none or it is unreadable.
    Records without a catalogued type are parsed, and dead-lettered as poison."""
    for name, value in record.headers or []:
        if name == "ce_type":
            try:
                return bytes(value).decode()
            except UnicodeDecodeError:
                return None
    return None
