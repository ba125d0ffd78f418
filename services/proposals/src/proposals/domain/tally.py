"""The count of a closed round: its ballots as an election, the round's rule, the explanation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from proposals.domain.ballots import BallotKind
from proposals.domain.budget_round import BudgetRound, Results
from proposals.domain.budgeting import (
    Ballot,
    Election,
    Outcome,
    Project,
    explain,
    greedy,
    hybrid_scores,
    rule_named,
    tally_districts,
)
from proposals.domain.budgeting.election import APPROVAL, CUMULATIVE, ORDINAL


@dataclass(frozen=True)
class CountedBallot:
    """A stored ballot as the count sees it: anonymous, in the voter's order."""

    projects: tuple[str, ...]
    points: tuple[int, ...] | None
    paper: bool


VOTE_TYPE = {
    BallotKind.APPROVAL: APPROVAL,
    BallotKind.K_APPROVAL: APPROVAL,
    BallotKind.CUMULATIVE: CUMULATIVE,
    BallotKind.RANKING: ORDINAL,
}


def election_of(r: BudgetRound, ballots: Iterable[CountedBallot]) -> Election:
    """The round as a Pabulib election: the projects on the ballot, one anonymous ballot per voter (sorted
    by content, so the order says nothing about who voted when), and once counted the pass that funded each
    project (`selected`: 1 main count, 2 top-up, 3 extra funds, 0 not funded) and why (column `reason`).
    META `rule_parameters`
    carries the rule's parameters (JSON), as `meemaken-pb tally --export` writes them and `check` reads them."""
    passes: dict[str, int] = {}
    reasons: dict[str, str] = {}
    if r.results:
        funded_in = {str(e.get("project_id")): e.get("funded_in") for e in r.results.explanation}
        reasons = {str(e.get("project_id")): str(e.get("reason", "")) for e in r.results.explanation}
        passes = {pid: _pass(funded_in.get(pid)) for pid in r.results.selected}
    projects = {
        p.id: Project(
            p.id,
            p.cost,
            name=p.title,
            district=p.part,
            selected=passes.get(p.id, 0) if r.results else None,
            fields={"reason": reasons[p.id]} if reasons.get(p.id) else {},
        )
        for p in r.on_ballot
    }
    ordered = sorted(ballots, key=lambda b: (b.projects, b.points or ()))
    counted = tuple(
        Ballot(str(i), b.projects, None if b.points is None else tuple(b.points)) for i, b in enumerate(ordered, 1)
    )
    meta = {"description": r.title, "unit": r.process_id, "instance": str(r.id)}
    meta |= {"num_projects": str(len(projects)), "num_votes": str(len(counted))}
    meta |= {"budget": str(r.budget), "vote_type": VOTE_TYPE[r.form.kind], "rule": r.rule}
    if r.rule_parameters:
        meta["rule_parameters"] = json.dumps(r.rule_parameters, sort_keys=True)
    return Election(meta, projects, counted, r.budget, VOTE_TYPE[r.form.kind])


def count(r: BudgetRound, ballots: list[CountedBallot]) -> Results:
    """Decide the round: every part of the budget (district, theme or city-wide) by the round's rule and
    parameters. (The election names a project's part in its `district` column, themes as "theme:<name>".)
    Each explanation says the pass that funded the project (`funded_in`), its `code` and `detail`."""
    election = election_of(r, ballots)
    lot = list(r.lot_order)

    def decide(part: Election) -> Outcome:
        if r.jury_weight is None:
            return rule_named(r.rule, r.rule_parameters_for(part.projects), election.meta)(part, lot)
        jury = {p.id: p.jury_score or 0.0 for p in r.on_ballot if p.id in part.projects}
        scores = hybrid_scores(part.scores(), jury, 1 - r.jury_weight)
        return greedy(part, scores=scores, lot=lot, name=f"{r.rule}+jury")

    parts = {d: b for d, b in r.budgets.items() if d in election.districts()}
    outcomes = tally_districts(election, parts, decide)
    selected: list[str] = []
    explanation: list[dict[str, object]] = []
    for district, outcome in outcomes.items():
        selected += outcome.selected
        part = election.restricted([p for p, x in election.projects.items() if x.district == district], parts[district])
        explanation += [{**e.as_dict(), "part": district} for e in explain(part, outcome)]
    spent = int(sum(election.projects[p].cost for p in selected))
    paper = sum(b.paper for b in ballots)
    return Results(r.rule, tuple(selected), tuple(explanation), len(ballots), paper, spent)


def _pass(funded_in: object) -> int:
    """The pass that funded a selected project; 1 for results counted before passes were recorded."""
    return funded_in if isinstance(funded_in, int) and funded_in > 0 else 1
