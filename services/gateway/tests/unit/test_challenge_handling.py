"""What the officials' Right to Challenge pages offer and send, without the web: the actions per state and
role, and a form read into the service's request or its problems."""

from __future__ import annotations

from gateway.casework.challenge_handling import BY_CODE, Rules, offered, read, unscored

RULES = Rules(
    grounds=("harmful", "frivolous"),
    judged_gates=("no_harm",),
    gates=("complete", "no_harm"),
    criteria=("cost", "quality"),
    scale={"cost": (0, 4), "quality": (0, 4)},
    weighted=True,
    closed_list=False,
)


def codes(status, *roles):
    return [a.code for a in offered(status, roles)]


def test_each_state_offers_each_role_only_the_actions_the_service_takes_from_it():
    assert codes("in_assessment", "assessor") == ["scores"]
    assert "decision" not in codes("in_assessment", "case_officer", "decision_body")
    assert codes("decision_pending", "decision_body")[-1] == "decision"
    assert codes("submitted", "decision_body") == ["out-of-scope"]
    assert codes("objection", "case_officer") == ["extension"]
    assert codes("under_review", "decision_body") == ["review-conclusion", "termination"]
    assert codes("completed", "case_officer", "decision_body", "assessor") == []
    assert codes("in_assessment", "administrator", "resident") == []


def test_a_decision_is_read_with_its_coded_grounds_and_a_text_that_names_no_one():
    decision = BY_CODE["decision"]
    rejected = read(decision, {"outcome": "reject", "motivation": " Too risky. "}, ["harmful"], RULES)
    assert not rejected.problems
    assert rejected.bodies == [{"outcome": "reject", "grounds": ["harmful"], "motivation": "Too risky."}]
    assert read(decision, {"outcome": "reject", "motivation": "x"}, [], RULES).problems["grounds"][0] == "missing"
    assert read(decision, {"outcome": "accept", "motivation": "x"}, ["harmful"], RULES).problems["grounds"][0] == (
        "not_with_accept"
    )
    assert read(decision, {"outcome": "reject", "motivation": "x"}, ["nonsense"], RULES).problems["grounds"][0] == (
        "not_listed"
    )
    assert "insufficient_score" in RULES.rejection_grounds()
    named = read(decision, {"outcome": "accept", "motivation": "As Jan Peeters said."}, [], RULES)
    assert named.problems["motivation"][0] == "names_someone"
    assert read(decision, {"outcome": "maybe", "motivation": "x"}, [], RULES).problems["outcome"][0] == "not_listed"


def test_an_extension_is_in_days_and_scores_are_on_the_scale_some_now_some_later():
    extension = read(BY_CODE["extension"], {"days": "30", "reason": "The legal check."}, [], RULES)
    assert extension.bodies == [{"duration": "P30D", "reason": "The legal check."}]
    assert read(BY_CODE["extension"], {"days": "0", "reason": "x"}, [], RULES).problems["days"][0] == "not_days"
    scores = read(BY_CODE["scores"], {"value-cost": "3", "motivation-cost": "Cheaper."}, [], RULES)
    assert not scores.problems and scores.bodies == [{"criterion": "cost", "value": 3, "motivation": "Cheaper."}]
    off = read(BY_CODE["scores"], {"value-cost": "5", "motivation-cost": "x"}, [], RULES)
    assert off.problems["value-cost"] == ("not_on_scale", (0, 4))
    assert read(BY_CODE["scores"], {}, [], RULES).problems == {"value-cost": ("none_scored", None)}
    gates = read(BY_CODE["decision-proposal"], {"passed-no_harm": "no", "motivation-no_harm": "Risky."}, [], RULES)
    assert gates.bodies == [{"gates": {"no_harm": {"passed": False, "motivation": "Risky."}}}]


def test_what_the_assessors_have_not_scored_yet():
    assessment = {"assessors": ["a", "b"], "scores": [{"assessor_id": "a", "criterion": "cost"}]}
    assert unscored(assessment, RULES) == [(1, ["quality"]), (2, ["cost", "quality"])]
    assert unscored(None, RULES) == []
