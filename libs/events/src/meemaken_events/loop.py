"""The one loop of a worker: a step done over and over until stop(), each loop in its own thread.

Every loop of every worker is one of these (the relay, each consumer, the services' timers, notifications'
sender, fan-out and schedule): ``step()`` is done again at once while it finds work (a truthy result) and
after ``interval`` seconds when it found none. A failure is not the end of the loop: a database, broker or
service that is away (``transient``) pauses it, any other error is logged with its traceback, and either
waits its ``backoff`` (from ``interval``, doubling up to a ceiling, back to the start after a good round)
before the step is tried again. A loop whose half-done round cannot be retried safely (a consumer holding
polled records) sets ``retry_errors = False``: an unexpected error then ends the worker, which restarts
clean. ``stop()`` ends every wait at once; ``close()`` runs once on the way out (a producer flushed, a lease
released). Each round is counted in ``meemaken_loop_rounds_total{loop, outcome}``: busy, idle, paused, failed.

Several workers may run the same loop: the steps claim their rows (skip-locked, a version check or a lease),
so each effect happens once. Standard library, SQLAlchemy's and kafka-python's errors only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import sqlalchemy as sa
from kafka.errors import KafkaError

from meemaken_events.errors import TransientError
from meemaken_events.metrics import LOOP_ROUNDS

log = logging.getLogger("meemaken.worker")

AWAY: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    KafkaError,
    TransientError,
)


class Backoff:
    """Bounded exponential backoff: `first` doubling up to `ceiling`, back to `first` on reset()."""

    def __init__(self, first: float = 0.1, ceiling: float = 10.0) -> None:
        self.first, self.ceiling, self.next = first, max(first, ceiling), first

    def delay(self) -> float:
        current = self.next
        self.next = min(self.next * 2, self.ceiling)
        return current

    def reset(self) -> None:
        self.next = self.first


class Loop:
    name = "loop"  # what `worker --only` selects it by: "relay", a consumer's name, "timers"
    retry_errors = True  # False: an unexpected error ends the worker (see the module's text)
    transient: tuple[type[BaseException], ...] = AWAY

    def __init__(self, interval: float, backoff: Backoff | None = None, stop: threading.Event | None = None) -> None:
        self.interval = interval
        self.backoff = backoff or Backoff(interval, interval)
        self._stop = stop or threading.Event()
        for outcome in ("busy", "idle", "paused", "failed"):
            LOOP_ROUNDS.labels(self.name, outcome)

    def step(self) -> object:
        """One round's work; truthy when it found some (the next round follows at once)."""
        raise NotImplementedError

    def close(self) -> None:
        """What the loop leaves tidy when it stops; run once, after the last step."""

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep `seconds`, or less if the loop is stopped meanwhile; True if it was."""
        return self._stop.wait(seconds) if seconds > 0 else self._stop.is_set()

    def run(self) -> None:
        try:
            while not self._stop.is_set():
                self.wait(self.round())
        finally:
            self.close()

    def round(self) -> float:
        """One step and its outcome; how long to wait before the next."""
        try:
            busy = self.step()
        except self.transient as exc:
            wait = self.backoff.delay()
            log.warning("%s paused: %s (%s); retrying in %.1fs", self.name, type(exc).__name__, exc, wait)
            LOOP_ROUNDS.labels(self.name, "paused").inc()
            return wait
        except Exception:
            LOOP_ROUNDS.labels(self.name, "failed").inc()
            if not self.retry_errors:
                raise
            wait = self.backoff.delay()
            log.warning("%s: this round failed; trying again in %.1fs", self.name, wait, exc_info=True)
            return wait
        self.backoff.reset()
        LOOP_ROUNDS.labels(self.name, "busy" if busy else "idle").inc()
        return 0.0 if busy else self.interval


class Periodic(Loop):
    """A loop whose step is a function: `step()` every `interval` seconds, and again at once while it finds work."""

    def __init__(self, name: str, step: Callable[[], object], interval: float, backoff: Backoff | None = None) -> None:
        self.name = name
        super().__init__(interval, backoff)
        self._step = step

    def step(self) -> object:
        return self._step()
