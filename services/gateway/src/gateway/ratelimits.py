"""Rate limits per address and per account, on the `limits` library (storage ``MEEMAKEN_RATELIMIT_STORAGE_URI``).

`limits` is the engine under Flask-Limiter; it is used directly because Flask-Limiter's context manager
inspects the call stack (and stats source files) on every use: a fifth of a pass-through's time.
Limits key on the caller's own address or own account, never on an account a request names, so nobody
can lock someone else out. A sliding-window counter costs the same whatever the limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from flask import request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter


class TooManyRequests(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@cache
def _parsed(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


class SweptMemoryStorage(MemoryStorage):  # type: ignore[misc]
    """`limits`' in-process storage with one sweeper thread per process. The original starts a new timer
    thread 10 ms after each burst of hits to drop expired counters, which under steady traffic is a thread
    started for nearly every request (a tenth of the fast lane's time). Counters are still checked for
    expiry when read; the sweep only frees memory."""

    SWEEP_SECONDS = 5.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions, **options)
        self._sweeper: threading.Thread | None = None
        self._sweeper_lock = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the per-burst timer
        if self._sweeper is None or not self._sweeper.is_alive():
            with self._sweeper_lock:
                if self._sweeper is None or not self._sweeper.is_alive():  # also after a fork
                    self._sweeper = threading.Thread(target=self._sweep, name="ratelimit-sweeper", daemon=True)
                    self._sweeper.start()

    def _sweep(self) -> None:
        while True:
            time.sleep(self.SWEEP_SECONDS)
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def _storage(uri: str) -> Storage:
    if uri.startswith("memory://"):
        return SweptMemoryStorage()
    found = storage_from_string(uri)
    assert isinstance(found, Storage), f"{uri} names an asynchronous storage"
    return found


class RateLimits:
    def __init__(self, storage_uri: str, enabled: bool = True) -> None:
        self.enabled = enabled
        self._limiter = SlidingWindowCounterRateLimiter(_storage(storage_uri))

    def hit(self, limits: str, scope: str, key: str | None = None) -> None:
        """Count one request of ``scope`` for ``key`` (default: the caller's address) against each of
        ``limits`` (e.g. ``"30/minute;300/hour"``); TooManyRequests when one is exceeded."""
        if not self.enabled:
            return
        who = key or f"address:{request.remote_addr}"
        for item in _parsed(limits):
            if not self._limiter.hit(item, scope, who):
                reset = self._limiter.get_window_stats(item, scope, who).reset_time
                raise TooManyRequests(max(1, int(reset - time.time())))

    @contextmanager
    def limit(self, limits: str, scope: str, key: str | None = None) -> Iterator[None]:
        """``with limiter.limit("30/minute", "submissions", f"account:{id}"):`` around what it limits."""
        self.hit(limits, scope, key)
        yield
