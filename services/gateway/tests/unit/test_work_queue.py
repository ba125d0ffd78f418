"""The work queue's rules as plain Python: which event opens, moves or closes which item; deadline flags
read at a moment; a view read from a query string. Events are built by the services' own factories."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gateway.casework.queue import Change, change_for
from gateway.casework.views import View, deadline, read_view
from meemaken_events import EventFactory
from meemaken_kit.deadlines import due
from proposals.domain.model import AnswerOverdue, Position, ProposalAdmitted, ProposalAnswered, SupportThresholdReached
from proposals.integration.outgoing import envelope_for as proposal_envelope

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
FACTORY = EventFactory("urn:meemaken:municipality:demo:system:proposals")


def fold(envelopes) -> dict:
    """What the store does: apply each change unless the item already holds a newer one."""
    items: dict = {}
    for envelope in envelopes:
        change = change_for(envelope.type, envelope.data, envelope.time)
        if change is None:
            continue
        key = (change.service, change.case_id)
        item = items.get(key)
        if item is None or change.applies_after(item["version"]):
            items[key] = {**(item or {}), **change.fields, "version": change.at}
    return items


def test_a_proposal_awaits_an_answer_from_admission_until_it_is_answered():
    pid, author = uuid.uuid4(), uuid.uuid4()
    due = NOW + timedelta(days=60)
    admitted = proposal_envelope(FACTORY, ProposalAdmitted(pid, "p", author, "Safer school streets"))
    threshold = proposal_envelope(
        FACTORY, SupportThresholdReached(pid, "p", author, "Safer school streets", 300, 300, due)
    )
    (item,) = fold([admitted, threshold]).values()
    assert item["open"] and item["kind"] == "answer_proposal" and item["state"] == "threshold_reached"
    assert item["due_at"] == due and item["title"] == "Safer school streets"
    assert str(author) not in repr(item)  # no author in the queue
    overdue = proposal_envelope(FACTORY, AnswerOverdue(pid, "p", author, "Safer school streets", due))
    (item,) = fold([admitted, threshold, overdue]).values()
    assert item["alert"] == "breached" and item["open"]
    answered = proposal_envelope(
        FACTORY, ProposalAnswered(pid, "p", author, "Safer school streets", Position.ADOPTED, "Yes.", True)
    )
    (item,) = fold([admitted, threshold, overdue, answered]).values()
    assert not item["open"] and item["state"] == "answered" and item["alert"] is None


def test_a_split_s_part_owes_its_original_s_answer_and_a_proposal_keeps_its_district():
    part, author, due = uuid.uuid4(), uuid.uuid4(), NOW + timedelta(days=60)
    admitted = ProposalAdmitted(part, "p", author, "Bike lanes north", "noord", due)
    reached = SupportThresholdReached(part, "p", author, "Bike lanes north", 300, 300, due)
    item = fold([proposal_envelope(FACTORY, e) for e in (admitted, reached)])[("proposals", str(part))]
    assert item["due_at"] == due and item["district"] == "noord"  # was: no due date, no district
    whole = fold([proposal_envelope(FACTORY, ProposalAdmitted(part, "p", author, "T"))])[("proposals", str(part))]
    assert whole["due_at"] is None and whole["district"] is None  # no answer owed yet, the whole municipality


def test_an_older_event_changes_nothing_and_a_replay_ends_where_the_first_reading_ended():
    pid, author = uuid.uuid4(), uuid.uuid4()
    events = [
        proposal_envelope(FACTORY, ProposalAdmitted(pid, "p", author, "T")),
        proposal_envelope(FACTORY, ProposalAnswered(pid, "p", author, "T", Position.PARTLY, "Partly.", False)),
    ]
    first = fold(events)
    assert fold(events + events) == first  # the topics read again
    assert fold([events[1], events[0]]) == fold(events[1:])  # the admission, late, does not reopen it


def test_a_challenge_s_state_says_what_it_asks_and_its_deadlines_come_from_its_events():
    cid = str(uuid.uuid4())

    def event(name: str, before: str, after: str, minutes: int, **details) -> Change | None:
        data = {"challenge_id": cid, "task_id": str(uuid.uuid4()), "department": "mobility", "profile": "nl"}
        data |= {"representative_id": str(uuid.uuid4()), "from_status": before, "to_status": after}
        data |= {"at": NOW.isoformat(), "details": details}
        return change_for(f"org.meemaken.challenges.challenge.{name}.v1", data, NOW + timedelta(minutes=minutes))

    submitted = event("submitted", "draft", "submitted", 0)
    assert submitted.fields["kind"] == "acknowledge" and submitted.fields["department"] == "mobility"
    assert submitted.fields["title"] is None  # no personal data: the representative stays out
    due = NOW + timedelta(days=14)
    asked = event("information_requested", "in_assessment", "information_requested", 1, due_at=due.isoformat())
    assert asked.fields["kind"] == "await_information" and asked.fields["due_at"] == due
    supplied = event("information_supplied", "information_requested", "in_assessment", 2)
    assert supplied.fields["kind"] == "handle_information" and supplied.fields["due_at"] is None
    assessor = str(uuid.uuid4())
    assert event("assessor_assigned", "in_assessment", "in_assessment", 3, assessor_id=assessor) is None  # assigns
    assert event("scored", "in_assessment", "in_assessment", 4) is None
    near = event("deadline_near_breach", "in_assessment", "in_assessment", 5, due_at=due.isoformat())
    assert near.fields == {"alert": "near_breach", "due_at": due}
    pending = event("decision_proposed", "in_assessment", "decision_pending", 6)
    assert pending.fields["kind"] == "take_decision"
    assert "due_at" not in pending.fields and "alert" not in pending.fields  # the decision clock runs on
    accepted = event("accepted", "decision_pending", "accepted", 7)
    assert accepted.fields["kind"] == "draft_agreement"
    executing = event("execution_started", "agreement_drafting", "in_execution", 8)
    assert executing.fields["open"] is False


def test_a_challenge_s_due_date_is_its_decision_clock_s_as_its_events_say():
    cid, clock = str(uuid.uuid4()), NOW + timedelta(days=90)

    def event(name: str, before: str, after: str, minutes: int, due: datetime | None, **details) -> Change | None:
        data = {"challenge_id": cid, "task_id": str(uuid.uuid4()), "department": "mobility", "profile": "nl"}
        data |= {"representative_id": str(uuid.uuid4()), "from_status": before, "to_status": after}
        data |= {"at": NOW.isoformat(), "details": details, "decision_due_at": due and due.isoformat()}
        return change_for(f"org.meemaken.challenges.challenge.{name}.v1", data, NOW + timedelta(minutes=minutes))

    assert event("submitted", "draft", "submitted", 0, clock).fields["due_at"] == clock  # no longer left empty
    opened = event("assessment_opened", "admissibility_check", "in_assessment", 1, clock, department="mobility")
    assert opened.fields["due_at"] == clock and "alert" not in opened.fields  # a warning given stays
    answer_by = NOW + timedelta(days=14)
    by = answer_by.isoformat()
    asked = event("information_requested", "in_assessment", "information_requested", 2, None, due_at=by)
    assert asked.fields["due_at"] == answer_by  # the group's answer, while the clock is paused
    later = clock + timedelta(days=3)
    supplied = event("information_supplied", "information_requested", "in_assessment", 3, later)
    assert supplied.fields["due_at"] == later and supplied.fields["alert"] is None  # running again, 3 days later
    assert event("accepted", "decision_pending", "accepted", 4, None).fields["due_at"] is None  # nothing owed by then
    reviewed = event("review_started", "in_execution", "under_review", 5, None)
    assert reviewed.fields["kind"] == "review_execution" and reviewed.fields["due_at"] is None  # not a year-old date


def test_a_panel_s_next_task_and_a_budget_round_s_projects_to_review():
    panel = str(uuid.uuid4())
    data = {"panel_id": panel, "at": NOW.isoformat(), "details": {"theme": "Climate", "mandate": "adviseren"}}
    set_up = change_for("org.meemaken.panels.panel.set_up.v1", data, NOW)
    assert set_up.fields["kind"] == "import_pool" and set_up.fields["title"] == "Climate"
    due = NOW + timedelta(days=90)
    data = {"panel_id": panel, "at": NOW.isoformat(), "details": {"recommendations": [], "due_at": due.isoformat()}}
    delivered = change_for("org.meemaken.panels.panel.recommendations_delivered.v1", data, NOW)
    assert delivered.fields["kind"] == "answer_recommendations" and delivered.fields["due_at"] == due
    member = {"panel_id": panel, "at": NOW.isoformat(), "details": {"pseudonym": "p1"}}
    assert change_for("org.meemaken.panels.panel.member_accepted.v1", member, NOW) is None

    rid = str(uuid.uuid4())
    added = {"round_id": rid, "process_id": "b27", "project_id": "p-1", "title": "Trees", "district": "noord"}
    project = change_for("org.meemaken.proposals.round.project_added.v1", {**added, "cost": 1, "theme": None}, NOW)
    assert project.case_id == f"{rid}/p-1" and project.fields["district"] == "noord" and project.fields["open"]
    assessed = {"round_id": rid, "process_id": "b27", "project_id": "p-1", "feasibility": "feasible"}
    assert change_for("org.meemaken.proposals.round.project_assessed.v1", assessed, NOW).fields["open"] is False
    closed = change_for("org.meemaken.proposals.round.closed.v1", {"round_id": rid, "process_id": "b27"}, NOW)
    assert closed.case_id == rid and closed.fields["kind"] == "publish_results"


def test_deadline_flags_are_read_at_a_moment():
    assert deadline(None, None, NOW).flag == "none"
    assert deadline(NOW + timedelta(days=10), None, NOW).flag == "on_time"
    assert deadline(NOW + timedelta(days=2), None, NOW).flag == "near_breach"
    assert deadline(NOW + timedelta(days=10), "near_breach", NOW).flag == "near_breach"  # the service warned
    assert deadline(NOW - timedelta(minutes=1), None, NOW).flag == "breached"
    assert deadline(None, "breached", NOW).flag == "breached"
    assert deadline(NOW + timedelta(days=2, hours=3), None, NOW).days == 2
    assert deadline(NOW - timedelta(hours=3), None, NOW).days == -1
    assert deadline(NOW + timedelta(hours=5), None, NOW).days == 0 and deadline(None, None, NOW).days is None


def test_the_days_left_on_the_desk_are_the_municipality_s_calendar_days_across_a_change_of_the_clocks():
    now = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # 10:00 in Brussels; summer time from 29 March
    due_at = due(now, "P28D")  # 10:00 in Brussels on 17 April: 27 days and 23 hours later
    assert due_at - now < timedelta(days=28) and deadline(due_at, None, now).days == 28


def test_a_view_is_read_from_its_query_string_and_refuses_what_it_does_not_know():
    view, problems = read_view({"service": "challenges", "overdue": "1", "sort": "oldest", "page": "3"})
    assert problems == {} and view == View(service="challenges", overdue=True, sort="oldest", page=3)
    assert view.query() == "service=challenges&overdue=1&sort=oldest&page=3"
    assert view.query(page=1) == "service=challenges&overdue=1&sort=oldest" and view.filtered
    assert read_view({})[0] == View() and not View(page=4).filtered
    _, problems = read_view({"service": "mail", "sort": "random", "page": "0", "district": "<script>"})
    assert set(problems) == {"service", "sort", "page", "district"}
