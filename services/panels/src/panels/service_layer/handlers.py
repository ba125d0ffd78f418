"""The panels use cases: set-up, registration and its eligibility check, the committed lottery and the draw."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid4

from meemaken_kit import deadlines
from meemaken_kit.roles import Role
from panels.adapters.repository import ConcurrentUpdate
from panels.domain import deliberation
from panels.domain.deliberation import Recommendation, Verdict
from panels.domain.lottery import DEFAULT_PANELS, Artefacts, round_to_lottery
from panels.domain.panel import IllegalStep, Mandate, Panel, Status
from panels.domain.pool import Channel, Context, Registration, Respondent, person_pseudonym, pseudonym
from panels.domain.privacy import NON_MEMBERS, NON_RESPONDENTS, privacy_stages_due
from panels.domain.recruitment import Rejected, invitation_lottery, read_extract
from panels.domain.report import representativeness
from panels.domain.sortition import (
    Algorithm,
    Feature,
    InfeasibleQuotas,
    Instance,
    Person,
    SortitionInputError,
    make_rng,
    select,
)
from panels.domain.sortition.panel_program import require_feasible
from panels.domain.verified import declared_strata, verified
from panels.service_layer.unit_of_work import PanelsUnitOfWork

log = logging.getLogger("meemaken.panels")


class NotFound(Exception):
    pass


class Forbidden(Exception):
    pass


T = TypeVar("T")
COORDINATOR, MODERATOR, DECISION_BODY = Role.PANEL_COORDINATOR, Role.MODERATOR, Role.DECISION_BODY


@dataclass(frozen=True)
class Actor:
    """Who acts, as the gateway's verified token says: the pseudonymous id of a person, the roles they hold
    and, per role, the scopes it is limited to (a role without scopes holds municipality-wide)."""

    id: UUID | None
    roles: frozenset[str]
    scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def holds(self, role: str, within: Iterable[str] = ()) -> bool:
        """Holds ``role`` municipality-wide, or scoped to one of ``within``."""
        if role not in self.roles:
            return False
        limited = self.scopes.get(role)
        return not limited or any(scope in limited for scope in within)

    def acting_as(self, roles: Sequence[str], within: Iterable[str] = ()) -> str:
        """The first of ``roles`` this person may act in here; otherwise Forbidden, saying why."""
        within = tuple(within)
        if self.id is None:
            raise Forbidden("officials act under their own pseudonymous id; a service cannot do this")
        for role in roles:
            if self.holds(role, within):
                return role
        held = [role for role in roles if role in self.roles]
        if held:
            where = ", ".join(scope for role in held for scope in self.scopes.get(role, ()))
            raise Forbidden(f"your role {held[0]} is limited to {where}, which does not include this")
        raise Forbidden(f"this needs one of these roles: {', '.join(roles)}")


def panel_scopes(panel: Panel) -> tuple[str, ...]:
    """The scopes an official's role may be limited to that include this panel: the panel itself (as
    ``panel:<id>`` or, as the officials' case pages name it, ``case:<id>``), and for a panel opened by a Right
    to Challenge referral, the challenge (case) and its department."""
    scopes = [f"panel:{panel.id}", f"case:{panel.id}"]
    if panel.referred_challenge_id is not None:
        scopes += [f"case:{panel.referred_challenge_id}", f"department:{panel.theme}"]
    return tuple(scopes)


@dataclass(frozen=True)
class SignUp:
    """What a resident answers when registering. Who they are, their age, residence and district come from
    their login (``Applicant``), never from here; address and invitation code become pseudonyms at once."""

    address: str | None  # for the household rule (at most one member per address)
    channel: Channel
    consent: bool
    strata: Mapping[str, str]  # the features only the resident can declare (gender, education, ...)
    contact: Mapping[str, Any]
    invitation_code: str | None = None  # the code on the reply card of an invitation letter


@dataclass(frozen=True)
class Applicant:
    """The resident registering, from the gateway's token: pseudonymous id and verified attributes."""

    id: UUID
    attributes: Mapping[str, Any]


def _audited(uow: PanelsUnitOfWork, panel: Panel, actor: Actor, role: str) -> None:
    """Stamp the step's events with who acted in which role, and keep the step in the panel's audit."""
    assert actor.id is not None
    stamp = {"id": str(actor.id), "role": role}
    panel.events[:] = [replace(event, actor=stamp) for event in panel.events]
    if panel.events:
        first = panel.events[0]
        uow.audit.add(panel.id, first.at, actor.id, role, first.name, first.details)


def _official_step(
    uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, roles: Sequence[str], step: Callable[[Panel], T]
) -> tuple[Panel, T]:
    """One official's step on one panel: the role checked against the panel's scopes, the change, its
    audit entry and events, in one transaction."""
    with uow:
        panel = _panel(uow, panel_id)
        role = actor.acting_as(roles, panel_scopes(panel))
        result = step(panel)
        _audited(uow, panel, actor, role)
        uow.panels.save(panel)
        uow.commit()
    return panel, result


def set_up_panel(uow: PanelsUnitOfWork, actor: Actor, **fields: Any) -> Panel:
    """A new panel: by a coordinator whose role holds municipality-wide (a scoped one works on its panels)."""
    role = actor.acting_as((COORDINATOR,))
    with uow:
        panel = Panel.set_up(uow.clock(), id=uuid4(), **fields)
        uow.panels.add(panel, uow.clock())
        _audited(uow, panel, actor, role)
        uow.commit()
    return panel


def open_referred_panel(uow: PanelsUnitOfWork, challenge_id: UUID, question: str, department: str) -> Panel:
    """A Right to Challenge referral opens an advisory panel question (once per challenge)."""
    with uow:
        existing = uow.panels.referred(challenge_id)
        if existing is not None:
            return existing
        panel = Panel.set_up(
            uow.clock(),
            id=uuid4(),
            question=question,
            theme=department,
            mandate=Mandate.ADVISE,
            size=24,
            alternates=6,
            features=(),
            household_rule=True,
            min_age=16,
            open_registration=False,
            referred_challenge_id=challenge_id,
        )
        uow.panels.add(panel, uow.clock())
        uow.commit()
    log.info("panel %s opened for the referral of challenge %s", panel.id, challenge_id)
    return panel


def get_panel(uow: PanelsUnitOfWork, panel_id: UUID) -> Panel:
    with uow:
        panel = uow.panels.get(panel_id)
    if panel is None:
        raise NotFound(f"there is no panel {panel_id}")
    return panel


def register(uow: PanelsUnitOfWork, applicant: Applicant, panel_id: UUID, sign_up: SignUp) -> Respondent:
    """A resident enters a panel's pool for themselves: their pseudonym is the keyed hash of the id in their
    token, age, residence and the verified strata come from their login, and the eligibility check follows."""
    strata = declared_strata(sign_up.strata)
    with uow:
        panel = _panel(uow, panel_id)
        if panel.status is not Status.RECRUITING:
            raise ClosedForRegistration(f"registration for this panel has closed (it is {panel.status.value})")
        facts = verified(panel.min_age, panel.features, applicant.attributes)
        key = uow.pseudonym_key
        invitation = pseudonym(key, sign_up.invitation_code) if sign_up.invitation_code else None
        registration = Registration(
            pseudonym=person_pseudonym(key, applicant.id),
            household=pseudonym(key, "household:" + sign_up.address) if sign_up.address else None,
            channel=sign_up.channel,
            consent=sign_up.consent,
            age=facts.age,
            resident=facts.resident,
            strata={**strata, **facts.strata},
            invitation=invitation,
        )
        respondent = Respondent.register(panel.id, registration, uow.clock())
        uow.pool.add(respondent)
        # the letter's name and address (from the register extract) stay with the person who answered it
        letter = (
            uow.identities.contact(panel.id, invitation)
            if invitation and uow.register.was_invited(panel.id, invitation)
            else None
        )
        home = {"address": sign_up.address} if sign_up.address else {}
        uow.identities.keep(panel.id, registration.pseudonym, {**(letter or {}), **home, **sign_up.contact})
        uow.commit()
    return respondent


def registrations_of(uow: PanelsUnitOfWork, person_id: UUID) -> list[Respondent]:
    """A resident's own registrations in every panel's pool, found by the pseudonym of the id in their token."""
    with uow:
        return uow.pool.of(person_pseudonym(uow.pseudonym_key, person_id))


def registration_of(uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, who: str) -> Respondent:
    """A registration and its outcome: for the resident it belongs to, and the panel's coordinator."""
    with uow:
        panel = _panel(uow, panel_id)
        own = (
            actor.id is not None
            and Role.RESIDENT in actor.roles
            and who == person_pseudonym(uow.pseudonym_key, actor.id)
        )
        if not own:
            actor.acting_as((COORDINATOR,), panel_scopes(panel))
        found = uow.pool.get(panel_id, who)
    if found is None:
        raise NotFound(f"no registration {who} for panel {panel_id}")
    return found


def audit_of(uow: PanelsUnitOfWork, panel_id: UUID) -> list[dict[str, Any]]:
    """Who did what on a panel, oldest first."""
    with uow:
        _panel(uow, panel_id)
        return uow.audit.of(panel_id)


class ClosedForRegistration(Exception):
    pass


def check_eligibility(uow: PanelsUnitOfWork, panel_id: UUID, who: str) -> Respondent | None:
    """On `registered`: the criteria step, which admits the respondent to the pool or refuses with a reason."""
    with uow:
        panel = uow.panels.get(panel_id)
        respondent = uow.pool.get(panel_id, who)
        if panel is None or respondent is None or respondent.status != "registered":
            return respondent
        serving = uow.panels.serving()
        context = Context(
            min_age=panel.min_age,
            household_rule=panel.household_rule,
            open_registration=panel.open_registration,
            features=panel.features,
            serving=serving,
            serving_households=uow.pool.households_of(serving),
            invited=uow.register.invited(panel_id),
        )
        respondent.check(context, uow.clock())
        uow.pool.save_check(respondent)
        uow.commit()
    return respondent


def pool_counts(uow: PanelsUnitOfWork, panel_id: UUID) -> dict[str, dict[str, int]]:
    with uow:
        return uow.pool.counts(panel_id)


@dataclass(frozen=True)
class ImportReport:
    accepted: int
    rejected: tuple[Rejected, ...]


def import_register(
    uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, text: str, strata_columns: list[str]
) -> ImportReport:
    """Validate the register extract row by row; keep pseudonyms and strata, contacts in the identity store."""

    def step(panel: Panel) -> ImportReport:
        if uow.register.any_invited(panel_id):
            raise IllegalStep("invitations went out from the current extract: it can no longer be replaced")
        extract = read_extract(text, uow.pseudonym_key, strata_columns, uow.clock().date(), panel.min_age)
        panel.record_import(uow.clock(), len(extract.entries), len(extract.rejected))
        uow.register.replace(panel_id, extract.entries)
        uow.identities.replace_all(
            panel_id, {c.pseudonym: {"name": c.name, "address": c.address} for c in extract.contacts}
        )
        return ImportReport(len(extract.entries), extract.rejected)

    return _official_step(uow, actor, panel_id, (COORDINATOR,), step)[1]


def send_invitations(
    uow: PanelsUnitOfWork,
    actor: Actor,
    panel_id: UUID,
    count: int,
    ratios: dict[str, dict[str, float]],
    seed: int | None,
) -> list[str]:
    """The invitation lottery over those not yet invited, with per-stratum ratios; one letter each."""

    def step(panel: Panel) -> list[str]:
        candidates = uow.register.entries(panel_id, uninvited_only=True)
        if not candidates:
            raise IllegalStep("there is nobody left to invite: import a register extract first")
        invited = [e.pseudonym for e in invitation_lottery(candidates, count, ratios, make_rng(seed))]
        panel.record_invitations(uow.clock(), invited, ratios, seed)
        uow.register.mark_invited(panel_id, invited, uow.clock())
        return invited

    return _official_step(uow, actor, panel_id, (COORDINATOR,), step)[1]


def change_quotas(uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, features: tuple[Feature, ...]) -> Panel:
    """New bounds for the panel's quotas; once the pool is closed, quotas it cannot meet are refused at once
    with the explanation and the smallest relaxation (InfeasibleQuotas), and nothing changes."""

    def step(panel: Panel) -> None:
        panel.change_quotas(uow.clock(), features)
        if panel.status is Status.POOL_CLOSED:
            require_feasible(pool_instance(panel, uow.pool.admitted(panel_id)))

    return _official_step(uow, actor, panel_id, (COORDINATOR,), step)[0]


def close_pool(uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID) -> Panel:
    return _official_step(
        uow, actor, panel_id, (COORDINATOR,), lambda p: p.close_pool(uow.clock(), len(uow.pool.admitted(panel_id)))
    )[0]


def request_lottery(
    uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, panels_in_lottery: int = DEFAULT_PANELS
) -> Panel:
    """The coordinator asks for the lottery; the worker computes it (`compute_lottery`)."""

    def step(panel: Panel) -> None:
        if panel.status is Status.POOL_CLOSED:  # quotas the pool cannot meet are told now, not minutes later
            require_feasible(pool_instance(panel, uow.pool.admitted(panel_id)))
        panel.request_lottery(uow.clock(), panels_in_lottery)

    return _official_step(uow, actor, panel_id, (COORDINATOR,), step)[0]


def compute_lottery(uow: PanelsUnitOfWork) -> Panel | None:
    """The worker's job: LEXIMIN over the admitted pool (pseudonyms and strata only) of one panel that
    asked for it, rounded to a uniform lottery and committed; quotas that cannot be met are recorded
    with their explanation. The panel stays locked meanwhile, so two workers never compute it twice."""
    with uow:
        panel = uow.panels.claim(Status.COMPUTING)
        if panel is None:
            return None
        instance = pool_instance(panel, uow.pool.admitted(panel.id))
        try:
            distribution = select(instance, Algorithm.LEXIMIN)
            lottery = round_to_lottery(distribution, panel.lottery_size or DEFAULT_PANELS)
        except (InfeasibleQuotas, SortitionInputError) as problem:
            panel.lottery_failed(uow.clock(), str(problem))
        except Exception as error:  # a solver failure must not keep the worker retrying forever
            log.exception("panel %s: the selection failed", panel.id)
            panel.lottery_failed(uow.clock(), f"the selection failed ({type(error).__name__}); ops have the log")
        else:
            panel.commit(uow.clock(), Artefacts.of(instance, lottery), lottery.minimum, lottery.loss)
        uow.panels.save(panel)
        uow.commit()
    log.info("panel %s: lottery %s", panel.id, panel.status.value)
    return panel


def pool_instance(panel: Panel, admitted: list[Any]) -> Instance:
    features: tuple[Feature, ...] = panel.features
    people = [
        Person(
            row.pseudonym,
            {f.name: row.strata[f.name] for f in features},
            row.household if panel.household_rule else None,
        )
        for row in admitted
    ]
    return Instance(people, features, panel.size)


def draw(uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, number: int | None, seed: str | None) -> Panel:
    return _official_step(
        uow, actor, panel_id, (COORDINATOR,), lambda p: p.draw(uow.clock(), number=number, seed=seed)
    )[0]


def _panel(uow: PanelsUnitOfWork, panel_id: UUID) -> Panel:
    panel = uow.panels.get(panel_id)
    if panel is None:
        raise NotFound(f"there is no panel {panel_id}")
    return panel


def decline(uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, member: str) -> str | None:
    """Record that a member declined or dropped out; a replacement that keeps the quotas takes the seat."""
    return _official_step(uow, actor, panel_id, (COORDINATOR,), lambda p: p.decline(uow.clock(), member))[1]


def accept(uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, member: str) -> Panel:
    """Record that a member confirmed they take part (the coordinator records the reply to the letter)."""
    return _official_step(uow, actor, panel_id, (COORDINATOR,), lambda p: p.accept(uow.clock(), member))[0]


def representativeness_report(uow: PanelsUnitOfWork, panel_id: UUID) -> dict[str, Any]:
    """Population (the register extract, when imported) vs pool (admitted) vs panel, per feature value."""
    with uow:
        panel = _panel(uow, panel_id)
        register = uow.register.entries(panel_id)
        pool = {row.pseudonym: dict(row.strata) for row in uow.pool.admitted(panel_id)}
    population = [e.strata for e in register] if register else None
    members = [pool[p] for p in panel.selected if p in pool]
    return representativeness(panel.features, population, pool.values(), members)


def contribution_report(uow: PanelsUnitOfWork, actor: Actor | None, panel_id: UUID) -> dict[str, Any]:
    """Whether a few voices dominated (anyone); per-member counts for the panel's coordinator and moderator."""
    panel = get_panel(uow, panel_id)
    report = deliberation.contribution_report(panel.sessions, panel.selected)
    if actor is None or not any(actor.holds(role, panel_scopes(panel)) for role in (COORDINATOR, MODERATOR)):
        report.pop("per_member")
    return report


def plan_session(uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, **session: Any) -> Panel:
    return _official_step(uow, actor, panel_id, (COORDINATOR,), lambda p: p.plan_session(uow.clock(), **session))[0]


def log_contributions(
    uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, number: int, counts: dict[str, int]
) -> Panel:
    return _official_step(
        uow, actor, panel_id, (MODERATOR, COORDINATOR), lambda p: p.log_contributions(uow.clock(), number, counts)
    )[0]


def deliver_recommendations(
    uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, items: list[Recommendation], answer_within_days: int
) -> Panel:
    due = deadlines.due(uow.clock(), deadlines.days(answer_within_days))
    return _official_step(
        uow, actor, panel_id, (COORDINATOR,), lambda p: p.deliver_recommendations(uow.clock(), items, due)
    )[0]


def answer_recommendation(
    uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, number: int, verdict: Verdict, reasons: str
) -> Panel:
    """The municipality's answer: by its decision body (the council or the college), with reasons."""
    return _official_step(
        uow, actor, panel_id, (DECISION_BODY,), lambda p: p.answer(uow.clock(), number, verdict, reasons)
    )[0]


def run_schedule(uow_factory: Callable[[], PanelsUnitOfWork]) -> int:
    """The scheduled work: late answers become events, and personal data is deleted stage by stage.
    Each panel is changed under its version check, so with several workers each step happens once."""
    done = 0
    with uow_factory() as uow:
        due = uow.panels.in_status(
            Status.POOL_CLOSED, Status.COMMITTED, Status.DRAWN, Status.DELIBERATING, Status.RECOMMENDED, Status.ANSWERED
        )
    for panel_id in due:
        try:
            done += _schedule_one(uow_factory(), panel_id)
        except ConcurrentUpdate:
            continue  # another worker did it
    return done


def _schedule_one(uow: PanelsUnitOfWork, panel_id: UUID) -> int:
    with uow:
        panel = _panel(uow, panel_id)
        now = uow.clock()
        changed = panel.check_answer_deadline(now)
        for stage in privacy_stages_due(panel):
            changed = True
            if stage == NON_RESPONDENTS:
                registered = uow.pool.registered(panel_id)
                records = uow.identities.forget(panel_id, keep=registered)
                answered = registered | uow.pool.answered_invitations(panel_id)
                records += uow.register.forget_except(panel_id, keep=answered)
            elif stage == NON_MEMBERS:
                records = uow.identities.forget(panel_id, keep=frozenset(panel.selected))
            else:
                records = uow.identities.forget(panel_id)
            panel.record_deletion(now, stage, records)
        if not changed:
            return 0
        uow.panels.save(panel)
        uow.commit()
    return 1


class ContactDirectory(Protocol):
    def put(self, pseudonym: str, contact: Mapping[str, Any]) -> None: ...
    def delete(self, pseudonym: str) -> None: ...


def share_contacts(uow_factory: Callable[[], PanelsUnitOfWork], directory: ContactDirectory, limit: int = 100) -> int:
    """Hand new or changed contacts to the notifications service and take back those the privacy schedule
    deleted here; how many were handled. A failure leaves the rest for the next round."""
    handled = 0
    with uow_factory() as uow:
        for pseudonym in uow.identities.removals(limit):
            if not uow.identities.holds(pseudonym):  # registered again meanwhile: keep it there
                directory.delete(pseudonym)
            uow.identities.removed(pseudonym)
            handled += 1
        for pseudonym, contact in uow.identities.unshared(limit):
            directory.put(pseudonym, contact)
            uow.identities.shared(pseudonym, uow.clock())
            handled += 1
        uow.commit()
    return handled
