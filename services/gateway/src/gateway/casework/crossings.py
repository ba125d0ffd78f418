"""Deadline crossings as plain Python: when a work item comes near its deadline or passes it, and which
of those crossings are still to be announced.

A crossing is one level (``near_breach``, ``breached``) of one item for one due date. The same level of the
same due date is announced once, whatever the worker's restarts or the topics' replays (its key is kept);
a new due date (a term extended) is a new deadline, whose crossings are announced again. An item found
already past its deadline is announced as breached only: its near breach is history.

The levels are the queue's flags (gateway.casework.views.deadline): a service's own warning, or the due
date read now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.casework.views import NEAR_BREACH, deadline
from meemaken_kit.deadlines import due

NEAR, BREACHED = "near_breach", "breached"
LEVELS = (NEAR, BREACHED)


def due_key(due_at: datetime | None) -> str:
    """A due date as the crossing's key keeps it: its UTC ISO form, "" when the item has none."""
    return "" if due_at is None else due_at.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Crossing:
    """A work item at a level of its deadline: whom it concerns is the assignee and the department's
    supervisors (gateway.casework.alert_store)."""

    service: str
    case_id: str
    level: str
    due_at: datetime | None
    kind: str
    department: str | None
    assignee: str | None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.service, self.case_id, self.level, due_key(self.due_at))


def level_of(due_at: datetime | None, alert: str | None, now: datetime) -> str | None:
    """The item's level now, or None while its deadline is far (or it has none)."""
    flag = deadline(due_at, alert, now).flag
    return flag if flag in LEVELS else None


def crossing_of(item: Mapping[str, Any], now: datetime) -> Crossing | None:
    """The level an open work item has crossed now, or None."""
    if not item["open"]:
        return None
    level = level_of(item["due_at"], item["alert"], now)
    if level is None:
        return None
    return Crossing(
        item["service"], item["case_id"], level, item["due_at"], item["kind"], item["department"], item["assignee"]
    )


def to_announce(
    items: Iterable[Mapping[str, Any]], announced: set[tuple[str, str, str, str]], now: datetime
) -> list[Crossing]:
    """The crossings of these items not announced yet. A near breach of a due date already announced as
    breached is not announced (a service's late warning changes nothing)."""
    found = []
    for item in items:
        crossing = crossing_of(item, now)
        if crossing is None or crossing.key in announced:
            continue
        service, case_id, level, due = crossing.key
        if level == NEAR and (service, case_id, BREACHED, due) in announced:
            continue
        found.append(crossing)
    return found


def window(now: datetime) -> datetime:
    """Items due before this moment may be near breach or breached now."""
    return due(now, NEAR_BREACH)
