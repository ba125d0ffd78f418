"""Which domain event goes out as which CloudEvent (topics meemaken.proposals.proposal, .process, .round).

An official's step carries the official as ``actor`` (pseudonymous id and the role they acted in).

``EVENT_TYPES`` declares every type this service publishes, its data typed in ``proposals.domain.events``
(built here for proposals and processes, by the budget round for its steps); ``python -m proposals
event-schemas`` generates their JSON Schemas."""

from __future__ import annotations

from meemaken_events import Envelope, EventFactory
from meemaken_events.definitions import EventDefinition
from proposals.domain import events as data
from proposals.domain.budget_round import RoundEvent
from proposals.domain.ladder import require_rung
from proposals.domain.model import (
    AnswerOverdue,
    FollowUpRecorded,
    ProposalAdmitted,
    ProposalAnswered,
    ProposalDeclined,
    ProposalEvent,
    ProposalMerged,
    ProposalRejected,
    ProposalSplit,
    ProposalSubmitted,
    SupportThresholdReached,
)
from proposals.domain.process import ProcessDefined, ProcessEvent, RungRealised

SERVICE = "org.meemaken.proposals."
PROPOSAL = SERVICE + "proposal."
SUBMITTED = PROPOSAL + "submitted.v1"
ADMITTED = PROPOSAL + "admitted.v1"
REJECTED = PROPOSAL + "rejected.v1"
ROUND_CLOSED = SERVICE + "round.closed.v1"
RESULTS_PUBLISHED = SERVICE + "round.results_published.v1"
TOPICS = "meemaken.proposals."  # + the aggregate: proposal, process, round

Event = ProposalEvent | ProcessEvent | RoundEvent


def type_of(name: str) -> str:
    """``proposal.submitted.v1`` -> ``org.meemaken.proposals.proposal.submitted.v1``."""
    return SERVICE + name


def _title(typed: type) -> str:
    return " ".join((typed.__doc__ or "").split())


EVENT_TYPES: tuple[EventDefinition, ...] = tuple(
    EventDefinition(type_of(name), TOPICS + name.split(".")[0], typed, _title(typed))
    for name, typed in data.PROPOSALS_EVENTS.items()
)


def envelope_for(factory: EventFactory, event: Event) -> Envelope:
    if isinstance(event, RoundEvent):
        return factory.create(type_of(f"round.{event.name}.v1"), str(event.round_id), event.data)
    if isinstance(event, ProcessDefined | RungRealised):
        return _process(factory, event)
    return _proposal(factory, event)


def _process(factory: EventFactory, event: ProcessEvent) -> Envelope:
    if isinstance(event, ProcessDefined):
        phases = [
            data.PhaseData(
                name=p.name,
                starts_at=p.starts_at.isoformat(),
                ends_at=p.ends_at.isoformat(),
                rung_promised=require_rung(p.rung_promised),
            )
            for p in event.phases
        ]
        defined = data.Defined(
            process_id=event.process_id,
            municipality=event.municipality,
            kind=event.kind,
            title=event.title,
            phases=phases,
        )
        return factory.create(type_of("process.defined.v1"), event.process_id, data.signed(defined, event.by))
    realised = data.RungRealised(
        process_id=event.process_id,
        municipality=event.municipality,
        phase=event.phase,
        rung_promised=event.rung_promised,
        rung_realised=event.rung_realised,
        explanation=event.explanation,
    )
    return factory.create(type_of("process.rung_realised.v1"), event.process_id, data.signed(realised, event.by))


def _proposal(factory: EventFactory, event: ProposalEvent) -> Envelope:
    key = str(event.proposal_id)
    ids = data.ProposalData(proposal_id=key, process_id=event.process_id, title=event.title)
    match event:
        case ProposalSubmitted():
            submitted = data.Submitted(
                **ids, author_id=str(event.author_id), submitted_at=event.submitted_at.isoformat()
            )
            return factory.create(SUBMITTED, key, submitted)
        case ProposalAdmitted():
            due = None if event.answer_due_at is None else event.answer_due_at.isoformat()
            admitted = data.Admitted(**ids, author_id=str(event.author_id), district=event.district, answer_due_at=due)
            return factory.create(ADMITTED, key, admitted)
        case ProposalRejected():
            reasons = [data.Rejection(code=r.code, detail=r.detail) for r in event.reasons]  # type: ignore[typeddict-item]
            return factory.create(REJECTED, key, data.Rejected(**ids, author_id=str(event.author_id), reasons=reasons))
        case ProposalDeclined():
            grounds = [data.Ground(code=r.code, detail=r.detail) for r in event.reasons]  # type: ignore[typeddict-item]
            declined = data.Declined(**ids, author_id=str(event.author_id), reasons=grounds)
            return factory.create(type_of("proposal.declined.v1"), key, data.signed(declined, event.by))
        case SupportThresholdReached():
            reached = data.ThresholdReached(
                **ids,
                author_id=str(event.author_id),
                supporters=event.supporters,
                threshold=event.threshold,
                answer_due_at=event.answer_due_at.isoformat(),
            )
            return factory.create(type_of("proposal.threshold_reached.v2"), key, reached)
        case ProposalAnswered():
            answered = data.Answered(
                **ids,
                author_id=str(event.author_id),
                position=event.position.value,
                reasons=event.reasons,
                late=event.late,
            )
            return factory.create(type_of("proposal.answered.v1"), key, data.signed(answered, event.by))
        case AnswerOverdue():
            overdue = data.AnswerOverdue(
                **ids, author_id=str(event.author_id), answer_due_at=event.answer_due_at.isoformat()
            )
            return factory.create(type_of("proposal.answer_overdue.v2"), key, overdue)
        case ProposalMerged():
            merged = data.Merged(
                **ids, author_id=str(event.author_id), into_id=str(event.into_id), reasons=event.reasons
            )
            return factory.create(type_of("proposal.merged.v2"), key, data.signed(merged, event.by))
        case ProposalSplit():
            split = data.Split(
                **ids, author_id=str(event.author_id), into_ids=[str(i) for i in event.into_ids], reasons=event.reasons
            )
            return factory.create(type_of("proposal.split.v2"), key, data.signed(split, event.by))
        case FollowUpRecorded():
            followed = data.FollowedUp(**ids, author_id=str(event.author_id), stage=event.stage.value, note=event.note)
            return factory.create(type_of("proposal.followed_up.v2"), key, data.signed(followed, event.by))
    raise TypeError(f"no CloudEvent for {type(event).__name__}")
