"""Which deadlines a challenge has in its current state, and what happens when one falls due.

The timer store keeps one pending timer per (challenge, kind) in line with ``deadlines_of``;
the worker fires due timers with ``fire``. Both are plain functions of the challenge and a
moment, so tests drive time by passing moments (no sleeping).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from challenges.domain.challenge import Challenge
from challenges.domain.states import BEFORE_DECISION, Status
from meemaken_kit.deadlines import before, due


@dataclass(frozen=True)
class Deadline:
    kind: str
    due_at: datetime


def _last_move(c: Challenge) -> datetime:
    return c.history[-1].at


def deadlines_of(c: Challenge) -> list[Deadline]:
    limits = c.profile.deadlines
    found: list[Deadline] = []
    if c.status is Status.SUBMITTED and c.submitted_at is not None:
        found.append(Deadline("acknowledgement", due(c.submitted_at, limits.acknowledgement)))
    if c.status is Status.INFORMATION_REQUESTED:
        found.append(Deadline("repair", due(_last_move(c), limits.repair_period)))
    if c.status is Status.MODIFICATION_PROPOSED:
        found.append(Deadline("modification_reply", due(_last_move(c), limits.modification_reply)))
    if c.status in (Status.IN_EXECUTION, Status.RENEWED):
        found.append(Deadline("review", due(_last_move(c), limits.review_period)))
    if c.status in (Status.REJECTED, Status.OUT_OF_SCOPE) and c.decision is not None and not c.objected:
        found.append(Deadline("objection_window", due(c.decision.decided_at, limits.objection_window)))
    decision = c.clock.due_at() if c.clock is not None and c.status in BEFORE_DECISION else None
    if decision is not None:
        found.append(Deadline("decision", decision))
        found.append(Deadline("decision_near_breach", before(decision, limits.near_breach_before)))
    return found


def fire(c: Challenge, kind: str, now: datetime) -> None:
    """What a due timer does; a timer that no longer applies does nothing."""
    if kind == "acknowledgement" and c.status is Status.SUBMITTED:
        c.deadline_warning(now, "acknowledgement", breached=True)
    elif kind == "repair" and c.status is Status.INFORMATION_REQUESTED:
        if c.return_to is Status.ADMISSIBILITY_CHECK:
            c.repair_period_ended(now)
        else:
            c.deadline_warning(now, "information", breached=True)
    elif kind == "modification_reply" and c.status is Status.MODIFICATION_PROPOSED:
        c.deadline_warning(now, "modification_reply", breached=True)
    elif kind == "review" and c.status in (Status.IN_EXECUTION, Status.RENEWED):
        c.start_review(now)
    elif kind == "objection_window" and c.status in (Status.REJECTED, Status.OUT_OF_SCOPE) and not c.objected:
        c.decision_became_final(now)
    elif kind in ("decision", "decision_near_breach") and c.status in BEFORE_DECISION:
        decision = c.clock.due_at() if c.clock is not None else None
        c.deadline_warning(now, "decision", breached=kind == "decision", due_at=decision)
