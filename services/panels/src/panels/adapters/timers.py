"""The deadline the panels worker watches, for its metrics (meemaken_kit.metrics): the municipality's
answer to a panel's recommendations (kept in the panel's document, its time in ISO 8601 UTC)."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from meemaken_kit.metrics import Timer
from panels.adapters.tables import panels
from panels.domain.panel import Status

_awaiting_answer = panels.c.status == Status.RECOMMENDED.value
_overdue = panels.c.document["answer_overdue"].as_boolean()


def _late_unnoticed(now: datetime) -> sa.Select[Any]:
    due_at = panels.c.document["answer_due_at"].as_string()
    return sa.select(sa.func.count()).where(_awaiting_answer, sa.not_(_overdue), due_at <= now.isoformat())


def _unanswered_overdue(_now: datetime) -> sa.Select[Any]:
    return sa.select(sa.func.count()).where(_awaiting_answer, _overdue)


TIMERS = (Timer("answer", _late_unnoticed, _unanswered_overdue),)
