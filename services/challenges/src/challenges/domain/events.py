"""What each step of a challenge says: one typed definition per event, its JSON Schema generated from it.

The challenge builds each event's ``details`` as one of these (``Challenge._move`` / ``_note``), so mypy
holds the builder to them; ``challenges.integration.outgoing`` wraps them in the case's outer shape and
declares every type. An official's text travels as ``reason`` (checked to name no one); what the group
types never does.
"""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, TypedDict

from challenges.domain.rules import AfterAcceptance
from meemaken_events.definitions import DateTime, Doc, MaxItems, MaxLength, MinLength, Pattern, Uuid

Code = Annotated[str, Pattern("^[a-z][a-z0-9_]*$"), MaxLength(50)]
OfficialText = Annotated[
    str,
    MinLength(1),
    MaxLength(5000),
    Doc("An official's text, checked to name no one (no person's name, national number, e-mail or phone)."),
]
DeadlineName = Literal["acknowledgement", "information", "modification_reply", "decision"]
Outcome = Literal["accepted", "accepted_with_modifications", "rejected", "out_of_scope"]


class Nothing(TypedDict):
    """The step says nothing beyond the case's outer shape (what the group typed stays out of events)."""


class Motivated(TypedDict):
    reason: OfficialText


class DocumentAdded(TypedDict, total=False):
    document_id: Annotated[Uuid, Doc("A document the group attached (absent when the draft's text was saved).")]


class Gate(TypedDict):
    code: Code
    passed: bool
    explanation: Annotated[str, MaxLength(5000)]


class GatesChecked(TypedDict):
    gates: list[Gate]


class AssessmentOpened(TypedDict):
    department: Annotated[str, MaxLength(100)]


class InformationRequested(TypedDict):
    reason: Annotated[OfficialText, Doc("The question to the group.")]
    due_at: DateTime
    repair: Annotated[bool, Doc("The automatic gate check asks to repair the submission (the repair period).")]


class Decided(TypedDict):
    """A decision on the case, with its public notice; the co-initiators are told, as the representative is."""

    reason: NotRequired[OfficialText]
    outcome: Outcome
    grounds: list[Code]
    notice: Annotated[str, Doc("The public decision notice, without personal data.")]
    objection_until: DateTime
    co_initiator_ids: Annotated[
        list[Uuid], MaxItems(50), Doc("The group's co-initiators (pseudonymous ids): told, as the representative is.")
    ]


class TermExtended(TypedDict):
    reason: OfficialText
    due_at: Annotated[DateTime | None, Doc("The new decision date; null while the clock is paused.")]


class ModificationProposed(TypedDict):
    modification: OfficialText


class AssessorAssigned(TypedDict):
    assessor_id: Annotated[Uuid, Doc("The assessor assigned (pseudonymous id).")]


class Scored(TypedDict):
    criterion: Code


class DecisionProposed(TypedDict):
    proposal: Literal["accept", "reject"]
    score: NotRequired[Annotated[float, Doc("The weighted score (absent where criteria are considered, not scored).")]]
    grounds: list[Code]


class AgreementStarted(TypedDict):
    after_acceptance: AfterAcceptance


class ReviewDue(TypedDict):
    reason: OfficialText
    next_review_at: DateTime


class Referred(TypedDict):
    question: Annotated[OfficialText, Doc("The question for the panel.")]


class NoticeTextApproved(TypedDict):
    part: Annotated[
        Code, Doc("What the text is about: a criterion's code, a gate's code, or decision (the reasons as a whole).")
    ]
    text: Annotated[OfficialText, Doc("The motivation an official approved for the public notice.")]


class DecisionFinal(TypedDict):
    outcome: Outcome


class DeadlineAlert(TypedDict):
    deadline: DeadlineName
    due_at: DateTime


Details = (
    Nothing
    | Motivated
    | DocumentAdded
    | GatesChecked
    | AssessmentOpened
    | InformationRequested
    | Decided
    | TermExtended
    | ModificationProposed
    | AssessorAssigned
    | Scored
    | DecisionProposed
    | AgreementStarted
    | ReviewDue
    | Referred
    | NoticeTextApproved
    | DecisionFinal
    | DeadlineAlert
)

# event name -> (its title, the typed definition of its details)
CHALLENGE_STEPS: dict[str, tuple[str, type]] = {
    "draft_saved": ("draft saved", DocumentAdded),
    "submitted": ("submitted", Nothing),
    "acknowledged": ("acknowledged", Nothing),
    "admissibility_check_started": ("admissibility check started", Nothing),
    "gates_checked": ("gates checked", GatesChecked),
    "information_requested": ("information requested", InformationRequested),
    "information_supplied": ("information supplied", Nothing),
    "assessment_opened": ("assessment opened", AssessmentOpened),
    "admission_refused": ("admission refused", Decided),
    "declared_out_of_scope": ("declared out of scope", Decided),
    "decision_term_extended": ("decision term extended", TermExtended),
    "dialogue_started": ("dialogue started", Nothing),
    "modification_proposed": ("modification proposed", ModificationProposed),
    "modification_accepted": ("modification accepted", Nothing),
    "modification_declined": ("modification declined", Nothing),
    "assessor_assigned": ("assessor assigned", AssessorAssigned),
    "scored": ("scored", Scored),
    "decision_proposed": ("decision proposed", DecisionProposed),
    "accepted": ("accepted", Decided),
    "rejected": ("rejected", Decided),
    "withdrawn": ("withdrawn", Nothing),
    "objection_lodged": ("objection lodged", Nothing),
    "objection_upheld": ("objection upheld", Motivated),
    "objection_dismissed": ("objection dismissed", Motivated),
    "decision_final": ("decision final (objection window closed)", DecisionFinal),
    "agreement_drafting_started": ("agreement drafting started", AgreementStarted),
    "execution_started": ("execution started", ReviewDue),
    "review_started": ("review started", Nothing),
    "renewed": ("renewed", ReviewDue),
    "completed": ("completed", Motivated),
    "terminated": ("terminated", Motivated),
    "referred_to_panel": ("referred to panel", Referred),
    "notice_text_approved": ("notice text approved", NoticeTextApproved),
    "deadline_near_breach": ("deadline near breach", DeadlineAlert),
    "deadline_breached": ("deadline breached", DeadlineAlert),
}

# steps only a person takes: their event names who (an approval is always someone's)
SIGNED = frozenset({"notice_text_approved"})
