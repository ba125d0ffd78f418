"""The relay's wake-up on PostgreSQL: a transaction that stages outbox rows sends ``NOTIFY meemaken_outbox``, and
the relay, between rounds that found less than a full batch, waits for it instead of polling the table.

- PostgreSQL delivers a notification at its transaction's commit, never for one rolled back, and folds the
  notifications of one transaction into one: the relay wakes when there is something to publish.
- A notification is a hint, never the data: the relay still reads the outbox's unpublished rows, and still polls
  every ``Relay.safety_poll`` seconds, so a notification that is lost (the listening connection broken, a row
  written without `notify`) delays an event by that poll at most. One that comes while the relay publishes waits
  on the connection and wakes the next wait at once.
- The listening connection is one of the engine's pool (the connection budget counts it); a failure to listen
  gives the relay its plain short polls for a while (``RETRY_AFTER``), then it listens again.

SQLite has no NOTIFY: there `Wakeup.for_engine` gives None and the relay polls as before.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import sqlalchemy as sa

CHANNEL = "meemaken_outbox"
RETRY_AFTER = 5.0  # seconds of plain polling after the listening connection failed
SLICE = 0.5  # seconds: the longest block on the connection before the stop event is looked at again

log = logging.getLogger("meemaken.relay")


def notify(connection: sa.Connection, channel: str = CHANNEL) -> None:
    """In the caller's transaction, which staged outbox rows (or what else `channel` names): wake the relay (or
    that channel's listener) when it commits (PostgreSQL only)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"NOTIFY {channel}"))


def pool_capacity(pool: sa.pool.Pool) -> int:
    """How many connections the pool surely hands out at once: a `QueuePool`'s size (unbounded pools, and a
    `QueuePool` of size 0, which SQLAlchemy leaves unbounded: a large number). Its overflow is not counted:
    SQLAlchemy keeps the overflow limit private (``QueuePool.overflow()`` is the overflow in use, not its limit),
    so a pool of one polls, the safe side, even where an overflow would have spared the listening connection."""
    if isinstance(pool, sa.pool.QueuePool) and pool.size() > 0:
        return pool.size()
    return 1_000_000


class Wakeup:
    """A pooled connection that LISTENs to the outbox's channel (or another: the notifications' personal lane)."""

    def __init__(self, engine: sa.Engine, channel: str = CHANNEL) -> None:
        self.engine, self.channel = engine, channel
        self._pooled: Any = None  # SQLAlchemy's pooled connection, kept while listening
        self._listen_after = 0.0  # monotonic: no listening before (after a failure)

    @classmethod
    def for_engine(cls, engine: sa.Engine, channel: str = CHANNEL) -> Wakeup | None:
        """A wake-up on PostgreSQL when the pool can spare the listening connection: the relay's own rounds need
        another one, so a pool of one (``DATABASE_POOL_SIZE=1``, whatever its overflow) polls instead of waiting."""
        if engine.dialect.name != "postgresql":
            return None
        return cls(engine, channel) if pool_capacity(engine.pool) >= 2 else None

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Until a notification came (True; every pending one taken), `seconds` passed or `stop` was set (False).
        Without a listening connection (it failed a moment ago) False at once: the caller polls as without one."""
        deadline = time.monotonic() + seconds
        try:
            connection = self._listening()
            if connection is None:
                return False
            while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
                if list(connection.notifies(timeout=min(left, SLICE), stop_after=1)):
                    list(connection.notifies(timeout=0))  # those that came with it
                    return True
        except Exception as exc:  # the hint is lost, not the events: the safety poll finds them
            log.warning("not listening on %s (%s); polling for %.0f s", self.channel, exc, RETRY_AFTER)
            self.close()
            self._listen_after = time.monotonic() + RETRY_AFTER
        return False

    def _listening(self) -> Any:
        if self._pooled is None and time.monotonic() >= self._listen_after:
            pooled = self.engine.raw_connection()
            try:
                connection: Any = pooled.driver_connection
                connection.autocommit = True
                connection.execute(f"LISTEN {self.channel}")
            except Exception:
                pooled.invalidate()
                raise
            self._pooled = pooled
        return self._pooled.driver_connection if self._pooled is not None else None

    def close(self) -> None:
        """Give the connection up: discarded, not returned listening to the pool."""
        pooled, self._pooled = self._pooled, None
        if pooled is not None:
            try:
                pooled.invalidate()
            except Exception:  # already broken: nothing to give back
                log.debug("relay: the listening connection was not closed cleanly", exc_info=True)
