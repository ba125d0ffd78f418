"""A citizen panel: its set-up, its pool, the committed lottery and the public draw, each step an event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, TypedDict
from uuid import UUID

from meemaken_events.definitions import DateTime, Doc, Maximum, MaxItems, MaxLength, Minimum, MinItems, Pattern, Uuid
from panels.domain.deliberation import Answer, Recommendation, Session, Verdict
from panels.domain.lottery import Artefacts, DrawError, draw_number, number_from_seed
from panels.domain.sortition import Feature
from panels.domain.verified import check_age_bands


class Mandate(StrEnum):
    """The panel's rung on the participation ladder: it advises, or it decides with the council."""

    ADVISE = "adviseren"
    CO_DECIDE = "meebeslissen"


class DeletionStage(StrEnum):
    """The privacy schedule's stages (domain/privacy.py): whose personal data goes when."""

    NON_RESPONDENTS = "non_respondents"
    NON_MEMBERS = "non_members"
    MEMBERS = "members"


class Status(StrEnum):
    RECRUITING = "recruiting"  # set up; invitations out, respondents registering
    POOL_CLOSED = "pool_closed"  # no more registrations; ready for the selection
    COMPUTING = "computing"  # the worker computes the LEXIMIN lottery (minutes for large pools)
    COMMITTED = "committed"  # the lottery and its commitment are published
    DRAWN = "drawn"  # the public number picked the panel
    DELIBERATING = "deliberating"  # sessions under way; the composition is final
    RECOMMENDED = "recommended"  # recommendations delivered; the municipality's answer is due
    ANSWERED = "answered"  # every recommendation answered: the panel has ended


class InvalidPanel(ValueError):
    """A set-up that cannot work (no members, quotas that cannot fit the panel size)."""


class IllegalStep(Exception):
    """The panel is not in a state where this step can happen; nothing changed."""


# --- what each step of a panel says: one typed definition per event, its JSON Schema generated from it -----

Pseudonym = Annotated[
    str, Pattern("^p_[0-9a-f]{32}$"), Doc("Keyed-hash pseudonym; contact data stays in the panels service.")
]
Count = Annotated[int, Minimum(0)]
Number = Annotated[int, Minimum(1)]
Share = Annotated[float, Minimum(0), Maximum(1)]


class SetUp(TypedDict):
    """Citizen panel set up"""

    mandate: Mandate
    size: Number
    alternates: Count
    theme: Annotated[str, MaxLength(200)]
    referred_challenge_id: Uuid | None


class QuotasChanged(TypedDict):
    """The coordinator changed the quotas (before the lottery)"""

    quotas: Annotated[
        dict[str, dict[str, Annotated[list[Count], MinItems(2), MaxItems(2)]]],
        Doc("feature -> value -> [minimum, maximum] on the panel"),
    ]


class RegisterImported(TypedDict):
    """Register extract imported (pseudonymised)"""

    accepted: Count
    rejected: Count


class InvitationsDrawn(TypedDict):
    """Invitation lottery drawn"""

    invited: Count
    ratios: Annotated[
        dict[str, dict[str, Annotated[float, Minimum(0)]]],
        Doc("feature -> value -> invitation ratio (positive discrimination)"),
    ]
    seed: int | None


class Invited(TypedDict):
    """Resident invited by letter"""

    pseudonym: Pseudonym


class PoolClosed(TypedDict):
    """Respondent pool closed"""

    admitted: Count


class LotteryRequested(TypedDict):
    """The coordinator asked for the lottery; the worker computes it"""

    panels: Number


class LotteryFailed(TypedDict):
    """The lottery could not be computed (quotas that cannot be met), with why"""

    problem: Annotated[str, MaxLength(2000)]


class LotteryCommitted(TypedDict):
    """Lottery committed before the draw"""

    commitment: Annotated[str, Pattern("^[0-9a-f]{64}$")]
    panels: Number
    algorithm: Annotated[str, MaxLength(100)]
    minimum_probability: Share
    rounding_loss: Share


class Drawn(TypedDict):
    """Panel drawn in public"""

    number: Number
    public_input: Annotated[str, MaxLength(200), Doc("The dice read out in public, or the published seed.")]
    commitment: Annotated[str, Pattern("^[0-9a-f]{64}$")]


class MemberSelected(TypedDict):
    """Panel member selected"""

    pseudonym: Pseudonym


class AlternateSelected(TypedDict):
    """Alternate selected"""

    pseudonym: Pseudonym
    rank: Number


class MemberAccepted(TypedDict):
    """Panel member confirmed"""

    pseudonym: Pseudonym


class MemberDeclined(TypedDict):
    """Panel member declined or dropped out"""

    pseudonym: Pseudonym


class MemberReplaced(TypedDict):
    """Panel member replaced, quotas kept"""

    pseudonym: Pseudonym
    replaces: Pseudonym


class ReplacementNotFound(TypedDict):
    """No replacement keeps the quotas"""

    replaces: Pseudonym


class CompositionFinal(TypedDict):
    """Panel composition final"""

    members: Count


class SessionPlanned(TypedDict):
    """Deliberation session planned"""

    session: Number
    starts_at: DateTime


class ContributionsLogged(TypedDict):
    """Contributions per member logged by the moderator"""

    session: Number
    total: Count


class RecommendationsDelivered(TypedDict):
    """Recommendations delivered to the municipality"""

    recommendations: Count
    due_at: DateTime


class RecommendationAnswered(TypedDict):
    """The municipality answered a recommendation"""

    recommendation: Number
    verdict: Verdict


class Answered(TypedDict):
    """Every recommendation answered: the panel has ended"""

    recommendations: Count


class AnswerDeadlineBreached(TypedDict):
    """The municipality's answer is late"""

    due_at: DateTime


class PersonalDataDeleted(TypedDict):
    """Personal data deleted (stage of the privacy schedule)"""

    stage: DeletionStage
    records: Count


PanelStep = (
    SetUp
    | QuotasChanged
    | RegisterImported
    | InvitationsDrawn
    | Invited
    | PoolClosed
    | LotteryRequested
    | LotteryFailed
    | LotteryCommitted
    | Drawn
    | MemberSelected
    | AlternateSelected
    | MemberAccepted
    | MemberDeclined
    | MemberReplaced
    | ReplacementNotFound
    | CompositionFinal
    | SessionPlanned
    | ContributionsLogged
    | RecommendationsDelivered
    | RecommendationAnswered
    | Answered
    | AnswerDeadlineBreached
    | PersonalDataDeleted
)

# event name -> the typed definition of its details (the integration layer publishes each as a catalogue type)
PANEL_STEPS: dict[str, type] = {
    "set_up": SetUp,
    "quotas_changed": QuotasChanged,
    "register_imported": RegisterImported,
    "invitations_drawn": InvitationsDrawn,
    "invited": Invited,
    "pool_closed": PoolClosed,
    "lottery_requested": LotteryRequested,
    "lottery_failed": LotteryFailed,
    "lottery_committed": LotteryCommitted,
    "drawn": Drawn,
    "member_selected": MemberSelected,
    "alternate_selected": AlternateSelected,
    "member_accepted": MemberAccepted,
    "member_declined": MemberDeclined,
    "member_replaced": MemberReplaced,
    "replacement_not_found": ReplacementNotFound,
    "composition_final": CompositionFinal,
    "session_planned": SessionPlanned,
    "contributions_logged": ContributionsLogged,
    "recommendations_delivered": RecommendationsDelivered,
    "recommendation_answered": RecommendationAnswered,
    "answered": Answered,
    "answer_deadline_breached": AnswerDeadlineBreached,
    "personal_data_deleted": PersonalDataDeleted,
}


@dataclass(frozen=True)
class PanelEvent:
    name: str
    panel_id: UUID
    at: datetime
    details: PanelStep
    actor: Mapping[str, str] | None = None  # {id, role} of the official who acted; None: the service itself


@dataclass
class Panel:
    id: UUID
    question: str
    theme: str
    mandate: Mandate
    size: int
    alternates: int
    features: tuple[Feature, ...]
    household_rule: bool
    min_age: int
    open_registration: bool  # self-selection (where the mandate allows) beside invitations
    session_plan: tuple[str, ...] = ()
    referred_challenge_id: UUID | None = None
    status: Status = Status.RECRUITING
    lottery_size: int | None = None  # m: the panels in the lottery, as the coordinator asked
    lottery_problem: str | None = None  # why the last computation failed (quotas that cannot be met)
    commitment: str | None = None
    artefacts: Artefacts | None = None
    drawn_number: int | None = None
    public_input: str | None = None  # the dice read out, or the published seed
    selected: tuple[str, ...] = ()
    alternate_members: tuple[str, ...] = ()
    declined: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    sessions: tuple[Session, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    answer_due_at: datetime | None = None
    answer_overdue: bool = False
    deleted_stages: tuple[str, ...] = ()
    version: int = 0
    events: list[PanelEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def set_up(cls, now: datetime, **fields: Any) -> Panel:
        panel = cls(**fields)
        if panel.size < 1 or panel.alternates < 0:
            raise InvalidPanel("a panel needs at least one member and no negative number of alternates")
        quota_sum = [sum(q.min for q in f.values.values()) for f in panel.features]
        if any(total > panel.size for total in quota_sum):
            raise InvalidPanel("the minimum quotas of a feature add up to more than the panel size")
        bands = check_age_bands(panel.features)
        if bands:
            raise InvalidPanel(bands)
        panel._event(
            "set_up",
            now,
            SetUp(
                mandate=panel.mandate,
                size=panel.size,
                alternates=panel.alternates,
                theme=panel.theme,
                referred_challenge_id=str(panel.referred_challenge_id or "") or None,
            ),
        )
        return panel

    def change_quotas(self, now: datetime, features: tuple[Feature, ...]) -> None:
        """New minimum and maximum per value, for the same features and values, before the lottery is asked for;
        a failed lottery's problem is forgotten (the next request checks the new quotas against the pool)."""
        if self.status not in (Status.RECRUITING, Status.POOL_CLOSED):
            raise IllegalStep(f"the quotas are fixed once the lottery is asked for; the panel is {self.status.value}")
        if {f.name: set(f.values) for f in features} != {f.name: set(f.values) for f in self.features}:
            raise InvalidPanel("change the bounds of the panel's own features and values; the pool was asked for those")
        if any(sum(q.min for q in f.values.values()) > self.size for f in features):
            raise InvalidPanel("the minimum quotas of a feature add up to more than the panel size")
        if any(q.min > q.max for f in features for q in f.values.values()):
            raise InvalidPanel("a minimum quota exceeds its maximum")
        self.features, self.lottery_problem = features, None
        quotas = {f.name: {v: [q.min, q.max] for v, q in f.values.items()} for f in features}
        self._event("quotas_changed", now, QuotasChanged(quotas=quotas))

    def record_import(self, now: datetime, accepted: int, rejected: int) -> None:
        self._require(Status.RECRUITING, "import a register extract")
        self._event("register_imported", now, RegisterImported(accepted=accepted, rejected=rejected))

    def record_invitations(
        self, now: datetime, invited: list[str], ratios: dict[str, dict[str, float]], seed: int | None
    ) -> None:
        """The invitation lottery's outcome: one letter per invited person (the notifications service prints it)."""
        self._require(Status.RECRUITING, "send invitations")
        self._event("invitations_drawn", now, InvitationsDrawn(invited=len(invited), ratios=ratios, seed=seed))
        for person in invited:
            self._event("invited", now, Invited(pseudonym=person))

    def close_pool(self, now: datetime, admitted: int) -> None:
        self._require(Status.RECRUITING, "close the pool")
        if admitted < self.size:
            raise IllegalStep(f"the pool has {admitted} admitted respondents, fewer than the panel size {self.size}")
        self.status = Status.POOL_CLOSED
        self._event("pool_closed", now, PoolClosed(admitted=admitted))

    def request_lottery(self, now: datetime, panels: int) -> None:
        """Ask the worker for the lottery over m panels; the selection runs there, not in a request."""
        self._require(Status.POOL_CLOSED, "compute a lottery")
        if panels < 1:
            raise DrawError("a lottery has at least one panel")
        self.status, self.lottery_size, self.lottery_problem = Status.COMPUTING, panels, None
        self._event("lottery_requested", now, LotteryRequested(panels=panels))

    def lottery_failed(self, now: datetime, problem: str) -> None:
        """The selection could not run (quotas that cannot be met): back to the closed pool, with why."""
        self._require(Status.COMPUTING, "record a failed lottery")
        self.status, self.lottery_problem = Status.POOL_CLOSED, problem
        self._event("lottery_failed", now, LotteryFailed(problem=problem[:2000]))

    def commit(self, now: datetime, artefacts: Artefacts, minimum: float, loss: float) -> None:
        """Publish the lottery before the draw; its commitment binds the draw to it."""
        self._require(Status.COMPUTING, "commit to a lottery")
        self.artefacts, self.commitment = artefacts, artefacts.commitment
        self.status = Status.COMMITTED
        self._event(
            "lottery_committed",
            now,
            LotteryCommitted(
                commitment=artefacts.commitment,
                panels=len(artefacts.panels),
                algorithm=artefacts.algorithm,
                minimum_probability=round(minimum, 6),
                rounding_loss=round(loss, 6),
            ),
        )

    def draw(self, now: datetime, number: int | None = None, seed: str | None = None) -> tuple[str, ...]:
        """The public draw: a number from 1..m read out in public, or a published seed. Once only."""
        if self.status is Status.DRAWN:
            raise IllegalStep(f"the panel was already drawn (number {self.drawn_number}); a draw happens once")
        self._require(Status.COMMITTED, "draw")
        assert self.artefacts is not None and self.commitment is not None
        if (number is None) == (seed is None):
            raise DrawError("give either the public number or the published seed, not both or neither")
        m = len(self.artefacts.panels)
        chosen = number if number is not None else number_from_seed(self.commitment, str(seed), m)
        self.selected = draw_number(self.artefacts, chosen)
        self.alternate_members = self._alternates(chosen)
        self.drawn_number, self.public_input = chosen, str(number if number is not None else seed)
        self.status = Status.DRAWN
        self._event("drawn", now, Drawn(number=chosen, public_input=self.public_input, commitment=self.commitment))
        for pseudonym in self.selected:
            self._event("member_selected", now, MemberSelected(pseudonym=pseudonym))
        for rank, pseudonym in enumerate(self.alternate_members, start=1):
            self._event("alternate_selected", now, AlternateSelected(pseudonym=pseudonym, rank=rank))
        return self.selected

    def accept(self, now: datetime, member: str) -> None:
        """A selected member (or an alternate who replaced one) confirms they will take part."""
        self._require(Status.DRAWN, "confirm a member")
        if member not in self.selected:
            raise IllegalStep(f"{member} is not a member of this panel")
        if member in self.accepted:
            raise IllegalStep(f"{member} already confirmed")
        self.accepted = (*self.accepted, member)
        self._event("member_accepted", now, MemberAccepted(pseudonym=member))

    def decline(self, now: datetime, member: str) -> str | None:
        """A selected member declines or drops out; the first alternate (then the first person of the pool, in
        the lottery's order) who keeps every quota and the household rule replaces them. Returns the replacement,
        or None when nobody can keep the quotas (the panel goes on one member short, and says so)."""
        self._require(Status.DRAWN, "replace a member")
        if member not in self.selected:
            raise IllegalStep(f"{member} is not a member of this panel")
        remaining = [p for p in self.selected if p != member]
        self.accepted = tuple(p for p in self.accepted if p != member)
        self.declined = (*self.declined, member)
        self._event("member_declined", now, MemberDeclined(pseudonym=member))
        for candidate in self._replacement_order():
            if self._keeps_rules([*remaining, candidate]):
                self.selected = (*remaining, candidate)
                self.alternate_members = tuple(a for a in self.alternate_members if a != candidate)
                self._event("member_replaced", now, MemberReplaced(pseudonym=candidate, replaces=member))
                return candidate
        self.selected = tuple(remaining)
        self._event("replacement_not_found", now, ReplacementNotFound(replaces=member))
        return None

    # --- deliberation -------------------------------------------------------------------------

    def plan_session(
        self,
        now: datetime,
        title: str,
        starts_at: datetime,
        moderator: str,
        experts: tuple[str, ...],
        materials: tuple[str, ...],
    ) -> Session:
        if self.status not in (Status.DRAWN, Status.DELIBERATING):
            raise IllegalStep(f"sessions are planned once the panel is drawn, not when it is {self.status.value}")
        if not moderator.strip():
            raise InvalidPanel("a session needs its (external) moderator")
        session = Session(len(self.sessions) + 1, title, starts_at, moderator, experts, materials)
        self.sessions = (*self.sessions, session)
        if self.status is Status.DRAWN:
            self.status = Status.DELIBERATING
            self._event("composition_final", now, CompositionFinal(members=len(self.selected)))
        self._event("session_planned", now, SessionPlanned(session=session.number, starts_at=starts_at.isoformat()))
        return session

    def log_contributions(self, now: datetime, number: int, counts: Mapping[str, int]) -> None:
        """The moderator's tally of how often each member spoke in a session."""
        self._require(Status.DELIBERATING, "log contributions")
        if not 1 <= number <= len(self.sessions):
            raise IllegalStep(f"there is no session {number}")
        strangers = sorted(set(counts) - set(self.selected))
        if strangers:
            raise InvalidPanel(f"not members of this panel: {', '.join(strangers)}")
        if any(c < 0 for c in counts.values()):
            raise InvalidPanel("a member cannot have spoken a negative number of times")
        old = self.sessions[number - 1]
        updated = Session(old.number, old.title, old.starts_at, old.moderator, old.experts, old.materials, dict(counts))
        self.sessions = tuple(updated if s.number == number else s for s in self.sessions)
        self._event("contributions_logged", now, ContributionsLogged(session=number, total=sum(counts.values())))

    def deliver_recommendations(self, now: datetime, items: list[Recommendation], answer_due_at: datetime) -> None:
        self._require(Status.DELIBERATING, "deliver recommendations")
        if not items:
            raise InvalidPanel("deliver at least one recommendation")
        for item in items:
            if item.support + item.against + item.abstain > len(self.selected):
                raise InvalidPanel(f"recommendation {item.number}: more votes than the panel has members")
        self.recommendations = tuple(items)
        self.answer_due_at = answer_due_at
        self.status = Status.RECOMMENDED
        self._event(
            "recommendations_delivered",
            now,
            RecommendationsDelivered(recommendations=len(items), due_at=answer_due_at.isoformat()),
        )

    def answer(self, now: datetime, number: int, verdict: Verdict, reasons: str) -> None:
        """The municipality's answer to one recommendation, with its reasons (public)."""
        self._require(Status.RECOMMENDED, "answer a recommendation")
        if not 1 <= number <= len(self.recommendations):
            raise IllegalStep(f"there is no recommendation {number}")
        if not reasons.strip():
            raise InvalidPanel("an answer gives its reasons")
        old = self.recommendations[number - 1]
        if old.answer is not None:
            raise IllegalStep(f"recommendation {number} was already answered")
        new = Recommendation(
            old.number,
            old.text,
            old.support,
            old.against,
            old.abstain,
            old.minority_positions,
            Answer(verdict, reasons, now),
        )
        self.recommendations = tuple(new if r.number == number else r for r in self.recommendations)
        self._event("recommendation_answered", now, RecommendationAnswered(recommendation=number, verdict=verdict))
        if all(r.answer is not None for r in self.recommendations):
            self.status = Status.ANSWERED
            self._event("answered", now, Answered(recommendations=len(self.recommendations)))

    def check_answer_deadline(self, now: datetime) -> bool:
        """True (once) when the answer is late: the breach is an event on the coordinator's queue."""
        if self.status is not Status.RECOMMENDED or self.answer_overdue or self.answer_due_at is None:
            return False
        if now < self.answer_due_at:
            return False
        self.answer_overdue = True
        self._event("answer_deadline_breached", now, AnswerDeadlineBreached(due_at=self.answer_due_at.isoformat()))
        return True

    def record_deletion(self, now: datetime, stage: str, records: int) -> None:
        self.deleted_stages = (*self.deleted_stages, stage)
        self._event("personal_data_deleted", now, PersonalDataDeleted(stage=DeletionStage(stage), records=records))

    def _replacement_order(self) -> list[str]:
        assert self.artefacts is not None and self.drawn_number is not None
        panels, taken = self.artefacts.panels, {*self.selected, *self.declined}
        order = [a for a in self.alternate_members if a not in taken]
        for step in range(1, len(panels)):
            order += [p for p in panels[(self.drawn_number - 1 + step) % len(panels)] if p not in taken]
        order += sorted(self.artefacts.pool)  # anyone else in the pool, in a fixed order
        return [p for p in dict.fromkeys(order) if p not in taken]

    def _keeps_rules(self, members: list[str]) -> bool:
        assert self.artefacts is not None
        pool, households = self.artefacts.pool, self.artefacts.households
        for feature, values in self.artefacts.quotas.items():
            for value, (low, high) in values.items():
                if not low <= sum(1 for p in members if pool[p].get(feature) == value) <= high:
                    return False
        homes = [households[p] for p in members if p in households]
        return not self.household_rule or len(homes) == len(set(homes))

    def _alternates(self, number: int) -> tuple[str, ...]:
        """Alternates in a replayable order: members of the following panels of the lottery, skipping anyone
        selected and (under the household rule) housemates of anyone already chosen."""
        assert self.artefacts is not None
        panels, households = self.artefacts.panels, self.artefacts.households
        chosen = list(self.selected)
        homes = {households[p] for p in chosen if p in households}
        alternates: list[str] = []
        for step in range(1, len(panels)):
            if len(alternates) >= self.alternates:
                break
            for person in panels[(number - 1 + step) % len(panels)]:
                home = households.get(person)
                if person in chosen or (self.household_rule and home in homes) or len(alternates) >= self.alternates:
                    continue
                alternates.append(person)
                chosen.append(person)
                if home:
                    homes.add(home)
        return tuple(alternates)

    def _require(self, status: Status, step: str) -> None:
        if self.status is not status:
            raise IllegalStep(f"cannot {step}: the panel is {self.status.value}, not {status.value}")

    def _event(self, name: str, at: datetime, details: PanelStep) -> None:
        self.events.append(PanelEvent(name, self.id, at, details))
