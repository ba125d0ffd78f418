"""Properties of the Method of Equal Shares on random small rounds (hypothesis)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.domain.budgeting import Add1, Election, EqualSharesParams, Project, approval_ballot, equal_shares

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
    if e.budget <= cost:
        return
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
