"""What officials do to a Right to Challenge case, without the web: the challenges service's actions (its
endpoint, the roles that may take it, the states it is taken in, what its form asks), which of them a case
offers to the session's roles, and a form read into the service's request body or the problems with it.

The service decides in the end (its state table, scopes, assigned assessors, the texts it refuses); this
only offers what may succeed and shapes the requests. Problems are codes (``missing``, ``too_long``,
``not_listed``, ``names_someone``, ...); the pages put them in words.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from meemaken_kit.personal_data import Finding, find_personal_data

OFFICER, ASSESSOR, DECISION = "case_officer", "assessor", "decision_body"
TEXT_MAX = 5000
DAYS_MAX = 366
BEFORE_DECISION = frozenset(
    {
        "submitted",
        "acknowledged",
        "admissibility_check",
        "information_requested",
        "in_assessment",
        "in_dialogue",
        "modification_proposed",
        "decision_pending",
    }
)
ASSESSING = frozenset({"in_assessment", "in_dialogue"})
EXECUTION = frozenset({"in_execution", "under_review", "renewed"})

Kind = Literal["text", "choice", "days", "reference", "grounds", "scores", "gates"]


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    choices: tuple[str, ...] = ()  # fixed choices; a case's own (parts, grounds) come with the case


@dataclass(frozen=True)
class Action:
    code: str  # the page's name, e.g. "information-request"; its words are the page's
    path: str  # the service's endpoint under v1/challenges/{id}/
    roles: frozenset[str]
    states: frozenset[str]
    fields: tuple[Field, ...] = ()
    body: Mapping[str, Any] = field(default_factory=dict)  # fixed parts of the request body


def _a(code: str, path: str, roles: Iterable[str], states: Iterable[str], *fields: Field, **body: Any) -> Action:
    return Action(code, path, frozenset(roles), frozenset(states), fields, body)


# In the order of the case: admissibility, assessment, decision, agreement, execution.
ACTIONS: tuple[Action, ...] = (
    _a(
        "information-request",
        "information-request",
        [OFFICER],
        ["admissibility_check", "in_assessment", "in_dialogue", "decision_pending"],
        Field("question", "text"),
    ),
    _a(
        "out-of-scope",
        "decision",
        [DECISION],
        ["submitted", "acknowledged", "admissibility_check"],
        Field("grounds", "grounds"),
        Field("motivation", "text"),
        outcome="out_of_scope",
    ),
    _a(
        "extension",
        "decision-term/extension",
        [OFFICER],
        BEFORE_DECISION | {"objection"},
        Field("days", "days"),
        Field("reason", "text"),
    ),
    _a("assessors", "assessors", [OFFICER], ASSESSING, Field("reference", "reference")),
    _a("scores", "scores", [ASSESSOR], ASSESSING, Field("scores", "scores")),
    _a("dialogue", "dialogue", [OFFICER], ["in_assessment"]),
    _a(
        "modification",
        "modification",
        [OFFICER],
        ["in_assessment", "in_dialogue", "decision_pending"],
        Field("text", "text"),
    ),
    _a(
        "panel-referral",
        "panel-referral",
        [OFFICER],
        ["in_assessment", "in_dialogue", "decision_pending"],
        Field("question", "text"),
    ),
    _a(
        "notice-texts",
        "notice-texts",
        [OFFICER, DECISION],
        BEFORE_DECISION - {"submitted", "acknowledged"},
        Field("part", "choice"),
        Field("text", "text"),
    ),
    _a("decision-proposal", "decision-proposal", [OFFICER, DECISION], ASSESSING, Field("gates", "gates")),
    _a(
        "decision",
        "decision",
        [DECISION],
        ["decision_pending"],
        Field("outcome", "choice", ("accept", "reject")),
        Field("grounds", "grounds"),
        Field("motivation", "text"),
    ),
    _a(
        "objection-decision",
        "objection-decision",
        [DECISION],
        ["objection"],
        Field("upheld", "choice", ("yes", "no")),
        Field("motivation", "text"),
    ),
    _a("agreement", "agreement", [OFFICER], ["accepted"]),
    _a("execution", "execution", [OFFICER], ["agreement_drafting"], Field("summary", "text")),
    _a("review", "review", [OFFICER], ["in_execution", "renewed"]),
    _a(
        "review-conclusion",
        "review/conclusion",
        [DECISION],
        ["under_review"],
        Field("outcome", "choice", ("renew", "complete", "terminate")),
        Field("motivation", "text"),
    ),
    _a("termination", "termination", [DECISION], EXECUTION | {"agreement_drafting"}, Field("reason", "text")),
)
BY_CODE = {a.code: a for a in ACTIONS}


def offered(status: str, roles: Iterable[str]) -> list[Action]:
    """The actions a case in ``status`` offers to an official with these roles (in the order of the case)."""
    held = set(roles)
    return [a for a in ACTIONS if status in a.states and not a.roles.isdisjoint(held)]


# --- what the case brings to its forms ----------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """What the case's profile and criteria set offer its forms (the service's rule book, as it lists them)."""

    grounds: tuple[str, ...]  # coded rejection grounds, in the profile's order
    judged_gates: tuple[str, ...]  # the gates an official judges (the others the service checks itself)
    gates: tuple[str, ...]  # every gate
    criteria: tuple[str, ...]
    scale: Mapping[str, tuple[int, int]]  # a criterion's scale; empty under considered criteria
    weighted: bool
    closed_list: bool  # the profile's grounds are a closed list (no `insufficient_score`)

    @classmethod
    def of(cls, profile: Mapping[str, Any], criteria: Mapping[str, Any]) -> Rules:
        weighted = criteria.get("scoring") == "weighted"
        return cls(
            grounds=tuple(g["code"] for g in profile["grounds"]),
            judged_gates=tuple(g["code"] for g in profile["gates"] if not g["automatic"]),
            gates=tuple(g["code"] for g in profile["gates"]),
            criteria=tuple(c["code"] for c in criteria["criteria"]),
            scale={c["code"]: (int(c["scale_min"]), int(c["scale_max"])) for c in criteria["criteria"] if weighted},
            weighted=weighted,
            closed_list=bool(profile["closed_list_of_grounds"]),
        )

    def rejection_grounds(self) -> tuple[str, ...]:
        if self.closed_list or "insufficient_score" in self.grounds:
            return self.grounds
        return (*self.grounds, "insufficient_score")

    def notice_parts(self) -> tuple[str, ...]:
        return (*self.criteria, *self.gates, "decision")


# --- a form read into a request ----------------------------------------------------------------------


@dataclass
class Read:
    """A form as read: what was typed (to show again), the request body(ies), and the problems by field id."""

    values: dict[str, Any] = field(default_factory=dict)
    bodies: list[dict[str, Any]] = field(default_factory=list)  # one per request (scores: one per criterion)
    problems: dict[str, tuple[str, Any]] = field(default_factory=dict)  # field id -> (code, detail)


def text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name) or ""
    return str(value).replace("\r\n", "\n").strip()


def _official_text(value: str) -> tuple[str, Any] | None:
    """Why an official's text may not go (it travels in events and may be published), or None."""
    if not value:
        return ("missing", None)
    if len(value) > TEXT_MAX:
        return ("too_long", TEXT_MAX)
    findings: list[Finding] = find_personal_data(value)
    return ("names_someone", findings) if findings else None


def read(action: Action, form: Mapping[str, Any], chosen: Sequence[str], rules: Rules) -> Read:
    """Read ``form`` (``chosen``: the values of its checkboxes named ``grounds``) for ``action`` on a case."""
    r = Read()
    body: dict[str, Any] = dict(action.body)
    for f in action.fields:
        if f.kind == "text":
            r.values[f.name] = value = text(form, f.name)
            if problem := _official_text(value):
                r.problems[f.name] = problem
            body[f.name] = value
        elif f.kind == "choice":
            options = f.choices or rules.notice_parts()
            r.values[f.name] = value = str(form.get(f.name) or "")
            if value not in options:
                r.problems[f.name] = ("not_listed", None)
            body[f.name] = value == "yes" if f.name == "upheld" else value
        elif f.kind == "days":
            r.values[f.name] = value = text(form, f.name)
            if not re.fullmatch(r"\d{1,3}", value) or not 1 <= int(value) <= DAYS_MAX:
                r.problems[f.name] = ("not_days", DAYS_MAX)
            else:
                body["duration"] = f"P{int(value)}D"
        elif f.kind == "reference":
            r.values[f.name] = value = text(form, f.name)
            if not value:
                r.problems[f.name] = ("missing", None)
        elif f.kind == "grounds":
            options = rules.grounds if action.body.get("outcome") == "out_of_scope" else rules.rejection_grounds()
            r.values[f.name] = grounds = [g for g in options if g in chosen]
            if len(grounds) != len(set(chosen)):
                r.problems["grounds"] = ("not_listed", None)
            body[f.name] = grounds
        elif f.kind == "scores":
            _read_scores(form, rules, r)
        elif f.kind == "gates":
            body["gates"] = _read_gates(form, rules, r)
    if action.code == "decision":
        _decision(r, body)
    if action.code != "scores":
        r.bodies = [body]
    return r


def _decision(r: Read, body: dict[str, Any]) -> None:
    """An acceptance has no grounds; a rejection needs at least one."""
    if body.get("outcome") == "accept":
        if r.values.get("grounds"):
            r.problems.setdefault("grounds", ("not_with_accept", None))
    elif body.get("outcome") == "reject" and not r.values.get("grounds"):
        r.problems.setdefault("grounds", ("missing", None))


def _read_scores(form: Mapping[str, Any], rules: Rules, r: Read) -> None:
    """Each criterion the assessor judges now: a score on its scale (weighted sets) and a motivation.
    A criterion left empty is left for later; at least one is judged."""
    for criterion in rules.criteria:
        value, motivation = text(form, f"value-{criterion}"), text(form, f"motivation-{criterion}")
        r.values[f"value-{criterion}"], r.values[f"motivation-{criterion}"] = value, motivation
        if not value and not motivation:
            continue
        score: int | None = None
        if rules.weighted:
            low, high = rules.scale[criterion]
            if not re.fullmatch(r"\d{1,2}", value) or not low <= int(value) <= high:
                r.problems[f"value-{criterion}"] = ("not_on_scale", (low, high))
            else:
                score = int(value)
        if problem := _official_text(motivation):
            r.problems[f"motivation-{criterion}"] = problem
        r.bodies.append({"criterion": criterion, "value": score, "motivation": motivation})
    if not r.bodies and not r.problems:
        r.problems[f"{'value' if rules.weighted else 'motivation'}-{rules.criteria[0]}"] = ("none_scored", None)


def _read_gates(form: Mapping[str, Any], rules: Rules, r: Read) -> dict[str, Any]:
    """Each gate the official judges: passed or not, with a motivation (a failed one rejects on its ground)."""
    gates = {}
    for gate in rules.judged_gates:
        passed, motivation = str(form.get(f"passed-{gate}") or ""), text(form, f"motivation-{gate}")
        r.values[f"passed-{gate}"], r.values[f"motivation-{gate}"] = passed, motivation
        if passed not in ("yes", "no"):
            r.problems[f"passed-{gate}"] = ("not_listed", None)
        if problem := _official_text(motivation):
            r.problems[f"motivation-{gate}"] = problem
        gates[gate] = {"passed": passed == "yes", "motivation": motivation}
    return gates


def unscored(assessment: Mapping[str, Any] | None, rules: Rules) -> list[tuple[int, list[str]]]:
    """Each assigned assessor (by number) with the criteria they have not scored yet; none left: complete."""
    if not assessment:
        return []
    done = {(s["assessor_id"], s["criterion"]) for s in assessment.get("scores", [])}
    found = []
    for number, assessor in enumerate(assessment.get("assessors", []), 1):
        left = [c for c in rules.criteria if (assessor, c) not in done]
        if left:
            found.append((number, left))
    return found


def idempotency_key(batch: str, what: str) -> str:
    """The same confirmation and request always give the same key: a form sent twice acts once."""
    return str(uuid.uuid5(uuid.UUID(batch), what))
