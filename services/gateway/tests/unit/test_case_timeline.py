"""The case page's rules as plain Python: which case an event belongs to and what of it is kept (never
an author, a representative or a pseudonym of a respondent), a service's assignment, the latest
assignment as the assignee, the timeline's order, and the next actions a role may take."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gateway.casework.next_actions import ACTIONS, next_actions
from gateway.casework.timeline import (
    Assignment,
    acting_role,
    assignment_for,
    current_assignee,
    entry_for,
    kept_facts,
    timeline,
)

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CHALLENGE = "org.meemaken.challenges.challenge."


def challenge(name: str, **details) -> tuple[str, dict]:
    data = {"challenge_id": "c1", "task_id": str(uuid.uuid4()), "department": "mobility", "profile": "flanders"}
    data |= {"representative_id": "rep-1", "from_status": "in_assessment", "to_status": "in_assessment"}
    data |= {"at": NOW.isoformat(), "details": details, "actor": {"id": "off-1", "role": "case_officer"}}
    return f"{CHALLENGE}{name}.v1", data


def test_an_event_is_told_by_its_case_its_name_its_actor_and_its_reasons_and_nothing_personal():
    event, data = challenge("rejected", reason="The task is not challengeable.", grounds=["g1"], co_initiator_ids=["x"])
    data["details"] |= {"notice": "public text", "outcome": "rejected"}
    entry = entry_for("e1", event, data, NOW)
    assert (entry.service, entry.case_id, entry.event) == ("challenges", "c1", "challenge.rejected")
    assert (entry.actor_id, entry.actor_role, entry.at) == ("off-1", "case_officer", NOW)
    assert entry.facts["reason"] == "The task is not challengeable." and entry.facts["grounds"] == ["g1"]
    assert entry.facts["outcome"] == "rejected" and entry.facts["to_status"] == "in_assessment"
    assert "rep-1" not in repr(entry) and "co_initiator_ids" not in entry.facts and "notice" not in entry.facts
    data["actor"] = {"id": "rep-1", "role": "group_representative"}
    by_resident = entry_for("e1", event, data, NOW)
    assert (by_resident.actor_id, by_resident.actor_role) == (None, "group_representative")  # the role only


def test_a_project_s_events_belong_to_the_project_and_an_event_without_actor_is_the_service_s():
    data = {"round_id": "r1", "process_id": "b", "project_id": "p1", "title": "Trees", "district": "noord"}
    entry = entry_for("e2", "org.meemaken.proposals.round.project_added.v1", data | {"cost": 1000}, NOW)
    assert (entry.case_id, entry.event, entry.actor_id, entry.facts["cost"]) == (
        "r1/p1",
        "round.project_added",
        None,
        1000,
    )
    author = str(uuid.uuid4())
    data = {"proposal_id": "x1", "process_id": "p", "title": "Benches", "author_id": author}
    admitted = entry_for("e3", "org.meemaken.proposals.proposal.admitted.v1", data, NOW)
    assert admitted.case_id == "x1" and author not in repr(admitted)
    assert entry_for("e4", "org.meemaken.gateway.attributes_verified.v1", {"person_id": author}, NOW) is None


def test_kept_facts_are_short_plain_values():
    facts = kept_facts({"reason": "x" * 3000, "details": {"score": 7, "grounds": [1, 2], "due_at": ""}})
    assert len(facts["reason"]) == 2000 and facts["score"] == 7 and "grounds" not in facts and "due_at" not in facts


def test_the_service_s_assessor_is_an_assignment_and_the_latest_assignment_is_the_assignee():
    event, data = challenge("assessor_assigned", assessor_id="ass-1")
    entry = entry_for("e5", event, data, NOW)
    given = assignment_for(entry, data)
    assert given == Assignment("e5", "challenges", "c1", "ass-1", NOW, "off-1", "case_officer")
    assert assignment_for(entry_for("e6", *challenge("scored", criterion="cost"), NOW), data) is None
    later = Assignment(
        "a2", "challenges", "c1", "off-2", NOW + timedelta(hours=1), "off-1", "case_officer", "On leave."
    )
    assert current_assignee([later, given]) == "off-2"  # by time, not by the order they were read
    assert current_assignee([given, given]) == "ass-1"  # a replayed assignment changes nothing
    assert current_assignee([]) is None


def test_the_timeline_is_in_the_order_things_happened_and_tells_a_service_s_assignment_once():
    first = entry_for("e1", *challenge("scored", criterion="cost"), NOW)
    event, data = challenge("assessor_assigned", assessor_id="ass-1")
    assigned = entry_for("e0", event, data, NOW - timedelta(minutes=5))
    by_hand = Assignment("a1", "challenges", "c1", "off-2", NOW + timedelta(minutes=1), "off-1", "case_officer", "x")
    moments = timeline([first, assigned], [assignment_for(assigned, data), by_hand])
    assert [m.entry.event_id if m.entry else m.assignment.id for m in moments] == ["e0", "e1", "a1"]


def test_next_actions_are_those_of_the_role_on_an_open_case():
    officer = [a.code for a in next_actions("score_assessment", True, ["case_officer", "resident"])]
    assert "propose_decision" in officer and "score_criterion" not in officer
    assert [a.code for a in next_actions("score_assessment", True, ["assessor"])] == ["score_criterion"]
    assert next_actions("take_decision", False, ["decision_body"]) == []  # a closed case
    assert next_actions("answer_proposal", True, ["resident"]) == []
    answer = next_actions("answer_proposal", True, ["decision_body"])[0]
    assert answer.link("x1") == "/desk/proposals/x1"
    assert not any("administrator" in a.roles for actions in ACTIONS.values() for a in actions)  # ops only
    assert next_actions("answer_proposal", True, ["administrator"]) == []  # the service would refuse them
    assert acting_role(["resident", "assessor", "case_officer"]) == "case_officer" and acting_role(["resident"]) is None
