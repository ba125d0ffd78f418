"""Use cases: each one reads, asks the domain, and commits state and events together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from proposals.domain import admissibility
from proposals.domain.model import FollowUpStage, Position, Proposal, ProposalStatus, RejectionReason
from proposals.service_layer.actors import Actor, NotFound
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

log = logging.getLogger(__name__)


class ProposalNotFound(NotFound):
    pass


class AlreadySupported(Exception):
    """The resident supports this proposal already; support counts once."""


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
            uuid4(), command.process_id, command.author_id, command.title, command.text, (now or uow.clock)()
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
            process = uow.processes.get(proposal.process_id)
            reasons = admissibility.check_process(process, proposal.submitted_at)
            reasons += admissibility.check(proposal.title, proposal.text, uow.proposals.earlier_copies(proposal))
            if reasons:
                proposal.reject(reasons, uow.clock())
            else:
                proposal.admit(uow.clock())
            uow.proposals.save(proposal)
            uow.track(proposal)
            log.info("proposal %s %s", proposal.id, proposal.status.value, extra={"proposal_id": str(proposal.id)})
        uow.commit()
    return proposal


def _proposal(uow: ProposalsUnitOfWork, proposal_id: UUID) -> Proposal:
    proposal = uow.proposals.get(proposal_id)
    if proposal is None:
        raise ProposalNotFound(f"there is no proposal {proposal_id}")
    return proposal


def support(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID) -> Proposal:
    """A resident supports an admitted proposal, once; reaching the process's threshold starts the answer term."""
    resident = actor.must_be("resident")
    with uow:
        proposal = _proposal(uow, proposal_id)
        if proposal.author_id == resident:
            raise AlreadySupported("authors support their own proposal already")
        process = uow.processes.get(proposal.process_id)
        supporters = uow.proposals.add_support(proposal.id, resident, uow.clock())
        if supporters is None:
            raise AlreadySupported("you support this proposal already")
        threshold, days = (process.support_threshold, process.answer_days) if process else (None, 90)
        proposal.count_support(supporters, threshold, days, uow.clock())
        uow.proposals.save(proposal)
        uow.track(proposal)
        uow.commit()
    return proposal


def decline(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, reasons: list[tuple[str, str]]) -> Proposal:
    """The official's check of what needs judgment: outside the municipality's competence, unlawful, ..."""
    actor.must_be("official")
    return _step(uow, proposal_id, lambda p, now: p.decline(tuple(RejectionReason(c, d) for c, d in reasons), now))


def answer(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, position: Position, reasons: str) -> Proposal:
    actor.must_be("official")
    return _step(uow, proposal_id, lambda p, now: p.respond(position, reasons, now))


def follow_up(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, stage: FollowUpStage, note: str) -> Proposal:
    actor.must_be("official")
    return _step(uow, proposal_id, lambda p, now: p.follow_up(stage, note, now))


def merge(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, into_id: UUID, reasons: str) -> Proposal:
    """Fold one proposal into another; its supporters now support the other (each once)."""
    actor.must_be("official")
    with uow:
        proposal, target = _proposal(uow, proposal_id), _proposal(uow, into_id)
        now = uow.clock()
        proposal.merge_into(target, reasons, now)
        process = uow.processes.get(target.process_id)
        supporters = uow.proposals.carry_support(proposal.id, target.id, now)
        if supporters != target.supporters:
            threshold, days = (process.support_threshold, process.answer_days) if process else (None, 90)
            target.count_support(supporters, threshold, days, now)
        for p in (proposal, target):
            uow.proposals.save(p)
            uow.track(p)
        uow.commit()
    return target


def split(
    uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, parts: list[tuple[str, str]], reasons: str
) -> list[Proposal]:
    """Divide a proposal into new ones that keep its author, supporters and answer term."""
    actor.must_be("official")
    with uow:
        proposal = _proposal(uow, proposal_id)
        now = uow.clock()
        new = tuple(Proposal.part_of(proposal, uuid4(), title, text, now) for title, text in parts)
        proposal.split_into(new, reasons, now)
        uow.proposals.save(proposal)
        uow.track(proposal)
        for part in new:
            uow.proposals.add(part)
            uow.proposals.carry_support(proposal.id, part.id, now)
            uow.track(part)
        uow.commit()
    return list(new)


def check_answer_deadlines(uow_factory: Callable[[], ProposalsUnitOfWork], limit: int = 100) -> int:
    """The answer timer: every admitted proposal whose term passed without an answer, once."""
    uow = uow_factory()
    with uow:
        now, late = uow.clock(), 0
        for proposal_id in uow.proposals.due_answers(now, limit):
            proposal = _proposal(uow, proposal_id)
            if proposal.check_answer_deadline(now):
                uow.proposals.save(proposal)
                uow.track(proposal)
                late += 1
        uow.commit()
    return late


def _step(uow: ProposalsUnitOfWork, proposal_id: UUID, change: Callable[[Proposal, datetime], None]) -> Proposal:
    with uow:
        proposal = _proposal(uow, proposal_id)
        change(proposal, uow.clock())
        uow.proposals.save(proposal)
        uow.track(proposal)
        uow.commit()
    log.info("proposal %s now %s", proposal.id, proposal.status.value)
    return proposal
