"""The proposal aggregate and the events it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    ADMITTED = "admitted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class RejectionReason:
    code: str
    detail: str


@dataclass(frozen=True)
class ProposalSubmitted:
    proposal_id: UUID
    process_id: str
    author_id: UUID
    title: str
    submitted_at: datetime


@dataclass(frozen=True)
class ProposalAdmitted:
    proposal_id: UUID
    process_id: str
    author_id: UUID
    title: str


@dataclass(frozen=True)
class ProposalRejected:
    proposal_id: UUID
    process_id: str
    author_id: UUID
    title: str
    reasons: tuple[RejectionReason, ...]


ProposalEvent = ProposalSubmitted | ProposalAdmitted | ProposalRejected


class IllegalTransition(Exception):
    """The proposal is not in a state that allows this step."""


@dataclass
class Proposal:
    id: UUID
    process_id: str
    author_id: UUID
    title: str
    text: str
    submitted_at: datetime
    status: ProposalStatus = ProposalStatus.SUBMITTED
    reasons: tuple[RejectionReason, ...] = ()
    version: int = 1
    events: list[ProposalEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def submit(
        cls, proposal_id: UUID, process_id: str, author_id: UUID, title: str, text: str, now: datetime
    ) -> Proposal:
        proposal = cls(proposal_id, process_id, author_id, title.strip(), text.strip(), now)
        proposal.events.append(
            ProposalSubmitted(proposal_id, process_id, author_id, proposal.title, now)
        )
        return proposal

    def admit(self) -> None:
        self._require(ProposalStatus.SUBMITTED, "admit")
        self.status = ProposalStatus.ADMITTED
        self.events.append(ProposalAdmitted(self.id, self.process_id, self.author_id, self.title))

    def reject(self, reasons: tuple[RejectionReason, ...]) -> None:
        if not reasons:
            raise ValueError("a rejection needs at least one coded reason")
        self._require(ProposalStatus.SUBMITTED, "reject")
        self.status = ProposalStatus.REJECTED
        self.reasons = reasons
        self.events.append(ProposalRejected(self.id, self.process_id, self.author_id, self.title, reasons))

    def _require(self, status: ProposalStatus, action: str) -> None:
        if self.status is not status:
            raise IllegalTransition(f"cannot {action} a proposal that is {self.status.value}")
