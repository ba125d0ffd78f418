"""Which domain event goes out as which CloudEvent (topics meemaken.proposals.proposal, .process, .round).

An official's step carries the official as ``actor`` (pseudonymous id and the role they acted in)."""

from __future__ import annotations

from typing import Any

from meemaken_events import Envelope, EventFactory
from proposals.domain.budget_round import RoundEvent
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

PROPOSAL = "org.meemaken.proposals.proposal."
SUBMITTED = PROPOSAL + "submitted.v1"
ADMITTED = PROPOSAL + "admitted.v1"
REJECTED = PROPOSAL + "rejected.v1"
ROUND_CLOSED = "org.meemaken.proposals.round.closed.v1"
RESULTS_PUBLISHED = "org.meemaken.proposals.round.results_published.v1"

Event = ProposalEvent | ProcessEvent | RoundEvent


def envelope_for(factory: EventFactory, event: Event) -> Envelope:
    if isinstance(event, RoundEvent):
        data = {"round_id": str(event.round_id), "process_id": event.process_id, **event.data}
        return factory.create(f"org.meemaken.proposals.round.{event.name}.v1", str(event.round_id), data)
    if isinstance(event, ProcessDefined | RungRealised):
        return _process(factory, event)
    return _proposal(factory, event)


def _process(factory: EventFactory, event: ProcessEvent) -> Envelope:
    data: dict[str, Any] = {"process_id": event.process_id, "municipality": event.municipality}
    if event.by is not None:
        data["actor"] = event.by.as_data()
    if isinstance(event, ProcessDefined):
        data |= {"kind": event.kind, "title": event.title}
        data["phases"] = [
            {
                "name": p.name,
                "starts_at": p.starts_at.isoformat(),
                "ends_at": p.ends_at.isoformat(),
                "rung_promised": p.rung_promised,
            }
            for p in event.phases
        ]
        return factory.create("org.meemaken.proposals.process.defined.v1", event.process_id, data)
    data |= {"phase": event.phase, "rung_promised": event.rung_promised, "rung_realised": event.rung_realised}
    data["explanation"] = event.explanation
    return factory.create("org.meemaken.proposals.process.rung_realised.v1", event.process_id, data)


def _proposal(factory: EventFactory, event: ProposalEvent) -> Envelope:
    data: dict[str, Any] = {"proposal_id": str(event.proposal_id), "process_id": event.process_id, "title": event.title}
    key = str(event.proposal_id)
    by = getattr(event, "by", None)
    if by is not None:
        data["actor"] = by.as_data()
    match event:
        case ProposalSubmitted():
            data |= {"author_id": str(event.author_id), "submitted_at": event.submitted_at.isoformat()}
            return factory.create(SUBMITTED, key, data)
        case ProposalAdmitted():
            return factory.create(ADMITTED, key, data | {"author_id": str(event.author_id)})
        case ProposalRejected() | ProposalDeclined():
            data |= {"author_id": str(event.author_id)}
            data["reasons"] = [{"code": r.code, "detail": r.detail} for r in event.reasons]
            kind = REJECTED if isinstance(event, ProposalRejected) else PROPOSAL + "declined.v1"
            return factory.create(kind, key, data)
        case SupportThresholdReached():
            data |= {"supporters": event.supporters, "threshold": event.threshold}
            data["answer_due_at"] = event.answer_due_at.isoformat()
            return factory.create(PROPOSAL + "threshold_reached.v1", key, data)
        case ProposalAnswered():
            data |= {"author_id": str(event.author_id), "position": event.position.value}
            data |= {"reasons": event.reasons, "late": event.late}
            return factory.create(PROPOSAL + "answered.v1", key, data)
        case AnswerOverdue():
            data["answer_due_at"] = event.answer_due_at.isoformat()
            return factory.create(PROPOSAL + "answer_overdue.v1", key, data)
        case ProposalMerged():
            data |= {"into_id": str(event.into_id), "reasons": event.reasons}
            return factory.create(PROPOSAL + "merged.v1", key, data)
        case ProposalSplit():
            data |= {"into_ids": [str(i) for i in event.into_ids], "reasons": event.reasons}
            return factory.create(PROPOSAL + "split.v1", key, data)
        case FollowUpRecorded():
            data |= {"stage": event.stage.value, "note": event.note}
            return factory.create(PROPOSAL + "followed_up.v1", key, data)
    raise TypeError(f"no CloudEvent for {type(event).__name__}")
