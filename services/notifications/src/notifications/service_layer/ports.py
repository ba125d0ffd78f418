"""What the use cases need from outside, as protocols: real adapters in bootstrap, fakes in unit tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from notifications.domain.delivery import SendFailure

Clock = Callable[[], datetime]


class Mailer(Protocol):
    def send_all(self, envelope_from: str, mails: Sequence[tuple[str, bytes]]) -> list[SendFailure | None]:
        """Hand encoded messages (recipient, text) to the server; what became of each, in order: None once
        the server accepted it, else the SendFailure."""

    def close(self) -> None: ...


class RemoteRecipients(Protocol):
    def page(self, role: str, data: dict[str, Any], cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        """One page of the people holding `role` in the event's case, and the cursor of the next (None: done)."""
