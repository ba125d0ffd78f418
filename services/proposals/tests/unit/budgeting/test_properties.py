"""Properties of the Method of Equal Shares and of the configurable greedy family on random small rounds
(hypothesis)."""

from __future__ import annotations

import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from proposals.domain.budgeting import Add1, Election, EqualSharesParams, Project, approval_ballot, equal_shares
from proposals.domain.budgeting.greedy import GreedyRule, PartBudgets, Threshold, TopUp, greedy
from proposals.domain.budgeting.outcome import EXTRA_FUNDS_PASS, MAIN_PASS, TOP_UP_PASS

PLAIN = EqualSharesParams(add1=None)


@st.composite
def elections(draw: st.DrawFn, min_voters: int = 1) -> Election:
    m = draw(st.integers(1, 6))
    ids = [f"p{j}" for j in range(m)]
    costs = draw(st.lists(st.integers(1, 100), min_size=m, max_size=m))
    n = draw(st.integers(min_voters, 14))
    ballots = [draw(st.lists(st.sampled_from(ids), max_size=m, unique=True)) for _ in range(n)]
    budget = draw(st.integers(1, 300))
    projects = {pid: Project(pid, c) for pid, c in zip(ids, costs, strict=True)}
    return Election({}, projects, tuple(approval_ballot(str(i), b) for i, b in enumerate(ballots)), budget)


@settings(max_examples=150, deadline=None)
@given(elections())
def test_payments_never_exceed_the_budget(e: Election):
    out = equal_shares(e, PLAIN)
    paid = sum(r.paid_total or 0.0 for r in out.results.values())
    assert paid <= e.budget * (1 + 1e-9)
    assert out.total_cost(e) <= e.budget
    for params in (
        EqualSharesParams(),
        EqualSharesParams(add1=Add1(stop="continue_while_fits"), greedy_completion=True),
    ):
        assert equal_shares(e, params).total_cost(e) <= e.budget


@settings(max_examples=150, deadline=None)
@given(elections(), st.integers(1, 100), st.data())
def test_a_project_its_lone_supporters_can_pay_is_selected(e: Election, cost: int, data: st.DataObject):
    # k voters approve only "solo"; with n voters in all, k >= n * cost / B means their shares cover it.
    n_others = len(e.ballots)
    # smallest k with k * B >= (n_others + k) * cost, if any (needs B > cost)
    assume(e.budget > cost)  # a discarded example, not a silent pass
    k = -(-n_others * cost // (e.budget - cost))
    k = max(k, 1) + data.draw(st.integers(0, 3))
    assert k * e.budget >= (n_others + k) * cost
    solo = {**e.projects, "solo": Project("solo", cost)}
    ballots = e.ballots + tuple(approval_ballot(f"s{i}", ["solo"]) for i in range(k))
    out = equal_shares(Election({}, solo, ballots, e.budget), PLAIN)
    assert "solo" in out.selected


@settings(max_examples=150, deadline=None)
@given(elections(), st.integers(1, 8), st.lists(st.integers(1, 60), min_size=1, max_size=4))
def test_identical_voters_who_can_afford_their_set_get_all_of_it(e: Election, k: int, costs: list[int]):
    # k identical voters approve S (projects nobody else approves); if cost(S) <= k * B / n they get all of S.
    group = {f"g{j}": Project(f"g{j}", c) for j, c in enumerate(costs)}
    n = len(e.ballots) + k
    budget = max(e.budget, -(-sum(costs) * n // k))  # large enough for the group's share to cover S
    assert sum(costs) * n <= k * budget
    ballots = e.ballots + tuple(approval_ballot(f"g{i}", list(group)) for i in range(k))
    out = equal_shares(Election({}, {**e.projects, **group}, ballots, budget), PLAIN)
    assert set(group) <= set(out.selected)


@settings(max_examples=100, deadline=None)
@given(elections(), st.integers(0, 2**32))
def test_profile_and_multiprofile_give_the_same_outcome(e: Election, seed: int):
    # duplicate some ballots and shuffle; counting distinct ballots with weights changes nothing
    rng = random.Random(seed)
    ballots = list(e.ballots) + [approval_ballot(f"d{i}", rng.choice(e.ballots).projects) for i in range(5)]
    rng.shuffle(ballots)
    dup = Election({}, e.projects, tuple(ballots), e.budget)
    for params in (PLAIN, EqualSharesParams()):
        plain = equal_shares(dup, EqualSharesParams(add1=params.add1, deduplicate=False))
        assert equal_shares(dup, params).selected == plain.selected


@st.composite
def greedy_cases(draw: st.DrawFn) -> tuple[Election, GreedyRule, list[str] | None]:
    """A random small round (a project perhaps withdrawn, each in a category A-C) and a random greedy rule:
    skip, tie-break, threshold, top-up, exclusion groups, exclusions, part budgets (together at most
    the budget) with either leftover, cost bands, extra funds; and sometimes a lot order."""
    m = draw(st.integers(1, 7))
    ids = [f"p{j}" for j in range(m)]
    costs = draw(st.lists(st.integers(1, 60), min_size=m, max_size=m))
    cats = draw(st.lists(st.sampled_from("ABC"), min_size=m, max_size=m))
    withdrawn = draw(st.sets(st.sampled_from(ids), max_size=1))
    projects = {
        pid: Project(pid, cost, category=(c,), withdrawn=pid in withdrawn)
        for pid, cost, c in zip(ids, costs, cats, strict=True)
    }
    ballots = draw(st.lists(st.lists(st.sampled_from(ids), min_size=1, unique=True), min_size=1, max_size=12))
    e = Election(
        {}, projects, tuple(approval_ballot(str(i), b) for i, b in enumerate(ballots)), draw(st.integers(1, 200))
    )
    threshold = draw(
        st.one_of(
            st.none(),
            st.builds(Threshold, score=st.integers(0, 4)),
            st.builds(Threshold, share_of_voters=st.floats(0.05, 0.6)),
        )
    )
    groups: tuple[tuple[str, ...], ...] = ()
    if len(ids) >= 2:
        group = st.lists(st.sampled_from(ids), min_size=2, max_size=3, unique=True).map(tuple)
        groups = tuple(draw(st.lists(group, max_size=2)))
    parts = None
    if draw(st.booleans()):
        budgets: dict[str, int] = {}
        left = e.budget
        for c in sorted(set(cats)):  # every category in use gets a part (possibly 0)
            budgets[c] = draw(st.integers(0, left))
            left -= budgets[c]
        parts = PartBudgets("category", budgets, draw(st.booleans()), draw(st.sampled_from(["none", "greedy"])))
    counted = draw(st.dictionaries(st.sampled_from(sorted(set(costs))), st.integers(1, 80), max_size=2))
    rule = GreedyRule(
        skip=draw(st.booleans()),
        tie_break=draw(st.sampled_from(["cost", "order"])),
        threshold=threshold,
        top_up=None if parts is not None else draw(st.none() | st.builds(TopUp, st.floats(0.3, 1.0))),
        parts=parts,
        exclusive_groups=groups,
        excluded=dict.fromkeys(draw(st.sets(st.sampled_from(ids), max_size=1)), "not feasible"),
        counted_costs=counted,
        extra_funds=tuple(draw(st.lists(st.integers(0, 100), max_size=2))),
    )
    lot = draw(st.none() | st.permutations(ids).map(list))
    return e, rule, lot


@settings(max_examples=200, deadline=None)
@given(greedy_cases())
def test_greedy_spends_at_most_the_budget_reserve_and_extra_funds_and_respects_exclusions(
    case: tuple[Election, GreedyRule, list[str] | None],
):
    e, rule, lot = case
    out = greedy(e, rule, lot=lot)
    funded = out.selected_set
    assert len(funded) == len(out.selected)
    assert set(out.results) == set(e.projects)  # every project has a result
    assert {pid for pid, r in out.results.items() if r.selected} == funded
    # money: counted costs within the budget, plus what the reserve paid, plus the extra funds
    spent = sum(rule.counted_costs.get(e.projects[pid].cost, e.projects[pid].cost) for pid in funded)
    reserve_used = out.notes.get("reserve_used", 0)
    assert isinstance(reserve_used, int | float)
    assert spent <= e.budget + reserve_used + sum(rule.extra_funds) + 1e-9
    if rule.top_up is None:
        assert reserve_used == 0
    # exclusion groups: at most one project of each
    for group in rule.exclusive_groups:
        assert len(funded & set(group)) <= 1, group
    # out of the count: never funded
    scores = e.scores()
    cut = None if rule.threshold is None else rule.threshold.value(e.multiprofile.voters)
    for pid in funded:
        assert pid not in rule.excluded
        assert not e.projects[pid].withdrawn
        assert cut is None or scores[pid] >= cut
    # passes: 2 only with a top-up, 3 only with extra funds
    allowed = (
        {MAIN_PASS} | ({TOP_UP_PASS} if rule.top_up else set()) | ({EXTRA_FUNDS_PASS} if rule.extra_funds else set())
    )
    assert set(out.passes().values()) <= allowed


def _pabutools(election: Election, add1: bool) -> list[str]:
    """The reference library's Method of Equal Shares (add1: voter budget raised by 1 a step) on the same
    election, written to a .pb file and read back by pabutools, with our tie order."""
    import tempfile

    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    from proposals.domain.budgeting.outcome import tie_order
    from proposals.domain.budgeting.pabulib import dump

    meta = {"description": "random", "num_projects": str(len(election.projects)), "vote_type": "approval"}
    meta |= {"num_votes": str(len(election.ballots)), "budget": str(election.budget)}
    with tempfile.NamedTemporaryFile("w", suffix=".pb", encoding="utf-8") as f:
        f.write(dump(Election(meta, election.projects, election.ballots, election.budget)))
        f.flush()
        instance, profile = parse_pabulib(f.name)
    rank = tie_order(election)
    ties = TieBreakingRule(lambda inst, prof, proj: rank[proj.name])
    extra = {"voter_budget_increment": 1} if add1 else {}
    chosen = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=ties, **extra)
    return sorted(p.name for p in chosen)


@settings(max_examples=80, deadline=None)
@given(elections(min_voters=2), st.booleans())
def test_equal_shares_is_identical_to_the_reference_library(e: Election, add1: bool):
    """Plain MES and MES with add1 (increment 1, stop at the first exhaustive outcome) select the same
    projects as pabutools on random rounds, voters who approve nothing included."""
    pytest.importorskip("pabutools", reason="pabutools (the reference library) is not installed")
    assume(any(b.projects for b in e.ballots))  # pabutools cannot read a file without a single vote
    ours = equal_shares(e, EqualSharesParams(add1=Add1() if add1 else None))
    assert sorted(ours.selected) == _pabutools(e, add1)


def test_add1_stops_when_only_a_project_nobody_voted_for_still_fits():
    """Found by the property above against pabutools: p2 (nobody's choice) fits after p0, yet the outcome
    counts as exhaustive, so add1 does not raise the budgets until p1 displaces p0."""
    projects = {"p0": Project("p0", 2), "p1": Project("p1", 7), "p2": Project("p2", 3)}
    ballots = (approval_ballot("0", []), approval_ballot("1", ["p1"]), approval_ballot("2", ["p0", "p1"]))
    e = Election({}, projects, ballots, 8)
    ours = equal_shares(e, EqualSharesParams(add1=Add1()))
    assert sorted(ours.selected) == ["p0"]
    pytest.importorskip("pabutools", reason="pabutools (the reference library) is not installed")
    assert _pabutools(e, True) == ["p0"]
