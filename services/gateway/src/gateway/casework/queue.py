"""The work queue as plain Python: which event opens, moves or closes which work item.

One item per case (a proposal, a budget round, a project to review, a Right-to-Challenge case, a
citizen panel), keyed by service and case id. Each event becomes a ``Change``: the fields it sets on
its case's item, at the event's time. An item keeps the time of the last change applied to it, and a
change older than that is ignored, so a redelivered or replayed event changes nothing and events of
one case applied again in their order end where they ended the first time.

An item holds no personal data: a title only where the service publishes one for everyone (a
proposal's, a project's, a panel's theme), never an author, a representative or a respondent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Data = Mapping[str, Any]

PROPOSALS, CHALLENGES, PANELS = "proposals", "challenges", "panels"
SERVICES = (PROPOSALS, CHALLENGES, PANELS)
FIELDS = frozenset({"kind", "state", "open", "title", "department", "district", "assignee", "due_at", "alert"})


@dataclass(frozen=True)
class Change:
    """What one event does to its case's work item: the fields it sets (``FIELDS``), as of ``at``."""

    service: str
    case_id: str
    at: datetime
    fields: Mapping[str, Any]

    def __post_init__(self) -> None:
        unknown = set(self.fields) - FIELDS
        if unknown:
            raise ValueError(f"not a field of a work item: {sorted(unknown)}")

    def applies_after(self, version: datetime | None) -> bool:
        """Newer than (or as new as) what the item holds: a replay of the same history ends the same."""
        return version is None or self.at >= version


def moment(value: object) -> datetime | None:
    """An ISO 8601 moment from an event's data; None when the event gives none."""
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value)


def _opened(kind: str, state: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "state": state, "open": True, "alert": None, **fields}


def _closed(state: str) -> dict[str, Any]:
    return {"state": state, "open": False, "alert": None}


# --- proposals: proposals awaiting an answer ---------------------------------------------------------


def proposal_fields(name: str, data: Data) -> dict[str, Any] | None:
    title = {"title": data["title"], **({"district": data["district"]} if "district" in data else {})}
    if name == "admitted":  # a part of a split proposal owes the answer its original owed
        return _opened("answer_proposal", "admitted", due_at=moment(data.get("answer_due_at")), **title)
    if name == "threshold_reached":
        return _opened("answer_proposal", "threshold_reached", due_at=moment(data.get("answer_due_at")), **title)
    if name == "answer_overdue":
        return {"alert": "breached", "due_at": moment(data.get("answer_due_at"))}
    if name in ("answered", "declined", "rejected", "merged", "split"):
        return _closed(name)
    return None


# --- budget rounds: the round's next step, and each project to review for feasibility ------------------

ROUND_STEPS = {
    "opened": _opened("prepare_round", "opened"),
    "feasibility_started": _opened("review_feasibility", "feasibility"),
    "voting_opened": _opened("close_voting", "voting"),
    "closed": _opened("publish_results", "closed"),
    "results_published": _closed("results_published"),
}


def round_fields(name: str, data: Data) -> dict[str, Any] | None:
    found = ROUND_STEPS.get(name)
    return None if found is None else {**found, "title": data["process_id"]}


def project_fields(name: str, data: Data) -> dict[str, Any] | None:
    if name == "project_added":
        return _opened("assess_project", "proposed", title=data["title"], district=data["district"])
    if name == "project_assessed":
        return _closed(str(data["feasibility"]))
    return None


# --- Right to Challenge: what the case's state asks of the municipality -------------------------------

CHALLENGE_WORK = {
    "submitted": "acknowledge",
    "acknowledged": "check_admissibility",
    "admissibility_check": "check_admissibility",
    "information_requested": "await_information",
    "in_assessment": "score_assessment",
    "in_dialogue": "score_assessment",
    "modification_proposed": "await_modification_reply",
    "decision_pending": "take_decision",
    "objection": "decide_objection",
    "accepted": "draft_agreement",
    "agreement_drafting": "draft_agreement",
    "under_review": "review_execution",
}
WAITING = frozenset({"information_requested", "modification_proposed"})  # deadlines that end with the wait


def challenge_fields(name: str, data: Data) -> dict[str, Any] | None:
    details: Data = data["details"]
    if name == "assessor_assigned":
        return None  # an assignment (gateway.casework.timeline): the case's latest one is the assignee
    if name == "decision_term_extended":
        return {"due_at": moment(details.get("due_at")), "alert": None}
    if name in ("deadline_near_breach", "deadline_breached"):
        level = "breached" if name == "deadline_breached" else "near_breach"
        return {"alert": level, "due_at": moment(details.get("due_at"))}
    state, before = str(data["to_status"]), str(data.get("from_status", ""))
    if state == before:
        return None  # a note on the case (gates checked, scored, ...): nothing for the queue
    work = CHALLENGE_WORK.get(state)
    if work is None:
        return _closed(state)
    if name == "information_supplied":
        work = "handle_information"
    fields = _opened(work, state, department=data["department"], title=None)
    due = moment(details.get("due_at") or details.get("next_review_at"))
    clock = moment(data.get("decision_due_at"))  # the decision clock's, as the service has it after the step
    if due is not None or before in WAITING:
        fields["due_at"] = due or clock  # a new deadline (or the clock running again): its warning is over
        return fields
    del fields["alert"]  # the decision clock runs on through the state: its warning stays
    if "decision_due_at" in data:  # events published before it was added: the item keeps the due date it had
        fields["due_at"] = clock  # None once decided: drafting the agreement or a review has no due date
    return fields


# --- citizen panels: the coordinator's next task ------------------------------------------------------

PANEL_STEPS = {
    "set_up": ("import_pool", "set_up"),
    "register_imported": ("draw_invitations", "recruiting"),
    "invitations_drawn": ("follow_registrations", "inviting"),
    "pool_closed": ("run_draw", "pool_closed"),
    "lottery_requested": ("run_draw", "drawing"),
    "lottery_failed": ("run_draw", "draw_failed"),
    "lottery_committed": ("confirm_composition", "drawn"),
    "drawn": ("confirm_composition", "drawn"),
    "composition_final": ("plan_sessions", "composed"),
    "session_planned": ("plan_sessions", "deliberating"),
    "recommendations_delivered": ("answer_recommendations", "recommendations"),
}


def panel_fields(name: str, data: Data) -> dict[str, Any] | None:
    details: Data = data["details"]
    if name == "answered":
        return _closed("answered")
    if name == "answer_deadline_breached":
        return {"alert": "breached", "due_at": moment(details.get("due_at"))}
    step = PANEL_STEPS.get(name)
    if step is None:
        return None  # a respondent's step, a member's answer: the panel's own task is unchanged
    fields = _opened(*step, due_at=moment(details.get("due_at")))
    if name == "set_up":
        fields["title"] = details.get("theme")
    return fields


# --- which event is whose ------------------------------------------------------------------------------

Reader = Callable[[str, Data], "dict[str, Any] | None"]
FAMILIES: dict[str, tuple[str, str, Reader]] = {
    # type prefix: (service, the data's case id, how its events read)
    "org.meemaken.proposals.proposal.": (PROPOSALS, "proposal_id", proposal_fields),
    "org.meemaken.proposals.round.": (PROPOSALS, "round_id", round_fields),
    "org.meemaken.challenges.challenge.": (CHALLENGES, "challenge_id", challenge_fields),
    "org.meemaken.panels.panel.": (PANELS, "panel_id", panel_fields),
}
PROJECT_EVENTS = frozenset({"project_added", "project_assessed"})


def change_for(event_type: str, data: Data, at: datetime) -> Change | None:
    """The change an event makes to the queue, or None when it makes none."""
    for prefix, (service, key, read) in FAMILIES.items():
        if not event_type.startswith(prefix):
            continue
        name = event_type[len(prefix) :].rsplit(".v", 1)[0]
        case_id = str(data[key])
        if service == PROPOSALS and name in PROJECT_EVENTS:
            case_id, read = f"{case_id}/{data['project_id']}", project_fields
        fields = read(name, data)
        return None if fields is None else Change(service, case_id, at, fields)
    return None
