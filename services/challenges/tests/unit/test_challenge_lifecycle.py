"""The challenge's state machine: each path of the domain, under each jurisdiction profile."""

import re
from datetime import timedelta
from uuid import uuid4

import pytest
from challenge_builders import NOW, admitted, assessed, facts, new_challenge

from challenges.domain.challenge import IllegalTransition, InvalidAction
from challenges.domain.gates import check_gates
from challenges.domain.states import Status


def names(c):
    return [e.name for e in c.events]


def test_the_happy_path_from_draft_to_completion(profile_code):
    c = assessed(admitted(profile_code), 3)
    assert c.events[-1].details["proposal"] == "accept"
    c.accept(NOW + timedelta(days=30), "Cheaper, and the neighbourhood supports it.")
    c.start_agreement(NOW + timedelta(days=31))
    c.start_execution(NOW + timedelta(days=60), "Sunday opening, 3 years, 95 000 euro a year.")
    c.start_review(NOW + timedelta(days=425))
    c.conclude_review(NOW + timedelta(days=430), "renew", "Users are satisfied.")
    c.start_review(NOW + timedelta(days=800))
    c.conclude_review(NOW + timedelta(days=805), "complete", "The term ended as agreed.")
    assert c.status is Status.COMPLETED
    assert [n for n in names(c) if n not in ("scored", "assessor_assigned")] == [
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
        "renewed",
        "review_started",
        "completed",
    ]
    assert c.events[names(c).index("agreement_drafting_started")].details["after_acceptance"] == (
        "procurement" if profile_code == "uk" else "agreement"
    )


@pytest.mark.parametrize("profile_code", ["flanders", "netherlands"])  # England's procedure has no score
def test_a_low_score_leads_to_a_reasoned_rejection_with_a_coded_ground(profile_code):
    c = assessed(admitted(profile_code), 1)
    proposal = c.events[-1].details
    assert proposal["proposal"] == "reject" and proposal["grounds"] == ["insufficient_score"]
    ground = "insufficient_score"
    c.reject(NOW + timedelta(days=30), (ground,), "The plan does not yet show it can keep the library open.")
    assert c.status is Status.REJECTED and c.decision.grounds == (ground,)
    assert "De uitdaging is afgewezen." in c.decision.notice  # in the case's language
    # the objection term as people read it ("28 dagen"), never an ISO 8601 code ("P28D")
    assert re.search(r"Bezwaar kan worden ingediend binnen \d+ (dagen|maanden?)( en \d+ dagen)? na", c.decision.notice)
    assert "ISO 8601" not in c.decision.notice and not re.search(r"\bP\d", c.decision.notice)
    # the decision names the co-initiators (pseudonymous ids) so that they are told too
    assert c.events[-1].details["co_initiator_ids"] == [str(i) for i in c.group.co_initiator_ids]


def test_the_uk_profile_accepts_only_its_closed_list_of_grounds():
    c = assessed(admitted("uk"), 1)
    with pytest.raises(InvalidAction):
        c.reject(NOW, ("insufficient_score",), "Below the mark.")
    with pytest.raises(InvalidAction):
        c.reject(NOW, ("made_up",), "No.")
    c.reject(NOW, ("inadequate_information",), "The finances are not documented.")
    assert "SI 2012/1313 Sch. 2 para 2" in c.decision.notice


def test_a_rejection_needs_a_ground_and_a_motivation():
    c = assessed(admitted("flanders"), 1)
    with pytest.raises(InvalidAction):
        c.reject(NOW, (), "No ground given.")
    with pytest.raises(InvalidAction):
        c.reject(NOW, ("insufficient_score",), "   ")
    assert c.status is Status.DECISION_PENDING


def test_gates_refuse_out_of_scope_or_ask_for_repair(profile_code):
    out = new_challenge(profile_code)
    out.submit(NOW), out.acknowledge(NOW), out.start_admissibility_check(NOW)
    out.record_gates(check_gates(out.profile, facts(out, task_open=False)), NOW)
    assert out.status is Status.OUT_OF_SCOPE

    repair = new_challenge(profile_code)
    repair.submit(NOW), repair.acknowledge(NOW), repair.start_admissibility_check(NOW)
    repair.record_gates(check_gates(repair.profile, facts(repair, missing_parts=("local_support",))), NOW)
    assert repair.status is Status.INFORMATION_REQUESTED and not repair.clock.running
    repair.supply_information(NOW + timedelta(days=3), "Signatures attached.")
    assert repair.status is Status.ADMISSIBILITY_CHECK and repair.clock.running

    blocked = new_challenge(profile_code)
    blocked.submit(NOW), blocked.acknowledge(NOW), blocked.start_admissibility_check(NOW)
    blocked.record_gates(check_gates(blocked.profile, facts(blocked, blocked_by="procurement 2026/14")), NOW)
    assert blocked.status is Status.REJECTED
    assert blocked.decision.grounds == (blocked.profile.gates[4].ground,)


def test_a_duplicate_is_refused_except_under_the_uk_profile(profile_code):
    c = new_challenge(profile_code)
    c.submit(NOW), c.acknowledge(NOW), c.start_admissibility_check(NOW)
    c.record_gates(check_gates(c.profile, facts(c, open_challenges_on_task=1)), NOW)
    assert c.status is (Status.IN_ASSESSMENT if profile_code == "uk" else Status.REJECTED)


def test_an_unanswered_repair_request_ends_in_refusal():
    c = new_challenge("netherlands")
    c.submit(NOW), c.acknowledge(NOW), c.start_admissibility_check(NOW)
    c.record_gates(check_gates(c.profile, facts(c, missing_parts=("cost_estimate_cents",))), NOW)
    c.repair_period_ended(NOW + timedelta(days=15))
    assert c.status is Status.REJECTED and c.decision.grounds == ("incomplete",)


def test_illegal_transitions_change_nothing():
    c = new_challenge()
    for action in (lambda: c.acknowledge(NOW), lambda: c.accept(NOW, "x"), lambda: c.start_review(NOW)):
        with pytest.raises(IllegalTransition):
            action()
    assert c.status is Status.DRAFT and c.events == [] and c.history == ()


def test_modifications_need_the_groups_consent_before_acceptance():
    c = admitted("flanders")
    c.propose_modification(NOW, "Open on Sundays only in winter.")
    with pytest.raises(IllegalTransition):
        c.accept(NOW, "Premature.")
    c.accept_modification(NOW + timedelta(days=3))
    c.accept(NOW + timedelta(days=4), "Accepted as modified.")
    assert c.decision.outcome == "accepted_with_modifications"
    assert "Open on Sundays only in winter." in c.decision.notice


def test_an_objection_is_possible_once_and_only_within_the_window():
    c = assessed(admitted("netherlands"), 1)
    c.reject(NOW, ("insufficient_score",), "Below the mark.")
    with pytest.raises(InvalidAction):
        c.object(NOW + timedelta(weeks=7), "Too late.")
    c.object(NOW + timedelta(weeks=5), "The assessors ignored our finances.")
    c.decide_objection(NOW + timedelta(weeks=8), upheld=False, motivation="The finances were considered.")
    assert c.status is Status.REJECTED
    with pytest.raises(IllegalTransition):
        c.object(NOW + timedelta(weeks=9), "Again.")


def test_scores_must_be_on_the_scale_with_a_motivation_by_an_assigned_assessor():
    c = admitted("flanders")
    assessor = uuid4()
    c.assign_assessor(NOW, assessor)
    for bad in (
        lambda: c.score(NOW, assessor, "cost", 5, "Too high a score."),
        lambda: c.score(NOW, assessor, "cost", 2, ""),
        lambda: c.score(NOW, uuid4(), "cost", 2, "Not assigned."),
        lambda: c.score(NOW, assessor, "beauty", 2, "No such criterion."),
    ):
        with pytest.raises(InvalidAction):
            bad()
    with pytest.raises(InvalidAction):
        c.propose_decision(NOW, {})
    assert c.assessment.scores == ()


def test_the_decision_notice_names_no_person():
    c = assessed(admitted("flanders"), 3)
    c.accept(NOW, "Good plan.")
    notice = c.decision.notice
    assert str(c.group.representative_id) not in notice and c.group.name not in notice
    assert all(str(a) not in notice for a in c.assessment.assessors)
    assert "On cost." not in notice  # an assessor's working text is not published unless approved
