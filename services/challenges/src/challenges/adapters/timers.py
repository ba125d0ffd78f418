"""The deadlines the challenges worker watches, for its metrics (meemaken_kit.metrics): the case timers
(decision terms and the warnings before them) and the cases whose term is breached."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from challenges.adapters import tables
from meemaken_kit.metrics import Timer


def _unfired(now: datetime) -> sa.Select[Any]:
    t = tables.timers
    pending = sa.and_(t.c.fired_at.is_(None), t.c.cancelled_at.is_(None))
    return sa.select(sa.func.count()).select_from(t).where(pending, t.c.due_at <= now)


def _breached(_now: datetime) -> sa.Select[Any]:
    # "breached" while a term has passed; cleared once the case is decided, withdrawn or executing
    c = tables.challenges
    return sa.select(sa.func.count()).select_from(c).where(c.c.alert == "breached")


TIMERS = (Timer("decision_term", _unfired, _breached),)
