"""Small rounds with outcomes worked out by hand (derivations in the comments)."""

from __future__ import annotations

import pytest

from proposals.domain.budgeting import (
    Add1,
    Election,
    EqualSharesParams,
    Project,
    approval_ballot,
    cumulative_ballot,
    equal_shares,
    explain,
    greedy,
    greedy_no_skip,
    greedy_threshold,
    hybrid_scores,
    tally,
    tally_districts,
)


def approval(costs: dict[str, int], ballots: list[str], budget: int, **meta: str) -> Election:
    """ballots: one string of project ids per voter, e.g. "ab" approves a and b."""
    projects = {pid: Project(pid, c) for pid, c in costs.items()}
    votes = tuple(approval_ballot(str(i), list(b)) for i, b in enumerate(ballots))
    return Election(dict(meta), projects, votes, budget)


# Greedy: a 6 (5 votes), b 5 (4), c 4 (3), d 1 (1); budget 10.
GREEDY = approval({"a": 6, "b": 5, "c": 4, "d": 1}, ["abcd", "abc", "abc", "ab", "a"], 10)


def test_greedy_skips_what_no_longer_fits():
    # a (10-6=4 left); b costs 5 > 4: skipped; c costs 4: fits (0 left); d no longer fits.
    out = greedy(GREEDY)
    assert out.selected == ("a", "c")
    assert out.results["b"].reason == "did not fit with 4 left"


def test_greedy_no_skip_stops_at_the_first_that_does_not_fit():
    # a, then b does not fit: counting stops, c is never reached.
    out = greedy_no_skip(GREEDY)
    assert out.selected == ("a",)
    assert "counting stopped at project b" in out.results["c"].reason


def test_greedy_threshold_drops_projects_below_it():
    # threshold 4: c (3 votes) and d (1) are out; a fits, b (4 votes) does not fit after a.
    out = greedy_threshold(GREEDY, threshold=4)
    assert out.selected == ("a",)
    assert out.results["c"].reason == "below the threshold of 4 (scored 3)"
    # the threshold comes from META min_project_score_threshold by default
    e = approval(
        {"a": 6, "b": 5, "c": 4, "d": 1}, ["abcd", "abc", "abc", "ab", "a"], 10, min_project_score_threshold="4"
    )
    assert greedy_threshold(e).selected == ("a",)
    with pytest.raises(ValueError, match="min_project_score_threshold"):
        greedy_threshold(GREEDY)


# Ties: x 3, y 2, z 2, each with 2 votes; budget 3.
TIES = approval({"x": 3, "y": 2, "z": 2}, ["xyz", "xyz"], 3)


def test_greedy_ties_go_to_the_cheapest_then_the_lot_order():
    # All score 2. Cheapest first: y and z (2) before x (3); y before z by the file order.
    # y leaves 1: neither z nor x fits.
    assert greedy(TIES).selected == ("y",)
    # a published lot order decides between y and z instead
    assert greedy(TIES, lot=["z", "y", "x"]).selected == ("z",)


def test_greedy_ties_on_cost_go_to_the_most_votes():
    # y and z cost the same and score the same hybrid score 1.0, but z has more votes.
    e = approval({"y": 2, "z": 2}, ["yz", "z"], 2)
    assert greedy(e, scores={"y": 1.0, "z": 1.0}).selected == ("z",)


def test_hybrid_scores_weigh_public_and_jury():
    # each side divided by its maximum: a = .7*100/100 + .3*2/10 = .76; b = .7*50/100 + .3*10/10 = .65
    s = hybrid_scores({"a": 100, "b": 50}, {"a": 2, "b": 10}, public_weight=0.7)
    assert s == pytest.approx({"a": 0.76, "b": 0.65})
    # 50/50: a = .5 + .1 = .6, b = .25 + .5 = .75, so the jury flips the order
    s = hybrid_scores({"a": 100, "b": 50}, {"a": 2, "b": 10}, public_weight=0.5)
    e = approval({"a": 5, "b": 5}, ["a", "a", "b"], 5)
    assert greedy(e, scores=s).selected == ("b",)


def test_equal_shares_by_hand():
    # 4 voters, budget 40: 10 each. a 20 by {v0,v1}; b 30 by {v0,v1,v2}; c 10 by {v3}.
    # Cost utilities: rho = (payment per supporter) / cost.
    #   a: 20/2 = 10 each -> rho = 10/20 = 0.5;  b: 30/3 = 10 each -> rho = 1/3;  c: 10 -> rho = 1.
    # b first (rho 1/3): v0, v1, v2 pay 10 each and have nothing left, so a is unaffordable.
    # c: v3 pays 10 (rho 1). Outcome b, c for 40.
    e = approval({"a": 20, "b": 30, "c": 10}, ["ab", "ab", "b", "c"], 40)
    out = equal_shares(e, EqualSharesParams(add1=None))
    assert out.selected == ("b", "c")
    assert out.results["b"].rho == pytest.approx(1 / 3)
    assert out.results["b"].paid_total == pytest.approx(30)
    assert out.results["b"].paid_max == pytest.approx(10)
    assert out.results["a"].reason.startswith("not affordable by its supporters")
    assert "they had 0 left of 20" in out.results["a"].reason


def test_equal_shares_ties_lowest_cost_then_lot():
    # 2 voters, budget 10: 5 each; both approve p (8) and q (10).
    # p: 4 each -> rho 4/8 = .5; q: 5 each -> rho 5/10 = .5: a tie, the cheaper p wins.
    # Then each has 1 left: q is unaffordable.
    e = approval({"p": 8, "q": 10}, ["pq", "pq"], 10)
    assert equal_shares(e, EqualSharesParams(add1=None)).selected == ("p",)
    # same cost and votes: the lot order decides
    e = approval({"p": 10, "q": 10}, ["pq", "pq"], 10)
    assert equal_shares(e, EqualSharesParams(add1=None)).selected == ("p",)
    assert equal_shares(e, EqualSharesParams(add1=None, lot=["q", "p"])).selected == ("q",)


def test_equal_shares_with_points_as_utilities():
    # 2 voters, budget 10: 5 each. v0 gives a 3 points and b 1; v1 gives b 4. a costs 5, b 6.
    # a: only v0, 3*rho = 5 -> rho 5/3.  b: 1*rho + 4*rho = 6 -> rho 1.2 (v0 pays 1.2, v1 4.8).
    # b first; v0 has 3.8 left < 5: a unaffordable.
    projects = {"a": Project("a", 5), "b": Project("b", 6)}
    ballots = (cumulative_ballot("0", {"a": 3, "b": 1}), cumulative_ballot("1", {"b": 4}))
    e = Election({}, projects, ballots, 10, "cumulative")
    out = equal_shares(e, EqualSharesParams(add1=None))
    assert out.selected == ("b",)
    assert out.results["b"].rho == pytest.approx(1.2)
    assert out.results["b"].paid_max == pytest.approx(4.8)


def test_add1_raises_the_share_until_the_outcome_is_exhaustive():
    # 3 voters, budget 30: 10 each. a 21 by {v0,v1}; b 9 by {v2}.
    # share 10: a has 20 < 21 behind it; b is bought (rho 1). Spent 9: not exhaustive (a would fit in 21).
    # share 11: a has 22 >= 21 (10.5 each, rho .5) then b (rho 1): 30 <= 30 fits and is exhaustive.
    e = approval({"a": 21, "b": 9}, ["a", "a", "b"], 30)
    assert equal_shares(e, EqualSharesParams(add1=None)).selected == ("b",)
    out = equal_shares(e, EqualSharesParams(add1=Add1()))
    assert out.selected == ("a", "b")
    assert out.notes["add1_steps"] == 1 and out.notes["share"] == 11


def test_greedy_completion_spends_what_is_left():
    # equal shares buys b only (as above with add1 off); greedy by votes then tries a: 21 fits in 30-9.
    e = approval({"a": 21, "b": 9}, ["a", "a", "b"], 30)
    out = equal_shares(e, EqualSharesParams(add1=None, greedy_completion=True))
    assert out.selected == ("b", "a")
    assert out.results["a"].stage == "completion"


def test_comparison_step_takes_greedy_when_a_majority_prefers_it():
    # 3 voters, budget 30 (10 each): v0, v1 approve x (30); v2 approves y (10) and z (10).
    # Equal shares: x has 20 < 30 behind it; y then z? v2 pays 10 for y and has nothing for z: {y}.
    # Greedy by votes: x (2 votes) costs 30 and fits: {x}.
    # v0, v1 prefer greedy (one funded project against none), v2 prefers equal shares: 2 > 1.
    e = approval({"x": 30, "y": 10, "z": 10}, ["x", "x", "yz"], 30)
    assert equal_shares(e, EqualSharesParams(add1=None)).selected == ("y",)
    out = equal_shares(e, EqualSharesParams(add1=None, comparison="satisfaction"))
    assert out.selected == ("x",)
    assert out.notes["prefer_greedy"] == 2 and out.notes["prefer_equal_shares"] == 1


def test_explanations_name_votes_costs_and_reasons():
    ex = {x.project_id: x for x in explain(GREEDY, greedy(GREEDY))}
    assert ex["a"].selected and ex["a"].votes == 5 and ex["a"].cost == 6
    assert not ex["b"].selected and "did not fit with 4 left" in ex["b"].line()
    e = approval({"a": 20, "b": 30, "c": 10}, ["ab", "ab", "b", "c"], 40)
    ex = {x.project_id: x for x in explain(e, tally(e, "equalshares"))}
    assert ex["b"].paid_total == pytest.approx(30) and ex["b"].paid_per_supporter_mean == pytest.approx(10)
    assert "not affordable by its supporters" in ex["a"].reason


def test_districts_count_separately_with_restricted_ballots():
    # North: n1 (6), n2 (5); South: s1 (4); city-wide: c1 (10). Budgets N 6, S 4, city 10.
    projects = {
        "n1": Project("n1", 6, district="N"),
        "n2": Project("n2", 5, district="N"),
        "s1": Project("s1", 4, district="S"),
        "c1": Project("c1", 10),
    }
    ballots = tuple(approval_ballot(str(i), b) for i, b in enumerate([["n1", "c1"], ["n2", "c1"], ["n2"], ["s1"]]))
    e = Election({}, projects, ballots, 20)
    out = tally_districts(e, {"N": 6, "S": 4, None: 10}, lambda x: greedy(x))
    # North: n2 has 2 votes and fits 6 (1 left); n1 no longer fits.
    assert out["N"].selected == ("n2",)
    assert out["S"].selected == ("s1",)
    assert out[None].selected == ("c1",)
    # MES in North: the 3 voters who voted there share 6 (2 each); n2's two supporters hold 4 < 5,
    # n1's one supporter 2 < 6: nothing is affordable.
    mes = tally_districts(e, {"N": 6, "S": 4, None: 10}, lambda x: equal_shares(x, EqualSharesParams(add1=None)))
    assert mes["N"].selected == ()
    with pytest.raises(ValueError, match="no budget"):
        tally_districts(e, {"N": 6}, greedy)
