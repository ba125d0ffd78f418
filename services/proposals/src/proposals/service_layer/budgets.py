"""Use cases of a budget round: its projects and phases, ballots (online and on paper), the count.

Case officers run a round (scoped ones within its process); residents add ideas and cast their own
ballot, eligible by the facts their login verifies; a paper ballot is a case officer's entry for the
person they verified at the desk."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from meemaken_kit.roles import Role
from proposals.adapters.budgets import RoundChanged
from proposals.domain.audit import ActedBy
from proposals.domain.ballots import (
    BallotForm,
    Eligibility,
    InvalidBallot,
    check_ballot,
    check_voter,
    receipt_code,
)
from proposals.domain.budget_round import BudgetRound, Stage, WrongPhase
from proposals.domain.budget_round import Phase as RoundPhase
from proposals.domain.budgeting import pabulib
from proposals.domain.eligibility import Facts, Unverified
from proposals.domain.tally import count, election_of
from proposals.service_layer.actors import Actor, Forbidden, NotFound, process_scope
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

log = logging.getLogger(__name__)
RUNNING = (Role.CASE_OFFICER,)  # who runs a round: phases, feasibility, paper ballots, tracking


@dataclass(frozen=True)
class Cast:
    """A ballot the box took: how many earlier ones of the voter it replaced, and its receipt code."""

    replaced: int
    receipt: str


@dataclass(frozen=True)
class OwnBallot:
    """What a voter reads back of their own ballot: their choice, when, on paper or not, and the receipt."""

    projects: list[str]
    points: dict[str, int] | None
    paper: bool
    cast_at: datetime
    replaced: int
    receipt: str


def open_round(
    uow: ProposalsUnitOfWork,
    actor: Actor,
    process_id: str,
    title: str,
    budget: int,
    district_budgets: Mapping[str, int],
    form: BallotForm,
    eligibility: Eligibility,
    rule: str,
    jury_weight: float | None,
    theme_budgets: Mapping[str, int] | None = None,
    rule_parameters: Mapping[str, Any] | None = None,
) -> BudgetRound:
    by = actor.acting(*RUNNING, within=process_scope(process_id))
    with uow:
        if uow.processes.get(process_id) is None:
            raise NotFound(f"there is no process {process_id}")
        r = BudgetRound.open(
            uuid4(),
            process_id,
            title,
            budget,
            district_budgets,
            form,
            eligibility,
            rule,
            jury_weight,
            theme_budgets,
            rule_parameters=rule_parameters,
            by=by,
        )
        uow.rounds.add(r)
        uow.commit()
    return r


def get_round(uow: ProposalsUnitOfWork, round_id: UUID) -> BudgetRound:
    with uow:
        return _round(uow, round_id)


def add_project(
    uow: ProposalsUnitOfWork,
    actor: Actor,
    round_id: UUID,
    title: str,
    district: str | None,
    cost: int,
    proposal_id: UUID | None,
    theme: str | None = None,
    description: str = "",
) -> BudgetRound:
    """An idea for the round, by a resident or a case officer, with the residents' own cost estimate. A
    resident's idea is theirs alone (no one is recorded); a case officer's is audited."""
    if Role.RESIDENT in actor.roles and actor.id is not None:
        return _change(
            uow, round_id, lambda r: r.add_project(title, district, cost, proposal_id, theme, description=description)
        )
    actor.acting(Role.RESIDENT, *RUNNING)
    return _official(
        uow, actor, round_id, lambda r, by: r.add_project(title, district, cost, proposal_id, theme, by, description)
    )


def start_feasibility(uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID) -> BudgetRound:
    return _official(uow, actor, round_id, lambda r, by: r.start_feasibility(by))


def assess_project(
    uow: ProposalsUnitOfWork,
    actor: Actor,
    round_id: UUID,
    project_id: str,
    feasible: bool,
    cost: int,
    legal_check: str,
    reason: str,
    jury_score: float | None,
) -> BudgetRound:
    return _official(
        uow, actor, round_id, lambda r, by: r.assess(project_id, feasible, cost, legal_check, reason, jury_score, by)
    )


def open_voting(uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID, lot_order: Sequence[str] | None) -> BudgetRound:
    """Voting opens; without a given lot order one is drawn with `secrets` and published in the event."""

    def start(r: BudgetRound, by: ActedBy) -> None:
        order = list(lot_order) if lot_order else [p.id for p in r.on_ballot]
        if not lot_order:
            secrets.SystemRandom().shuffle(order)
        r.open_voting(order, by)

    return _official(uow, actor, round_id, start)


def cast_ballot(
    uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID, projects: Sequence[str] | Mapping[str, int]
) -> Cast:
    """A resident's own ballot: the voter is who the token says, eligible by what their login verifies (a
    fact the round needs and the login lacks: refused, as the round's rule says). An earlier ballot of the
    same voter is replaced; returns how often it was. Nothing is stored on error."""
    voter_id = actor.as_resident()

    def facts(municipality: str) -> Facts:
        return Facts.from_attributes(actor.attributes, municipality)

    return _store(uow, round_id, voter_id, facts, projects, None)


def enter_paper_ballot(
    uow: ProposalsUnitOfWork,
    actor: Actor,
    round_id: UUID,
    voter_id: UUID,
    verified: Facts,
    projects: Sequence[str] | Mapping[str, int],
) -> Cast:
    """A paper ballot a case officer enters for the person they verified at the desk (`verified`: the facts
    as the official checked them). The ballot records the official and their role; it is marked as paper."""
    actor.acting(*RUNNING)
    if voter_id == actor.id:
        raise Forbidden("an official does not enter their own paper ballot: a colleague at the desk does")

    def official(r: BudgetRound) -> ActedBy:
        return actor.acting(*RUNNING, within=process_scope(r.process_id))

    return _store(uow, round_id, voter_id, lambda _municipality: verified, projects, official)


def _store(
    uow: ProposalsUnitOfWork,
    round_id: UUID,
    voter_id: UUID,
    facts_in: Callable[[str], Facts],
    projects: Sequence[str] | Mapping[str, int],
    official: Callable[[BudgetRound], ActedBy] | None,
) -> Cast:
    with uow.one_statement():  # the ballot's statement checks the round it was checked against
        for attempt in (1, 2):
            r = (uow.rounds.voting(round_id) if attempt == 1 else None) or uow.rounds.get(round_id)
            if r is None:
                raise NotFound(f"there is no round {round_id}")
            by = official(r) if official is not None else None
            if r.phase is not RoundPhase.VOTING:
                raise WrongPhase(f"the round is in the {r.phase.value} phase: ballots are taken while voting is open")
            municipality = uow.rounds.municipality(r)
            voter = facts_in(municipality)
            on_ballot = r.on_ballot
            parts = {p.id: p.part for p in on_ballot}
            try:
                check_voter(r.eligibility, voter, municipality, (parts.get(p) for p in projects))
            except Unverified as unknown:
                if by is None:
                    raise
                raise InvalidBallot(f"give the voter's {' and '.join(unknown.missing)} as you verified it") from None
            choice = check_ballot(r.form, projects, {p.id: p.cost for p in on_ballot}, parts, r.budgets, voter.district)
            now = uow.clock()
            try:
                replaced = uow.ballots.cast(r, voter_id, choice, by, now)
            except RoundChanged:
                uow.rounds.forget(round_id)  # read it again: closed, or changed in some other way
                continue
            uow.commit()
            return Cast(replaced, receipt_code(round_id, voter_id, now, replaced))
    raise RoundChanged(f"round {round_id} kept changing while the ballot was cast")


def own_ballot(uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID) -> OwnBallot:
    """The resident's own ballot in the round (online or entered on paper for them), with its receipt code:
    so a page can say "you have already voted" and show what; NotFound when they have not voted."""
    voter_id = actor.as_resident()
    with uow:
        _round(uow, round_id)
        row = uow.ballots.of(round_id, voter_id)
    if row is None:
        raise NotFound(f"you have not voted in round {round_id}")
    projects = list(row.projects)
    points = None if row.points is None else dict(zip(projects, row.points, strict=True))
    receipt = receipt_code(round_id, voter_id, row.cast_at, row.replaced)
    return OwnBallot(projects, points, bool(row.paper), row.cast_at, int(row.replaced), receipt)


def close_round(uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID) -> BudgetRound:
    """No more ballots; the `closed` event starts the count. Ballots being cast finish first."""
    actor.acting(*RUNNING)
    with uow:
        r = uow.rounds.get(round_id, lock=True)
        if r is None:
            raise NotFound(f"there is no round {round_id}")
        r.close(uow.clock(), actor.acting(*RUNNING, within=process_scope(r.process_id)))
        uow.rounds.save(r)
        uow.commit()
    return r


def tally_round(uow: ProposalsUnitOfWork, round_id: UUID) -> BudgetRound:
    """On `closed`: count the ballots with the round's rule and publish the results (once)."""
    with uow:
        r = _round(uow, round_id)
        if r.phase is not RoundPhase.CLOSED:
            return r  # counted before: a redelivered `closed` changes nothing
        results = count(r, uow.ballots.counted(round_id))
        r.record_results(results)
        uow.rounds.save(r)
        uow.commit()
    log.info("round %s counted: %d ballots, %d projects funded", r.id, results.voters, len(results.selected))
    return r


def pabulib_export(uow: ProposalsUnitOfWork, round_id: UUID) -> str:
    """The closed round in the Pabulib `.pb` format (anonymous ballots, funded projects marked), so anyone
    can recompute the result, e.g. with `meemaken-pb check`."""
    with uow:
        r = _round(uow, round_id)
        if r.phase in (RoundPhase.IDEAS, RoundPhase.FEASIBILITY, RoundPhase.VOTING):
            raise WrongPhase(f"the ballots are published once voting has closed; the round is in {r.phase.value}")
        return pabulib.dump(election_of(r, uow.ballots.counted(round_id)))


def track_project(
    uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID, project_id: str, stage: Stage, note: str
) -> BudgetRound:
    return _official(uow, actor, round_id, lambda r, by: r.track(project_id, stage, note, by))


def voters(
    uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID, limit: int, after: UUID | None
) -> tuple[list[UUID], UUID | None]:
    """Who voted (pseudonymous ids, never what), a page after `after`, and the cursor of the next page:
    for the notifications service (its credential with the scope ``voters:read``) to tell them the results."""
    if not actor.may("voters:read"):
        raise Forbidden("who voted is read only by a service credential with the scope voters:read")
    with uow:
        _round(uow, round_id)
        page = uow.ballots.voters(round_id, limit, after)
    return page, (page[-1] if len(page) == limit else None)


def _round(uow: ProposalsUnitOfWork, round_id: UUID) -> BudgetRound:
    r = uow.rounds.get(round_id)
    if r is None:
        raise NotFound(f"there is no round {round_id}")
    return r


def _official(
    uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID, change: Callable[[BudgetRound, ActedBy], object]
) -> BudgetRound:
    """An official's step on a round: the role first (403 before 404), then its process's scope."""
    actor.acting(*RUNNING)
    return _change(uow, round_id, lambda r: change(r, actor.acting(*RUNNING, within=process_scope(r.process_id))))


def _change(uow: ProposalsUnitOfWork, round_id: UUID, change: Callable[[BudgetRound], object]) -> BudgetRound:
    with uow:
        r = _round(uow, round_id)
        change(r)
        uow.rounds.save(r)
        uow.commit()
    return r
