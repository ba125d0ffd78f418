"""What each proposals event says: one typed definition per event type, its JSON Schema generated from it.

``proposals.integration.outgoing`` builds the proposal and process events' data as these, and the budget
round builds its steps' (``BudgetRound._note``), so mypy holds every builder to them; the same module
declares each type. Residents appear only by pseudonymous id; an official's step names the official as
``actor`` (id and role), the service's own steps and a resident's carry none.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict, TypeVar, cast

from meemaken_events.definitions import (
    DateTime,
    Doc,
    MaxLength,
    Minimum,
    MinItems,
    MinLength,
    Pattern,
    Uuid,
)
from proposals.domain.audit import ActedBy
from proposals.domain.ballots import BallotKind
from proposals.domain.ladder import Rung
from proposals.domain.process import ProcessKind

ProcessId = Annotated[str, MinLength(1), MaxLength(100), Doc("The participation process.")]
Title = Annotated[str, MinLength(1), MaxLength(200)]
Reasons = Annotated[str, MinLength(1), MaxLength(5000)]
Note = Annotated[str, MinLength(1), MaxLength(5000)]
ResidentId = Annotated[Uuid, Doc("Pseudonymous resident id; never a name, e-mail or national number.")]
ProjectId = Annotated[str, Pattern("^p[0-9]+$")]
Cents = Annotated[int, Minimum(1), Doc("Euro cents.")]
Count = Annotated[int, Minimum(0)]
Stage = Literal["planned", "in_progress", "done", "dropped"]
OfficialRole = Literal[
    "case_officer", "assessor", "decision_body", "panel_coordinator", "moderator", "mentor", "administrator"
]
RejectionCode = Literal[
    "title_too_short",
    "title_too_long",
    "text_too_short",
    "text_too_long",
    "duplicate_title",
    "shouting",
    "unknown_process",
    "process_takes_no_proposals",
    "process_closed",
    "duplicate_text",
    "personal_data",
]
DeclineCode = Literal["not_competent", "unlawful", "already_decided", "not_a_proposal"]


class Actor(TypedDict):
    """The official who did it and the role they acted in, for the audit (absent in events written before
    the audit, and for the service's own steps)."""

    id: Annotated[Uuid, Doc("The official's pseudonymous id; never a name.")]
    role: OfficialRole


def actor_of(by: ActedBy) -> Actor:
    """An official as an event names them (the use cases sign events with officials' roles only)."""
    return Actor(id=str(by.id), role=cast(OfficialRole, by.role))


class Signed(TypedDict):
    actor: NotRequired[Actor]


S = TypeVar("S", bound=Signed)


def signed(step: S, by: ActedBy | None) -> S:
    """The step's data, naming the official who took it (none for the service's own steps)."""
    if by is not None:
        step["actor"] = actor_of(by)
    return step


# --- proposals ---------------------------------------------------------------------------------------------


class ProposalData(TypedDict):
    proposal_id: Annotated[Uuid, Doc("The proposal (the aggregate and partition key).")]
    process_id: ProcessId
    title: Title


class Submitted(ProposalData):
    """A resident submitted a proposal; the admissibility check starts."""

    author_id: ResidentId
    submitted_at: DateTime


class Admitted(ProposalData):
    """The automatic admissibility check admitted the proposal (or a split made it, from an admitted one)."""

    author_id: ResidentId
    district: NotRequired[
        Annotated[str | None, MaxLength(100), Doc("The part of the municipality it is about; null: all of it.")]
    ]
    answer_due_at: NotRequired[
        Annotated[
            DateTime | None,
            Doc(
                "When the municipality must answer: a part of a split proposal owes what its original owed; "
                "null: no answer owed yet."
            ),
        ]
    ]


class Rejection(TypedDict):
    code: RejectionCode
    detail: Annotated[str, MaxLength(500)]


class Rejected(ProposalData):
    """The automatic admissibility check rejected the proposal, with coded reasons."""

    author_id: ResidentId
    reasons: Annotated[list[Rejection], MinItems(1)]


class Ground(TypedDict):
    code: DeclineCode
    detail: Annotated[str, MinLength(1), MaxLength(2000)]


class Declined(ProposalData, Signed):
    """An official's check declined the admitted proposal (outside competence, unlawful, ...), with motivated
    grounds."""

    author_id: ResidentId
    reasons: Annotated[list[Ground], MinItems(1)]


class ThresholdReachedV1(ProposalData):
    """Enough residents support the proposal: the municipality must answer it before answer_due_at (v1: the
    author is not named, so only followers could be told; superseded by v2)."""

    supporters: Count
    threshold: Annotated[int, Minimum(1)]
    answer_due_at: DateTime


class ThresholdReached(ThresholdReachedV1):
    """Enough residents support the proposal: the municipality must answer it before answer_due_at; its
    author is told."""

    author_id: ResidentId


class Answered(ProposalData, Signed):
    """The municipality answered the proposal with reasons (late when after the answer term)."""

    author_id: ResidentId
    position: Literal["adopted", "partly", "not_adopted"]
    reasons: Reasons
    late: bool


class AnswerOverdueV1(ProposalData):
    """The answer term of a supported proposal passed without an answer (v1: without its author; see v2)."""

    answer_due_at: DateTime


class AnswerOverdue(AnswerOverdueV1):
    """The answer term of a supported proposal passed without an answer; its author is told."""

    author_id: ResidentId


class MergedV1(ProposalData, Signed):
    """An official merged the proposal into another one of the same process; its supporters moved along
    (v1: without its author; see v2)."""

    into_id: Uuid
    reasons: Reasons


class Merged(MergedV1):
    """An official merged the proposal into another one of the same process; its supporters moved along and
    its author is told."""

    author_id: ResidentId


class SplitV1(ProposalData, Signed):
    """An official split the proposal into new proposals that keep its author, supporters and answer term
    (v1: without its author; see v2)."""

    into_ids: Annotated[list[Uuid], MinItems(2)]
    reasons: Reasons


class Split(SplitV1):
    """An official split the proposal into new proposals that keep its author, supporters and answer term;
    its author is told."""

    author_id: ResidentId


class FollowedUpV1(ProposalData, Signed):
    """What was done with an answered proposal (accountability; v1: without its author; see v2)."""

    stage: Stage
    note: Note


class FollowedUp(FollowedUpV1):
    """What was done with an answered proposal (accountability); its author is told."""

    author_id: ResidentId


# --- participation processes ------------------------------------------------------------------------------


class ProcessData(Signed):
    process_id: Annotated[ProcessId, Doc("The process (the aggregate and partition key).")]
    municipality: Annotated[str, MinLength(1), MaxLength(100)]


class PhaseData(TypedDict):
    name: Annotated[str, MinLength(1), MaxLength(100)]
    starts_at: DateTime
    ends_at: DateTime
    rung_promised: Rung


class Defined(ProcessData):
    """A municipality defined a participation process with its phases and their promised ladder rung."""

    kind: ProcessKind
    title: Title
    phases: Annotated[list[PhaseData], MinItems(1)]


class RungRealised(ProcessData):
    """The rung a phase actually reached, beside the promised one, with how it was judged."""

    phase: Annotated[str, MinLength(1), MaxLength(100)]
    rung_promised: Rung
    rung_realised: Rung
    explanation: Note


# --- budget rounds ------------------------------------------------------------------------------------------


class RoundIds(TypedDict):
    round_id: Annotated[Uuid, Doc("The budget round (the aggregate and partition key).")]
    process_id: ProcessId


class RoundStep(RoundIds, Signed):
    """An official's step of a round (or the service's own: then without actor)."""


class Opened(RoundStep):
    """A participatory budget round opened for ideas."""

    budget: Cents
    district_budgets: dict[str, Cents]
    rule: Annotated[str, MinLength(1), MaxLength(100)]
    ballot: BallotKind
    theme_budgets: dict[str, Cents]
    rule_parameters: NotRequired[
        Annotated[
            dict[str, Any],
            Doc(
                "The rule's explicit parameters (as `meemaken-pb --param` takes them, e.g. top_up, exclusive); "
                "absent in events written before rounds took parameters."
            ),
        ]
    ]


class ProjectAdded(RoundStep):
    """A project idea joined the round, with its first cost estimate (no actor when a resident proposed it)."""

    project_id: ProjectId
    title: Title
    district: Annotated[str | None, MaxLength(100)]
    cost: Cents
    theme: Annotated[str | None, MaxLength(100)]


class FeasibilityStarted(RoundStep):
    """Officials check the projects: cost estimate and legal check."""


class ProjectAssessed(RoundStep):
    """Officials found a project feasible (with their cost) or not (with the reason)."""

    project_id: ProjectId
    feasibility: Literal["feasible", "not_feasible"]
    cost: Cents
    reason: Annotated[str, MaxLength(5000)]


class VotingOpened(RoundStep):
    """Voting opened on the feasible projects; the lot order breaks the last ties."""

    projects: Annotated[list[ProjectId], MinItems(1)]
    lot_order: Annotated[list[ProjectId], MinItems(1)]


class Closed(RoundStep):
    """Voting closed: no more ballots. Starts the count."""

    closed_at: DateTime


class Funded(TypedDict):
    project_id: ProjectId
    title: Title


class ResultsPublished(RoundIds):
    """The count's result: the funded projects. Voters are told what their vote helped fund."""

    rule: Annotated[str, MinLength(1), MaxLength(100)]
    selected: list[Funded]
    voters: Count
    paper_ballots: Count
    spent: Count


class ProjectTracked(RoundStep):
    """Implementation tracking of a funded project."""

    project_id: ProjectId
    stage: Stage
    note: Note


# event type (after org.meemaken.proposals.) -> the typed definition of its data. A superseded version stays
# declared while consumers may still read events of it; the service publishes the newest.
PROPOSALS_EVENTS: dict[str, type] = {
    "proposal.submitted.v1": Submitted,
    "proposal.admitted.v1": Admitted,
    "proposal.rejected.v1": Rejected,
    "proposal.declined.v1": Declined,
    "proposal.threshold_reached.v1": ThresholdReachedV1,
    "proposal.threshold_reached.v2": ThresholdReached,
    "proposal.answered.v1": Answered,
    "proposal.answer_overdue.v1": AnswerOverdueV1,
    "proposal.answer_overdue.v2": AnswerOverdue,
    "proposal.merged.v1": MergedV1,
    "proposal.merged.v2": Merged,
    "proposal.split.v1": SplitV1,
    "proposal.split.v2": Split,
    "proposal.followed_up.v1": FollowedUpV1,
    "proposal.followed_up.v2": FollowedUp,
    "process.defined.v1": Defined,
    "process.rung_realised.v1": RungRealised,
    "round.opened.v1": Opened,
    "round.project_added.v1": ProjectAdded,
    "round.feasibility_started.v1": FeasibilityStarted,
    "round.project_assessed.v1": ProjectAssessed,
    "round.voting_opened.v1": VotingOpened,
    "round.closed.v1": Closed,
    "round.results_published.v1": ResultsPublished,
    "round.project_tracked.v1": ProjectTracked,
}
