"""Use cases: each one reads, asks the domain, and commits state and events together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from proposals.domain import admissibility
from proposals.domain.model import Proposal, ProposalStatus
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

log = logging.getLogger(__name__)


class ProposalNotFound(Exception):
    pass


@dataclass(frozen=True)
class SubmitProposal:
    process_id: str
    author_id: UUID
    title: str
    text: str


def submit_proposal(
    command: SubmitProposal, uow: ProposalsUnitOfWork, now: Callable[[], datetime] | None = None
) -> Proposal:
    """Store the proposal and stage `proposal submitted`, which starts the admissibility check."""
    with uow:
        proposal = Proposal.submit(
            uuid4(), command.process_id, command.author_id, command.title, command.text, (now or _utcnow)()
        )
        uow.proposals.add(proposal)
        uow.track(proposal)
        uow.commit()
    log.info("proposal %s submitted", proposal.id, extra={"proposal_id": str(proposal.id)})
    return proposal


def check_admissibility(proposal_id: UUID, uow: ProposalsUnitOfWork) -> Proposal:
    """Admit or reject a submitted proposal with coded reasons; a decided one is left alone."""
    with uow:
        proposal = uow.proposals.get(proposal_id)
        if proposal is None:
            raise ProposalNotFound(str(proposal_id))
        if proposal.status is ProposalStatus.SUBMITTED:
            reasons = admissibility.check(proposal.title, proposal.text, uow.proposals.earlier_titles(proposal))
            if reasons:
                proposal.reject(reasons)
            else:
                proposal.admit()
            uow.proposals.save(proposal)
            uow.track(proposal)
            log.info("proposal %s %s", proposal.id, proposal.status.value, extra={"proposal_id": str(proposal.id)})
        uow.commit()
    return proposal


def _utcnow() -> datetime:
    return datetime.now(UTC)
