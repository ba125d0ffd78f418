"""The deadline the proposals worker watches, for its metrics (meemaken_kit.metrics): the municipality's
answer to an admitted proposal."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from meemaken_kit.metrics import Timer
from proposals.adapters.tables import proposals
from proposals.domain.model import ProposalStatus

_open = proposals.c.status == ProposalStatus.ADMITTED.value


def _late_unnoticed(now: datetime) -> sa.Select[Any]:
    overdue = proposals.c.answer_overdue.is_(False)
    return sa.select(sa.func.count()).where(_open, overdue, proposals.c.answer_due_at <= now)


def _unanswered_overdue(_now: datetime) -> sa.Select[Any]:
    return sa.select(sa.func.count()).where(_open, proposals.c.answer_overdue.is_(True))


TIMERS = (Timer("answer", _late_unnoticed, _unanswered_overdue),)
