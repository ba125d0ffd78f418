"""The dead-letter rules, as plain Python (no Kafka, no database): the limit and the per-key queues.

A consumer's dead-letter topic (``meemaken.<consumer>.dlq``) is the log of its dead letters and of
what became of them. Two kinds of record go there:

- a **dead letter**: the original record (key, value, headers) plus ``dlq_*`` headers naming its
  origin (topic, partition, offset), the consumer, the error and the time; a record that was not
  poison itself but was set aside to keep its key's order carries ``dlq_parked_behind`` naming the
  origin of the dead letter it waits behind;
- a **resolution**: an empty record with the same key whose ``dlq_resolution`` (``replayed`` or
  ``discarded``) and ``dlq_resolves`` headers close one dead letter, written by
  ``python -m <service> dead-letters replay|discard``.

**The order rule.** A key (the event's partition key, its aggregate id, within one origin topic) with
an unresolved dead letter is *blocked*: every later record of that key is parked on the dead-letter
topic behind the first unresolved one, in order, instead of being handled ahead of it. The key flows
again once all its dead letters are replayed (in order) or discarded. A record without a key blocks
nothing.

**The limit.** More than ``limit`` dead letters (poison and parked alike) within ``window`` seconds
means the consumer is producing nothing but poison (a broken release, a wrong schema): it stops
before dead-lettering the one over the limit, without committing its offset, and says so. Defaults:
20 within 600 s, from ``MEEMAKEN_DEAD_LETTER_LIMIT`` and ``MEEMAKEN_DEAD_LETTER_WINDOW_SECONDS``
(``meemaken_events.settings.EventSettings``).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from meemaken_events.settings import EventSettings

DEFAULT_LIMIT = 20
DEFAULT_WINDOW_SECONDS = 600.0

# headers of a dead letter
ORIGINAL_TOPIC = "dlq_original_topic"
ORIGINAL_PARTITION = "dlq_original_partition"
ORIGINAL_OFFSET = "dlq_original_offset"
CONSUMER = "dlq_consumer"
ERROR = "dlq_error"
TIME = "dlq_time"
PARKED_BEHIND = "dlq_parked_behind"
# headers of a resolution
RESOLUTION = "dlq_resolution"
RESOLVES = "dlq_resolves"
REASON = "dlq_reason"
RESOLUTIONS = ("replayed", "discarded")


@dataclass(frozen=True, order=True)
class Origin:
    """Where a record was read: the one name of a dead letter (``topic:partition:offset``)."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"

    @classmethod
    def parse(cls, text: str) -> Origin:
        topic, partition, offset = text.rsplit(":", 2)
        if not topic:
            raise ValueError(f"not a dead letter's origin (topic:partition:offset): {text!r}")
        return cls(topic, int(partition), int(offset))


Key = tuple[str, bytes]  # (origin topic, partition key)


class DeadLetterLimit:
    """At most `limit` dead letters within any `window` seconds. `exceeded(n)` asks whether n more
    would break it; `record(n)` counts them once they are really on the dead-letter topic (a batch
    that was rolled back and is read again is not counted twice)."""

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        window: float = DEFAULT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a dead-letter limit is at least 1 within a window longer than 0 s")
        self.limit, self.window, self.clock = limit, window, clock
        self._times: deque[float] = deque()

    def _forget_old(self) -> float:
        now = self.clock()
        while self._times and self._times[0] <= now - self.window:
            self._times.popleft()
        return now

    def exceeded(self, more: int = 1) -> bool:
        self._forget_old()
        return len(self._times) + more > self.limit

    def record(self, count: int = 1) -> None:
        now = self._forget_old()
        self._times.extend([now] * count)

    @property
    def recent(self) -> int:
        self._forget_old()
        return len(self._times)

    def __str__(self) -> str:
        return f"{self.limit} dead letters within {self.window:g} s"

    @classmethod
    def configured(cls, settings: EventSettings) -> DeadLetterLimit:
        return cls(settings.dead_letter_limit, settings.dead_letter_window_seconds)


class KeyQueues:
    """The unresolved dead letters of each key, in the order they were dead-lettered, folded from the
    dead-letter topic (and from the consumer's own sends, before it reads them back)."""

    def __init__(self) -> None:
        self._queues: dict[Key, list[Origin]] = {}
        self._key_of: dict[Origin, Key | None] = {}
        self._resolved: set[Origin] = set()

    def add(self, origin: Origin, key: Key | None) -> None:
        """A dead letter; the same origin twice (a resent batch) counts once."""
        if origin in self._key_of:
            return
        self._key_of[origin] = key
        if key is not None and origin not in self._resolved:
            self._queues.setdefault(key, []).append(origin)

    def resolve(self, origin: Origin) -> None:
        self._resolved.add(origin)
        key = self._key_of.get(origin)
        queue = self._queues.get(key) if key is not None else None
        if queue and origin in queue:
            queue.remove(origin)
            if not queue:
                del self._queues[key]  # type: ignore[arg-type]

    def blocker(self, key: Key | None) -> Origin | None:
        """The dead letter a record of this key must wait behind, or None if the key flows."""
        if key is None:
            return None
        queue = self._queues.get(key)
        return queue[0] if queue else None

    def known(self, origin: Origin) -> bool:
        """Was this very record dead-lettered before (then reading it again must not handle it)?"""
        return origin in self._key_of

    def knows_any(self, origins: Iterable[Origin]) -> bool:
        """Was any of these records dead-lettered before? (`origins` is not read while none ever was.)"""
        return bool(self._key_of) and any(origin in self._key_of for origin in origins)

    def blocks_any(self, keys: Iterable[Key | None]) -> bool:
        """Must any of these keys wait behind a dead letter? (`keys` is not read while no key waits: a consumer
        asks for every batch.)"""
        return bool(self._queues) and any(k is not None and k in self._queues for k in keys)

    @property
    def unresolved(self) -> int:
        return sum(len(q) for q in self._queues.values()) + sum(
            1 for o, k in self._key_of.items() if k is None and o not in self._resolved
        )


@dataclass(frozen=True)
class Verdict:
    """What to do with one record of a batch: handle it, or dead-letter it (as poison, or parked)."""

    action: str  # "handle" | "poison" | "park" | "halt" | "skip"
    behind: Origin | None = None


class Triage:
    """The decisions for one batch, in record order, on a copy of the queues: nothing of it counts
    until the batch's transaction committed and its dead letters are on the topic (`settle`)."""

    def __init__(self, queues: KeyQueues, limit: DeadLetterLimit) -> None:
        self.queues, self.limit = queues, limit
        self._new_blocks: dict[Key, Origin] = {}
        self.dead: list[tuple[Origin, Key | None]] = []

    def _blocker(self, key: Key | None) -> Origin | None:
        return self.queues.blocker(key) or (self._new_blocks.get(key) if key is not None else None)

    def before(self, origin: Origin, key: Key | None) -> Verdict:
        """Before handling a record: skip it (dead-lettered before), park it, or handle it."""
        if self.queues.known(origin):
            return Verdict("skip")
        behind = self._blocker(key)
        if behind is None:
            return Verdict("handle")
        if self.limit.exceeded(len(self.dead) + 1):
            return Verdict("halt")
        self.dead.append((origin, key))
        return Verdict("park", behind)

    def poisoned(self, origin: Origin, key: Key | None) -> Verdict:
        """A record that cannot be handled: dead-letter it and block its key, unless over the limit."""
        if self.limit.exceeded(len(self.dead) + 1):
            return Verdict("halt")
        self.dead.append((origin, key))
        if key is not None:
            self._new_blocks.setdefault(key, origin)
        return Verdict("poison")

    def settle(self) -> None:
        """The batch's dead letters are on the topic: they count against the limit and block their keys."""
        for origin, key in self.dead:
            self.queues.add(origin, key)
        self.limit.record(len(self.dead))
