"""The correlation id that follows one resident's action through every workflow step.

It is born at the HTTP edge (or taken from the caller's ``X-Correlation-ID``), written into
every event the request causes, and restored by the consumer loop while it handles that
event, so the follow-up events (and every log line on the way) carry the same id.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import uuid
from collections.abc import Iterator

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)

_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_correlation_id() -> str:
    return str(uuid.uuid4())


def accept_correlation_id(candidate: str | None) -> str:
    """Keep a caller's id when it is a harmless token, otherwise start a new one."""
    if candidate and _ACCEPTABLE.match(candidate):
        return candidate
    return new_correlation_id()


def current_correlation_id() -> str | None:
    return _current.get()


def set_correlation_id(value: str | None) -> contextvars.Token[str | None]:
    return _current.set(value)


def reset_correlation_id(token: contextvars.Token[str | None]) -> None:
    _current.reset(token)


@contextlib.contextmanager
def correlated(value: str | None) -> Iterator[None]:
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)
