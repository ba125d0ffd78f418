"""Use cases of a budget round: its projects and phases, ballots (online and on paper), the count."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from uuid import UUID, uuid4

from proposals.adapters.budgets import RoundChanged
from proposals.domain.ballots import BallotForm, Eligibility, Voter, check_ballot, check_voter
from proposals.domain.budget_round import BudgetRound, Stage, WrongPhase
from proposals.domain.budget_round import Phase as RoundPhase
from proposals.domain.budgeting import pabulib
from proposals.domain.tally import count, election_of
from proposals.service_layer.actors import Actor, NotFound
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

log = logging.getLogger(__name__)


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
) -> BudgetRound:
    actor.must_be("official")
    with uow:
        if uow.processes.get(process_id) is None:
            raise NotFound(f"there is no process {process_id}")
        r = BudgetRound.open(
            uuid4(), process_id, title, budget, district_budgets, form, eligibility, rule, jury_weight, theme_budgets
        )
        uow.rounds.add(r)
        uow.track(r)
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
) -> BudgetRound:
    """An idea for the round, by a resident or an official, with the residents' own cost estimate."""
    actor.must_be("resident", "official")
    return _change(uow, round_id, lambda r: r.add_project(title, district, cost, proposal_id, theme))


def start_feasibility(uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID) -> BudgetRound:
    actor.must_be("official")
    return _change(uow, round_id, lambda r: r.start_feasibility())


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
    actor.must_be("official")
    return _change(uow, round_id, lambda r: r.assess(project_id, feasible, cost, legal_check, reason, jury_score))


def open_voting(uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID, lot_order: Sequence[str] | None) -> BudgetRound:
    """Voting opens; without a given lot order one is drawn with `secrets` and published in the event."""
    actor.must_be("official")

    def start(r: BudgetRound) -> None:
        order = list(lot_order) if lot_order else [p.id for p in r.on_ballot]
        if not lot_order:
            secrets.SystemRandom().shuffle(order)
        r.open_voting(order)

    return _change(uow, round_id, start)


def cast_ballot(
    uow: ProposalsUnitOfWork,
    actor: Actor,
    round_id: UUID,
    voter: Voter,
    projects: Sequence[str] | Mapping[str, int],
    voter_id: UUID | None = None,
) -> int:
    """Store a ballot (a resident's own, or a paper ballot an official enters for `voter_id`); an earlier
    ballot of the same voter is replaced. Returns how often it was replaced. Nothing is stored on error."""
    paper = actor.role == "official"
    if paper:
        entered_by = actor.must_be("official")
        if voter_id is None:
            raise NotFound("a paper ballot names the voter it belongs to")
    else:
        voter_id, entered_by = actor.must_be("resident"), None
    with uow:
        for attempt in (1, 2):
            r = (uow.rounds.voting(round_id) if attempt == 1 else None) or uow.rounds.get(round_id)
            if r is None:
                raise NotFound(f"there is no round {round_id}")
            if r.phase is not RoundPhase.VOTING:
                raise WrongPhase(f"the round is in the {r.phase.value} phase: ballots are taken while voting is open")
            check_voter(r.eligibility, voter)
            on_ballot = r.on_ballot
            choice = check_ballot(
                r.form,
                projects,
                {p.id: p.cost for p in on_ballot},
                {p.id: p.part for p in on_ballot},
                r.budgets,
                voter.district,
            )
            try:
                replaced = uow.ballots.cast(r, voter_id, choice, paper, entered_by, uow.clock())
            except RoundChanged:
                uow.rounds.forget(round_id)  # read it again: closed, or changed in some other way
                continue
            uow.commit()
            return replaced
    raise RoundChanged(f"round {round_id} kept changing while the ballot was cast")


def close_round(uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID) -> BudgetRound:
    """No more ballots; the `closed` event starts the count. Ballots being cast finish first."""
    actor.must_be("official")
    with uow:
        r = uow.rounds.get(round_id, lock=True)
        if r is None:
            raise NotFound(f"there is no round {round_id}")
        r.close(uow.clock())
        uow.rounds.save(r)
        uow.track(r)
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
        uow.track(r)
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
    actor.must_be("official")
    return _change(uow, round_id, lambda r: r.track(project_id, stage, note))


def voters(
    uow: ProposalsUnitOfWork, actor: Actor, round_id: UUID, limit: int, after: UUID | None
) -> tuple[list[UUID], UUID | None]:
    """Who voted (pseudonymous ids, never what), a page after `after`, and the cursor of the next page:
    for the notifications service to tell them the results."""
    actor.must_be("service", "official")
    with uow:
        _round(uow, round_id)
        page = uow.ballots.voters(round_id, limit, after)
    return page, (page[-1] if len(page) == limit else None)


def _round(uow: ProposalsUnitOfWork, round_id: UUID) -> BudgetRound:
    r = uow.rounds.get(round_id)
    if r is None:
        raise NotFound(f"there is no round {round_id}")
    return r


def _change(uow: ProposalsUnitOfWork, round_id: UUID, change: Callable[[BudgetRound], object]) -> BudgetRound:
    with uow:
        r = _round(uow, round_id)
        change(r)
        uow.rounds.save(r)
        uow.track(r)
        uow.commit()
    return r
