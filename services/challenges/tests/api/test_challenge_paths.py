"""Every path of a challenge through the API, on PostgreSQL, under each profile."""

import pytest

pytestmark = pytest.mark.postgres
PROFILES = ["flanders", "netherlands", "uk"]


def submitted(case, profile, **task_changes):
    challenge = case.draft(case.task(profile, **task_changes))
    assert case.post(f"/challenges/{challenge}/submit", "group_representative").status_code == 200
    case.gate_check(challenge)
    return challenge


@pytest.mark.parametrize("profile", PROFILES)
def test_the_happy_path_from_draft_to_completed_execution(case, profile):
    challenge = submitted(case, profile)
    assert case.status(challenge) == "in_assessment"
    case.assess(challenge, 3)
    decided = case.post(
        f"/challenges/{challenge}/decision",
        "decision_body",
        {"outcome": "accept", "motivation": "Cheaper and well supported."},
    )
    assert decided.status_code == 200 and decided.get_json()["decision"]["outcome"] == "accepted"
    case.post(f"/challenges/{challenge}/agreement", "case_officer")
    case.post(f"/challenges/{challenge}/execution", "case_officer", {"summary": "Sunday opening, three years."})
    case.clock.advance(days=366)
    assert case.fire_timers() >= 1  # the periodic review starts by itself
    assert case.status(challenge) == "under_review"
    concluded = case.post(
        f"/challenges/{challenge}/review/conclusion",
        "decision_body",
        {"outcome": "complete", "motivation": "Done as agreed."},
    )
    assert concluded.get_json()["status"] == "completed"
    transitions = [e for e in case.events(challenge) if e not in ("scored", "assessor_assigned", "draft_saved")]
    assert transitions == [
        "submitted",
        "acknowledged",
        "admissibility_check_started",
        "gates_checked",
        "assessment_opened",
        "decision_proposed",
        "accepted",
        "agreement_drafting_started",
        "execution_started",
        "review_started",
        "completed",
    ]
    published = case.get("/decisions").get_json()
    assert [d["outcome"] for d in published] == ["accepted"]
    assert "Buurtwerking" not in published[0]["notice"] and str(case.resident) not in published[0]["notice"]


@pytest.mark.parametrize("profile", PROFILES)
def test_a_low_score_is_rejected_with_a_ground_and_the_group_may_object(case, profile):
    challenge = submitted(case, profile)
    case.assess(challenge, 1)
    ground = "unsuitable_body" if profile == "uk" else "insufficient_score"
    rejected = case.post(
        f"/challenges/{challenge}/decision",
        "decision_body",
        {"outcome": "reject", "grounds": [ground], "motivation": "The plan is not viable yet."},
    )
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    objected = case.post(
        f"/challenges/{challenge}/objection", "group_representative", {"reason": "You ignored our reserve."}
    )
    assert objected.get_json()["status"] == "objection"
    dismissed = case.post(
        f"/challenges/{challenge}/objection-decision",
        "decision_body",
        {"upheld": False, "motivation": "The reserve was taken into account."},
    )
    assert dismissed.get_json()["status"] == "rejected"
    assert case.events(challenge)[-3:] == ["rejected", "objection_lodged", "objection_dismissed"]


@pytest.mark.parametrize("profile", PROFILES)
def test_gates_refuse_a_blocked_task_and_declare_a_closed_one_out_of_scope(case, profile):
    blocked = submitted(case, profile, blocked_by="procurement 2026/14 running")
    assert case.status(blocked) == "rejected"
    closed = submitted(case, profile, open=False)
    assert case.status(closed) == "out_of_scope"
    assert case.events(closed)[-2:] == ["gates_checked", "declared_out_of_scope"]


@pytest.mark.parametrize("profile", PROFILES)
def test_an_incomplete_submission_gets_a_repair_period_and_is_refused_when_it_passes(case, profile):
    challenge = case.draft(case.task(profile), submission={"why_better": "Better."})
    case.post(f"/challenges/{challenge}/submit", "group_representative")
    case.gate_check(challenge)
    view = case.get(f"/challenges/{challenge}", "group_representative").get_json()
    assert view["status"] == "information_requested" and view["decision_clock_paused"]
    # paused: no due date, but the time left is shown, and it does not run down while paused
    assert view["decision_due_at"] is None and view["decision_time_left"].startswith("P")
    case.clock.advance(days=3)
    later = case.get(f"/challenges/{challenge}", "group_representative").get_json()
    assert later["decision_time_left"] == view["decision_time_left"]
    case.clock.advance(days=12)
    case.fire_timers()
    assert case.status(challenge) == "rejected"


def test_a_group_withdraws_and_a_modification_needs_its_consent(case):
    challenge = submitted(case, "flanders")
    case.post(f"/challenges/{challenge}/modification", "case_officer", {"text": "Winter Sundays only."})
    early = case.post(
        f"/challenges/{challenge}/decision", "decision_body", {"outcome": "accept", "motivation": "Early."}
    )
    assert early.status_code == 409
    case.post(f"/challenges/{challenge}/modification/accept", "group_representative")
    body = {"outcome": "accept", "motivation": "Agreed."}
    accepted = case.post(f"/challenges/{challenge}/decision", "decision_body", body)
    assert accepted.get_json()["decision"]["outcome"] == "accepted_with_modifications"

    other = submitted(case, "netherlands")
    withdrawn = case.post(
        f"/challenges/{other}/withdrawal", "group_representative", {"reason": "We lost our volunteers."}
    )
    assert withdrawn.get_json()["status"] == "withdrawn"


def test_a_referral_to_a_panel_is_an_event(case):
    challenge = submitted(case, "flanders")
    referred = case.post(
        f"/challenges/{challenge}/panel-referral",
        "case_officer",
        {"question": "Should the library be run by the neighbourhood?"},
    )
    assert referred.status_code == 200
    assert case.events(challenge)[-1] == "referred_to_panel"


def test_while_the_clock_runs_the_due_date_says_when_and_no_time_left_is_given(case):
    challenge = submitted(case, "flanders")
    view = case.get(f"/challenges/{challenge}", "group_representative").get_json()
    assert not view["decision_clock_paused"] and view["decision_due_at"] is not None
    assert view["decision_time_left"] is None


def test_each_event_says_when_the_decision_is_due_as_the_case_does(case):
    from datetime import datetime, timedelta

    def due(value):
        return None if value is None else datetime.fromisoformat(value)

    challenge = case.draft(case.task("flanders"), submission={"why_better": "Better."})
    case.post(f"/challenges/{challenge}/submit", "group_representative")
    first = due(case.get(f"/challenges/{challenge}", "case_officer").get_json()["decision_due_at"])
    case.gate_check(challenge)  # incomplete: the group is asked to complete it, the clock pauses
    case.clock.advance(days=2)
    answered = case.post(f"/challenges/{challenge}/information", "group_representative", {"answer": "Attached."})
    assert answered.status_code == 200
    later = due(answered.get_json()["decision_due_at"])
    assert first is not None and later - first == timedelta(days=2)  # paused for two days
    said = {e.type.split(".")[-2]: due(e.data["decision_due_at"]) for e in case.envelopes(challenge)}
    assert said["submitted"] == said["acknowledged"] == first
    assert said["information_requested"] is None  # paused while the group completes its submission
    assert said["information_supplied"] == later
