"""A case's history as plain Python: which case an event belongs to, what of it the case page shows,
who assigned the case to whom, and the timeline that puts events and assignments in their order.

What an entry keeps is chosen by name (``KEPT``): states, outcomes, grounds, scores, dates and the
officials' reasons. Never an author, a representative, a respondent's pseudonym or what residents
typed. The actor as the event carries it: an official by pseudonymous id and role (the audit), a
resident by role only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gateway.casework.queue import FAMILIES, PROJECT_EVENTS, PROPOSALS, Data
from meemaken_kit.roles import OFFICIALS

KEPT = frozenset(
    {
        # Right to Challenge (top level and details)
        "from_status",
        "to_status",
        "reason",
        "grounds",
        "outcome",
        "criterion",
        "score",
        "proposal",
        "deadline",
        "due_at",
        "next_review_at",
        "question",
        # proposals and budget rounds
        "reasons",
        "position",
        "late",
        "supporters",
        "threshold",
        "answer_due_at",
        "into_id",
        "into_ids",
        "feasibility",
        "cost",
        # citizen panels
        "theme",
        "size",
        "number",
        "problem",
        "session",
        "starts_at",
        "recommendation",
        "verdict",
    }
)
MAX_TEXT = 2000
MAX_ITEMS = 20
OFFICIAL_ROLES = ("case_officer", "assessor", "decision_body", "panel_coordinator", "supervisor", "administrator")


@dataclass(frozen=True)
class Entry:
    """One event in a case's history."""

    service: str
    case_id: str
    event_id: str
    at: datetime
    event: str  # the family and the event's name, e.g. "challenge.scored"
    actor_id: str | None = None
    actor_role: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    """A case given to an official: by a colleague on the case page (with a reason) or by a service."""

    id: str
    service: str
    case_id: str
    assignee: str
    at: datetime
    assigned_by: str | None = None
    assigned_by_role: str | None = None
    reason: str | None = None


def _value(value: object) -> object | None:
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v[:MAX_TEXT] for v in value[:MAX_ITEMS]]
    return None


def kept_facts(data: Data) -> dict[str, Any]:
    """The facts of an event's data the page may show: the named ones, at the top or in its details."""
    found: dict[str, Any] = {}
    details = data.get("details")
    for source in (data, details if isinstance(details, Mapping) else {}):
        for name in KEPT & set(source):
            value = _value(source[name])
            if value is not None and value != "":
                found[name] = value
    return found


def entry_for(event_id: str, event_type: str, data: Data, at: datetime) -> Entry | None:
    """The history entry of an event, or None when it belongs to no case the queue knows."""
    for prefix, (service, key, _read) in FAMILIES.items():
        if not event_type.startswith(prefix):
            continue
        name = event_type[len(prefix) :].rsplit(".v", 1)[0]
        case_id = str(data[key])
        if service == PROPOSALS and name in PROJECT_EVENTS:
            case_id = f"{case_id}/{data['project_id']}"
        family = prefix.rstrip(".").rsplit(".", 1)[1]
        given = data.get("actor")
        actor: Data = given if isinstance(given, Mapping) else {}
        role = actor.get("role")
        who = actor.get("id") if role in OFFICIALS else None  # a resident by role only: nothing to export or erase
        return Entry(service, case_id, event_id, at, f"{family}.{name}", who, role, kept_facts(data))
    return None


def assignment_for(entry: Entry, data: Data) -> Assignment | None:
    """A service's own assignment: the challenges service's assessor, as the event names them."""
    details = data.get("details")
    if entry.event != "challenge.assessor_assigned" or not isinstance(details, Mapping):
        return None
    assessor = details.get("assessor_id")
    if not assessor:
        return None
    return Assignment(
        entry.event_id, entry.service, entry.case_id, str(assessor), entry.at, entry.actor_id, entry.actor_role
    )


def current_assignee(assignments: Iterable[Assignment]) -> str | None:
    """The latest assignment's assignee (the one the work queue shows); None before the first."""
    latest = max(assignments, key=lambda a: (a.at, a.id), default=None)
    return None if latest is None else latest.assignee


def acting_role(roles: Sequence[str]) -> str | None:
    """The role an official acts in on a case page: the first official role they hold."""
    return next((role for role in OFFICIAL_ROLES if role in roles), None)


@dataclass(frozen=True)
class Moment:
    """One line of the timeline: an event or an assignment, at its time."""

    at: datetime
    entry: Entry | None = None
    assignment: Assignment | None = None


def timeline(entries: Iterable[Entry], assignments: Iterable[Assignment]) -> list[Moment]:
    """Events and the officials' assignments in the order they happened (a service's assignment is
    already one of the events, so it is not told twice)."""
    moments = [Moment(e.at, entry=e) for e in entries]
    told = {m.entry.event_id for m in moments if m.entry is not None}
    moments += [Moment(a.at, assignment=a) for a in assignments if a.id not in told]
    return sorted(moments, key=lambda m: (m.at, m.entry is None))
