"""Through the API: the public notice publishes only what an official approved, a text that names
someone is refused with a problem naming the field (and never reaches an event or a log), and each
task is judged on the criteria of its own profile's law."""

from __future__ import annotations

import logging

import pytest

pytestmark = pytest.mark.postgres
NAME = "Anna Janssens"  # a name the session's privacy scan looks for in every event and log line


def in_assessment(case, profile="flanders", **task):
    challenge = case.draft(case.task(profile, **task))
    assert case.post(f"/challenges/{challenge}/submit", "group_representative").status_code == 200
    case.gate_check(challenge)
    assert case.status(challenge) == "in_assessment"
    return challenge


def test_a_decision_motivation_that_names_someone_is_refused_naming_the_field(case, caplog):
    challenge = in_assessment(case)
    case.assess(challenge, 3)
    events = case.events(challenge)
    caplog.set_level(logging.DEBUG)
    answer = case.post(
        f"/challenges/{challenge}/decision",
        "decision_body",
        {"outcome": "accept", "motivation": f"Na overleg met {NAME} (0470 12 34 56) aanvaard."},
    )
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["type"] == "urn:meemaken:problem:personal-data"
    assert problem["errors"] == [
        {
            "pointer": "/motivation",
            "detail": "contains a person's name (characters 16-28), a phone number (characters 30-43)",
        }
    ]
    assert [f["kind"] for f in problem["found"]] == ["a person's name", "a phone number"]
    assert NAME not in answer.get_data(as_text=True) and "0470" not in answer.get_data(as_text=True)
    assert case.status(challenge) == "decision_pending" and case.events(challenge) == events
    assert all(NAME not in record.getMessage() for record in caplog.records)


def test_an_official_approves_texts_for_the_notice_and_only_those_are_published(case):
    challenge = in_assessment(case)
    case.assess(challenge, 3)
    approved = case.post(
        f"/challenges/{challenge}/notice-texts",
        "case_officer",
        {"part": "cost", "text": "The plan costs a fifth less at the same opening hours."},
    )
    assert approved.status_code == 200, approved.get_json()
    [text] = approved.get_json()["notice_texts"]
    assert text["part"] == "cost" and text["approved_by"] == {"id": str(case.officer), "role": "case_officer"}
    refused = case.post(
        f"/challenges/{challenge}/notice-texts", "decision_body", {"part": "decision", "text": f"Zoals {NAME} zei."}
    )
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["pointer"] == "/text"
    unknown = case.post(f"/challenges/{challenge}/notice-texts", "case_officer", {"part": "nonsense", "text": "x"})
    assert unknown.status_code == 422
    assert (
        case.post(f"/challenges/{challenge}/notice-texts", "assessor", {"part": "cost", "text": "x"}).status_code == 403
    )
    assert (
        case.post(
            f"/challenges/{challenge}/notice-texts", "group_representative", {"part": "cost", "text": "x"}
        ).status_code
        == 403
    )
    trail = case.get(f"/challenges/{challenge}/audit", "administrator").get_json()
    assert trail[-1]["action"] == "notice_text_approved"
    assert trail[-1]["actor"] == {"id": str(case.officer), "role": "case_officer"}
    [event] = [e for e in case.envelopes(challenge) if e.type.endswith(".notice_text_approved.v1")]
    assert event.data["actor"] == {"id": str(case.officer), "role": "case_officer"}

    case.post(f"/challenges/{challenge}/decision", "decision_body", {"outcome": "accept", "motivation": "Good plan."})
    [published] = case.get("/decisions").get_json()
    assert "The plan costs a fifth less at the same opening hours." in published["notice"]
    assert "On cost." not in published["notice"] and "Good plan." not in published["notice"]


def test_the_notice_a_decision_would_publish_is_previewed_without_changing_anything(case):
    challenge = in_assessment(case)
    case.assess(challenge, 3)
    case.post(f"/challenges/{challenge}/notice-texts", "case_officer", {"part": "decision", "text": "A sound plan."})
    events = case.events(challenge)
    path = f"/challenges/{challenge}/notice-preview"
    preview = case.get(f"{path}?outcome=reject&grounds=harmful", "decision_body")
    assert preview.status_code == 200, preview.get_json()
    shown = preview.get_json()
    assert shown["outcome"] == "rejected" and shown["grounds"] == ["harmful"] and shown["language"] == "nl"
    assert "A sound plan." in shown["notice"] and "On cost." not in shown["notice"]
    accepted = case.get(f"{path}?outcome=accept&grounds=harmful", "case_officer").get_json()
    assert accepted["outcome"] == "accepted" and accepted["grounds"] == []
    assert case.get(f"{path}?outcome=reject", "decision_body").status_code == 422  # a rejection needs a ground
    unknown = case.get(f"{path}?outcome=reject&grounds=nonsense", "decision_body")
    assert unknown.status_code == 422 and "nonsense" in unknown.get_json()["detail"]
    assert case.get(f"{path}?outcome=maybe", "decision_body").status_code == 422
    assert case.get(f"{path}?outcome=accept", "assessor").status_code == 403
    assert case.get(f"{path}?outcome=accept", "group_representative").status_code == 403
    assert case.status(challenge) == "decision_pending" and case.events(challenge) == events
    assert case.get("/decisions").get_json() == []


def test_an_england_task_is_judged_on_the_localism_act_considerations_without_a_score(case):
    task = case.get(f"/tasks/{case.task('uk')}").get_json()
    assert task["criteria_set"] == "england-localism-act"
    challenge = in_assessment(case, "uk")
    scored = case.post(
        f"/challenges/{challenge}/scores", "assessor", {"criterion": "social_wellbeing", "value": 3, "motivation": "x"}
    )
    assert scored.status_code == 403  # not yet assigned
    case.assess(challenge, 0)
    proposal = case.get(f"/challenges/{challenge}", "case_officer").get_json()["history"][-1]
    assert proposal["action"] == "propose_decision"
    decided = case.post(
        f"/challenges/{challenge}/decision", "decision_body", {"outcome": "accept", "motivation": "Yes."}
    )
    notice = decided.get_json()["decision"]["notice"]
    assert "weighted score" not in notice and "pass mark" not in notice and "procurement exercise" in notice
    rules = {c["code"]: c for c in case.get("/rules/criteria-sets").get_json()}
    assert rules["england-localism-act"]["scoring"] == "considered"
    assert rules["england-localism-act"]["pass_mark"] is None


def test_a_score_under_considered_criteria_is_refused(case):
    challenge = in_assessment(case, "uk")
    case.post(f"/challenges/{challenge}/assessors", "case_officer", {"assessor_id": str(case.assessor)})
    scored = case.post(
        f"/challenges/{challenge}/scores",
        "assessor",
        {"criterion": "social_wellbeing", "value": 3, "motivation": "Some."},
    )
    assert scored.status_code == 422 and "considered, not scored" in scored.get_json()["detail"]


def test_a_task_is_refused_a_criteria_set_of_another_law_and_follows_its_profile(case):
    refused = case.post(
        "/tasks",
        "case_officer",
        {
            "title": "Parks maintenance",
            "description": "Mowing and planting.",
            "department": "culture",
            "current_yearly_cost_cents": 1,
            "budget_cents": 1,
            "profile": "uk",
            "criteria_set": "flemish-default",
        },
    )
    assert refused.status_code == 422 and "england-localism-act" in refused.get_json()["detail"]
    task = case.task("flanders")
    assert case.get(f"/tasks/{task}").get_json()["criteria_set"] == "flemish-default"
    moved = case.client.patch(
        f"/api/v1/tasks/{task}", json={"profile": "netherlands"}, headers=case.headers("case_officer")
    )
    assert moved.status_code == 200 and moved.get_json()["criteria_set"] == "dutch-default"


def test_a_catalogue_text_that_names_someone_is_refused(case):
    task = case.task("flanders")
    blocked = case.client.patch(
        f"/api/v1/tasks/{task}", json={"blocked_by": f"Contract with {NAME}"}, headers=case.headers("case_officer")
    )
    assert blocked.status_code == 422
    assert blocked.get_json()["errors"][0]["pointer"] == "/blocked_by"
