"""Login sessions the pass-through's full path accepted a moment ago (see ``gateway.proxy.lane``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from meemaken_kit.auth import Principal

if TYPE_CHECKING:
    from gateway.identity.sessions import ServerSession, SessionIdentity, SessionStore

MAX_KNOWN = 50_000


@dataclass(frozen=True)
class Known:
    """A session the full path accepted: who it is, its CSRF token (once one was checked), until when, and
    its row as then read (identity and data): a renewal goes on only while the row still says the same."""

    principal: Principal
    token_key: Hashable
    csrf: str | None
    until: float
    identity: SessionIdentity | None = None
    data: Mapping[str, Any] | None = None


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
        self,
        sid: str,
        who: Principal,
        token_key: Hashable,
        csrf: str | None,
        not_after: float | None = None,
        session: ServerSession | None = None,
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
            identity, data = (session.identity, dict(session)) if session is not None else (None, None)
            self._known[sid] = Known(who, token_key, csrf, until, identity, data)

    def get(self, sid: str) -> Known | None:
        known = self._known.get(sid)
        if known is None or known.until <= self.clock():
            return None
        return known

    def lapsed(self, sid: str) -> Known | None:
        """What the full path accepted of this session, its seconds passed or not (logout forgets it)."""
        return self._known.get(sid)

    def forget(self, sid: str | None) -> None:
        if sid is not None:
            with self._lock:
                self._known.pop(sid, None)


def deadline(store: SessionStore, session: ServerSession) -> float | None:
    """The session's first deadline (provider token expiry, idle or absolute end), on the monotonic clock."""
    if session.identity is None:
        return None
    now = store.clock()
    deadlines = [d for d in (session.identity.access_expires_at,) if d is not None]
    if session.created_at is not None:
        deadlines.append(session.created_at + store.absolute)
    if session.last_seen_at is not None:
        deadlines.append(session.last_seen_at + store.idle)
    return time.monotonic() + (min(deadlines) - now).total_seconds() if deadlines else None
