"""A delivery: one message to one person on one channel, and what became of it.

    queued -> sending -> sent
                      -> queued (a transient failure: tried again later, each wait twice the last)
                      -> failed (a permanent failure, or the last try failed too)
                      -> bounced (the server refused the address itself)
    held -> digested (waits for the person's daily or weekly digest, then goes out inside it)

The idempotency key is a hash of (event source, event id, recipient, channel): a redelivered or
replayed event finds its key taken and sends nothing again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

STATUSES = ("queued", "held", "sending", "sent", "failed", "bounced", "digested")
FINAL = ("sent", "failed", "bounced", "digested")


def idempotency_key(event_source: str, event_id: str, recipient: str, channel: str) -> str:
    return hashlib.sha256(f"{event_source}\n{event_id}\n{recipient}\n{channel}".encode()).hexdigest()


@dataclass(frozen=True)
class RetryPolicy:
    first_wait: timedelta = timedelta(seconds=30)
    ceiling: timedelta = timedelta(hours=6)
    max_attempts: int = 8

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after `attempts` failed tries; None when there are no tries left."""
        if attempts >= self.max_attempts:
            return None
        return now + min(self.first_wait * 2 ** (attempts - 1), self.ceiling)


class SendFailure(Exception):
    """Why a message could not be handed over; `kind` says what to do about it."""

    def __init__(self, kind: str, error: str) -> None:
        super().__init__(error)
        self.kind, self.error = kind, error  # kind: transient | permanent | bounced


@dataclass(frozen=True)
class Outcome:
    status: str
    next_attempt_at: datetime | None
    last_error: str | None


def after_failure(failure: SendFailure, attempts: int, now: datetime, policy: RetryPolicy) -> Outcome:
    if failure.kind == "bounced":
        return Outcome("bounced", None, failure.error)
    if failure.kind == "permanent":
        return Outcome("failed", None, failure.error)
    retry = policy.next_attempt(attempts, now)
    if retry is None:
        return Outcome("failed", None, f"gave up after {attempts} tries: {failure.error}")
    return Outcome("queued", retry, failure.error)
