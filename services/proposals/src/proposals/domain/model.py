"""The proposal aggregate and the events it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from meemaken_kit import deadlines
from proposals.domain.audit import ActedBy


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    ADMITTED = "admitted"  # the automatic check passed; open for support
    REJECTED = "rejected"  # the automatic check found problems
    DECLINED = "declined"  # an official judged it outside the municipality's competence or the law
    ANSWERED = "answered"  # the municipality answered with reasons
    MERGED = "merged"  # folded into another proposal
    SPLIT = "split"  # divided into new proposals


class Position(StrEnum):
    """The municipality's answer to a proposal."""

    ADOPTED = "adopted"
    PARTLY = "partly"
    NOT_ADOPTED = "not_adopted"


class FollowUpStage(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


DECLINE_GROUNDS = ("not_competent", "unlawful", "already_decided", "not_a_proposal")
MAX_ATTACHMENTS, MAX_CO_AUTHORS = 5, 10
OPEN_TO_AUTHORS = ("submitted", "admitted")  # until the municipality decides, the authors may add to it


@dataclass(frozen=True)
class Attachment:
    """A photo or document the authors added (its bytes are stored beside the proposal, not in it)."""

    id: UUID
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class CoAuthorInvitation:
    """The authors' link for co-authors: only a hash of its code is kept; a new link replaces the old."""

    code_hash: str
    expires_at: datetime


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
    district: str | None = None
    answer_due_at: datetime | None = None  # a part of a split proposal owes the answer its original owed


@dataclass(frozen=True)
class ProposalRejected:
    proposal_id: UUID
    process_id: str
    author_id: UUID
    title: str
    reasons: tuple[RejectionReason, ...]


@dataclass(frozen=True)
class ProposalDeclined:
    proposal_id: UUID
    process_id: str
    author_id: UUID
    title: str
    reasons: tuple[RejectionReason, ...]
    by: ActedBy | None = None


@dataclass(frozen=True)
class SupportThresholdReached:
    proposal_id: UUID
    process_id: str
    author_id: UUID
    title: str
    supporters: int
    threshold: int
    answer_due_at: datetime


@dataclass(frozen=True)
class ProposalAnswered:
    proposal_id: UUID
    process_id: str
    author_id: UUID
    title: str
    position: Position
    reasons: str
    late: bool
    by: ActedBy | None = None


@dataclass(frozen=True)
class AnswerOverdue:
    proposal_id: UUID
    process_id: str
    author_id: UUID
    title: str
    answer_due_at: datetime


@dataclass(frozen=True)
class ProposalMerged:
    proposal_id: UUID
    process_id: str
    author_id: UUID
    title: str
    into_id: UUID
    reasons: str
    by: ActedBy | None = None


@dataclass(frozen=True)
class ProposalSplit:
    proposal_id: UUID
    process_id: str
    author_id: UUID
    title: str
    into_ids: tuple[UUID, ...]
    reasons: str
    by: ActedBy | None = None


@dataclass(frozen=True)
class FollowUpRecorded:
    proposal_id: UUID
    process_id: str
    author_id: UUID
    title: str
    stage: FollowUpStage
    note: str
    by: ActedBy | None = None


ProposalEvent = (
    ProposalSubmitted
    | ProposalAdmitted
    | ProposalRejected
    | ProposalDeclined
    | SupportThresholdReached
    | ProposalAnswered
    | AnswerOverdue
    | ProposalMerged
    | ProposalSplit
    | FollowUpRecorded
)


@dataclass(frozen=True)
class Step:
    """One line of a proposal's history: what happened, when, why, and who did it (None: the service
    itself, e.g. the automatic check or the answer timer). Who is for the audit, not for the public."""

    at: datetime
    what: str
    detail: str = ""
    by: ActedBy | None = None


class IllegalTransition(Exception):
    """The proposal is not in a state that allows this step."""


class InvalidStep(ValueError):
    """The step is allowed, but what came with it is not (a missing reason, an unknown ground)."""


class NotTheAuthor(Exception):
    """Only the proposal's authors may do this."""


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
    supporters: int = 0
    answer_due_at: datetime | None = None
    answer_overdue: bool = False
    position: Position | None = None
    answer: str = ""
    related: tuple[UUID, ...] = ()  # merged into / split into / merged from / split from, as the history says
    district: str | None = None  # the part of the municipality it is about (None: all of it)
    theme: str | None = None
    co_authors: tuple[UUID, ...] = ()  # residents who joined with the authors' link (pseudonymous ids)
    co_author_invitation: CoAuthorInvitation | None = None
    attachments: tuple[Attachment, ...] = ()
    history: tuple[Step, ...] = ()
    version: int = 1
    events: list[ProposalEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def submit(
        cls,
        proposal_id: UUID,
        process_id: str,
        author_id: UUID,
        title: str,
        text: str,
        now: datetime,
        district: str | None = None,
        theme: str | None = None,
    ) -> Proposal:
        proposal = cls(proposal_id, process_id, author_id, title.strip(), text.strip(), now)
        proposal.district, proposal.theme = district, theme
        proposal.history = (Step(now, "submitted", by=ActedBy(author_id, "resident")),)
        proposal.events.append(ProposalSubmitted(proposal_id, process_id, author_id, proposal.title, now))
        return proposal

    def admit(self, now: datetime | None = None) -> None:
        self._require(ProposalStatus.SUBMITTED, "admit")
        self.status = ProposalStatus.ADMITTED
        self._step(now, "admitted")
        self.events.append(ProposalAdmitted(self.id, self.process_id, self.author_id, self.title, self.district))

    def reject(self, reasons: tuple[RejectionReason, ...], now: datetime | None = None) -> None:
        if not reasons:
            raise ValueError("a rejection needs at least one coded reason")
        self._require(ProposalStatus.SUBMITTED, "reject")
        self.status = ProposalStatus.REJECTED
        self.reasons = reasons
        self._step(now, "rejected", "; ".join(r.code for r in reasons))
        self.events.append(ProposalRejected(self.id, self.process_id, self.author_id, self.title, reasons))

    def decline(self, reasons: tuple[RejectionReason, ...], now: datetime, by: ActedBy | None = None) -> None:
        """An official's check: what needs judgment (competence, legality) that no machine decides."""
        if not reasons:
            raise InvalidStep("a decline needs at least one coded ground")
        for r in reasons:
            if r.code not in DECLINE_GROUNDS:
                raise InvalidStep(f"unknown ground {r.code!r}; grounds are {', '.join(DECLINE_GROUNDS)}")
            if not r.detail.strip():
                raise InvalidStep(f"ground {r.code!r} needs a motivation")
        self._require(ProposalStatus.ADMITTED, "decline")
        self.status = ProposalStatus.DECLINED
        self.reasons = reasons
        self._step(now, "declined", "; ".join(f"{r.code}: {r.detail}" for r in reasons), by)
        self.events.append(ProposalDeclined(self.id, self.process_id, self.author_id, self.title, reasons, by))

    def count_support(self, supporters: int, threshold: int | None, answer_days: int, now: datetime) -> None:
        """The supporters counted after one more resident supported; crossing the threshold starts the
        municipality's answer term."""
        self._require(ProposalStatus.ADMITTED, "support")
        self.supporters = supporters
        if threshold is not None and supporters >= threshold and self.answer_due_at is None:
            self.answer_due_at = deadlines.due(now, deadlines.days(answer_days))
            self._step(now, "threshold_reached", f"{supporters} supporters; answer due {self.answer_due_at:%Y-%m-%d}")
            self.events.append(
                SupportThresholdReached(
                    self.id, self.process_id, self.author_id, self.title, supporters, threshold, self.answer_due_at
                )
            )

    def respond(self, position: Position, reasons: str, now: datetime, by: ActedBy | None = None) -> None:
        """The municipality's answer with its reasons; after the deadline it still counts, marked late."""
        if not reasons.strip():
            raise InvalidStep("an answer gives its reasons")
        self._require(ProposalStatus.ADMITTED, "answer")
        self.status, self.position, self.answer = ProposalStatus.ANSWERED, position, reasons.strip()
        late = self.answer_due_at is not None and now > self.answer_due_at
        self._step(now, "answered", f"{position.value}{' (late)' if late else ''}: {self.answer}", by)
        self.events.append(
            ProposalAnswered(self.id, self.process_id, self.author_id, self.title, position, self.answer, late, by)
        )

    def check_answer_deadline(self, now: datetime) -> bool:
        """True (and an event, once) when the answer term passed without an answer."""
        if (
            self.status is not ProposalStatus.ADMITTED
            or self.answer_due_at is None
            or self.answer_overdue
            or now < self.answer_due_at
        ):
            return False
        self.answer_overdue = True
        self._step(now, "answer_overdue", f"due {self.answer_due_at:%Y-%m-%d}")
        self.events.append(AnswerOverdue(self.id, self.process_id, self.author_id, self.title, self.answer_due_at))
        return True

    def merge_into(self, target: Proposal, reasons: str, now: datetime, by: ActedBy | None = None) -> None:
        """Fold this proposal into `target` (same process); both keep the history, supporters move along."""
        if target.id == self.id:
            raise InvalidStep("a proposal cannot be merged into itself")
        if target.process_id != self.process_id:
            raise InvalidStep("only proposals of the same process can be merged")
        if not reasons.strip():
            raise InvalidStep("a merge gives its reasons")
        self._require(ProposalStatus.ADMITTED, "merge")
        target._require(ProposalStatus.ADMITTED, "merge into")
        self.status, self.related = ProposalStatus.MERGED, (*self.related, target.id)
        self._step(now, "merged_into", f"{target.id}: {reasons.strip()}", by)
        target.related = (*target.related, self.id)
        target._step(now, "merged_from", f"{self.id}: {reasons.strip()}", by)
        self.events.append(
            ProposalMerged(self.id, self.process_id, self.author_id, self.title, target.id, reasons.strip(), by)
        )

    def split_into(self, parts: tuple[Proposal, ...], reasons: str, now: datetime, by: ActedBy | None = None) -> None:
        """Divide this proposal into new ones (already admitted, author kept, supporters carried over)."""
        if len(parts) < 2:
            raise InvalidStep("a split makes at least two proposals")
        if not reasons.strip():
            raise InvalidStep("a split gives its reasons")
        self._require(ProposalStatus.ADMITTED, "split")
        self.status, self.related = ProposalStatus.SPLIT, tuple(p.id for p in parts)
        self._step(now, "split_into", f"{', '.join(str(p.id) for p in parts)}: {reasons.strip()}", by)
        self.events.append(
            ProposalSplit(self.id, self.process_id, self.author_id, self.title, self.related, reasons.strip(), by)
        )

    @classmethod
    def part_of(
        cls, original: Proposal, part_id: UUID, title: str, text: str, now: datetime, by: ActedBy | None = None
    ) -> Proposal:
        part = cls(part_id, original.process_id, original.author_id, title.strip(), text.strip(), now)
        part.district, part.theme = original.district, original.theme
        part.status, part.related = ProposalStatus.ADMITTED, (original.id,)
        part.supporters, part.answer_due_at = original.supporters, original.answer_due_at
        part.history = (Step(now, "split_from", str(original.id), by),)
        admitted = ProposalAdmitted(
            part.id, part.process_id, part.author_id, part.title, part.district, part.answer_due_at
        )
        part.events.append(admitted)
        return part

    def follow_up(self, stage: FollowUpStage, note: str, now: datetime, by: ActedBy | None = None) -> None:
        """What was done with an answered proposal: accountability, step by step."""
        if not note.strip():
            raise InvalidStep("a follow-up says what was done")
        self._require(ProposalStatus.ANSWERED, "follow up")
        self._step(now, f"follow_up_{stage.value}", note.strip(), by)
        self.events.append(
            FollowUpRecorded(self.id, self.process_id, self.author_id, self.title, stage, note.strip(), by)
        )

    def is_author(self, resident: UUID) -> bool:
        return resident == self.author_id or resident in self.co_authors

    def attach(self, attachment: Attachment, by: UUID, now: datetime) -> None:
        """An author adds a photo or document while the proposal is still open to them."""
        self._open_to_author(by, "add a document to")
        if len(self.attachments) >= MAX_ATTACHMENTS:
            raise InvalidStep(f"a proposal has at most {MAX_ATTACHMENTS} documents")
        self.attachments = (*self.attachments, attachment)
        self._step(now, "attachment_added", attachment.filename, ActedBy(by, "resident"))

    def invite_co_authors(self, code_hash: str, by: UUID, now: datetime, days: int = 14) -> CoAuthorInvitation:
        """The first author makes a link to share with co-authors (any earlier link stops working)."""
        if by != self.author_id:
            raise NotTheAuthor("only the first author invites co-authors")
        self._open_to_author(by, "invite co-authors to")
        self.co_author_invitation = CoAuthorInvitation(code_hash, deadlines.due(now, deadlines.days(days)))
        return self.co_author_invitation

    def join_as_co_author(self, resident: UUID, code_hash: str, now: datetime) -> bool:
        """A resident with the authors' link joins; False when they are an author already."""
        invitation = self.co_author_invitation
        if invitation is None or invitation.code_hash != code_hash or now >= invitation.expires_at:
            raise InvalidStep("this co-author link is not valid (any more): ask the author for a new one")
        if self.status.value not in OPEN_TO_AUTHORS:
            raise IllegalTransition(f"cannot join a proposal that is {self.status.value}")
        if self.is_author(resident):
            return False
        if len(self.co_authors) >= MAX_CO_AUTHORS:
            raise InvalidStep(f"a proposal has at most {MAX_CO_AUTHORS} co-authors")
        self.co_authors = (*self.co_authors, resident)
        self._step(now, "co_author_joined", by=ActedBy(resident, "resident"))
        return True

    def _open_to_author(self, resident: UUID, action: str) -> None:
        if not self.is_author(resident):
            raise NotTheAuthor(f"only the proposal's authors may {action} it")
        if self.status.value not in OPEN_TO_AUTHORS:
            raise IllegalTransition(f"cannot {action} a proposal that is {self.status.value}")

    def _step(self, now: datetime | None, what: str, detail: str = "", by: ActedBy | None = None) -> None:
        self.history = (*self.history, Step(now or self.submitted_at, what, detail, by))

    def _require(self, status: ProposalStatus, action: str) -> None:
        if self.status is not status:
            raise IllegalTransition(f"cannot {action} a proposal that is {self.status.value}")
