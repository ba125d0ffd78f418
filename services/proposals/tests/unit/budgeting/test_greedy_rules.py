"""The greedy family parameter by parameter, on small rounds whose outcomes are worked out by hand in the
comments, plus the rule names (`rules.RuleChoice`) and the pass-by-pass check (`check.check`).

Most rounds are built with `ranked`: each project has a cost and a number of votes, and voter i approves
every project with more than i votes, so a project's score is exactly its vote count."""

from __future__ import annotations

from typing import Any

import pytest

from proposals.domain.budgeting import Election, Outcome, Project, approval_ballot
from proposals.domain.budgeting.check import check
from proposals.domain.budgeting.greedy import GreedyRule, PartBudgets, Threshold, TopUp, greedy
from proposals.domain.budgeting.outcome import EXTRA_FUNDS_PASS, MAIN_PASS, TOP_UP_PASS
from proposals.domain.budgeting.pabulib import parse
from proposals.domain.budgeting.rules import GREEDY_NAMES, MES_NAMES, RULES, RuleChoice, RuleError, tally

Spec = tuple[int, int] | tuple[int, int, dict[str, Any]]


def ranked(spec: dict[str, Spec], budget: int, *, abstain: int = 0, **meta: str) -> Election:
    """spec: project -> (cost, votes) or (cost, votes, {Project field: value}), in file (lot) order.
    Voter i approves every project with more than i votes; `abstain` more voters approve nothing."""
    projects = {pid: Project(pid, s[0], **(s[2] if len(s) > 2 else {})) for pid, s in spec.items()}  # type: ignore[misc]
    n = max((s[1] for s in spec.values()), default=0)
    ballots = [[pid for pid, s in spec.items() if s[1] > i] for i in range(n)] + [[] for _ in range(abstain)]
    return Election(dict(meta), projects, tuple(approval_ballot(str(i), b) for i, b in enumerate(ballots)), budget)


def codes(out: Outcome) -> dict[str, str]:
    return {pid: r.code for pid, r in out.results.items()}


# --------------------------------------------------------------------------------------------------
# skip / no-skip

# a 6 (5 votes), b 5 (4), c 4 (3), d 1 (1); budget 10.
PLAIN = ranked({"a": (6, 5), "b": (5, 4), "c": (4, 3), "d": (1, 1)}, 10)


def test_no_skip_stops_at_the_first_project_that_does_not_fit():
    # Order a, b, c, d. a: 10-6 = 4 left. b costs 5 > 4: does not fit, and without skipping the count
    # stops there: c (4, which would fit exactly) and d (1) are "stopped" at b.
    out = greedy(PLAIN, GreedyRule("greedy-no-skip", skip=False))
    assert out.selected == ("a",)
    assert codes(out) == {"a": "funded", "b": "did_not_fit", "c": "stopped", "d": "stopped"}
    assert dict(out.results["b"].detail) == {"left": 4, "cost": 5}
    assert dict(out.results["c"].detail) == {"at": "b"}
    assert out.notes["left"] == 4
    # with skipping (plain greedy) c takes the last 4: a, c; d (1) no longer fits with 0 left
    assert greedy(PLAIN, GreedyRule()).selected == ("a", "c")


# a 6 (6 votes), w 9 (5, withdrawn), x 9 (4, excluded), b 3 (3), c 1 (2), t 9 (1: below a threshold of 2).
PASSED_OVER = {
    "a": (6, 6),
    "w": (9, 5, {"withdrawn": True}),
    "x": (9, 4),
    "b": (3, 3),
    "c": (1, 2),
    "t": (9, 1),
}


def test_withdrawn_excluded_and_below_threshold_projects_do_not_stop_a_no_skip_count():
    # Order by votes: a, w, x, b, c, t. Budget 10, no skipping, threshold 2, x excluded.
    # w is withdrawn, x excluded and t (1 vote < 2) below the threshold: none of them is in the count,
    # so none "does not fit". a: 4 left; b (3): 1 left; c (1): 0 left. All of a, b, c are funded.
    e = ranked(PASSED_OVER, 10)
    rule = GreedyRule("greedy-no-skip", skip=False, threshold=Threshold(score=2), excluded={"x": "not feasible"})
    out = greedy(e, rule)
    assert out.selected == ("a", "b", "c")
    assert codes(out) == {
        "a": "funded",
        "w": "withdrawn",
        "x": "excluded",
        "b": "funded",
        "c": "funded",
        "t": "below_threshold",
    }
    assert out.results["x"].detail["why"] == "not feasible"
    assert "not feasible" in out.results["x"].reason
    assert dict(out.results["t"].detail) == {"threshold": 2.0, "score": 1.0}
    assert out.notes["left"] == 0


def test_the_same_projects_in_the_count_do_stop_it():
    # Control for the test above: w and x as ordinary projects. a: 4 left; w (9) does not fit: stop.
    e = ranked({pid: s[:2] for pid, s in PASSED_OVER.items()}, 10)  # type: ignore[misc]
    out = greedy(e, GreedyRule("greedy-no-skip", skip=False))
    assert out.selected == ("a",)
    assert codes(out)["w"] == "did_not_fit"
    assert {codes(out)[p] for p in "xbct"} == {"stopped"}


def test_excluded_as_a_list_gets_a_default_reason():
    # `excluded` given as a list (no reasons): x is out "taken out of the count by the municipality".
    e = ranked({pid: s[:2] for pid, s in PASSED_OVER.items()}, 10)  # type: ignore[misc]
    out = RuleChoice("greedy-no-skip", {"excluded": ["x", "w"]}).configure({})(e, None)
    # a: 4 left; w, x out; b (3): 1 left; c (1): 0 left; t (9) does not fit.
    assert out.selected == ("a", "b", "c")
    assert out.results["x"].code == "excluded"
    assert "taken out of the count by the municipality" in out.results["x"].reason


def test_a_project_without_votes_is_passed_over():
    # z has no votes: "no_votes", never "did_not_fit" (it would not fit anyway: 9 > 0 left).
    e = ranked({"a": (10, 2), "z": (9, 0)}, 10)
    out = greedy(e, GreedyRule(skip=False))
    assert out.selected == ("a",)
    assert out.results["z"].code == "no_votes"


# --------------------------------------------------------------------------------------------------
# top-up from a reserve (Poznań, 80 %)


def poznan(budget: int) -> Election:
    # a 100 (3 votes), b 100 (2), c 1 (1)
    return ranked({"a": (100, 3), "b": (100, 2), "c": (1, 1)}, budget)


POZNAN = GreedyRule("greedy-custom", skip=False, top_up=TopUp(0.8, "city reserve"))


def test_top_up_at_exactly_80_percent_funds_the_project_in_pass_2():
    # Budget 180: a leaves 80. b costs 100 and 80 >= 0.8 * 100 = 80: funded by top-up, the reserve pays
    # 100 - 80 = 20, nothing is left. No skipping: the count stops at b, so c (1) is "stopped".
    out = greedy(poznan(180), POZNAN)
    assert out.selected == ("a", "b")
    assert out.passes() == {"a": MAIN_PASS, "b": TOP_UP_PASS}
    b = out.results["b"]
    assert (b.selected, b.pass_no, b.funded_in, b.code, b.stage) == (True, 2, 2, "top_up", "top-up")
    assert b.detail["left"] == 80 and b.detail["share"] == pytest.approx(0.8)
    assert "city reserve paid 20" in b.reason
    assert out.notes["reserve"] == "city reserve"
    assert out.notes["reserve_used"] == 20  # cost - left = 100 - 80
    assert out.notes["left"] == 0
    assert out.results["c"].code == "stopped" and out.results["c"].detail["at"] == "b"


def test_top_up_just_under_80_percent_does_not_fund_and_the_count_stops():
    # Budget 179: a leaves 79 < 80 = 0.8 * 100. b is not funded; without skipping c (1, which fits) is
    # never reached. The reserve is not used.
    out = greedy(poznan(179), POZNAN)
    assert out.selected == ("a",)
    assert out.results["b"].code == "did_not_fit"
    assert out.results["c"].code == "stopped"
    assert out.notes["reserve_used"] == 0
    assert out.notes["left"] == 79


def test_only_the_first_project_that_does_not_fit_is_considered_for_a_top_up():
    # a 100 (4 votes), b 100 (3), c 60 (2), d 40 (1); budget 150, skipping, top-up 80 %.
    # a: 50 left. b (100): 50 < 80, not topped up; it was the first that did not fit, so the top-up is spent.
    # c (60): 50 would cover 83 % of it, but only the first non-fitting project gets a top-up: not funded.
    # d (40): fits, 10 left.
    e = ranked({"a": (100, 4), "b": (100, 3), "c": (60, 2), "d": (40, 1)}, 150)
    out = greedy(e, GreedyRule(top_up=TopUp(0.8)))
    assert out.selected == ("a", "d")
    assert codes(out) == {"a": "funded", "b": "did_not_fit", "c": "did_not_fit", "d": "funded"}
    assert out.notes["reserve_used"] == 0
    assert out.notes["left"] == 10


def test_greedy_custom_by_name_is_no_skip_with_an_80_percent_top_up():
    # The same as the exactly-80 % case, configured by the Pabulib name.
    out = RuleChoice("greedy-custom").configure({})(poznan(180), None)
    assert out.passes() == {"a": 1, "b": 2}
    assert out.notes["reserve"] == "reserve" and out.notes["reserve_used"] == 20
    out = RuleChoice("greedy-custom", {"reserve": "rezerwa"}).configure({})(poznan(179), None)
    assert out.selected == ("a",) and out.notes["reserve"] == "rezerwa"


# --------------------------------------------------------------------------------------------------
# exclusion groups (Warsaw)

# g1 4 (5 votes), g2 3 (4), g3 2 (3), a 1 (2); budget 10: all four fit together (4+3+2+1 = 10).
SITE = {"g1": (4, 5), "g2": (3, 4), "g3": (2, 3), "a": (1, 2)}


def test_an_exclusion_group_of_three_funds_only_its_highest_ranked_project():
    # g1: 6 left. g2 (3) and g3 (2) would fit, but g1 of their group ranks higher: passed over,
    # "excluded_by" g1. a (1): 5 left.
    e = ranked(SITE, 10)
    assert greedy(e).selected == ("g1", "g2", "g3", "a")  # without the group everything fits
    out = greedy(e, GreedyRule("greedy-exclusive", exclusive_groups=(("g1", "g2", "g3"),)))
    assert out.selected == ("g1", "a")
    for loser in ("g2", "g3"):
        assert out.results[loser].code == "excluded_by"
        assert dict(out.results[loser].detail) == {"by": "g1"}
        assert "g1" in out.results[loser].reason
    assert out.notes["left"] == 5


def test_a_withdrawn_group_member_does_not_win_its_group():
    # g1 withdrawn: the highest-ranked eligible member is g2 (10-3 = 7 left); g3 is excluded by g2;
    # a (1): 6 left.
    spec = {**SITE, "g1": (4, 5, {"withdrawn": True})}
    out = greedy(ranked(spec, 10), GreedyRule(exclusive_groups=(("g1", "g2", "g3"),)))
    assert out.selected == ("g2", "a")
    assert out.results["g1"].code == "withdrawn"
    assert out.results["g3"].code == "excluded_by" and out.results["g3"].detail["by"] == "g2"


GROUP_PB = """META
key;value
description;an exclusion group of three in the file
budget;10
vote_type;approval
rule;greedy-exclusive
PROJECTS
project_id;cost;exclusion_group
g1;4;site
g2;3;site
g3;2;site
a;1;
VOTES
voter_id;vote
0;g1,g2,g3,a
1;g1,g2,g3,a
2;g1,g2,g3
3;g1,g2
4;g1
"""


def test_an_exclusion_group_declared_in_the_file():
    # The same round as a .pb with a PROJECTS column exclusion_group: g1 5 votes, g2 4, g3 3, a 2.
    # tally by the META rule greedy-exclusive, no parameters: g1 wins its group, then a; 5 left.
    e = parse(GROUP_PB)
    assert e.projects["g2"].fields["exclusion_group"] == "site"
    out = tally(e)
    assert out.rule == "greedy-exclusive"
    assert out.selected == ("g1", "a")
    assert {pid: r.detail.get("by") for pid, r in out.results.items() if r.code == "excluded_by"} == {
        "g2": "g1",
        "g3": "g1",
    }


def test_exclusion_groups_as_text_parameters():
    # "g1,g2;g3,a": two groups of two. g1 (6 left), g2 excluded by g1, g3 (4 left), a excluded by g3.
    out = RuleChoice("greedy-exclusive", {"exclusive": "g1,g2;g3,a"}).configure({})(ranked(SITE, 10), None)
    assert out.selected == ("g1", "g3")
    assert out.results["a"].detail["by"] == "g3"
    with pytest.raises(RuleError, match="at least two"):
        RuleChoice("greedy-exclusive", {"exclusive": [["g1"]]}).configure({})
    with pytest.raises(ValueError, match=r"unknown project.*nope"):
        greedy(ranked(SITE, 10), GreedyRule(exclusive_groups=(("g1", "nope"),)))


# --------------------------------------------------------------------------------------------------
# part budgets


def parts_round() -> Election:
    # a1 (category A) 6, 5 votes; a2 (A) 3, 4 votes; b1 (B) 4, 3 votes; b2 (B) 5, 2 votes; budget 14.
    a, b = {"category": ("A",)}, {"category": ("B",)}
    return ranked({"a1": (6, 5, a), "a2": (3, 4, a), "b1": (4, 3, b), "b2": (5, 2, b)}, 14)


def test_a_part_leftover_is_kept():
    # Part A (8): a1 leaves 2, a2 (3) does not fit. Part B (6): b1 leaves 2, b2 (5) does not fit.
    # leftover "none": the 2 + 2 (and 14 - 8 - 6 = 0 unassigned) stay unspent: 14 - 10 = 4 left.
    out = greedy(parts_round(), GreedyRule(parts=PartBudgets("category", {"A": 8, "B": 6}, leftover="none")))
    assert out.selected == ("a1", "b1")
    assert out.notes["left"] == 4
    assert out.results["a1"].stage == "greedy:A" and out.results["b1"].stage == "greedy:B"
    assert out.results["a2"].code == "did_not_fit" and out.results["a2"].detail["left"] == 2


def test_a_part_leftover_spent_by_plain_greedy_across_parts():
    # As above, then the 14 - 10 = 4 left go down the whole list: a2 (3) fits, 1 left; b2 (5) does not.
    out = greedy(parts_round(), GreedyRule(parts=PartBudgets("category", {"A": 8, "B": 6}, leftover="greedy")))
    assert out.selected == ("a1", "b1", "a2")
    assert out.results["a2"].stage == "leftover" and out.results["a2"].pass_no == MAIN_PASS
    assert out.notes["left"] == 1


def test_a_no_skip_part():
    # One part B (6): b1 4 (4 votes), b3 3 (3), b2 1 (2).
    cat_b = {"category": ("B",)}
    e = ranked({"b1": (4, 4, cat_b), "b3": (3, 3, cat_b), "b2": (1, 2, cat_b)}, 6)
    # Part B (6): b1 -> 2 left; b3 (3) does not fit; skipping, b2 (1) -> 1 left.
    skip = greedy(e, GreedyRule(parts=PartBudgets("category", {"B": 6}, skip=True)))
    assert skip.selected == ("b1", "b2")
    # No skipping inside the part: the count of B stops at b3, b2 is "stopped" at b3.
    strict = greedy(e, GreedyRule(parts=PartBudgets("category", {"B": 6}, skip=False)))
    assert strict.selected == ("b1",)
    assert strict.results["b2"].code == "stopped" and strict.results["b2"].detail["at"] == "b3"


def test_parts_by_any_project_column_through_parameters():
    # neighborhood column: n1 {x 5 (3 votes), y 2 (2)}, n2 {z 4 (1)}; budgets n1 6, n2 4; total 10.
    # n1: x (1 left), y (2) does not fit; n2: z (0 left). leftover greedy: 10 - 9 = 1, y still does not fit.
    e = ranked(
        {
            "x": (5, 3, {"fields": {"neighborhood": "n1"}}),
            "y": (2, 2, {"fields": {"neighborhood": "n1"}}),
            "z": (4, 1, {"fields": {"neighborhood": "n2"}}),
        },
        10,
    )
    parts = {"column": "neighborhood", "budgets": {"n1": "6", "n2": 4}, "leftover": "greedy"}
    out = RuleChoice("greedy", {"parts": parts}).configure({})(e, None)
    assert out.selected == ("x", "z")
    assert out.notes["left"] == 1
    assert out.results["y"].code == "did_not_fit"


# Found while writing these tests (fixed): part budgets count as the rule does (no skipping when it says
# so); a top-up does not combine with part budgets.


def test_greedy_no_skip_with_part_budgets_does_not_skip():
    # PLAIN with every project in category A, one part A of 10 (the whole budget): the same count as
    # without parts. No skipping: a (4 left), b (5) does not fit: stop. Expected (a); got (a, c).
    cat = {"category": ("A",)}
    e = ranked({"a": (6, 5, cat), "b": (5, 4, cat), "c": (4, 3, cat), "d": (1, 1, cat)}, 10)
    assert RuleChoice("greedy-no-skip").configure({})(e, None).selected == ("a",)
    parts = {"column": "category", "budgets": {"A": 10}}
    assert RuleChoice("greedy-no-skip", {"parts": parts}).configure({})(e, None).selected == ("a",)


def test_a_top_up_inside_part_budgets_is_refused():
    # poznan(180) with every project in one part A of 180: the top-up is a reserve of the whole budget, so
    # the rule is refused as it is built rather than counting b without its top-up (as it once did).
    cat = {"category": ("A",)}
    e = ranked({"a": (100, 3, cat), "b": (100, 2, cat), "c": (1, 1, cat)}, 180)
    with pytest.raises(ValueError, match="a top-up applies to the whole budget: it does not combine with part budgets"):
        greedy(e, GreedyRule(skip=False, top_up=TopUp(0.8), parts=PartBudgets("category", {"A": 180}, False)))


def test_a_project_whose_part_has_no_budget_raises():
    # b1, b2 are in category B, which has no budget: the count refuses, naming the part.
    with pytest.raises(ValueError, match="no budget for category 'B'"):
        greedy(parts_round(), GreedyRule(parts=PartBudgets("category", {"A": 8})))
    # ... unless every project of B is out of the count anyway (withdrawn): then there is nothing to count.
    e = ranked({"a": (6, 2, {"category": ("A",)}), "b": (4, 1, {"category": ("B",), "withdrawn": True})}, 10)
    assert greedy(e, GreedyRule(parts=PartBudgets("category", {"A": 8}))).selected == ("a",)


# --------------------------------------------------------------------------------------------------
# tie-break

# x 3, y 2, z 2, 2 votes each; budget 4.
TIES = ranked({"x": (3, 2), "y": (2, 2), "z": (2, 2)}, 4)


def test_tie_break_cost_then_lot():
    # "cost": the cheapest first: y and z (2 each) before x (3); y before z by the file order.
    # y: 2 left; z: 0 left; x does not fit.
    out = greedy(TIES, GreedyRule(tie_break="cost"))
    assert out.selected == ("y", "z")
    assert out.notes["tie_break"] == "cost"
    # a lot order decides between the equally cheap y and z, never against cost
    assert greedy(TIES, GreedyRule(tie_break="cost"), lot=["x", "z", "y"]).selected == ("z", "y")


def test_tie_break_order_follows_the_lot():
    # "order": straight to the lot. Lot x, z, y: x (3): 1 left; z and y (2) do not fit.
    out = greedy(TIES, GreedyRule(tie_break="order"), lot=["x", "z", "y"])
    assert out.selected == ("x",)
    assert out.notes["tie_break"] == "order"
    # no lot: the file order x, y, z, so again x only
    assert greedy(TIES, GreedyRule(tie_break="order")).selected == ("x",)
    # lot z, y, x: z (2 left), y (0 left)
    assert greedy(TIES, GreedyRule(tie_break="order"), lot=["z", "y", "x"]).selected == ("z", "y")
    # by parameter
    out = RuleChoice("greedy", {"tie_break": "order"}).configure({})(TIES, ["x", "z", "y"])
    assert out.selected == ("x",) and out.notes["tie_break"] == "order"


# --------------------------------------------------------------------------------------------------
# thresholds

# 10 voters: a 6 votes, b 5, c 3; each costs 1; budget 10 (everything fits).
THRESHOLD = ranked({"a": (1, 6), "b": (1, 5), "c": (1, 3)}, 10, abstain=4)


def test_threshold_as_a_score():
    # score >= 5 needed: a (6) and b (5, exactly at it) are eligible, c (3) is not.
    out = greedy(THRESHOLD, GreedyRule(threshold=Threshold(score=5)))
    assert out.selected == ("a", "b")
    assert out.results["c"].code == "below_threshold"
    assert out.results["c"].reason == "below the threshold of 5 (scored 3)"


def test_threshold_as_a_share_of_voters():
    # 10 voters (4 approve nothing). 50 %: 5 votes needed: a, b. 60 %: 6 votes: a only.
    assert THRESHOLD.multiprofile.voters == 10
    assert greedy(THRESHOLD, GreedyRule(threshold=Threshold(share_of_voters=0.5))).selected == ("a", "b")
    out = greedy(THRESHOLD, GreedyRule(threshold=Threshold(share_of_voters=0.6)))
    assert out.selected == ("a",)
    assert out.results["b"].detail["threshold"] == pytest.approx(6.0)
    by_param = RuleChoice("greedy", {"threshold_share": "0.6"}).configure({})(THRESHOLD, None)
    assert by_param.selected == ("a",)


def test_threshold_values_are_checked():
    for bad in ({}, {"score": 1, "share_of_voters": 0.5}, {"share_of_voters": 0}, {"share_of_voters": 1.5}):
        with pytest.raises(ValueError, match="threshold"):
            Threshold(**bad)
    for fraction in (0, 1.2):
        with pytest.raises(ValueError, match="top-up"):
            TopUp(fraction)


# a 6 (5 votes), b 3 (4), c 1 (2); budget 10: without a threshold all three fit (6+3+1 = 10).
GDYNIA = {"a": (6, 5), "b": (3, 4), "c": (1, 2)}


def test_meta_threshold_applies_to_greedy_no_skip():
    # META min_project_score_threshold 3: c (2 votes) is out; a: 4 left, b: 1 left.
    e = ranked(GDYNIA, 10, min_project_score_threshold="3")
    out = RuleChoice("greedy-no-skip").configure(e.meta)(e, None)
    assert out.selected == ("a", "b")
    assert out.results["c"].code == "below_threshold"
    assert tally(e, "greedy-no-skip").selected == ("a", "b")
    # the parameter overrides META: none -> all three; 5 -> a only (b has 4)
    assert tally(e, "greedy-no-skip", params={"threshold": "none"}).selected == ("a", "b", "c")
    assert tally(e, "greedy-no-skip", params={"threshold": 5}).selected == ("a",)
    # without META nothing is dropped
    assert tally(ranked(GDYNIA, 10), "greedy-no-skip").selected == ("a", "b", "c")


def test_greedy_threshold_needs_a_threshold():
    e = ranked(GDYNIA, 10)
    with pytest.raises(RuleError, match="min_project_score_threshold"):
        RuleChoice("greedy-threshold").configure(e.meta)
    with pytest.raises(RuleError, match="threshold"):
        tally(e, "greedy-threshold")
    # given as a parameter or by META it counts: threshold 4 keeps a and b
    assert tally(e, "greedy-threshold", params={"threshold": 4}).selected == ("a", "b")
    assert tally(ranked(GDYNIA, 10, min_project_score_threshold="4"), "greedy-threshold").selected == ("a", "b")


# --------------------------------------------------------------------------------------------------
# counted costs and extra funds


def test_counted_costs_cost_bands():
    # a 40 (3 votes), b 40 (2), c 10 (1); budget 100. Plainly a, b, c fit (90).
    # Veszprém bands: 40 is counted as 50. a: 50 left; b: 0 left; c (10) no longer fits.
    e = ranked({"a": (40, 3), "b": (40, 2), "c": (10, 1)}, 100)
    assert greedy(e).selected == ("a", "b", "c")
    out = greedy(e, GreedyRule(counted_costs={40: 50}))
    assert out.selected == ("a", "b")
    assert out.results["a"].reason == "funded by score 3; 50 left"
    assert out.results["c"].detail == {"left": 0, "cost": 10}
    assert out.notes["left"] == 0
    # by parameter, with the keys and values as text
    assert RuleChoice("greedy", {"counted_costs": {"40": "50"}}).configure({})(e, None).selected == ("a", "b")


# a 6 (4 votes), b 5 (3), c 3 (2), d 2 (1); budget 10.
EXTRA = {"a": (6, 4), "b": (5, 3), "c": (3, 2), "d": (2, 1)}


def test_extra_funds_fund_the_next_projects_in_pass_3():
    # No skipping (Poznań). Main count: a, 4 left; b (5) does not fit: stop.
    # Extra 3: money 4 + 3 = 7 down the same list: b (5): 2 left; c (3) does not fit: stop; d stopped.
    e = ranked(EXTRA, 10)
    out = greedy(e, GreedyRule(skip=False, extra_funds=(3,)))
    assert out.selected == ("a", "b")
    assert out.passes() == {"a": MAIN_PASS, "b": EXTRA_FUNDS_PASS}
    assert (out.results["b"].code, out.results["b"].stage) == ("extra_funds", "extra-funds")
    assert out.results["c"].code == "did_not_fit" and out.results["d"].code == "stopped"
    assert out.notes["left"] == 2 and out.notes["extra_funds"] == 3


def test_two_extra_funds_passes_with_skipping():
    # Skipping. Main: a (4 left), b (5) no, c (3): 1 left, d (2) no.
    # Extra 3: 1 + 3 = 4: b no, d (2): 2 left.  Extra 4: 2 + 4 = 6: b (5): 1 left.
    e = ranked(EXTRA, 10)
    out = RuleChoice("greedy", {"extra_funds": "3, 4"}).configure({})(e, None)
    assert out.selected == ("a", "c", "d", "b")
    assert out.passes() == {"a": 1, "c": 1, "d": 3, "b": 3}
    assert out.notes["left"] == 1 and out.notes["extra_funds"] == 7


def test_extra_funds_after_a_top_up():
    # greedy-custom with extra 100 on poznan(180): a (80 left), b topped up (reserve 20, 0 left), c
    # stopped. Extra pass: 0 + 100 down the list afresh: c (1): 99 left.
    out = RuleChoice("greedy-custom", {"extra_funds": 100}).configure({})(poznan(180), None)
    assert out.passes() == {"a": 1, "b": 2, "c": 3}
    assert out.notes["reserve_used"] == 20 and out.notes["left"] == 99


def test_paper_votes_are_added_to_the_score():
    # x 5 (3 votes), y 5 (2 votes); budget 5: x. With 2 paper votes for y it scores 4 > 3: y.
    e = ranked({"x": (5, 3), "y": (5, 2)}, 5)
    assert greedy(e).selected == ("x",)
    out = RuleChoice("greedy", {"paper_votes": {"y": "2"}}).configure({})(e, None)
    assert out.selected == ("y",)
    assert out.results["y"].reason == "funded by score 4; 0 left"
    with pytest.raises(ValueError, match="paper votes for unknown project nope"):
        greedy(e, GreedyRule(paper_votes={"nope": 1}))


# --------------------------------------------------------------------------------------------------
# rule names and parameters


SMALL = ranked({"a": (6, 5), "b": (5, 4), "c": (4, 3), "d": (1, 1)}, 10, min_project_score_threshold="1")


@pytest.mark.parametrize("name", [*RULES, "unknown"])
def test_every_pabulib_name_configures(name: str):
    # Every name (with the META threshold for greedy-threshold; "unknown" with a parameter) counts SMALL.
    params = {"skip": True} if name == "unknown" else {}
    out = RuleChoice(name, params).configure(SMALL.meta)(SMALL, None)
    # greedy-custom tops b up: a (6) leaves 4 = 80 % of b (5), the reserve pays 1
    assert out.total_cost(SMALL) <= SMALL.budget + out.notes.get("reserve_used", 0)  # type: ignore[operator]
    assert out.selected  # a (6) fits under every rule: 5 of 5 voters approve it
    if name in GREEDY_NAMES or name == "unknown":
        assert out.rule == name
    assert RuleChoice(name.upper(), params).canonical == name


def test_rule_names_are_exactly_the_greedy_and_mes_families():
    assert set(RULES) == set(GREEDY_NAMES) | set(MES_NAMES)
    assert {
        "greedy",
        "greedy-no-skip",
        "greedy-threshold",
        "greedy-custom",
        "greedy-exclusive",
        "equalshares",
        "equalshares/add1",
        "equalshares/add1+greedy",
        "equalshares/add1-comparison",
        "equalshares/add1+greedy+comparison",
    } <= set(RULES)


def test_aliases_and_unknown_names():
    assert RuleChoice(" Greedy-NoSkip ").canonical == "greedy-no-skip"
    assert RuleChoice("MES").canonical == "equalshares"
    with pytest.raises(RuleError, match="unknown rule 'greedy-ish'"):
        RuleChoice("greedy-ish").configure({})
    with pytest.raises(RuleError, match="unknown"):
        RuleChoice("unknown").configure({})
    with pytest.raises(RuleError, match="no rule given"):
        RuleChoice(" ").configure({})


@pytest.mark.parametrize(
    ("name", "params", "named"),
    [
        ("greedy", {"budgt": 1}, "budgt"),
        ("greedy", {"add1": True}, "add1"),
        ("equalshares", {"skip": False}, "skip"),
        ("greedy", {"skip": "maybe"}, "skip"),
        ("greedy", {"skip": 1}, "skip"),
        ("greedy", {"tie_break": "random"}, "tie_break"),
        ("greedy", {"threshold": "abc"}, "threshold"),
        ("greedy", {"threshold": -1}, "threshold"),
        ("greedy", {"threshold": True}, "threshold"),
        ("greedy", {"threshold_share": 2}, "threshold_share"),
        ("greedy", {"top_up": 1.5}, "top_up"),
        ("greedy", {"top_up": "lots"}, "top_up"),
        ("greedy", {"top_up": True}, "top_up"),
        ("greedy", {"parts": {"column": "category"}}, "parts"),
        ("greedy", {"parts": {"column": "category", "budgets": {"A": 1}, "leftover": "all"}}, "leftover"),
        ("greedy", {"parts": {"column": "category", "budgets": {"A": "x"}}}, "part A"),
        ("greedy", {"parts": {"column": "category", "budgets": {"A": 1}, "skip": "x"}}, "parts.skip"),
        ("greedy", {"exclusive": [["a"]]}, "exclusive"),
        ("greedy", {"counted_costs": [40, 50]}, "counted_costs"),
        ("greedy", {"counted_costs": {"forty": 50}}, "counted_costs"),
        ("greedy", {"extra_funds": "some"}, "extra_funds"),
        ("greedy", {"extra_funds": [-5]}, "extra_funds"),
        ("greedy", {"paper_votes": [1, 2]}, "paper_votes"),
        ("greedy", {"paper_votes": {"a": "many"}}, "paper_votes of a"),
        ("unknown", {"bogus": 1}, "bogus"),
        ("equalshares/add1", {"add1": "x"}, "add1"),
        ("equalshares/add1", {"stop": "never"}, "stop"),
        ("equalshares/add1", {"increment": "x"}, "increment"),
        ("equalshares/add1", {"integral_start": 3}, "integral_start"),
        ("equalshares", {"completion": "all"}, "completion"),
        ("equalshares", {"comparison": "votes"}, "comparison"),
    ],
)
def test_bad_parameters_raise_naming_them(name: str, params: dict[str, Any], named: str):
    with pytest.raises(RuleError, match=named):
        RuleChoice(name, params).configure({})
    with pytest.raises(RuleError):
        RuleChoice(name, params).check()


def test_threshold_required_is_not_a_parameter():
    # Expected: RuleError naming threshold_required (it is not among the documented parameters).
    # Got: greedy-threshold configures with no threshold at all and counts as plain greedy.
    with pytest.raises(RuleError, match="threshold_required"):
        RuleChoice("greedy-threshold", {"threshold_required": False}).configure({})


def test_a_threshold_of_zero_is_a_threshold():
    # GDYNIA, threshold 0: everything scores >= 0, so a, b, c as plain greedy. Got: RuleError.
    assert tally(ranked(GDYNIA, 10), "greedy-threshold", params={"threshold": 0}).selected == ("a", "b", "c")


def test_good_parameters_pass_the_check():
    choice = RuleChoice("greedy", {"skip": "no", "tie_break": "order", "top_up": "0.8", "extra_funds": 5})
    assert choice.check() is choice
    # PLAIN, no skipping: a (4 left); b (5) does not fit, but 4 is 80 % of 5: topped up (reserve 1),
    # 0 left, and the count stops there. The extra 5 then go down the list: c (4): 1 left; d (1): 0 left.
    out = choice.configure({})(PLAIN, None)
    assert out.passes() == {"a": 1, "b": 2, "c": 3, "d": 3}


# --------------------------------------------------------------------------------------------------
# check: a published outcome compared pass by pass


def published(spec: dict[str, Spec], budget: int, selected: dict[str, int | None], **meta: str) -> Election:
    """`ranked` with the published `selected` column (None: the file has no such column)."""
    full: dict[str, Spec] = {}
    for pid, s in spec.items():
        fields = dict(s[2]) if len(s) > 2 else {}  # type: ignore[misc]
        fields["selected"] = selected.get(pid, 0) if selected else None
        full[pid] = (s[0], s[1], fields)
    return ranked(full, budget, **meta)


def test_check_reproduced():
    # greedy on PLAIN funds a and c (see above): published a, c.
    e = published({"a": (6, 5), "b": (5, 4), "c": (4, 3), "d": (1, 1)}, 10, {"a": 1, "c": 1}, rule="greedy")
    v = check(e)
    assert v.status == "reproduced"
    assert v.rule == "greedy"
    assert (v.only_by_rule, v.only_published, v.other_pass, v.unchecked) == ((), (), (), ())
    assert "main count (2)" in v.reason


def test_check_differs_naming_the_projects():
    # Published a, b (as if no budget limit applied to b); greedy funds a, c.
    e = published({"a": (6, 5), "b": (5, 4), "c": (4, 3), "d": (1, 1)}, 10, {"a": 1, "b": 1}, rule="greedy")
    v = check(e)
    assert v.status == "differs"
    assert v.only_by_rule == ("c",) and v.only_published == ("b",)
    assert "the rule also funds c" in v.reason and "the city also funded b" in v.reason
    # with greedy-no-skip (a only) the published b is the only difference
    v = check(e, RuleChoice("greedy-no-skip"))
    assert (v.status, v.only_by_rule, v.only_published) == ("differs", (), ("b",))


def test_check_cannot_check_without_a_selected_column():
    e = published({"a": (6, 5), "b": (5, 4)}, 10, {}, rule="greedy")
    assert all(p.selected is None for p in e.projects.values())
    v = check(e)
    assert v.status == "cannot be checked"
    assert "selected" in v.reason


def test_check_cannot_check_an_unknown_rule_without_parameters():
    e = published({"a": (6, 5), "b": (5, 4)}, 10, {"a": 1}, rule="unknown")
    v = check(e)
    assert v.status == "cannot be checked" and v.rule == "unknown"
    assert "unknown" in v.reason
    # with parameters the same file can be checked: plain greedy funds a (4 left), b (5) does not fit
    assert check(e, RuleChoice("unknown", {"skip": True})).status == "reproduced"


def test_check_a_top_up_pass():
    # poznan(180) under greedy-custom: a in pass 1, b in pass 2 (top-up).
    spec = {"a": (100, 3), "b": (100, 2), "c": (1, 1)}
    v = check(published(spec, 180, {"a": 1, "b": 2}, rule="greedy-custom"))
    assert v.status == "reproduced" and v.unchecked == ()
    assert "top-up (1)" in v.reason
    # b published in pass 1 while the rule funds it by top-up: differs in the pass
    v = check(published(spec, 180, {"a": 1, "b": 1}, rule="greedy-custom"))
    assert v.status == "differs" and v.other_pass == (("b", 2, 1),)


def test_check_lists_a_2_without_a_top_up_as_unchecked():
    # Plain greedy on PLAIN funds a, c. The city also marked d with 2 (an award outside the count, as in
    # Gdynia): greedy has no top-up, so d is not compared but listed; the rest is reproduced.
    spec: dict[str, Spec] = {"a": (6, 5), "b": (5, 4), "c": (4, 3), "d": (1, 1)}
    v = check(published(spec, 10, {"a": 1, "c": 1, "d": 2}, rule="greedy"))
    assert v.status == "reproduced"
    assert len(v.unchecked) == 1 and "marked 2" in v.unchecked[0] and v.unchecked[0].endswith(": d")
    assert "d" not in v.only_published


def test_check_lists_a_3_without_extra_funds_as_unchecked():
    # greedy-no-skip on EXTRA: a only (b stops the count). The city funded b from extra funds (3), which
    # the file does not give: b is listed, not compared. Given the amount (3), the pass is checked.
    e = published(EXTRA, 10, {"a": 1, "b": 3}, rule="greedy-no-skip")
    v = check(e)
    assert v.status == "reproduced"
    assert len(v.unchecked) == 1 and "marked 3" in v.unchecked[0] and v.unchecked[0].endswith(": b")
    v = check(e, RuleChoice("greedy-no-skip", {"extra_funds": 3}))
    assert v.status == "reproduced" and v.unchecked == ()
    assert "extra funds (1)" in v.reason
    # too little (0.5: 4 + 0.5 < 5, b is not funded): the published 3 is now compared, and differs
    v = check(e, RuleChoice("greedy-no-skip", {"extra_funds": 0.5}))
    assert v.status == "differs" and v.only_published == ("b",)
