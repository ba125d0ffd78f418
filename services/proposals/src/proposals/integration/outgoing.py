"""Which domain event goes out as which CloudEvent (topic meemaken.proposals.proposal)."""

from __future__ import annotations

from typing import Any

from meemaken_events import Envelope, EventFactory
from proposals.domain.model import ProposalAdmitted, ProposalEvent, ProposalRejected, ProposalSubmitted

SUBMITTED = "org.meemaken.proposals.proposal.submitted.v1"
ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"
REJECTED = "org.meemaken.proposals.proposal.rejected.v1"


def envelope_for(factory: EventFactory, event: ProposalEvent) -> Envelope:
    data: dict[str, Any] = {
        "proposal_id": str(event.proposal_id),
        "process_id": event.process_id,
        "author_id": str(event.author_id),
        "title": event.title,
    }
    if isinstance(event, ProposalSubmitted):
        data["submitted_at"] = event.submitted_at.isoformat()
        return factory.create(SUBMITTED, str(event.proposal_id), data)
    if isinstance(event, ProposalAdmitted):
        return factory.create(ADMITTED, str(event.proposal_id), data)
    if isinstance(event, ProposalRejected):
        data["reasons"] = [{"code": r.code, "detail": r.detail} for r in event.reasons]
        return factory.create(REJECTED, str(event.proposal_id), data)
    raise TypeError(f"no CloudEvent for {type(event).__name__}")
