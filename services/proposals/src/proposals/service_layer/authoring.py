"""What a proposal's authors do after sending it: add photos and documents, invite co-authors with a link,
and join as a co-author with that link. Each a resident acting for themself (the token says who)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from meemaken_kit.documents import accepted_type
from proposals.domain.model import Attachment, Proposal
from proposals.service_layer.actors import Actor, NotFound
from proposals.service_layer.handlers import ProposalNotFound
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork


def _proposal(uow: ProposalsUnitOfWork, proposal_id: UUID) -> Proposal:
    proposal = uow.proposals.get(proposal_id)
    if proposal is None:
        raise ProposalNotFound(f"there is no proposal {proposal_id}")
    return proposal


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def attach(
    uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, filename: str, declared_type: str, content: bytes
) -> Attachment:
    """An author adds a photo or document: stored with the type its bytes show (meemaken_kit.documents)."""
    resident = actor.as_resident()
    content_type = accepted_type(content, declared_type)
    attachment = Attachment(uuid4(), filename[:200], content_type, len(content), hashlib.sha256(content).hexdigest())
    with uow:
        proposal = _proposal(uow, proposal_id)
        proposal.attach(attachment, resident, uow.clock())
        uow.proposals.save(proposal)
        uow.proposals.add_attachment_content(proposal.id, attachment.id, content)
        uow.commit()
    return attachment


def attachment(uow: ProposalsUnitOfWork, proposal_id: UUID, attachment_id: UUID) -> tuple[Attachment, bytes]:
    with uow:
        proposal = _proposal(uow, proposal_id)
        found = next((a for a in proposal.attachments if a.id == attachment_id), None)
        content = uow.proposals.attachment_content(proposal_id, attachment_id) if found else None
    if found is None or content is None:
        raise NotFound(f"proposal {proposal_id} has no document {attachment_id}")
    return found, content


@dataclass(frozen=True)
class Invitation:
    code: str  # shown to the author once; only its hash is kept
    expires_at: datetime


def invite_co_authors(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID) -> Invitation:
    """The first author gets a new co-author link (the earlier one stops working)."""
    resident = actor.as_resident()
    code = secrets.token_urlsafe(12)
    with uow:
        proposal = _proposal(uow, proposal_id)
        invitation = proposal.invite_co_authors(code_hash(code), resident, uow.clock())
        uow.proposals.save(proposal)
        uow.commit()
    return Invitation(code, invitation.expires_at)


def join_as_co_author(uow: ProposalsUnitOfWork, actor: Actor, proposal_id: UUID, code: str) -> Proposal:
    """A resident with the authors' link becomes a co-author (once; an author already stays one)."""
    resident = actor.as_resident()
    with uow:
        proposal = _proposal(uow, proposal_id)
        if proposal.join_as_co_author(resident, code_hash(code), uow.clock()):
            uow.proposals.save(proposal)
        uow.commit()
    return proposal
