"""The relay: publishes committed outbox rows to Kafka, then marks them published.

- acks=all and the idempotent producer; every send's future is checked before its row is
  marked, so a row is marked only once the broker has it (it may be sent twice on the wire
  after a crash between send and mark: consumers dedupe with the inbox);
- rows go out in id order, and a batch stops at the first failed send, so one aggregate's
  events (one key, one partition) keep their order;
- one active relay per service: a lease row in the service's own database, renewed while the
  relay works and taken over by another replica only after it expired;
- on PostgreSQL an outbox row's commit wakes the relay (NOTIFY, meemaken_events.wakeup), which otherwise polls
  only every `safety_poll` seconds; elsewhere it polls every `idle_wait`. After a round short of a full batch it
  pauses `idle_wait` (the next batch fills under load) unless the round found no more than `few` rows: then
  nothing else was waiting, and the next row goes out as soon as its commit notifies;
- the loop (`step`) marks a confirmed batch in a thread of its own while it reads and sends the next one (the
  mark's `UPDATE` was a fifth of the relay's time, waiting for the database): a batch is still sent only after
  the one before it is confirmed, so the order on the wire is as before; the rows being marked are left out
  of the next read; a crash before the mark resends them, as a crash between send and mark always did.
  `publish_once` marks before it returns.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from kafka import KafkaProducer
from kafka.errors import KafkaError
from opentelemetry import trace
from opentelemetry.trace import StatusCode
from sqlalchemy.dialects.postgresql import ARRAY

from meemaken_events import tracing
from meemaken_events.brokers import connection_options
from meemaken_events.envelope import Envelope
from meemaken_events.loop import Backoff, Loop
from meemaken_events.metrics import RELAY_PUBLISHED, RELAY_SEND_FAILURES
from meemaken_events.partitioner import KeyHash
from meemaken_events.settings import EventSettings
from meemaken_events.tables import reading
from meemaken_events.wakeup import Wakeup

log = logging.getLogger("meemaken.relay")


# Bytes of one partition's records in one request. kafka-python's 16 KiB held ~20 events: a round of the relay
# filled a new batch every ~20 sends, and once a partition had two the producer woke its sender thread on every
# send (each a socket write and a turn at the GIL; 7% of the challenges worker's samples, bench/profiles/
# r2c-s11-before.svg). 256 KiB holds what lingers meanwhile; its CPU per sent record was ~27% lower, 1 MiB no
# lower, and it stays well within the broker's default message.max.bytes (1 MiB) for one batch.
PRODUCER_BATCH_BYTES = 256 * 1024


def producer_config(brokers: EventSettings, client_id: str) -> dict[str, Any]:
    """acks=all with idempotence: on a cluster, a send counts once min.insync.replicas brokers have it, and
    a retried send after a broker loss is written once."""
    return {
        **connection_options(brokers),
        "client_id": client_id,
        "acks": "all",
        "enable_idempotence": True,
        "max_in_flight_requests_per_connection": 5,
        "linger_ms": brokers.relay_linger_ms,
        "batch_size": PRODUCER_BATCH_BYTES,
        "partitioner": KeyHash(),  # the default partitioner's choice for less CPU (meemaken_events.partitioner)
        "request_timeout_ms": 10_000,
        "delivery_timeout_ms": 30_000,
        "reconnect_backoff_max_ms": 2_000,
        "max_block_ms": 5_000,
        "bootstrap_timeout_ms": 10_000,  # no broker answers (or the credentials are refused): retried by the caller
    }


class Lease:
    """At most one holder at a time, per name, through a row in the service's database."""

    def __init__(self, engine: sa.Engine, table: sa.Table, name: str, ttl: float = 10.0) -> None:
        self.engine, self.table, self.name, self.ttl = engine, table, name, ttl
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renew_after = 0.0  # monotonic: till then the lease is held for sure, without a write

    def acquire(self) -> bool:
        """Take or renew the lease; True while this process holds it. A lease renewed less than a third of its
        time ago is not written again (the relay asks every round: a write per round on SQLite's one lock)."""
        if time.monotonic() < self._renew_after:
            return True
        renewing = time.monotonic() + self.ttl / 3
        if self._take():
            self._renew_after = renewing
            return True
        return False

    def _take(self) -> bool:
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=self.ttl)
        t = self.table
        with self.engine.begin() as conn:
            renewed = conn.execute(
                t.update()
                .where(t.c.name == self.name)
                .where(sa.or_(t.c.owner == self.owner, t.c.expires_at < now))
                .values(owner=self.owner, expires_at=expires)
            ).rowcount
            if renewed:
                return True
            exists = conn.execute(sa.select(t.c.name).where(t.c.name == self.name)).first()
            if exists:
                return False
        try:
            with self.engine.begin() as conn:
                conn.execute(t.insert().values(name=self.name, owner=self.owner, expires_at=expires))
            return True
        except sa.exc.IntegrityError:
            return False

    def release(self) -> None:
        self._renew_after = 0.0
        t = self.table
        with self.engine.begin() as conn:
            conn.execute(t.delete().where(t.c.name == self.name).where(t.c.owner == self.owner))


class Relay(Loop):
    name = "relay"
    safety_poll = 1.0  # seconds between polls while a wake-up listens (meemaken_events.wakeup)
    few = 2  # rows: a round that published no more waits for the next notification without the pause (round())

    def __init__(
        self,
        engine: sa.Engine,
        outbox: sa.Table,
        lease: Lease,
        producer: KafkaProducer | Callable[[], KafkaProducer],
        batch_size: int = 500,
        idle_wait: float = 0.01,
        send_timeout: float = 30.0,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self.engine, self.outbox, self.lease = engine, outbox, lease
        # A factory connects on first use, so a worker started while the broker is down waits for it.
        self._producer: KafkaProducer | None = None if callable(producer) else producer
        self._make_producer = producer if callable(producer) else None
        self.batch_size, self.idle_wait, self.send_timeout = batch_size, idle_wait, send_timeout
        self.retention = retention
        self._next_prune = 0.0
        self.wakeup = Wakeup.for_engine(engine)
        self._found: int | None = None  # rows the last round published (None: it held no lease)
        self._marker: ThreadPoolExecutor | None = None  # marks a confirmed batch while the next one is sent
        self._marking: tuple[list[int], Future[None]] | None = None  # the ids being marked (left out of the next
        # read), and the mark
        super().__init__(idle_wait, Backoff(0.1, 5.0))

    @classmethod
    def for_service(
        cls, service: str, engine: sa.Engine, outbox: sa.Table, lease_table: sa.Table, brokers: EventSettings
    ) -> Relay:
        """The service's relay, its batch, pause and producer's linger as its settings say (<SERVICE>_RELAY_*)."""
        config = producer_config(brokers, f"{service}-relay")
        return cls(
            engine,
            outbox,
            Lease(engine, lease_table, f"{service}-relay"),
            lambda: KafkaProducer(**config),
            batch_size=brokers.relay_batch_size,
            idle_wait=brokers.relay_idle_wait_seconds,
        )

    @property
    def producer(self) -> KafkaProducer:
        if self._producer is None:
            assert self._make_producer is not None
            self._producer = self._make_producer()  # raises a KafkaError while no broker answers
        return self._producer

    def step(self) -> bool:
        """Publish a batch while this replica holds the lease (the loop backs off 0.1 s doubling up to 5 s
        while the broker or the database is away); busy while full batches wait."""
        self._found = None
        if not self.lease.acquire():
            self.wait(self.lease.ttl / 3)
            return False
        published = self.publish_overlapped()
        if time.monotonic() >= self._next_prune:
            self.prune()
            self._next_prune = time.monotonic() + 600
        self._found = published
        return published >= self.batch_size

    def round(self) -> float:
        """After a round that published less than a full batch, the loop's short pause (under load the next batch
        fills as before), then, with a wake-up, until an outbox row's commit notifies it or the safety poll is due.
        A round that found no more than `few` rows skips the pause: nothing else was waiting, so the next row's
        commit is sent as soon as it notifies (a lone event waited for the rest of the pause: `bench/latency.py`)."""
        pause = super().round()
        if self.wakeup is None or self._found is None or self._found >= self.batch_size:  # not caught up
            return pause
        pause = pause if self._found > self.few else 0.0
        if not self.wait(pause):
            self.wakeup.wait(self.safety_poll - pause, self._stop)
        return 0.0

    def close(self) -> None:
        try:
            self._marked()  # the last confirmed batch marked (else it is sent again by the next relay: harmless)
            if self._marker is not None:
                self._marker.shutdown()
            if self._producer is not None:
                self._producer.flush(timeout=5)
                self._producer.close(timeout=5)
            self.lease.release()
            if self.wakeup is not None:
                self.wakeup.close()
        except Exception:  # shutting down: nothing left to save
            log.debug("relay shutdown was not clean", exc_info=True)

    def prune(self) -> int:
        """Forget rows published longer ago than the retention (kept meanwhile for audits and replays)."""
        o = self.outbox
        cutoff = datetime.now(UTC) - self.retention
        with self.engine.begin() as conn:
            return int(conn.execute(o.delete().where(o.c.published_at < cutoff)).rowcount)

    def publish_once(self) -> int:
        """Send one batch of unpublished rows; return how many were confirmed and marked (before it returns)."""
        self._marked()
        confirmed = self._send_batch()
        self._mark(confirmed)
        return len(confirmed)

    def publish_overlapped(self) -> int:
        """`publish_once`, the loop's way on PostgreSQL: send the next batch while the batch confirmed before it is
        marked in the marker's thread; return how many of this batch were confirmed (marked by the next call, or
        by close()). Elsewhere (SQLite: one writer, and an in-memory database is one per thread) as publish_once."""
        if self.engine.dialect.name != "postgresql":
            return self.publish_once()
        confirmed = self._send_batch()
        self._marked()  # one mark at a time
        if confirmed:
            if self._marker is None:
                self._marker = ThreadPoolExecutor(1, thread_name_prefix="relay-mark")
            self._marking = (confirmed, self._marker.submit(self._mark, confirmed))
        return len(confirmed)

    def _marked(self) -> None:
        """Wait for the mark in the marker's thread. Its failure (the database away) is raised here: those rows
        stay unpublished and are sent again, as after a crash between send and mark."""
        if self._marking is not None:
            mark = self._marking[1]
            self._marking = None
            mark.result()

    def _send_batch(self) -> list[int]:
        """Send the oldest unpublished rows not being marked; the ids the broker confirmed, in order, up to the
        first failed send (the rest are sent again with the next batch)."""
        o = self.outbox
        query = sa.select(o.c.id, o.c.topic, o.c.envelope).where(o.c.published_at.is_(None))
        if self._marking is not None:
            query = query.where(sa.not_(self._among(self._marking[0])))
        with self.engine.connect() as conn:
            rows = reading(conn).execute(query.order_by(o.c.id).limit(self.batch_size)).all()
        if not rows:
            return []
        futures = []
        traced = not tracing.off()  # once a batch: the check reads the environment (4% of the relay's samples)
        producer = self.producer
        for row in rows:
            envelope = Envelope.from_json(row.envelope)  # its traceparent goes out as it was stored
            key, value, headers = envelope.to_kafka()
            span = tracing.sending(envelope, row.topic) if traced else trace.INVALID_SPAN
            futures.append((row.id, span, producer.send(row.topic, key=key, value=value, headers=headers)))
        producer.flush(timeout=self.send_timeout)
        confirmed: list[int] = []
        for row_id, span, future in futures:
            try:
                future.get(timeout=self.send_timeout)
            except KafkaError as exc:
                RELAY_SEND_FAILURES.inc()
                log.warning("send failed for outbox row %s: %s; will resend", row_id, exc)
                span.set_status(StatusCode.ERROR, type(exc).__name__)
                break
            finally:
                span.end()
            confirmed.append(row_id)
        for _row_id, span, _future in futures[len(confirmed) + 1 :]:
            span.end()  # not waited for: resent with the next batch
        if len(confirmed) < len(rows):
            time.sleep(0.2)
        return confirmed

    def _mark(self, ids: list[int]) -> None:
        """Mark the rows published, in one statement."""
        if not ids:
            return
        o = self.outbox
        with self.engine.begin() as conn:
            conn.execute(o.update().where(self._among(ids)).values(published_at=datetime.now(UTC)))
        RELAY_PUBLISHED.inc(len(ids))

    def _among(self, ids: list[int]) -> sa.ColumnElement[bool]:
        """`id IN ids`: on PostgreSQL one array parameter (a statement of fixed text, not a thousand literals)."""
        if self.engine.dialect.name == "postgresql":
            return self.outbox.c.id == sa.any_(sa.bindparam("ids", ids, type_=ARRAY(sa.BigInteger())))
        return self.outbox.c.id.in_(ids)
