"""A budget round by hand: phases in order, ballots checked against the form, a count checked on paper."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from proposals.domain.ballots import (
    BallotForm,
    BallotKind,
    Eligibility,
    InvalidBallot,
    NotEligible,
    check_ballot,
    check_voter,
)
from proposals.domain.budget_round import BudgetRound, InvalidRound, Phase, Stage, WrongPhase
from proposals.domain.eligibility import Facts as Voter
from proposals.domain.tally import CountedBallot, count

NOW = datetime(2027, 3, 1, tzinfo=UTC)


def a_round(kind=BallotKind.APPROVAL, rule="greedy", districts=None, jury_weight=None, params=None, **form):
    r = BudgetRound.open(
        uuid4(),
        "budget-2027",
        "Citizen budget 2027",
        100,
        districts or {},
        BallotForm(kind, **form),
        Eligibility(),
        rule,
        jury_weight,
        rule_parameters=params,
    )
    for title, cost in (("Benches", 60), ("Trees", 50), ("Playground", 40)):
        r.add_project(title, None, cost)
    r.start_feasibility()
    for pid in ("p1", "p2", "p3"):
        r.assess(pid, True, r.project(pid).cost, "Fits the zoning plan.", "", 1.0 if jury_weight else None)
    r.open_voting(["p3", "p1", "p2"])
    return r


def choice(r, projects, voter_district=None):
    costs = {p.id: p.cost for p in r.on_ballot}
    return check_ballot(r.form, projects, costs, {p.id: p.part for p in r.on_ballot}, r.budgets, voter_district)


def test_phases_run_in_order_and_every_step_is_an_event():
    r = a_round()
    with pytest.raises(WrongPhase):
        r.add_project("Late idea", None, 10)
    r.close(NOW)
    assert r.phase is Phase.CLOSED
    names = [e.name for e in r.events]
    assert names[:2] == ["opened", "project_added"] and names[-2:] == ["voting_opened", "closed"]
    with pytest.raises(WrongPhase):
        r.close(NOW)


def test_approval_ballots_must_fit_the_budget_and_name_known_projects():
    r = a_round()
    assert choice(r, ["p2", "p3"]).projects == ("p2", "p3")
    with pytest.raises(InvalidBallot, match="cost 110, more than the city-wide budget of 100"):
        choice(r, ["p1", "p2"])
    with pytest.raises(InvalidBallot, match="unknown project"):
        choice(r, ["p9"])
    with pytest.raises(InvalidBallot, match="more than once"):
        choice(r, ["p3", "p3"])


def test_k_approval_cumulative_and_ranking_forms():
    assert choice(a_round(BallotKind.K_APPROVAL, k=1), ["p1"]).projects == ("p1",)
    with pytest.raises(InvalidBallot, match="at most 1 projects"):
        choice(a_round(BallotKind.K_APPROVAL, k=1), ["p1", "p2"])
    cumulative = a_round(BallotKind.CUMULATIVE, points=5)
    assert choice(cumulative, {"p1": 3, "p2": 2}).points == (3, 2)
    with pytest.raises(InvalidBallot, match="6 points given, at most 5"):
        choice(cumulative, {"p1": 3, "p2": 3})
    with pytest.raises(InvalidBallot, match="gives points per project"):
        choice(cumulative, ["p1"])
    ranking = a_round(BallotKind.RANKING, k=2)
    assert choice(ranking, ["p2", "p1"]).projects == ("p2", "p1")


def test_eligibility_by_age_residence_and_district():
    rules = Eligibility(min_age=16, residents_only=True, districts=("Noord",))
    check_voter(rules, Voter(16, True, "Noord"), "gent")
    for voter in (Voter(15, True, "Noord"), Voter(30, False, "Noord"), Voter(30, True, "Zuid")):
        with pytest.raises(NotEligible):
            check_voter(rules, voter, "gent")


def test_greedy_count_by_hand():
    # votes: p1 (60) 3, p2 (50) 2, p3 (40) 2. Greedy: p1 (60 left 40), p2 does not fit, p3 fits (0 left).
    r = a_round()
    ballots = [CountedBallot(("p1",), None, False)] * 3 + [CountedBallot(("p2", "p3"), None, True)] * 2
    r.close(NOW)
    results = count(r, ballots)
    assert results.selected == ("p1", "p3")
    assert (results.voters, results.paper_ballots, results.spent) == (5, 2, 100)
    r.record_results(results)
    assert r.events[-1].name == "results_published"
    assert r.events[-1].data["selected"] == [
        {"project_id": "p1", "title": "Benches"},
        {"project_id": "p3", "title": "Playground"},
    ]


def test_equal_shares_count_by_hand():
    # 4 voters, budget 100, each 25. Two approve p1 (60) only: 50 < 60, cannot buy it.
    # Two approve p2 (50) and p3 (40): together 50, they buy p3 first (cheaper per vote) then cannot
    # afford p2 (10 left). MES picks p3; greedy would pick p1 then p3.
    r = a_round(rule="equalshares")
    ballots = [CountedBallot(("p1",), None, False)] * 2 + [CountedBallot(("p2", "p3"), None, False)] * 2
    r.close(NOW)
    assert count(r, ballots).selected == ("p3",)


def test_districts_are_counted_each_with_their_own_money():
    r = BudgetRound.open(
        uuid4(), "budget-2027", "Budget", 100, {"Noord": 50}, BallotForm(BallotKind.APPROVAL), Eligibility(), "greedy"
    )
    r.add_project("North square", "Noord", 50)
    r.add_project("Town hall garden", None, 50)
    with pytest.raises(InvalidRound, match="no budget for district 'Zuid'"):
        r.add_project("South", "Zuid", 10)
    r.start_feasibility()
    r.assess("p1", True, 50, "ok", "", None)
    r.assess("p2", True, 50, "ok", "", None)
    r.open_voting(["p1", "p2"])
    with pytest.raises(InvalidBallot, match="another district"):
        choice(r, ["p1"], "Zuid")
    r.close(NOW)
    results = count(r, [CountedBallot(("p1", "p2"), None, False)])
    assert set(results.selected) == {"p1", "p2"}


def test_hybrid_jury_weighting_can_turn_the_order():
    # Public: p2 3 votes, p1 2. Jury: p1 1.0, p2 0.0. 0.5/0.5: p1 = 0.5*2/3 + 0.5 = 0.83, p2 = 0.5.
    r = a_round(jury_weight=0.5)
    r.projects = tuple(p if p.id == "p1" else type(p)(**{**p.__dict__, "jury_score": 0.0}) for p in r.projects)
    r.close(NOW)
    ballots = [CountedBallot(("p2",), None, False)] * 3 + [CountedBallot(("p1",), None, False)] * 2
    assert count(r, ballots).selected[0] == "p1"


def test_only_funded_projects_are_tracked_after_the_results():
    r = a_round()
    r.close(NOW)
    r.record_results(count(r, [CountedBallot(("p3",), None, False)]))
    with pytest.raises(InvalidRound, match="not funded"):
        r.track("p1", Stage.PLANNED, "x")
    r.track("p3", Stage.IN_PROGRESS, "Tender published.")
    assert r.phase is Phase.IMPLEMENTATION and r.project("p3").stage is Stage.IN_PROGRESS


def test_theme_budgets_are_counted_apart_and_open_to_every_voter():
    r = BudgetRound.open(
        uuid4(),
        "budget-2027",
        "Budget",
        100,
        {"Noord": 30},
        BallotForm(BallotKind.APPROVAL),
        Eligibility(),
        "greedy",
        theme_budgets={"green": 40},
    )
    r.add_project("North square", "Noord", 30)
    r.add_project("Trees everywhere", None, 40, theme="green")
    r.add_project("Town hall garden", None, 30)
    with pytest.raises(InvalidRound, match="not both"):
        r.add_project("Green north", "Noord", 10, theme="green")
    with pytest.raises(InvalidRound, match="no budget for theme 'culture'"):
        r.add_project("Mural", None, 10, theme="culture")
    assert r.budgets == {"Noord": 30, "theme:green": 40, None: 30}
    r.start_feasibility()
    for pid in ("p1", "p2", "p3"):
        r.assess(pid, True, r.project(pid).cost, "ok", "", None)
    r.open_voting(["p1", "p2", "p3"])
    assert choice(r, ["p2", "p3"], "Zuid").projects == ("p2", "p3")  # a theme is open to every district
    r.close(NOW)
    results = count(r, [CountedBallot(("p1", "p2", "p3"), None, False)])
    assert set(results.selected) == {"p1", "p2", "p3"}
    assert {e["project_id"]: e["part"] for e in results.explanation} == {"p1": "Noord", "p2": "theme:green", "p3": None}


def opened(rule="greedy", params=None, districts=None, jury_weight=None, kind=BallotKind.APPROVAL, **form):
    return BudgetRound.open(
        uuid4(),
        "budget-2027",
        "Budget",
        100,
        districts or {},
        BallotForm(kind, **form),
        Eligibility(),
        rule,
        jury_weight,
        rule_parameters=params,
    )


def test_rule_parameters_are_checked_when_the_round_opens():
    r = opened("greedy-custom", {"top_up": 0.8, "exclusive": [["p1", "p2"]]})
    assert r.rule_parameters == {"top_up": 0.8, "exclusive": [["p1", "p2"]]}
    assert r.events[0].data["rule"] == "greedy-custom"
    assert r.events[0].data["rule_parameters"] == {"top_up": 0.8, "exclusive": [["p1", "p2"]]}
    assert opened().rule_parameters == {} and opened().events[0].data["rule_parameters"] == {}
    refused = [
        ("greedy", {"colour": "red"}, "greedy rules take no parameter colour"),
        ("greedy-custom", {"top_up": "lots"}, "top_up is a number, not 'lots'"),
        ("greedy-custom", {"top_up": 1.5}, "top_up is a fraction"),
        ("greedy", {"skip": "maybe"}, "skip is true or false"),
        ("greedy", {"tie_break": "coin"}, "tie_break is 'cost'"),
        ("greedy", {"exclusive": [["p1"]]}, "at least two projects"),
        ("equalshares", {"top_up": 0.8}, "equal shares rules take no parameter top_up"),
        ("equalshares/add1", {"stop": "never"}, "stop is"),
        ("greedy-threshold", {}, "needs a threshold"),
        ("most-likes", {}, "unknown rule 'most-likes'"),
        ("unknown", {}, "say how the city counted"),
        ("greedy", {"parts": {"column": "district", "budgets": {"Noord": 50}}}, "no parameter parts"),
        ("greedy", {"paper_votes": {"p1": 500}}, "no parameter paper_votes: its paper ballots are entered one"),
        ("greedy", {"extra_funds": 20}, None),  # one part: fine
        ("greedy", {"when": object()}, "JSON values"),
        ("greedy", {"threshold": float("nan")}, "JSON values"),
    ]
    for rule, params, says in refused:
        if says is None:
            opened(rule, params)
            continue
        with pytest.raises(InvalidRound, match=says):
            opened(rule, params)
    with pytest.raises(InvalidRound, match="extra_funds applies to a round without district or theme budgets"):
        opened("greedy", {"extra_funds": 20}, districts={"Noord": 50})
    with pytest.raises(InvalidRound, match="no rule parameters"):
        opened("greedy", {"skip": False}, jury_weight=0.3)


def test_greedy_family_is_known_by_its_canonical_name_for_jury_and_ranking():
    assert opened("Greedy-NoSkip", jury_weight=0.3).jury_weight == 0.3
    assert opened("unknown", {"skip": False}, kind=BallotKind.RANKING, k=2).rule == "unknown"
    with pytest.raises(InvalidRound, match="ranking ballots are counted with a greedy rule"):
        opened("mes", kind=BallotKind.RANKING, k=2)
    with pytest.raises(InvalidRound, match="combines with a greedy rule only"):
        opened("equal-shares", jury_weight=0.3)


def test_projects_named_in_the_parameters_are_checked_against_the_ballot_when_voting_opens():
    def feasibility(params, districts=None):
        r = opened("greedy", params, districts=districts)
        r.add_project("North square", "Noord" if districts else None, 30)
        r.add_project("Town hall garden", None, 30)
        r.add_project("Mural", None, 20)
        r.start_feasibility()
        r.assess("p1", True, 30, "ok", "", None)
        r.assess("p2", True, 30, "ok", "", None)
        r.assess("p3", False, 20, "Listed building.", "Heritage rules forbid it.", None)
        return r

    for params, says in [
        ({"excluded": {"p9": "withdrawn"}}, "the rule parameter excluded names p9, not on the ballot"),
        ({"excluded": "p2,p7"}, "excluded names p7, not on the ballot"),
        ({"exclusive": [["p1", "p3"]]}, "exclusive names p3, not on the ballot"),  # not feasible
        ({"exclusive": "p1,p2;p8,p9"}, "exclusive names p8, p9, not on the ballot"),
    ]:
        r = feasibility(params)
        with pytest.raises(InvalidRound, match=says):
            r.open_voting(["p1", "p2"])
        assert r.phase is Phase.FEASIBILITY and r.lot_order == ()
    spanning = feasibility({"exclusive": [["p1", "p2"]]}, districts={"Noord": 50})
    with pytest.raises(InvalidRound, match="the exclusion group p1, p2 spans parts of the budget"):
        spanning.open_voting(["p1", "p2"])
    fine = feasibility({"exclusive": [["p1", "p2"]], "excluded": ["p2"]})
    fine.open_voting(["p1", "p2"])
    assert fine.phase is Phase.VOTING


def test_a_top_up_is_funded_in_the_second_pass_and_counting_stops_there():
    # greedy-custom (Poznań): no skipping, 80 % top-up. Votes p1 (60) 3, p2 (50) 2, p3 (40) 1.
    # p1 leaves 40; p2 costs 50 and 40 covers 80 % of it: funded from the reserve; counting stops at p3.
    r = a_round(rule="greedy-custom")
    ballots = [CountedBallot(("p1",), None, False)] * 3 + [CountedBallot(("p2",), None, False)] * 2
    ballots += [CountedBallot(("p3",), None, False)]
    r.close(NOW)
    results = count(r, ballots)
    assert results.selected == ("p1", "p2") and results.spent == 110
    why = {e["project_id"]: (e["funded_in"], e["code"]) for e in results.explanation}
    assert why == {"p1": (1, "funded"), "p2": (2, "top_up"), "p3": (0, "stopped")}
    plain = a_round(rule="greedy-custom", params={"top_up": 0.9})  # 40 covers 80 % of p2, not 90 %
    plain.close(NOW)
    assert count(plain, ballots).selected == ("p1",)


def test_an_exclusion_group_passes_over_the_lower_ranked_project_even_when_it_fits():
    # Votes p1 (60) 3, p2 (50) 2, p3 (40) 2: plain greedy funds p1 and p3; p1 and p3 cannot be built together.
    r = a_round(params={"exclusive": [["p1", "p3"]]})
    ballots = [CountedBallot(("p1",), None, False)] * 3 + [CountedBallot(("p2", "p3"), None, False)] * 2
    r.close(NOW)
    results = count(r, ballots)
    assert results.selected == ("p1",)
    [p3] = [e for e in results.explanation if e["project_id"] == "p3"]
    assert (p3["code"], p3["detail"], p3["funded_in"]) == ("excluded_by", {"by": "p1"}, 0)


def test_exclusion_groups_are_counted_in_their_own_part_of_the_budget():
    r = opened("greedy", {"exclusive": [["p2", "p3"]]}, districts={"Noord": 50})
    r.add_project("North square", "Noord", 50)
    r.add_project("Town hall garden", None, 20)
    r.add_project("Market hall", None, 30)
    r.start_feasibility()
    for pid in ("p1", "p2", "p3"):
        r.assess(pid, True, r.project(pid).cost, "ok", "", None)
    r.open_voting(["p1", "p2", "p3"])
    assert r.rule_parameters_for(["p1"]) == {"exclusive": []}
    r.close(NOW)
    results = count(r, [CountedBallot(("p1", "p2", "p3"), None, False), CountedBallot(("p3",), None, False)])
    assert set(results.selected) == {"p1", "p3"}  # p3 has more votes; p2 fits but is passed over
