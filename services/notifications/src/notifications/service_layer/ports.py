"""What the use cases need from outside, as protocols: real adapters in bootstrap, fakes in unit tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

Clock = Callable[[], datetime]


class Mailer(Protocol):
    def send(self, envelope_from: str, to: str, data: bytes) -> None:
        """Hand one encoded message to the server, or raise SendFailure."""

    def close(self) -> None: ...


class RemoteRecipients(Protocol):
    def page(self, role: str, data: dict[str, Any], cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        """One page of the people holding `role` in the event's case, and the cursor of the next (None: done)."""
