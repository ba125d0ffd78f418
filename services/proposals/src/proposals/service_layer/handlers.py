"""Use cases: each one reads, asks the domain, and commits state and events together."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from meemaken_kit.roles import Role
from proposals.domain import admissibility
from proposals.domain.audit import ActedBy
from proposals.domain.eligibility import Facts, check_supporter
from proposals.domain.model import FollowUpStage, Position, Proposal, ProposalStatus, RejectionReason
from proposals.domain.process import InvalidProcess, ParticipationProcess
from proposals.service_layer.actors import Actor, Forbidden, NotFound, process_scope
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

log = logging.getLogger(__name__)


class ProposalNotFound(NotFound):
    pass


class AlreadySupported(Exception):
    """The resident supports this proposal already; support counts once."""


# Who handles proposals: the check, merge, split and follow-up by case officers; the answer also by the
# decision body. Scoped roles act within their processes (``process:<id>``).
HANDLING = (Role.CASE_OFFICER,)
ANSWERING = (Role.CASE_OFFICER, Role.DECISION_BODY)


@dataclass(frozen=True)
class SubmitProposal:
    process_id: str
    author_id: UUID
    title: str
    text: str
    district: str | None = None
    theme: str | None = None

    @classmethod
    def by(
        cls, actor: Actor, process_id: str, title: str, text: str, district: str | None = None, theme: str | None = None
    ) -> SubmitProposal:
        """A resident's own proposal: the author is who the token says, whatever else they hold."""
        return cls(process_id, actor.as_resident(), title, text, district, theme)


def submit_proposal(
    command: SubmitProposal, uow: ProposalsUnitOfWork, now: Callable[[], datetime] | None = None
) -> Proposal:
    """Store the proposal and stage `proposal submitted`, which starts the admissibility check."""
    with uow:
        if command.district is not None or command.theme is not None:
            process = uow.processes.get(command.process_id)
            if process is None:
                raise InvalidProcess(f"there is no process {command.process_id!r} to place a district or theme in")
            process.place(command.district, command.theme)
        proposal = Proposal.submit(
            uuid4(),
            command.process_id,
            command.author_id,
            command.title,
            command.text,
            (now or uow.clock)(),
            command.district,
            command.theme,
        )
        uow.proposals.add(proposal)
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
            _decide(uow, proposal, uow.processes.get(proposal.process_id), uow.proposals.earlier_copies(proposal))
            uow.proposals.save(proposal)
        uow.commit()
    return proposal


def check_admissibility_of(
    checks: Sequence[tuple[UUID, Callable[[], AbstractContextManager[object]]]], uow: ProposalsUnitOfWork
) -> None:
    """``check_admissibility`` of each proposal in turn, with the same decisions, in one unit of work: the
    proposals, their processes and their earlier copies loaded in one query each, the decisions saved in one
    statement and the events of all staged in one outbox write (in the order of `checks`). Each proposal's
    check and the creation of its events run within the context its `checks` entry opens (the triggering
    event's correlation and trace). A proposal that is not there fails them all, as one would alone (the
    consumer then redoes its batch event by event)."""
    with uow:
        found = uow.proposals.get_many([proposal_id for proposal_id, _ in checks])
        processes = uow.processes.get_many({proposal.process_id for proposal in found.values()})
        copies = uow.proposals.earlier_copies_among(found.values())
        envelopes, decided = [], []
        for proposal_id, context in checks:
            with context():
                proposal = found.get(proposal_id)
                if proposal is None:
                    raise ProposalNotFound(str(proposal_id))
                if proposal.status is ProposalStatus.SUBMITTED:
                    _decide(uow, proposal, processes.get(proposal.process_id), copies(proposal))
                    decided.append(proposal)
                envelopes += [uow.publish(event) for event in proposal.events]
                proposal.events.clear()
        uow.proposals.save_decided(decided)
        uow.outbox.add(uow.connection, envelopes)
        uow.commit()


def _decide(
    uow: ProposalsUnitOfWork, proposal: Proposal, process: ParticipationProcess | None, copies: list[tuple[str, str]]
) -> None:
    """Admit or reject a submitted proposal: its process's term, then its text and the earlier copies (those
    decided before it in the same transaction included); the caller saves it."""
    reasons = admissibility.check_process(process, proposal.submitted_at)
    reasons += admissibility.check(proposal.title, proposal.text, copies)
    if reasons:
        proposal.reject(reasons, uow.clock())
    else:
        proposal.admit(uow.clock())
    log.info("proposal %s %s", proposal.id, proposal.status.value, extra={"proposal_id": str(proposal.id)})


def _proposal(uow: ProposalsUnitOfWork, proposal_id: UUID) -> Proposal:
    proposal = uow.proposals.get(proposal_id)
    if proposal is None:
        raise ProposalNotFound(f"there is no proposal {proposal_id}")
    return proposal


def support(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID) -> Proposal:
    """A resident of the process's municipality (as their login verifies) supports an admitted proposal,
    once; reaching the process's threshold starts the answer term."""
    resident = actor.as_resident()
    with uow:
        proposal = _proposal(uow, proposal_id)
        if proposal.author_id == resident:
            raise AlreadySupported("authors support their own proposal already")
        process = uow.processes.get(proposal.process_id)
        if process is None:
            raise Forbidden(f"the process {proposal.process_id} is unknown: its proposals take no support")
        facts = Facts.from_attributes(actor.attributes, process.municipality)
        check_supporter(facts, process.municipality)
        supporters = uow.proposals.add_support(proposal.id, resident, uow.clock(), facts.district)
        if supporters is None:
            raise AlreadySupported("you support this proposal already")
        threshold, days = (process.support_threshold, process.answer_days) if process else (None, 90)
        proposal.count_support(supporters, threshold, days, uow.clock())
        uow.proposals.save(proposal)
        uow.commit()
    return proposal


def decline(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, reasons: list[tuple[str, str]]) -> Proposal:
    """The official's check of what needs judgment: outside the municipality's competence, unlawful, ..."""
    grounds = tuple(RejectionReason(c, d) for c, d in reasons)
    return _step(uow, actor, HANDLING, proposal_id, lambda p, now, by: p.decline(grounds, now, by))


def answer(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, position: Position, reasons: str) -> Proposal:
    return _step(uow, actor, ANSWERING, proposal_id, lambda p, now, by: p.respond(position, reasons, now, by))


def follow_up(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, stage: FollowUpStage, note: str) -> Proposal:
    return _step(uow, actor, HANDLING, proposal_id, lambda p, now, by: p.follow_up(stage, note, now, by))


def merge(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, into_id: UUID, reasons: str) -> Proposal:
    """Fold one proposal into another; its supporters now support the other (each once)."""
    actor.acting(*HANDLING)
    with uow:
        proposal, target = _proposal(uow, proposal_id), _proposal(uow, into_id)
        by = actor.acting(*HANDLING, within=process_scope(proposal.process_id))
        actor.acting(*HANDLING, within=process_scope(target.process_id))
        now = uow.clock()
        proposal.merge_into(target, reasons, now, by)
        process = uow.processes.get(target.process_id)
        supporters = uow.proposals.carry_support(proposal.id, target.id, now)
        if supporters != target.supporters:
            threshold, days = (process.support_threshold, process.answer_days) if process else (None, 90)
            target.count_support(supporters, threshold, days, now)
        for p in (proposal, target):
            uow.proposals.save(p)
        uow.commit()
    return target


def split(
    uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, parts: list[tuple[str, str]], reasons: str
) -> list[Proposal]:
    """Divide a proposal into new ones that keep its author, supporters and answer term."""
    actor.acting(*HANDLING)
    with uow:
        proposal = _proposal(uow, proposal_id)
        by = actor.acting(*HANDLING, within=process_scope(proposal.process_id))
        now = uow.clock()
        new = tuple(Proposal.part_of(proposal, uuid4(), title, text, now, by) for title, text in parts)
        proposal.split_into(new, reasons, now, by)
        uow.proposals.save(proposal)
        for part in new:
            uow.proposals.add(part)
            uow.proposals.carry_support(proposal.id, part.id, now)
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
                late += 1
        uow.commit()
    return late


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    action: str
    by: ActedBy | None  # None: the service itself (the automatic check, the answer timer)
    detail: str


def audit(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID) -> list[AuditEntry]:
    """Who did what on a proposal, from its history (an administrator's read)."""
    actor.acting(Role.ADMINISTRATOR)
    with uow:
        proposal = _proposal(uow, proposal_id)
    actor.acting(Role.ADMINISTRATOR, within=process_scope(proposal.process_id))
    return [AuditEntry(step.at, step.what, step.by, step.detail) for step in proposal.history]


def _step(
    uow: ProposalsUnitOfWork,
    actor: Actor,
    roles: tuple[str, ...],
    proposal_id: UUID,
    change: Callable[[Proposal, datetime, ActedBy], None],
) -> Proposal:
    """An official's step on one proposal: the role first (403 before 404), then its process's scope."""
    actor.acting(*roles)
    with uow:
        proposal = _proposal(uow, proposal_id)
        by = actor.acting(*roles, within=process_scope(proposal.process_id))
        change(proposal, uow.clock(), by)
        uow.proposals.save(proposal)
        uow.commit()
    log.info("proposal %s now %s", proposal.id, proposal.status.value)
    return proposal
