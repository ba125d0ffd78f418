"""The automatic admissibility gates: what the data can decide, each with its explanation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from challenges.domain.rules import Profile


@dataclass(frozen=True)
class GateResult:
    code: str
    passed: bool
    explanation: str
    ground: str
    outcome: str  # what failing it means: rejected, out_of_scope or repair

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "passed": self.passed, "explanation": self.explanation}


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class Facts:
    """What the automatic check looks at, gathered by the use case from the catalogue and the case."""

    submitted_at: datetime
    task_open: bool
    windows: tuple[Window, ...]
    blocked_by: str | None  # e.g. "procurement 2026/14 running", "council decision 2025-311"
    eligible_legal_forms: tuple[str, ...]
    min_members: int
    legal_form: str
    members_count: int
    missing_parts: tuple[str, ...]
    open_challenges_on_task: int


def _within_window(f: Facts) -> tuple[bool, str]:
    inside = any(w.opens_at <= f.submitted_at <= w.closes_at for w in f.windows)
    return inside, "Submitted within a submission window." if inside else "No submission window was open."


def _complete(f: Facts) -> tuple[bool, str]:
    if not f.missing_parts:
        return True, "Every required part is present."
    return False, "These parts are missing: " + ", ".join(p.replace("_", " ") for p in f.missing_parts) + "."


def _eligible_body(f: Facts) -> tuple[bool, str]:
    if f.eligible_legal_forms and f.legal_form not in f.eligible_legal_forms:
        # the task's own forms, not the one the group typed: explanations travel in events and notices
        return (
            False,
            f"Only a group of one of these legal forms may challenge this task: {', '.join(f.eligible_legal_forms)}.",
        )
    if f.members_count < f.min_members:
        return False, f"The group needs at least {f.min_members} members."
    return True, "The group may challenge."


def _eligible_task(f: Facts) -> tuple[bool, str]:
    return (True, "The task is open to challenge.") if f.task_open else (False, "The task is not open to challenge.")


def _not_blocked(f: Facts) -> tuple[bool, str]:
    return (True, "Nothing blocks the task.") if not f.blocked_by else (False, f"Blocked: {f.blocked_by}.")


def _no_duplicate(f: Facts) -> tuple[bool, str]:
    if f.open_challenges_on_task:
        return False, "Another challenge on this task is already being handled."
    return True, "No other open challenge on this task."


CHECKS: dict[str, Callable[[Facts], tuple[bool, str]]] = {
    "eligible_task": _eligible_task,
    "within_window": _within_window,
    "eligible_body": _eligible_body,
    "not_blocked": _not_blocked,
    "no_duplicate": _no_duplicate,
    "complete": _complete,
}


def check_gates(profile: Profile, facts: Facts) -> tuple[GateResult, ...]:
    """Every automatic gate of the profile, in the order of CHECKS (scope first, repairable last)."""
    by_code = {g.code: g for g in profile.gates if g.automatic}
    results = []
    for code, check in CHECKS.items():
        gate = by_code.get(code)
        if gate is None:
            continue
        passed, explanation = check(facts)
        results.append(GateResult(code, passed, explanation, gate.ground, gate.outcome))
    return tuple(results)
