"""The states of a challenge and the one table of what may follow what.

Every action is a verb; the event it raises is named after it (see ``EVENT_OF``).
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    ADMISSIBILITY_CHECK = "admissibility_check"
    INFORMATION_REQUESTED = "information_requested"
    IN_ASSESSMENT = "in_assessment"
    IN_DIALOGUE = "in_dialogue"
    MODIFICATION_PROPOSED = "modification_proposed"
    DECISION_PENDING = "decision_pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OUT_OF_SCOPE = "out_of_scope"
    WITHDRAWN = "withdrawn"
    OBJECTION = "objection"
    AGREEMENT_DRAFTING = "agreement_drafting"
    IN_EXECUTION = "in_execution"
    UNDER_REVIEW = "under_review"
    RENEWED = "renewed"
    COMPLETED = "completed"
    TERMINATED = "terminated"


S = Status
BEFORE_DECISION = frozenset(
    {
        S.SUBMITTED,
        S.ACKNOWLEDGED,
        S.ADMISSIBILITY_CHECK,
        S.INFORMATION_REQUESTED,
        S.IN_ASSESSMENT,
        S.IN_DIALOGUE,
        S.MODIFICATION_PROPOSED,
        S.DECISION_PENDING,
    }
)
RUNNING_CASE = BEFORE_DECISION | {S.OBJECTION}  # the decision clock and the officials' queue apply
EXECUTION = frozenset({S.IN_EXECUTION, S.UNDER_REVIEW, S.RENEWED})

# action: (states it may start from, state it leads to); None = back to where the case was before
TRANSITIONS: dict[str, tuple[frozenset[Status], Status | None]] = {
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED),
    "acknowledge": (frozenset({S.SUBMITTED}), S.ACKNOWLEDGED),
    "start_admissibility_check": (frozenset({S.ACKNOWLEDGED}), S.ADMISSIBILITY_CHECK),
    "request_information": (
        frozenset({S.ADMISSIBILITY_CHECK, S.IN_ASSESSMENT, S.IN_DIALOGUE, S.DECISION_PENDING}),
        S.INFORMATION_REQUESTED,
    ),
    "supply_information": (frozenset({S.INFORMATION_REQUESTED}), None),
    "open_assessment": (frozenset({S.ADMISSIBILITY_CHECK}), S.IN_ASSESSMENT),
    "refuse_admission": (frozenset({S.ADMISSIBILITY_CHECK, S.INFORMATION_REQUESTED}), S.REJECTED),
    "declare_out_of_scope": (frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.ADMISSIBILITY_CHECK}), S.OUT_OF_SCOPE),
    "start_dialogue": (frozenset({S.IN_ASSESSMENT}), S.IN_DIALOGUE),
    "propose_modification": (frozenset({S.IN_ASSESSMENT, S.IN_DIALOGUE, S.DECISION_PENDING}), S.MODIFICATION_PROPOSED),
    "accept_modification": (frozenset({S.MODIFICATION_PROPOSED}), S.DECISION_PENDING),
    "decline_modification": (frozenset({S.MODIFICATION_PROPOSED}), S.DECISION_PENDING),
    "propose_decision": (frozenset({S.IN_ASSESSMENT, S.IN_DIALOGUE}), S.DECISION_PENDING),
    "accept": (frozenset({S.DECISION_PENDING}), S.ACCEPTED),
    "reject": (frozenset({S.DECISION_PENDING}), S.REJECTED),
    "withdraw": (BEFORE_DECISION | {S.ACCEPTED, S.AGREEMENT_DRAFTING, S.OBJECTION}, S.WITHDRAWN),
    "object": (frozenset({S.REJECTED, S.OUT_OF_SCOPE}), S.OBJECTION),
    "uphold_objection": (frozenset({S.OBJECTION}), S.DECISION_PENDING),
    "dismiss_objection": (frozenset({S.OBJECTION}), S.REJECTED),
    "start_agreement": (frozenset({S.ACCEPTED}), S.AGREEMENT_DRAFTING),
    "start_execution": (frozenset({S.AGREEMENT_DRAFTING}), S.IN_EXECUTION),
    "start_review": (frozenset({S.IN_EXECUTION, S.RENEWED}), S.UNDER_REVIEW),
    "renew": (frozenset({S.UNDER_REVIEW}), S.RENEWED),
    "complete": (EXECUTION, S.COMPLETED),
    "terminate": (EXECUTION | {S.AGREEMENT_DRAFTING}, S.TERMINATED),
}

# the event each action raises (past tense)
EVENT_OF = {
    "submit": "submitted",
    "acknowledge": "acknowledged",
    "start_admissibility_check": "admissibility_check_started",
    "request_information": "information_requested",
    "supply_information": "information_supplied",
    "open_assessment": "assessment_opened",
    "refuse_admission": "admission_refused",
    "declare_out_of_scope": "declared_out_of_scope",
    "start_dialogue": "dialogue_started",
    "propose_modification": "modification_proposed",
    "accept_modification": "modification_accepted",
    "decline_modification": "modification_declined",
    "propose_decision": "decision_proposed",
    "accept": "accepted",
    "reject": "rejected",
    "withdraw": "withdrawn",
    "object": "objection_lodged",
    "uphold_objection": "objection_upheld",
    "dismiss_objection": "objection_dismissed",
    "start_agreement": "agreement_drafting_started",
    "start_execution": "execution_started",
    "start_review": "review_started",
    "renew": "renewed",
    "complete": "completed",
    "terminate": "terminated",
}

# events that change no state
OTHER_EVENTS = (
    "gates_checked",
    "assessor_assigned",
    "scored",
    "decision_term_extended",
    "deadline_near_breach",
    "deadline_breached",
    "referred_to_panel",
    "draft_saved",
    "notice_text_approved",
)
