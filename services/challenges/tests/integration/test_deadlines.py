"""The decision clock and the timers on PostgreSQL, driven by an injected clock (no sleeping)."""

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from challenges.service_layer import handlers

pytestmark = pytest.mark.postgres


def in_assessment(case, profile="netherlands"):
    challenge = case.draft(case.task(profile))
    case.post(f"/challenges/{challenge}/submit", "group_representative")
    case.gate_check(challenge)
    return challenge


def due(case, challenge):
    return case.get(f"/challenges/{challenge}", "case_officer").get_json()["decision_due_at"]


def local_after(moment: datetime, **term: float) -> datetime:
    """A term counted on the municipality's calendar: the same local hour, across a clock change (the tests'
    clock starts on 2 March 2026, so eight weeks cross 29 March and end an hour earlier in UTC)."""
    zone = ZoneInfo("Europe/Brussels")
    local = moment.astimezone(zone).replace(tzinfo=None) + timedelta(**term)
    return local.replace(tzinfo=zone).astimezone(UTC)


def test_an_information_request_pauses_the_clock_and_the_answer_resumes_it(case):
    challenge = in_assessment(case)
    first_due = due(case, challenge)
    case.clock.advance(days=10)
    case.post(f"/challenges/{challenge}/information-request", "case_officer", {"question": "Send the 2025 accounts."})
    assert due(case, challenge) is None
    case.clock.advance(days=6)
    case.post(f"/challenges/{challenge}/information", "group_representative", {"answer": "Attached."})
    moved = case.get(f"/challenges/{challenge}", "case_officer").get_json()
    assert moved["status"] == "in_assessment"
    assert moved["decision_due_at"] != first_due
    from datetime import datetime

    assert datetime.fromisoformat(moved["decision_due_at"]) - datetime.fromisoformat(first_due) == timedelta(days=6)


def test_near_breach_and_breach_fire_at_their_moments_and_once(case):
    challenge = in_assessment(case)  # netherlands: 8 weeks, warned 7 days before
    decision_due = due(case, challenge)
    warned_at = local_after(datetime.fromisoformat(decision_due), days=-7)
    assert datetime.fromisoformat(decision_due) == local_after(case.clock(), weeks=8)
    case.clock.now = warned_at - timedelta(seconds=1)
    assert case.fire_timers() == 0
    case.clock.advance(seconds=2)
    assert case.fire_timers() == 1
    assert case.events(challenge)[-1] == "deadline_near_breach"
    with case.engine.connect() as conn:  # the warning says when the decision is due, for the officials' message
        import sqlalchemy as sa

        from challenges.adapters import tables
        from meemaken_events import Envelope

        last = Envelope.from_json(
            conn.execute(sa.select(tables.outbox.c.envelope).order_by(tables.outbox.c.id.desc())).scalar()
        )
    assert last.data["details"] == {"deadline": "decision", "due_at": decision_due}
    case.clock.advance(days=7)
    assert case.fire_timers() == 1
    assert case.events(challenge)[-1] == "deadline_breached"
    case.clock.advance(days=30)
    assert case.fire_timers() == 0


def test_an_extension_moves_the_deadline_once(case):
    challenge = in_assessment(case)
    body = {"duration": "P4W", "reason": "An expert opinion on the building is needed."}
    assert case.post(f"/challenges/{challenge}/decision-term/extension", "case_officer", body).status_code == 200
    again = case.post(f"/challenges/{challenge}/decision-term/extension", "case_officer", body)
    assert again.status_code == 422 and "once" in again.get_json()["detail"]
    case.clock.advance(weeks=8, seconds=1)
    case.fire_timers()
    assert "deadline_breached" not in case.events(challenge)
    case.clock.advance(weeks=4)
    case.fire_timers()
    assert case.events(challenge)[-1] == "deadline_breached"


def test_two_workers_fire_each_due_timer_exactly_once(case):
    challenges = [in_assessment(case) for _ in range(12)]
    case.clock.advance(weeks=9)
    barrier = threading.Barrier(2)
    fired = []

    def worker():
        barrier.wait()
        total = 0
        while True:
            done = handlers.fire_due_timers(case.uow, case.clock(), limit=3)
            if not done:
                break
            total += done
        fired.append(total)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(fired) == 24  # near breach and breach for each of the 12
    for challenge in challenges:
        events = case.events(challenge)
        assert events.count("deadline_near_breach") == 1 and events.count("deadline_breached") == 1


def test_warnings_reach_the_officials_queue_until_the_case_is_decided(case):
    late, on_time = in_assessment(case), in_assessment(case)
    case.clock.advance(weeks=8, seconds=1)
    case.fire_timers()
    queue = case.get("/challenges?alert=breached", "case_officer").get_json()
    assert {c["id"] for c in queue} == {late, on_time}
    assert queue[0]["alerts"][0]["deadline"] == "decision"
    case.post(f"/challenges/{late}/withdrawal", "group_representative", {"reason": ""})
    assert {c["id"] for c in case.get("/challenges?alert=breached", "case_officer").get_json()} == {on_time}


def test_a_rejection_becomes_final_when_the_objection_window_closes(case):
    challenge = case.draft(case.task("netherlands", open=False))
    case.post(f"/challenges/{challenge}/submit", "group_representative")
    case.gate_check(challenge)
    assert case.status(challenge) == "out_of_scope"
    case.clock.now = local_after(case.clock(), weeks=6) - timedelta(seconds=1)
    case.fire_timers()
    assert "decision_final" not in case.events(challenge)
    case.clock.advance(seconds=2)
    case.fire_timers()
    assert case.events(challenge)[-1] == "decision_final"
    late = case.post(f"/challenges/{challenge}/objection", "group_representative", {"reason": "Too late now."})
    assert late.status_code == 422


def test_concurrent_edits_of_one_challenge_are_serialised_and_none_is_lost(case):
    import uuid as _uuid

    from challenges.adapters.repository import ConcurrentUpdate

    challenge = _uuid.UUID(in_assessment(case))
    with case.uow() as first, case.uow() as second:
        mine = first.challenges.get(challenge)
        theirs = second.challenges.get(challenge)
        mine.start_dialogue(case.clock())
        first.challenges.save(mine)
        first.commit()
        theirs.request_information(case.clock(), "Send the accounts.")
        with pytest.raises(ConcurrentUpdate):
            second.challenges.save(theirs)
    assert case.status(str(challenge)) == "in_dialogue"
    retried = case.post(
        f"/challenges/{challenge}/information-request", "case_officer", {"question": "Send the accounts."}
    )
    assert retried.get_json()["status"] == "information_requested"
