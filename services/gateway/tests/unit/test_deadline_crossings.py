"""The deadline crossings' rules: a level is announced once per due date, breach without a late near breach,
a new due date again, closed and far-off items never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.casework.crossings import BREACHED, NEAR, due_key, level_of, to_announce

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def item(due_in: timedelta | None, alert: str | None = None, open_: bool = True, case_id: str = "c1") -> dict:
    return {
        "service": "challenges",
        "case_id": case_id,
        "kind": "take_decision",
        "open": open_,
        "due_at": None if due_in is None else NOW + due_in,
        "alert": alert,
        "department": "mobility",
        "assignee": None,
    }


def test_the_level_is_the_queues_flag():
    assert level_of(None, None, NOW) is None
    assert level_of(NOW + timedelta(days=10), None, NOW) is None
    assert level_of(NOW + timedelta(days=2), None, NOW) == NEAR
    assert level_of(NOW + timedelta(days=10), "near_breach", NOW) == NEAR  # the service's own warning
    assert level_of(NOW, None, NOW) == BREACHED
    assert level_of(None, "breached", NOW) == BREACHED


def test_a_crossing_is_announced_once_per_level_and_due_date():
    near = item(timedelta(days=2))
    (first,) = to_announce([near], set(), NOW)
    assert (first.level, first.department) == (NEAR, "mobility")
    assert to_announce([near], {first.key}, NOW) == []
    later = NOW + timedelta(days=3)
    (breach,) = to_announce([near], {first.key}, later)  # the same due date passed: its breach, once
    assert breach.level == BREACHED and breach.key[3] == first.key[3]
    assert to_announce([near], {first.key, breach.key}, later) == []


def test_an_item_found_past_its_deadline_is_announced_as_breached_only():
    (found,) = to_announce([item(-timedelta(hours=1))], set(), NOW)
    assert found.level == BREACHED


def test_a_late_warning_after_the_breach_is_not_announced():
    breached = item(timedelta(days=1), alert=None)
    announced = {("challenges", "c1", BREACHED, due_key(NOW + timedelta(days=1)))}
    assert to_announce([breached], announced, NOW) == []


def test_a_new_due_date_is_a_new_deadline():
    old = {("challenges", "c1", BREACHED, due_key(NOW - timedelta(days=1)))}
    (again,) = to_announce([item(timedelta(days=2))], old, NOW)  # the term was extended: near again
    assert again.level == NEAR


def test_closed_and_far_items_are_never_announced():
    closed, far = item(-timedelta(days=1), open_=False), item(timedelta(days=20), case_id="c2")
    assert to_announce([closed, far], set(), NOW) == []


def test_due_keys_are_utc_whatever_the_offset():
    from datetime import timezone

    brussels = datetime(2026, 12, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert due_key(brussels) == due_key(NOW) and due_key(None) == ""
