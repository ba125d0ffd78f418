"""The in-process rate-limit storage: the same limits, one sweeper thread instead of a timer per burst."""

from __future__ import annotations

import threading
import time

import pytest

from gateway.ratelimits import RateLimits, SweptMemoryStorage, TooManyRequests


def test_limits_hold_and_no_thread_is_started_per_hit(monkeypatch):
    limits = RateLimits("memory://")
    started = []
    original = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: (started.append(self.name), original(self))[1])
    for _ in range(5):
        limits.hit("5/minute", "submissions", "account:a")
        time.sleep(0.02)  # the original storage starts a new timer thread 10 ms after each burst
    with pytest.raises(TooManyRequests) as refused:
        limits.hit("5/minute", "submissions", "account:a")
    assert refused.value.retry_after > 0
    limits.hit("5/minute", "submissions", "account:b")  # another account is not locked out
    assert started.count("ratelimit-sweeper") <= 1 and len(started) <= 1


def test_the_sweep_frees_expired_counters(monkeypatch):
    monkeypatch.setattr(SweptMemoryStorage, "SWEEP_SECONDS", 0.05)
    storage = SweptMemoryStorage()
    storage.incr("k", expiry=0.01)
    assert storage.get("k") == 1
    deadline = time.monotonic() + 2
    while "k" in storage.storage and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "k" not in storage.storage and storage.get("k") == 0
