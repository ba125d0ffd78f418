"""The consumer loop: one poll, one database transaction, then the offset commit.

For each polled batch:

1. every record is decoded against the catalogue and handled in one transaction, together
   with the batch's inbox rows (an event handled before is skipped);
2. a record that cannot be decoded, or whose handler raised, is poison: the batch is redone
   with one savepoint per record so that only the poison is rolled back and, once the
   transaction committed, it is copied to the consumer's dead-letter topic with its origin
   (topic, partition, offset), the error and the consumer's name in headers; later records of
   the same key are parked behind it on that topic, so that no key is handled out of order, and
   more dead letters than the limit within its window halt the consumer (`dead_letters.py`);
3. a transient failure (database gone, lock timeout, TransientError, and whatever a retry cures:
   SQLite busy, a PostgreSQL serialization failure or deadlock, ``errors.is_transient``, even raised
   from a handler's own error) rolls the whole batch back, waits with bounded exponential backoff and
   reads the same records again: nothing is skipped, nothing of it is dead-lettered;
4. offsets are committed only after the transaction and the dead-letter sends succeeded, without waiting
   for the broker's answer (`commit_async`; the consumer waited a tenth of its time for it): the last offsets
   are committed again and waited for when the consumer halts and when it closes.

A crash anywhere redelivers at most the last batches, which the inbox makes harmless.

kafka-python 3.0.12 can leave a member that joined while another joined spinning in `poll` without heartbeats,
never assigned, the group rebalanced without it: `StuckJoin` notices a member that held no partition for a
minute and is not among its group's members, and the loop makes its consumer anew (a member idle because the
group has more members than partitions is listed, and stays).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from meemaken_events import dead_letters as dl
from meemaken_events import tracing
from meemaken_events.brokers import connection_options
from meemaken_events.catalogue import Catalogue, catalogue
from meemaken_events.correlation import correlated, reset_correlation_id, set_correlation_id
from meemaken_events.dead_letter_log import DeadLetterLog, NoDeadLetterTopic, dead_letter_headers
from meemaken_events.envelope import Envelope, from_kafka
from meemaken_events.errors import PoisonMessage, TransientError, is_transient, transient_reason
from meemaken_events.inbox import Inbox
from meemaken_events.loop import Backoff, Loop
from meemaken_events.metrics import CONSUMED, CONSUMER_LAG, DB_RETRIES, DEAD_LETTERS_UNRESOLVED, HALTED, HANDLE_SECONDS
from meemaken_events.relay import producer_config
from meemaken_events.settings import EventSettings

log = logging.getLogger("meemaken.consumer")

Handler = Callable[[sa.Connection, Envelope], None]
# entered around a polled batch's handlers, in its transaction: handlers may leave their writes for its exit to
# do together (one statement per batch); never around an event redone alone, whose handler writes at once
BatchScope = Callable[[sa.Connection], AbstractContextManager[object]]
LAG_INTERVAL = 15.0  # seconds between two readings of the consumer's lag
LAG_TIMEOUT_MS = 5_000  # how long a lag reading may wait for the brokers
COMMIT_TIMEOUT_MS = 10_000  # how long closing (or giving partitions away) waits for the last offset commit
TRANSIENT = (TransientError, sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


class StuckJoin:
    """kafka-python 3.0.12's stuck member (see the module's text): `stuck` is True once the member held no
    partition for `after` seconds and `listed()` (asked at most every `after` seconds) says its group does not
    count it among its members."""

    def __init__(self, after: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.after, self.clock = after, clock
        self._since: float | None = None  # since when the member holds no partition

    def stuck(self, assigned: bool, listed: Callable[[], bool]) -> bool:
        now = self.clock()
        if assigned or self._since is None:
            self._since = None if assigned else now
            return False
        if now - self._since < self.after:
            return False
        self._since = now  # asked again only after another `after`
        return not listed()


REBALANCING = ("PreparingRebalance", "CompletingRebalance")  # the classic protocol's states between two Stable


def listed_in_group(consumer: KafkaConsumer, brokers: EventSettings, group: str) -> bool:
    """Whether the group's coordinator counts this member among its members; True when it cannot say (no
    answer, or the group is rebalancing). A group that is Stable, Empty or Dead says: an Empty one lists nobody,
    as when the coordinator removed the stuck member on its heartbeats' expiry and it was the only one. The
    member's id comes from kafka-python's public `group_metadata()` (its KIP-447 snapshot of the membership; ''
    while unjoined, which no group lists)."""
    member = consumer.group_metadata().member_id
    try:
        admin = KafkaAdminClient(**connection_options(brokers), client_id=f"{group}-join-check")
        try:
            found = admin.describe_groups([group]).get(group) or {}
        finally:
            admin.close()
    except KafkaError as exc:
        log.info("consumer %s: its group not described (%s); next time", group, type(exc).__name__)
        return True
    if found.get("group_state") in REBALANCING:
        return True
    return any(m.get("member_id") == member for m in found.get("members") or [])


def redelivered(exc: BaseException) -> bool:
    """A failure that rolls the batch back to be read again, never poison: see the module's text."""
    return isinstance(exc, TRANSIENT) or is_transient(exc)


def dead_letter_topic(consumer: str) -> str:
    return f"meemaken.{consumer}.dlq"


@dataclass(frozen=True)
class Poison:
    """A record for the dead-letter topic: poison itself, or parked `behind` a dead letter of its key."""

    record: ConsumerRecord
    error: str
    behind: dl.Origin | None = None


@dataclass
class Batch:
    """What became of a polled batch: its dead letters, and the records not touched because the
    dead-letter limit halted the consumer (their offsets are not committed)."""

    dead: list[Poison]
    untouched: list[ConsumerRecord]
    triage: dl.Triage


_NO_SPAN = nullcontext()  # an untraced event's span (reusable)


def origin_of(record: ConsumerRecord) -> dl.Origin:
    return dl.Origin(record.topic, record.partition, record.offset)


def key_of(record: ConsumerRecord) -> dl.Key | None:
    return (record.topic, bytes(record.key)) if record.key is not None else None


class RolledBack(TransientError):
    """A batch met a transient failure: rolled back and rewound, to be read again after the backoff."""


class ConsumerLoop(Loop):
    """The loop of one consumer group (see the module's text). Transient failures and broker trouble back off
    0.1 s doubling up to 10 s; any other error ends the worker, which restarts clean (the polled records
    were not committed)."""

    retry_errors = False
    transient = (KafkaError, TransientError)

    def __init__(
        self,
        name: str,
        topics: list[str],
        handlers: Mapping[str, Handler],
        engine: sa.Engine,
        inbox_table: sa.Table,
        settings: EventSettings,
        events: Catalogue | None = None,
        max_records: int | None = None,
        consumer_options: Mapping[str, Any] | None = None,
        inbox_retention: timedelta | None = None,
        dead_letter_limit: dl.DeadLetterLimit | None = None,
        batch_scope: BatchScope | None = None,
    ) -> None:
        self.name, self.topics, self.handlers = name, topics, dict(handlers)
        self.batch_scope = batch_scope
        self.engine, self.inbox = engine, Inbox(inbox_table, name)
        self.inbox_retention = inbox_retention or settings.inbox_retention
        self._next_prune = self._next_look = self._next_lag = 0.0
        self._lagging: set[tuple[str, str]] = set()  # the (topic, partition) labels this member reports
        self.events = events or catalogue()
        self.max_records = max_records or settings.consumer_max_records  # <SERVICE>_CONSUMER_MAX_RECORDS
        self.dead_letter_topic = dead_letter_topic(name)
        self.dead_letter_limit = dead_letter_limit or dl.DeadLetterLimit.configured(settings)
        self.queues = dl.KeyQueues()  # the unresolved dead letters per key, read from the dead-letter topic
        self.halted: str | None = None  # why the consumer stopped consuming, for the worker's health
        HALTED.labels(name).set(0)
        for outcome in ("handled", "dead_lettered"):  # at 0 from the start: an alert sees the first one's increase
            CONSUMED.labels(name, outcome)
        self._dead_letters: DeadLetterLog | None = None
        self._reassigned = False
        super().__init__(0.0, Backoff(0.1, 10.0))
        self._brokers = settings
        self._options = dict(consumer_options or {})
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None
        self._uncommitted: dict[TopicPartition, OffsetAndMetadata] = {}  # committed without waiting for the answer
        self.join = StuckJoin()

    def _connect(self) -> KafkaConsumer:
        options: dict[str, Any] = {
            **connection_options(self._brokers),
            "group_id": self.name,
            "client_id": self.name,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "max_poll_records": self.max_records,
            "session_timeout_ms": 10_000,
            "heartbeat_interval_ms": 2_000,
            "fetch_max_wait_ms": self._brokers.consumer_fetch_max_wait_ms,
            "reconnect_backoff_max_ms": 2_000,
        }
        options.update(self._options)
        consumer = KafkaConsumer(**options)
        for topic in self.topics:  # know every partition before the first join, or the assignor skips them
            if not consumer.partitions_for_topic(topic):
                consumer.close()
                raise KafkaError(f"topic {topic} has no partitions (is it created?)")
        try:  # which keys wait behind a dead letter, before the first record
            if self._dead_letters is None:
                self._dead_letters = DeadLetterLog(self._brokers, self.dead_letter_topic, self.queues)
            self._catch_up_dead_letters()
        except NoDeadLetterTopic:  # so nothing was dead-lettered; sending the first dead letter will fail
            log.warning("consumer %s: no dead-letter topic %s", self.name, self.dead_letter_topic)
        except KafkaError:
            consumer.close()
            raise
        consumer.subscribe(self.topics, listener=_Reassigned(self))
        return consumer

    def step(self) -> bool:
        """Consume one batch, and now and then read the dead letters, the lag and prune the inbox; busy while
        records come. Once halted by the dead-letter limit it leaves its group and waits for stop(): the
        worker's other loops go on; a restart (after the fix) resumes."""
        if self.halted:
            self.close()
            self._stop.wait()
            return False
        done = self._consume(timeout_ms=200)
        if time.monotonic() >= self._next_look:  # replays and discards made meanwhile, for the gauge
            self._catch_up_dead_letters()
            self._next_look = time.monotonic() + 30
        if time.monotonic() >= self._next_lag:
            self.observe_lag()
            self._next_lag = time.monotonic() + LAG_INTERVAL
        if time.monotonic() >= self._next_prune:
            self.prune_inbox()
            self._next_prune = time.monotonic() + 600
        return done > 0

    def observe_lag(self) -> None:
        """Set the lag gauge of each partition this member holds: one offsets request to the broker
        (every LAG_INTERVAL seconds, not per message); partitions it no longer holds are dropped. A broker that
        does not answer within LAG_TIMEOUT_MS leaves the gauges as they were: a metric never holds up, nor
        takes down, the consumption (a cut-off partition leader would otherwise stall it a request timeout)."""
        held: set[tuple[str, str]] = set()
        if (consumer := self._consumer) is not None and (assigned := list(consumer.assignment())):
            try:
                ends = consumer.end_offsets(assigned, timeout_ms=LAG_TIMEOUT_MS)
                positions = {tp: consumer.position(tp, timeout_ms=LAG_TIMEOUT_MS) for tp in assigned}
            except KafkaError as exc:
                log.info("consumer %s: lag not read (%s); next time", self.name, type(exc).__name__)
                return
            for tp in assigned:
                position = positions[tp]  # None while the group has no offset for it yet
                if position is None or tp not in ends:
                    continue
                label = (tp.topic, str(tp.partition))
                CONSUMER_LAG.labels(self.name, *label).set(max(0, ends[tp] - position))
                held.add(label)
        for label in self._lagging - held:
            CONSUMER_LAG.remove(self.name, *label)
        self._lagging = held

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

    def assignment(self) -> set[TopicPartition]:
        """The partitions this member holds now (none before its first poll)."""
        return set(self._consumer.assignment()) if self._consumer is not None else set()

    def close(self) -> None:
        for label in self._lagging:  # another member reports these partitions now
            CONSUMER_LAG.remove(self.name, *label)
        self._lagging = set()
        self._close_consumer()
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None
        if self._dead_letters is not None:
            self._dead_letters.close()
            self._dead_letters = None

    def run_once(self, timeout_ms: int = 200) -> int:
        """Poll and process one batch; return the number of records processed (0 once halted, or after a
        transient failure rolled the batch back and its backoff was waited)."""
        try:
            return self._consume(timeout_ms)
        except RolledBack as exc:
            wait = self.backoff.delay()
            log.warning("consumer %s: %s, retrying in %.1fs", self.name, exc, wait)
            self.wait(wait)
            return 0

    def _consume(self, timeout_ms: int) -> int:
        if self.halted:
            return 0
        if self._consumer is None:
            self._consumer = self._connect()
        consumer = self._consumer
        polled = consumer.poll(timeout_ms=timeout_ms, max_records=self.max_records)
        records = [record for batch in polled.values() for record in batch]
        if not records:
            group = str(self._options.get("group_id", self.name))
            if self.join.stuck(bool(consumer.assignment()), lambda: listed_in_group(consumer, self._brokers, group)):
                log.warning("consumer %s: no partition for a while and not in its group; joining again", self.name)
                self._close_consumer()
            return 0
        try:
            if self._reassigned or self.queues.blocks_any(key_of(r) for r in records):
                self._catch_up_dead_letters()  # replayed or discarded since, or dead-lettered by another member
            with HANDLE_SECONDS.labels(self.name).time():
                batch = self._handle(records)
            self._dead_letter(batch.dead)
        except Exception as exc:
            if not (redelivered(exc) or isinstance(exc, KafkaError)):
                raise
            self._rewind(consumer, records)
            CONSUMED.labels(self.name, "retried").inc(len(records))
            if (reason := transient_reason(exc)) is not None:
                DB_RETRIES.labels(reason).inc()
            raise RolledBack(f"transient failure ({type(exc).__name__}: {exc}); batch rolled back") from exc
        batch.triage.settle()
        self._observe_dead_letters()
        done = records[: len(records) - len(batch.untouched)]
        if done:
            offsets = self._next_offsets(done)
            self._uncommitted.update(offsets)
            try:
                consumer.commit_async(offsets, self._answered)
            except KafkaError as exc:
                self._answered(offsets, exc)
        if batch.untouched:
            self.commit_offsets()
            self._rewind(consumer, batch.untouched)
            self._halt(batch.untouched[0])
        self.backoff.reset()
        return len(done)

    def _answered(self, offsets: dict[TopicPartition, OffsetAndMetadata], answer: object) -> None:
        """The broker's answer to an offset commit. A failure: the group rebalanced (or the coordinator moved)
        after the poll; the batch is handled and in the inbox, whoever owns these partitions now gets it again
        and skips it."""
        for tp, offset in offsets.items():
            if self._uncommitted.get(tp) == offset:
                del self._uncommitted[tp]
        if isinstance(answer, Exception):
            log.warning(
                "consumer %s: offset commit failed (%s); the batch will be redelivered and skipped",
                self.name,
                type(answer).__name__,
            )

    def commit_offsets(self) -> None:
        """Commit the offsets committed without waiting for the answer again, and wait for it."""
        offsets = dict(self._uncommitted)
        if self._consumer is None or not offsets:
            return
        try:
            self._consumer.commit(offsets, timeout_ms=COMMIT_TIMEOUT_MS)
            self._answered(offsets, None)
        except KafkaError as exc:
            self._answered(offsets, exc)

    def _close_consumer(self) -> None:
        if self._consumer is not None:
            self.commit_offsets()
            self._consumer.close(autocommit=False)
            self._consumer = None
        self._uncommitted = {}

    def _catch_up_dead_letters(self) -> None:
        if self._dead_letters is not None:
            self._reassigned = False
            self._dead_letters.catch_up()
            self._observe_dead_letters()

    def _observe_dead_letters(self) -> None:
        DEAD_LETTERS_UNRESOLVED.labels(self.name).set(self.queues.unresolved)

    def _halt(self, at: ConsumerRecord) -> None:
        """Too many dead letters: stop consuming, leave the group, and say so until restarted."""
        self.halted = (
            f"more than {self.dead_letter_limit}: stopped before {origin_of(at)} (not committed); "
            f"fix the cause, see `dead-letters list`, and restart the worker"
        )
        HALTED.labels(self.name).set(1)
        log.critical("consumer %s halted: %s", self.name, self.halted)
        self._close_consumer()

    def _handle(self, records: list[ConsumerRecord]) -> Batch:
        """Fast path: the whole batch in one transaction, inbox rows in one statement. If any
        handler fails, or the batch holds poison or a record of a blocked key, that transaction is
        rolled back (or not tried) and the batch is redone record by record in savepoints, so only
        the failing records become poison and later records of their keys are parked."""
        triage = dl.Triage(self.queues, self.dead_letter_limit)
        items: list[_Item] = []
        for record in records:
            declared = _declared_type(record)
            if declared in self.events and declared not in self.handlers:  # a known event, not ours: skipped unread
                items.append(_Item(record))
                continue
            try:
                envelope = from_kafka(record.key, record.value, record.headers or [], self.events)
            except PoisonMessage as exc:
                items.append(_Item(record, error=f"{type(exc).__name__}: {exc}"))
                continue
            items.append(_Item(record, envelope, self.handlers.get(envelope.type)))
        work = [(i.record, i.envelope, i.handler) for i in items if i.envelope is not None and i.handler is not None]
        clean = not any(i.error for i in items) and not self.queues.blocks_any(key_of(r) for r in records)
        if clean and not self.queues.knows_any(origin_of(r) for r in records):
            try:
                self._handle_batch(work)
                CONSUMED.labels(self.name, "ignored").inc(len(items) - len(work))
                return Batch([], [], triage)
            except Exception as exc:
                if redelivered(exc):
                    raise
                log.warning("consumer %s: a handler failed; redoing the batch one event at a time", self.name)
        return self._handle_one_by_one(items, triage)

    def _handle_batch(self, work: list[tuple[ConsumerRecord, Envelope, Handler]]) -> None:
        traced = not tracing.off()  # once a batch: the check reads the environment
        handled = 0
        with self.engine.begin() as conn, (self.batch_scope or nullcontext)(conn):
            fresh = self.inbox.first_deliveries(conn, [envelope for _, envelope, _ in work])
            for record, envelope, handler in work:
                if (envelope.source, envelope.id) not in fresh:
                    CONSUMED.labels(self.name, "duplicate").inc()
                    continue
                fresh.discard((envelope.source, envelope.id))  # the same event twice in one batch
                span = tracing.processing(envelope, record.topic, self.name) if traced else _NO_SPAN
                correlation = set_correlation_id(envelope.correlation_id)  # as `correlated`, without its generator
                try:
                    with span:
                        handler(conn, envelope)
                finally:
                    reset_correlation_id(correlation)
                handled += 1
        CONSUMED.labels(self.name, "handled").inc(handled)  # once committed

    def _handle_one_by_one(self, items: list[_Item], triage: dl.Triage) -> Batch:
        dead: list[Poison] = []
        with self.engine.begin() as conn:
            for index, item in enumerate(items):
                record, origin, key = item.record, origin_of(item.record), key_of(item.record)
                if item.handler is None and item.error is None:
                    CONSUMED.labels(self.name, "ignored").inc()
                    continue
                verdict = triage.before(origin, key)
                if verdict.action == "skip":
                    CONSUMED.labels(self.name, "duplicate").inc()  # dead-lettered before: its fate is there
                    continue
                if verdict.action == "park":
                    dead.append(Poison(record, f"parked behind {verdict.behind}", verdict.behind))
                    continue
                if verdict.action == "halt":
                    return Batch(dead, [i.record for i in items[index:]], triage)  # what came before is committed
                error = item.error or self._handle_in_savepoint(conn, item)
                if error is None:
                    continue
                if triage.poisoned(origin, key).action == "halt":
                    return Batch(dead, [i.record for i in items[index:]], triage)
                dead.append(Poison(record, error))
        return Batch(dead, [], triage)

    def _handle_in_savepoint(self, conn: sa.Connection, item: _Item) -> str | None:
        """Handle one event in its own savepoint; the error if it is poison."""
        record, envelope, handler = item.record, item.envelope, item.handler
        assert envelope is not None and handler is not None
        savepoint = conn.begin_nested()
        try:
            with correlated(envelope.correlation_id), tracing.processing(envelope, record.topic, self.name):
                if self.inbox.first_delivery(conn, envelope):
                    handler(conn, envelope)
                    CONSUMED.labels(self.name, "handled").inc()
                else:
                    CONSUMED.labels(self.name, "duplicate").inc()
            savepoint.commit()
            return None
        except Exception as exc:
            if redelivered(exc):
                raise
            savepoint.rollback()  # any other failure of this one event makes it poison
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
            return f"{type(exc).__name__}: {exc}"

    def _dead_letter(self, dead: list[Poison]) -> None:
        if not dead:
            return
        if self._producer is None:
            self._producer = KafkaProducer(**producer_config(self._brokers, f"{self.name}-dlq"))
        futures = []
        for item in sorted(dead, key=lambda p: (p.record.partition, p.record.offset)):
            r = item.record
            headers = dead_letter_headers(r, self.name, item.error, item.behind)
            futures.append(self._producer.send(self.dead_letter_topic, key=r.key, value=r.value, headers=headers))
        self._producer.flush(timeout=30)
        for future in futures:
            future.get(timeout=30)
        parked = sum(1 for p in dead if p.behind is not None)
        CONSUMED.labels(self.name, "dead_lettered").inc(len(dead) - parked)
        CONSUMED.labels(self.name, "parked").inc(parked)

    def replay(self, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]) -> str:
        """Handle one dead letter again, now, in its own transaction with its inbox row: "handled",
        "duplicate" (handled before) or "ignored" (no handler for it any more). Raises if it fails again."""
        envelope = from_kafka(key, value, headers, self.events)
        handler = self.handlers.get(envelope.type)
        if handler is None:
            return "ignored"
        topic = self.events[envelope.type].topic
        with (
            self.engine.begin() as conn,
            correlated(envelope.correlation_id),
            tracing.processing(envelope, topic, self.name),
        ):
            if not self.inbox.first_delivery(conn, envelope):
                return "duplicate"
            handler(conn, envelope)
        CONSUMED.labels(self.name, "replayed").inc()
        return "handled"

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


@dataclass(frozen=True)
class _Item:
    """A polled record, decoded: with its handler, or its decoding error, or neither (not ours)."""

    record: ConsumerRecord
    envelope: Envelope | None = None
    handler: Handler | None = None
    error: str | None = None


class _Reassigned(ConsumerRebalanceListener):  # type: ignore[misc]
    """Partitions moved: another member may have dead-lettered records of their keys meanwhile."""

    def __init__(self, loop: ConsumerLoop) -> None:
        self.loop = loop

    def on_partitions_revoked(self, revoked: Any) -> None:
        # kafka-python 3 calls this on its IO thread, where nothing may block (no commit that waits): the offset
        # commits sent before went out on the coordinator's connection ahead of the rejoin
        pass

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.loop._reassigned = True


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
