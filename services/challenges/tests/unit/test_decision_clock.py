"""The decision clock, on an injected clock: pauses for information, extends once, breaches on time."""

from datetime import UTC, datetime, timedelta

import pytest

from challenges.domain.clock import ClockError, DecisionClock
from meemaken_kit.deadlines import due

START = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


def test_months_and_weeks_are_calendar_durations():
    assert due(START, "P8W") == START + timedelta(weeks=8)  # ends on 28 March, before summer time
    assert due(START, "P1M").date().isoformat() == "2026-02-28"


def test_a_pause_moves_the_due_date_by_exactly_its_length():
    clock = DecisionClock(START, "P8W")
    assert clock.due_at() == START + timedelta(weeks=8)
    paused = clock.pause(START + timedelta(days=10))
    assert paused.due_at() is None
    assert paused.remaining(START + timedelta(days=30)) == timedelta(weeks=8) - timedelta(days=10)
    resumed = paused.resume(START + timedelta(days=17))
    assert resumed.due_at() == START + timedelta(weeks=8, days=7)
    assert resumed.pauses == ((START + timedelta(days=10), START + timedelta(days=17)),)


def test_the_term_extends_once_with_a_reason_and_within_the_allowed_length():
    clock = DecisionClock(START, "P8W")
    with pytest.raises(ClockError):
        clock.extend("P4W", "  ", "P8W")
    with pytest.raises(ClockError):
        clock.extend("P9W", "Complex case.", "P8W")
    extended = clock.extend("P4W", "An expert opinion is needed.", "P8W")
    # 12 weeks on the municipality's calendar: 13:00 in Brussels again, over the start of summer time
    assert extended.due_at() == START + timedelta(weeks=12, hours=-1) == due(START, "P12W")
    with pytest.raises(ClockError):
        extended.extend("P1W", "Again.", "P8W")


def test_pausing_twice_or_resuming_a_running_clock_is_refused():
    clock = DecisionClock(START, "P90D")
    with pytest.raises(ClockError):
        clock.resume(START)
    with pytest.raises(ClockError):
        clock.pause(START).pause(START)
