"""Fakes for unit tests: a mailer that records or refuses, voters listed from memory, a clock to move."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from notifications.domain.delivery import SendFailure


class FakeMailer:
    def __init__(self, failures: list[SendFailure] | None = None) -> None:
        self.sent: list[EmailMessage] = []
        self.failures = list(failures or [])

    def send_all(self, envelope_from: str, mails: Sequence[tuple[str, bytes]]) -> list[SendFailure | None]:
        outcomes: list[SendFailure | None] = []
        for to, data in mails:
            if self.failures:
                outcomes.append(self.failures.pop(0))
                continue
            message = BytesParser(policy=policy.default).parsebytes(data)
            assert isinstance(message, EmailMessage) and message["To"] == to
            self.sent.append(message)
            outcomes.append(None)
        return outcomes

    def close(self) -> None:
        pass


class FakeVoters:
    def __init__(self, voters: list[str]) -> None:
        self.voters = voters
        self.calls = 0

    def page(self, role: str, data: dict[str, Any], cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        self.calls += 1
        start = int(cursor or 0)
        end = start + limit
        return self.voters[start:end], (str(end) if end < len(self.voters) else None)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
