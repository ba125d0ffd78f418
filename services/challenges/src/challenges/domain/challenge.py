"""The challenge aggregate: a group's proposal to take over a municipal task, handled as a case.

Every change goes through ``_move`` (the transition table) or ``_note`` and raises one
``ChallengeEvent``; a refused action raises ``IllegalTransition`` or ``InvalidAction`` and
changes nothing. Whoever the use case says is ``acting`` signs each event and the case's audit
trail (nobody for the service's own automatic steps).

What officials write travels in events and may be published, so it may not name anyone: a text with a
person's name, a national number, an e-mail address or a phone number is refused (``PersonalDataFound``,
naming the field and what was found). What the group writes stays out of events and notices. The
public notice is composed from coded grounds and criteria and from the texts an official approved for
publication (``approve_notice_text``), never from assessors' or officials' working texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import UUID

from challenges.domain.assessment import Assessment
from challenges.domain.clock import ClockError, DecisionClock
from challenges.domain.events import (
    AgreementStarted,
    AssessmentOpened,
    AssessorAssigned,
    DeadlineAlert,
    DeadlineName,
    Decided,
    DecisionFinal,
    DecisionProposed,
    Details,
    DocumentAdded,
    Gate,
    GatesChecked,
    InformationRequested,
    ModificationProposed,
    Motivated,
    NoticeTextApproved,
    Outcome,
    Referred,
    ReviewDue,
    Scored,
    TermExtended,
)
from challenges.domain.gates import GateResult
from challenges.domain.rules import CriteriaSet, Profile
from challenges.domain.states import BEFORE_DECISION, EVENT_OF, RUNNING_CASE, TRANSITIONS, Status
from meemaken_kit import deadlines
from meemaken_kit.personal_data import Finding, describe, find_personal_data


class IllegalTransition(Exception):
    """The action is not allowed in the challenge's current state."""


class InvalidAction(Exception):
    """The action is allowed but its content is not (a missing reason, an unknown ground, ...)."""


class PersonalDataFound(InvalidAction):
    """An official's text names a person or carries contact or identity data; `field` is its JSON pointer."""

    def __init__(self, field: str, findings: list[Finding]) -> None:
        self.field, self.findings = field, tuple(findings)
        super().__init__(
            f"{field.strip('/')} contains {describe(findings)}: texts that travel in events or may be published "
            "name no one; refer to people by their role (the applicant, the treasurer, the assessor)"
        )


@dataclass(frozen=True)
class ActedBy:
    """Who did something on the case, and in which role: a pseudonymous id, never a name."""

    id: UUID
    role: str  # a role of the one role model: group_representative, case_officer, assessor, decision_body


@dataclass(frozen=True)
class AuditEntry:
    """One line of the case's audit trail: what happened, when, and who did it (None: the service itself)."""

    at: datetime
    action: str  # the event's name
    from_status: Status
    to_status: Status
    by: ActedBy | None


@dataclass(frozen=True)
class Group:
    name: str
    legal_form: str  # e.g. vzw, stichting, vereniging, charity, community interest company, informal
    representative_id: UUID  # the resident who submits on the group's behalf (pseudonymous id)
    co_initiator_ids: tuple[UUID, ...]
    members_count: int


@dataclass(frozen=True)
class Submission:
    """What the group proposes; every field may be empty while the challenge is a draft."""

    why_better: str = ""
    capacity_and_finances: str = ""
    local_support: str = ""
    cost_estimate_cents: int | None = None
    quality_guarantees: str = ""
    continuity_and_exit: str = ""
    support_asked: str = ""

    REQUIRED = (
        "why_better",
        "capacity_and_finances",
        "local_support",
        "cost_estimate_cents",
        "quality_guarantees",
        "continuity_and_exit",
    )

    def missing(self) -> list[str]:
        return [name for name in self.REQUIRED if getattr(self, name) in ("", None)]


@dataclass(frozen=True)
class Document:
    id: UUID
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    action: str
    from_status: Status
    to_status: Status
    reason: str | None


@dataclass(frozen=True)
class ChallengeEvent:
    name: str
    challenge_id: UUID
    task_id: UUID
    department: str
    profile: str
    representative_id: UUID
    at: datetime
    from_status: Status
    to_status: Status
    details: Details = field(default_factory=dict)  # type: ignore[assignment]  # Nothing, the empty details
    by: ActedBy | None = None
    decision_due_at: datetime | None = None  # the decision clock's due date after the step (None: paused, decided)


@dataclass(frozen=True)
class Alert:
    """A deadline warning on the officials' queue: `near_breach` or `breached`, until the deadline is met."""

    deadline: str
    level: str
    at: datetime


@dataclass(frozen=True)
class NoticeText:
    """A motivation an official approved for the public notice, for one part of it: a criterion's code,
    a gate's code, or ``decision`` (the reasons as a whole)."""

    part: str
    text: str
    approved_at: datetime
    approved_by: ActedBy | None


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    grounds: tuple[str, ...]
    motivation: str
    decided_at: datetime
    notice: str


@dataclass
class Challenge:
    id: UUID
    task_id: UUID
    department: str
    profile: Profile
    criteria: CriteriaSet
    group: Group
    submission: Submission = field(default_factory=Submission)
    documents: tuple[Document, ...] = ()
    status: Status = Status.DRAFT
    submitted_at: datetime | None = None
    clock: DecisionClock | None = None
    information_request: str | None = None
    return_to: Status | None = None
    modification: str | None = None
    modification_agreed: bool = False
    gate_results: tuple[GateResult, ...] = ()
    assessment: Assessment = field(default_factory=Assessment)
    notice_texts: tuple[NoticeText, ...] = ()
    decision: Decision | None = None
    objected: bool = False
    alerts: tuple[Alert, ...] = ()
    history: tuple[StatusChange, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    version: int = 1
    events: list[ChallengeEvent] = field(default_factory=list, repr=False, compare=False)
    # who performs the actions applied now (set by the use case; None for automatic steps)
    acting: ActedBy | None = field(default=None, repr=False, compare=False)

    # --- the group's side ---------------------------------------------------------------

    def save_draft(self, submission: Submission, now: datetime) -> None:
        if self.status is not Status.DRAFT:
            raise IllegalTransition(f"a challenge that is {self.status} can no longer be edited")
        self.submission = submission
        self._note("draft_saved", now)

    def attach(self, document: Document, now: datetime) -> None:
        if self.status not in (Status.DRAFT, Status.INFORMATION_REQUESTED):
            raise IllegalTransition("documents can be added to a draft or in answer to an information request")
        self.documents = (*self.documents, document)
        self._note("draft_saved", now, DocumentAdded(document_id=str(document.id)))

    def submit(self, now: datetime) -> None:
        self._check("submit")
        self.submitted_at = now
        self.clock = DecisionClock(now, self.profile.deadlines.decision_term)  # its event says when it is due
        self._move("submit", now)

    def supply_information(self, now: datetime, answer: str) -> None:
        if not answer.strip():
            raise InvalidAction("say what you supply")
        back = self.return_to or Status.ADMISSIBILITY_CHECK
        self._check("supply_information")
        if self.clock is not None and not self.clock.running:
            self.clock = self.clock.resume(now)  # before the event, which says the new due date
        self._move("supply_information", now, answer.strip(), to=back)
        self.information_request, self.return_to = None, None

    def accept_modification(self, now: datetime) -> None:
        self._move("accept_modification", now)
        self.modification_agreed = True

    def decline_modification(self, now: datetime, reason: str) -> None:
        self._move("decline_modification", now, _required(reason, "a reason"))
        self.modification, self.modification_agreed = None, False  # the decision is on the original proposal

    def withdraw(self, now: datetime, reason: str) -> None:
        self._move("withdraw", now, reason.strip() or None)

    def object(self, now: datetime, reason: str) -> None:
        if self.objected:
            raise IllegalTransition("an objection was already lodged against this decision")
        if self.decision is None:
            raise IllegalTransition("there is no decision to object to")
        window_end = deadlines.due(self.decision.decided_at, self.profile.deadlines.objection_window)
        if now > window_end:
            raise InvalidAction(f"the objection window closed on {window_end.date().isoformat()}")
        self._move("object", now, _required(reason, "the grounds of the objection"))
        self.objected = True

    # --- the municipality's side --------------------------------------------------------

    def acknowledge(self, now: datetime) -> None:
        self._move("acknowledge", now)

    def start_admissibility_check(self, now: datetime) -> None:
        self._move("start_admissibility_check", now)

    def record_gates(self, results: tuple[GateResult, ...], now: datetime) -> None:
        """The automatic gate check's verdict, then its consequence (assessment, repair, refusal, out of scope)."""
        if self.status is not Status.ADMISSIBILITY_CHECK:
            raise IllegalTransition(f"gates are checked during the admissibility check, not when {self.status}")
        self.gate_results = results
        failed = [r for r in results if not r.passed]
        gates = [Gate(code=r.code, passed=r.passed, explanation=r.explanation) for r in results]
        self._note("gates_checked", now, GatesChecked(gates=gates))
        if not failed:
            self._move("open_assessment", now, details=AssessmentOpened(department=self.department))
            return
        first = failed[0]
        if first.outcome == "out_of_scope":
            self._decide("declare_out_of_scope", "out_of_scope", (first.ground,), first.explanation, now)
        elif first.outcome == "repair" and all(r.outcome == "repair" for r in failed):
            self.request_information(now, " ".join(r.explanation for r in failed), repair=True)
        else:
            grounds = tuple(dict.fromkeys(r.ground for r in failed if r.outcome != "repair"))
            motivation = " ".join(r.explanation for r in failed)
            self._decide("refuse_admission", "rejected", grounds, motivation, now)

    def request_information(self, now: datetime, question: str, repair: bool = False) -> None:
        back = self.status
        question = _official(question, "the question", "/question")
        due_at = deadlines.due(now, self.profile.deadlines.repair_period).isoformat()
        self._check("request_information")
        if self.clock is not None and self.clock.running:
            self.clock = self.clock.pause(now)  # before the event, which says the clock is paused
        self._move(
            "request_information",
            now,
            question,
            details=InformationRequested(reason=question, due_at=due_at, repair=repair),
        )
        self.information_request, self.return_to = question.strip(), back

    def repair_period_ended(self, now: datetime) -> None:
        """The repair period passed without an answer: the submission is refused as incomplete."""
        if self.status is not Status.INFORMATION_REQUESTED:
            return
        ground = next((g.ground for g in self.profile.gates if g.code == "complete"), "incomplete")
        self._decide(
            "refuse_admission", "rejected", (ground,), "The requested information did not arrive in time.", now
        )

    def decide_out_of_scope(self, now: datetime, motivation: str, grounds: tuple[str, ...] = ()) -> None:
        self._known_grounds(grounds)
        motivation = _official(motivation, "a motivation", "/motivation")
        self._decide("declare_out_of_scope", "out_of_scope", grounds, motivation, now)

    def extend_decision_term(self, now: datetime, duration: str, reason: str) -> None:
        if self.clock is None or self.status not in RUNNING_CASE:
            raise IllegalTransition("only a running case's decision term can be extended")
        try:
            reason = _official(reason, "a reason", "/reason")
            self.clock = self.clock.extend(duration, reason, self.profile.deadlines.decision_extension)
        except (ClockError, ValueError) as exc:
            raise InvalidAction(str(exc)) from exc
        due = self.clock.due_at()
        extended = TermExtended(reason=reason.strip(), due_at=due.isoformat() if due else None)
        self._note("decision_term_extended", now, extended)

    def start_dialogue(self, now: datetime) -> None:
        self._move("start_dialogue", now)

    def propose_modification(self, now: datetime, text: str) -> None:
        text = _official(text, "the modification", "/text")
        self._move("propose_modification", now, details=ModificationProposed(modification=text))
        self.modification = text
        self.modification_agreed = False

    def assign_assessor(self, now: datetime, assessor_id: UUID) -> None:
        if self.status not in (Status.IN_ASSESSMENT, Status.IN_DIALOGUE):
            raise IllegalTransition(f"assessors are assigned during the assessment, not when {self.status}")
        self.assessment = self.assessment.assign(assessor_id)
        self._note("assessor_assigned", now, AssessorAssigned(assessor_id=str(assessor_id)))

    def score(self, now: datetime, assessor_id: UUID, criterion: str, value: int | None, motivation: str) -> None:
        if self.status not in (Status.IN_ASSESSMENT, Status.IN_DIALOGUE):
            raise IllegalTransition(f"scores are given during the assessment, not when {self.status}")
        motivation = _official(motivation, f"a motivation for {criterion}", "/motivation")
        try:
            self.assessment = self.assessment.score(self.criteria, assessor_id, criterion, value, motivation)
        except ValueError as exc:
            raise InvalidAction(str(exc)) from exc
        self._note("scored", now, Scored(criterion=criterion))

    def propose_decision(self, now: datetime, manual_gates: dict[str, tuple[bool, str]]) -> None:
        """The case officer consolidates: every assessor scored everything, the judged gates are motivated."""
        self._check("propose_decision")
        missing = self.assessment.missing(self.criteria)
        if missing:
            raise InvalidAction("the assessment is not complete: " + "; ".join(missing))
        judged = {g.code for g in self.profile.gates if not g.automatic}
        if set(manual_gates) != judged:
            raise InvalidAction("judge each of these gates with a motivation: " + ", ".join(sorted(judged)))
        manual_gates = {
            code: (passed, _official(motivation, f"a motivation for gate {code}", f"/gates/{code}/motivation"))
            for code, (passed, motivation) in manual_gates.items()
        }
        failed = tuple(g.ground for g in self.profile.gates if g.code in manual_gates and not manual_gates[g.code][0])
        score: float | None = None
        if self.criteria.weighted:  # a municipality's published weights and pass mark
            score = self.assessment.weighted_score(self.criteria)
            passes = self.criteria.pass_mark is None or score >= self.criteria.pass_mark
        else:  # considered (the Localism Act): only a ground of the closed list can reject
            passes = True
        proposal: Literal["accept", "reject"] = "accept" if not failed and passes else "reject"
        grounds = failed or (() if proposal == "accept" else ("insufficient_score",))
        self.gate_results = (
            *self.gate_results,
            *(
                GateResult(
                    code, passed, motivation, next(g.ground for g in self.profile.gates if g.code == code), "rejected"
                )
                for code, (passed, motivation) in manual_gates.items()
            ),
        )
        proposed = DecisionProposed(proposal=proposal, grounds=list(grounds))
        if score is not None:
            proposed["score"] = round(score, 4)
        self._move("propose_decision", now, details=proposed)

    def accept(self, now: datetime, motivation: str) -> None:
        outcome: Outcome = "accepted_with_modifications" if self.modification_agreed else "accepted"
        self._decide("accept", outcome, (), _official(motivation, "a motivation", "/motivation"), now)

    def reject(self, now: datetime, grounds: tuple[str, ...], motivation: str) -> None:
        self._rejection_grounds(grounds)
        self._decide("reject", "rejected", grounds, _official(motivation, "a motivation", "/motivation"), now)

    def notice_preview(self, now: datetime, outcome: str, grounds: tuple[str, ...]) -> tuple[Outcome, str]:
        """The outcome and public notice a decision taken now would publish, checked as the decision is;
        nothing changes (the decision body reads it before deciding)."""
        from challenges.domain.notice import decision_notice

        decided: Outcome
        if outcome == "accept":
            decided, grounds = ("accepted_with_modifications" if self.modification_agreed else "accepted"), ()
        elif outcome == "reject":
            self._rejection_grounds(grounds)
            decided = "rejected"
        elif outcome == "out_of_scope":
            self._known_grounds(grounds)
            decided = "out_of_scope"
        else:
            raise InvalidAction("a decision accepts, rejects or declares the challenge out of scope")
        return decided, decision_notice(self, decided, grounds, now, self.profile.language)

    def _rejection_grounds(self, grounds: tuple[str, ...]) -> None:
        if not grounds:
            raise InvalidAction("a rejection needs at least one coded ground")
        unknown = [g for g in grounds if not self.profile.has_ground(g) and g != "insufficient_score"]
        if unknown or (self.profile.closed_list_of_grounds and "insufficient_score" in grounds):
            bad = unknown or ["insufficient_score"]
            raise InvalidAction(f"not a rejection ground of profile {self.profile.code}: {', '.join(bad)}")

    def _known_grounds(self, grounds: tuple[str, ...]) -> None:
        unknown = [g for g in grounds if not self.profile.has_ground(g)]
        if unknown:
            raise InvalidAction(f"not a ground of profile {self.profile.code}: {', '.join(unknown)}")

    def decide_objection(self, now: datetime, upheld: bool, motivation: str) -> None:
        motivation = _official(motivation, "a motivation", "/motivation")
        action = "uphold_objection" if upheld else "dismiss_objection"
        self._move(action, now, motivation, details=Motivated(reason=motivation))
        if upheld:
            self.decision = None

    def start_agreement(self, now: datetime) -> None:
        self._move("start_agreement", now, details=AgreementStarted(after_acceptance=self.profile.after_acceptance))

    def start_execution(self, now: datetime, summary: str) -> None:
        summary = _official(summary, "what was agreed", "/summary")
        next_review_at = deadlines.due(now, self.profile.deadlines.review_period).isoformat()
        self._move("start_execution", now, summary, details=ReviewDue(reason=summary, next_review_at=next_review_at))

    def start_review(self, now: datetime) -> None:
        self._move("start_review", now)

    def conclude_review(self, now: datetime, outcome: str, motivation: str) -> None:
        action = {"renew": "renew", "complete": "complete", "terminate": "terminate"}.get(outcome)
        if action is None:
            raise InvalidAction("a review ends in renew, complete or terminate")
        motivation = _official(motivation, "a motivation", "/motivation")
        details: ReviewDue | Motivated = Motivated(reason=motivation)
        if action == "renew":
            next_review_at = deadlines.due(now, self.profile.deadlines.review_period).isoformat()
            details = ReviewDue(reason=motivation, next_review_at=next_review_at)
        self._move(action, now, motivation, details=details)

    def terminate(self, now: datetime, reason: str) -> None:
        reason = _official(reason, "a reason", "/reason")
        self._move("terminate", now, reason, details=Motivated(reason=reason))

    def refer_to_panel(self, now: datetime, question: str) -> None:
        if self.status not in (Status.IN_ASSESSMENT, Status.IN_DIALOGUE, Status.DECISION_PENDING):
            raise IllegalTransition(f"a challenge that is {self.status} cannot be referred to a panel")
        question = _official(question, "the question for the panel", "/question")
        self._note("referred_to_panel", now, Referred(question=question))

    def notice_parts(self) -> tuple[str, ...]:
        """What a published motivation may be about: each criterion, each gate, and the decision's
        reasons as a whole."""
        return (*(c.code for c in self.criteria.criteria), *(g.code for g in self.profile.gates), "decision")

    def approve_notice_text(self, now: datetime, part: str, text: str) -> None:
        """An official approves a motivation for the public notice (replacing any approved before for
        that part); only approved texts are published, each checked to name no one."""
        if self.status not in BEFORE_DECISION or self.status in (Status.SUBMITTED, Status.ACKNOWLEDGED):
            raise IllegalTransition(f"texts for the notice are approved before the decision, not when {self.status}")
        if part not in self.notice_parts():
            raise InvalidAction(f"{part!r} is not a part of this notice; one of: {', '.join(self.notice_parts())}")
        text = _official(text, "the text", "/text")
        approved = NoticeText(part, text, now, self.acting)
        self.notice_texts = (*(t for t in self.notice_texts if t.part != part), approved)
        self._note("notice_text_approved", now, NoticeTextApproved(part=part, text=text))

    def decision_became_final(self, now: datetime) -> None:
        """The objection window closed without an objection."""
        self._note("decision_final", now, DecisionFinal(outcome=self.decision.outcome if self.decision else "rejected"))

    def deadline_warning(
        self, now: datetime, deadline: DeadlineName, breached: bool, due_at: datetime | None = None
    ) -> None:
        """Warn the officials' queue; `due_at` is the deadline itself (the moment now for a breach)."""
        level = "breached" if breached else "near_breach"
        others = tuple(a for a in self.alerts if a.deadline != deadline)
        self.alerts = (*others, Alert(deadline, level, now))
        self._note(f"deadline_{level}", now, DeadlineAlert(deadline=deadline, due_at=(due_at or now).isoformat()))

    # --- internals ----------------------------------------------------------------------

    def _decide(self, action: str, outcome: Outcome, grounds: tuple[str, ...], motivation: str, now: datetime) -> None:
        from challenges.domain.notice import decision_notice

        self._check(action)
        notice = decision_notice(self, outcome, grounds, now, self.profile.language)  # in the case's language
        self.decision = Decision(outcome, grounds, motivation.strip(), now, notice)
        details = Decided(
            outcome=outcome,
            grounds=list(grounds),
            notice=notice,
            objection_until=deadlines.due(now, self.profile.deadlines.objection_window).isoformat(),
            co_initiator_ids=[str(i) for i in self.group.co_initiator_ids],  # told, as the representative is
        )
        if motivation.strip():
            details["reason"] = motivation.strip()
        self._move(action, now, motivation.strip(), details=details)

    def _check(self, action: str) -> None:
        allowed, _target = TRANSITIONS[action]
        if self.status not in allowed:
            raise IllegalTransition(f"cannot {action.replace('_', ' ')} a challenge that is {self.status.value}")

    def _move(
        self,
        action: str,
        now: datetime,
        reason: str | None = None,
        details: Details | None = None,
        to: Status | None = None,
    ) -> None:
        self._check(action)
        target = TRANSITIONS[action][1] or to
        assert target is not None
        before = self.status
        self.status = target
        self.history = (*self.history, StatusChange(now, action, before, target, reason))
        if target not in RUNNING_CASE:
            self.alerts = ()  # decided, withdrawn or executing: the case deadlines are over
        # an official's reason travels in the details its builder made; what residents type stays out of events
        self.events.append(self._event(EVENT_OF[action], now, before, target, details or {}))

    def _note(self, name: str, now: datetime, details: Details | None = None) -> None:
        self.events.append(self._event(name, now, self.status, self.status, details or {}))

    def _event(self, name: str, now: datetime, before: Status, after: Status, data: Details) -> ChallengeEvent:
        self.audit = (*self.audit, AuditEntry(now, name, before, after, self.acting))
        return ChallengeEvent(
            name,
            self.id,
            self.task_id,
            self.department,
            self.profile.code,
            self.group.representative_id,
            now,
            before,
            after,
            data,
            self.acting,
            self.clock.due_at() if self.clock is not None and self.status in BEFORE_DECISION else None,
        )


def _required(text: str, what: str) -> str:
    if not text or not text.strip():
        raise InvalidAction(f"{what} is required")
    return text.strip()


def _official(text: str, what: str, field: str) -> str:
    """An official's text, required and naming no one (it travels in events and may be published)."""
    text = _required(text, what)
    findings = find_personal_data(text)
    if findings:
        raise PersonalDataFound(field, findings)
    return text
