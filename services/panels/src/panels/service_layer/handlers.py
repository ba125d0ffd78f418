"""The panels use cases: set-up, registration and its eligibility check, the committed lottery and the draw."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol
from uuid import UUID, uuid4

from panels.adapters.repository import ConcurrentUpdate
from panels.domain.deliberation import Recommendation, Verdict
from panels.domain.lottery import DEFAULT_PANELS, Artefacts, round_to_lottery
from panels.domain.panel import IllegalStep, Mandate, Panel, Status
from panels.domain.pool import Channel, Context, Registration, Respondent, pseudonym
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
from panels.service_layer.unit_of_work import PanelsUnitOfWork

log = logging.getLogger("meemaken.panels")


class NotFound(Exception):
    pass


class Forbidden(Exception):
    pass


@dataclass(frozen=True)
class Actor:
    id: UUID | None
    role: str  # coordinator, moderator, official, resident, public

    def require_coordinator(self) -> None:
        self.require("coordinator")

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"only a {' or '.join(roles)} may do this")


@dataclass(frozen=True)
class SignUp:
    """What a resident gives when registering; identity and address become pseudonyms at once."""

    identity: str  # register number, or the code on the invitation letter
    address: str | None
    channel: Channel
    consent: bool
    age: int
    resident: bool
    strata: Mapping[str, str]
    contact: Mapping[str, Any]


def set_up_panel(uow: PanelsUnitOfWork, actor: Actor, **fields: Any) -> Panel:
    actor.require_coordinator()
    with uow:
        panel = Panel.set_up(uow.clock(), id=uuid4(), **fields)
        uow.panels.add(panel, uow.clock())
        uow.track(panel)
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
        uow.track(panel)
        uow.commit()
    log.info("panel %s opened for the referral of challenge %s", panel.id, challenge_id)
    return panel


def get_panel(uow: PanelsUnitOfWork, panel_id: UUID) -> Panel:
    with uow:
        panel = uow.panels.get(panel_id)
    if panel is None:
        raise NotFound(f"there is no panel {panel_id}")
    return panel


def register(uow: PanelsUnitOfWork, panel_id: UUID, sign_up: SignUp) -> Respondent:
    with uow:
        panel = uow.panels.get(panel_id)
        if panel is None:
            raise NotFound(f"there is no panel {panel_id}")
        if panel.status is not Status.RECRUITING:
            raise ClosedForRegistration(f"registration for this panel has closed (it is {panel.status.value})")
        key = uow.pseudonym_key
        registration = Registration(
            pseudonym=pseudonym(key, sign_up.identity),
            household=pseudonym(key, "household:" + sign_up.address) if sign_up.address else None,
            channel=sign_up.channel,
            consent=sign_up.consent,
            age=sign_up.age,
            resident=sign_up.resident,
            strata=dict(sign_up.strata),
        )
        respondent = Respondent.register(panel.id, registration, uow.clock())
        uow.pool.add(respondent)
        uow.identities.keep(panel.id, registration.pseudonym, sign_up.contact)
        uow.track(respondent)
        uow.commit()
    return respondent


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
        uow.track(respondent)
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
    actor.require_coordinator()
    with uow:
        panel = _panel(uow, panel_id)
        if uow.register.any_invited(panel_id):
            raise IllegalStep("invitations went out from the current extract: it can no longer be replaced")
        extract = read_extract(text, uow.pseudonym_key, strata_columns, uow.clock().date(), panel.min_age)
        panel.record_import(uow.clock(), len(extract.entries), len(extract.rejected))
        uow.register.replace(panel_id, extract.entries)
        uow.identities.replace_all(
            panel_id, {c.pseudonym: {"name": c.name, "address": c.address} for c in extract.contacts}
        )
        uow.panels.save(panel)
        uow.track(panel)
        uow.commit()
    return ImportReport(len(extract.entries), extract.rejected)


def send_invitations(
    uow: PanelsUnitOfWork,
    actor: Actor,
    panel_id: UUID,
    count: int,
    ratios: dict[str, dict[str, float]],
    seed: int | None,
) -> list[str]:
    """The invitation lottery over those not yet invited, with per-stratum ratios; one letter each."""
    actor.require_coordinator()
    with uow:
        panel = _panel(uow, panel_id)
        candidates = uow.register.entries(panel_id, uninvited_only=True)
        if not candidates:
            raise IllegalStep("there is nobody left to invite: import a register extract first")
        invited = [e.pseudonym for e in invitation_lottery(candidates, count, ratios, make_rng(seed))]
        panel.record_invitations(uow.clock(), invited, ratios, seed)
        uow.register.mark_invited(panel_id, invited, uow.clock())
        uow.panels.save(panel)
        uow.track(panel)
        uow.commit()
    return invited


def close_pool(uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID) -> Panel:
    actor.require_coordinator()
    with uow:
        panel = _panel(uow, panel_id)
        panel.close_pool(uow.clock(), len(uow.pool.admitted(panel_id)))
        uow.panels.save(panel)
        uow.track(panel)
        uow.commit()
    return panel


def request_lottery(
    uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, panels_in_lottery: int = DEFAULT_PANELS
) -> Panel:
    """The coordinator asks for the lottery; the worker computes it (`compute_lottery`)."""
    actor.require_coordinator()
    with uow:
        panel = _panel(uow, panel_id)
        if panel.status is Status.POOL_CLOSED:  # quotas the pool cannot meet are told now, not minutes later
            require_feasible(pool_instance(panel, uow.pool.admitted(panel_id)))
        panel.request_lottery(uow.clock(), panels_in_lottery)
        uow.panels.save(panel)
        uow.track(panel)
        uow.commit()
    return panel


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
        uow.track(panel)
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
    actor.require_coordinator()
    with uow:
        panel = _panel(uow, panel_id)
        panel.draw(uow.clock(), number=number, seed=seed)
        uow.panels.save(panel)
        uow.track(panel)
        uow.commit()
    return panel


def _panel(uow: PanelsUnitOfWork, panel_id: UUID) -> Panel:
    panel = uow.panels.get(panel_id)
    if panel is None:
        raise NotFound(f"there is no panel {panel_id}")
    return panel


def decline(uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, member: str) -> str | None:
    """Record that a member declined or dropped out; a replacement that keeps the quotas takes the seat."""
    actor.require_coordinator()
    with uow:
        panel = _panel(uow, panel_id)
        replacement = panel.decline(uow.clock(), member)
        uow.panels.save(panel)
        uow.track(panel)
        uow.commit()
    return replacement


def accept(uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, member: str) -> Panel:
    """Record that a member confirmed they take part (the coordinator records the reply to the letter)."""
    actor.require_coordinator()
    return _change(uow, panel_id, lambda p: p.accept(uow.clock(), member))


def representativeness_report(uow: PanelsUnitOfWork, panel_id: UUID) -> dict[str, Any]:
    """Population (the register extract, when imported) vs pool (admitted) vs panel, per feature value."""
    with uow:
        panel = _panel(uow, panel_id)
        register = uow.register.entries(panel_id)
        pool = {row.pseudonym: dict(row.strata) for row in uow.pool.admitted(panel_id)}
    population = [e.strata for e in register] if register else None
    members = [pool[p] for p in panel.selected if p in pool]
    return representativeness(panel.features, population, pool.values(), members)


def _change(uow: PanelsUnitOfWork, panel_id: UUID, step: Callable[[Panel], Any]) -> Panel:
    with uow:
        panel = _panel(uow, panel_id)
        step(panel)
        uow.panels.save(panel)
        uow.track(panel)
        uow.commit()
    return panel


def plan_session(uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, **session: Any) -> Panel:
    actor.require_coordinator()
    return _change(uow, panel_id, lambda p: p.plan_session(uow.clock(), **session))


def log_contributions(
    uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, number: int, counts: dict[str, int]
) -> Panel:
    actor.require("moderator", "coordinator")
    return _change(uow, panel_id, lambda p: p.log_contributions(uow.clock(), number, counts))


def deliver_recommendations(
    uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, items: list[Recommendation], answer_within_days: int
) -> Panel:
    actor.require_coordinator()
    due = uow.clock() + timedelta(days=answer_within_days)
    return _change(uow, panel_id, lambda p: p.deliver_recommendations(uow.clock(), items, due))


def answer_recommendation(
    uow: PanelsUnitOfWork, actor: Actor, panel_id: UUID, number: int, verdict: Verdict, reasons: str
) -> Panel:
    actor.require("official")
    return _change(uow, panel_id, lambda p: p.answer(uow.clock(), number, verdict, reasons))


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
                records += uow.register.forget_except(panel_id, keep=registered)
            elif stage == NON_MEMBERS:
                records = uow.identities.forget(panel_id, keep=frozenset(panel.selected))
            else:
                records = uow.identities.forget(panel_id)
            panel.record_deletion(now, stage, records)
        if not changed:
            return 0
        uow.panels.save(panel)
        uow.track(panel)
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
