"""Login sessions the pass-through's full path accepted a moment ago (see ``gateway.proxy.lane``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from meemaken_kit.auth import Principal

MAX_KNOWN = 50_000


@dataclass(frozen=True)
class Known:
    """A session the full path accepted: who it is, its CSRF token (once one was checked), until when."""

    principal: Principal
    token_key: Hashable
    csrf: str | None
    until: float


class KnownSessions:
    """Per worker process: session id -> Known, for a few seconds."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self._known: dict[str, Known] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    def accepted(
        self, sid: str, who: Principal, token_key: Hashable, csrf: str | None, not_after: float | None = None
    ) -> None:
        """The full path let this session's request through (with this CSRF token, if it checked one)."""
        if not self.enabled:
            return
        until = self.clock() + self.seconds
        if not_after is not None:
            until = min(until, not_after)
        with self._lock:
            previous = self._known.get(sid)
            if csrf is None and previous is not None and previous.principal == who:
                csrf = previous.csrf  # a GET checks no token: keep the one already checked
            if len(self._known) >= MAX_KNOWN:
                self._known.clear()
            self._known[sid] = Known(who, token_key, csrf, until)

    def get(self, sid: str) -> Known | None:
        known = self._known.get(sid)
        if known is None or known.until <= self.clock():
            return None
        return known

    def forget(self, sid: str | None) -> None:
        if sid is not None:
            with self._lock:
                self._known.pop(sid, None)
