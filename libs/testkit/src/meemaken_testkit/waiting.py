"""How long tests wait, one way: a wait fails when nothing moved for its timeout, not after a fixed total,
and every timeout scales with ``MEEMAKEN_TEST_TIME_FACTOR`` (default 1; e.g. 3 on a loaded CI runner).

- ``wait_for(condition, timeout, progress=...)``: polls ``condition`` until it holds; with ``progress`` (a
  reading that changes while the work advances, e.g. how many events are handled), every new reading restarts
  the timeout, so a slow but moving system passes and a stuck one fails after ``timeout`` without progress;
- ``scaled(seconds)``: a timeout the test hands to something else (a subprocess, a server's readiness).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

VARIABLE = "MEEMAKEN_TEST_TIME_FACTOR"


def time_factor() -> float:
    raw = os.environ.get(VARIABLE, "").strip()
    try:
        factor = float(raw) if raw else 1.0
    except ValueError:
        raise ValueError(f"{VARIABLE} is a number (how much longer tests wait), not {raw!r}") from None
    if not factor > 0:
        raise ValueError(f"{VARIABLE} is above 0, not {raw!r}")
    return factor


def scaled(seconds: float) -> float:
    return seconds * time_factor()


def wait_for(
    condition: Callable[[], Any],
    timeout: float = 30.0,
    interval: float = 0.1,
    progress: Callable[[], Any] | None = None,
) -> Any:
    """``condition()``'s first truthy value; AssertionError once ``scaled(timeout)`` seconds passed without it
    holding and (with ``progress``) without a new ``progress()`` reading."""
    limit = scaled(timeout)
    deadline = time.monotonic() + limit
    seen = progress() if progress is not None else None
    while True:
        value = condition()
        if value:
            return value
        if progress is not None and (now := progress()) != seen:
            seen, deadline = now, time.monotonic() + limit
        if time.monotonic() >= deadline:
            moved = f" (progress stuck at {seen!r})" if progress is not None else ""
            raise AssertionError(f"condition not met within {limit:g} s{moved}")
        time.sleep(interval)
