"""The one deadline computation: a term counted on the municipality's calendar from a start, with pauses."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from meemaken_kit.deadlines import (
    DEFAULT_ZONE,
    before,
    check,
    days,
    days_left,
    due,
    longer,
    term,
    use_zone,
    zone_named,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(zone, *parts):
    return datetime(*parts, tzinfo=zone)


@pytest.mark.parametrize("zone", [BRUSSELS, AMSTERDAM], ids=["Brussels", "Amsterdam"])
def test_days_across_the_start_of_summer_time_end_at_the_same_local_hour(zone):
    start = local(zone, 2026, 3, 20, 10, 0).astimezone(UTC)  # 09:00 UTC; summer time starts on 29 March
    end = due(start, "P28D", zone)
    assert end.astimezone(zone) == local(zone, 2026, 4, 17, 10, 0)
    assert end == datetime(2026, 4, 17, 8, 0, tzinfo=UTC)  # 28 days less one hour of elapsed time
    assert end.tzinfo is UTC  # in the start's own zone


@pytest.mark.parametrize("zone", [BRUSSELS, AMSTERDAM], ids=["Brussels", "Amsterdam"])
def test_days_across_the_end_of_summer_time_end_at_the_same_local_hour(zone):
    start = local(zone, 2026, 10, 20, 16, 30).astimezone(UTC)  # winter time from 25 October
    assert due(start, days(7), zone).astimezone(zone) == local(zone, 2026, 10, 27, 16, 30)
    assert due(start, days(7), zone) - start == timedelta(days=7, hours=1)


def test_a_local_time_the_clocks_skip_is_read_with_the_offset_before_the_change():
    start = local(BRUSSELS, 2026, 3, 28, 2, 30).astimezone(UTC)  # 02:30 on 29 March does not exist
    assert due(start, "P1D", BRUSSELS).astimezone(BRUSSELS) == local(BRUSSELS, 2026, 3, 29, 3, 30)


def test_hours_are_elapsed_time_not_calendar_time():
    start = local(BRUSSELS, 2026, 3, 28, 12, 0).astimezone(UTC)
    assert due(start, "PT24H", BRUSSELS) - start == timedelta(hours=24)
    assert due(start, "P1DT2H", BRUSSELS).astimezone(BRUSSELS) == local(BRUSSELS, 2026, 3, 29, 14, 0)


@pytest.mark.parametrize(
    ("start", "length", "expected"),
    [
        ((2026, 1, 31), "P1M", (2026, 2, 28)),  # the last day of a shorter month
        ((2028, 1, 31), "P1M", (2028, 2, 29)),  # a leap year
        ((2026, 3, 31), "P1M", (2026, 4, 30)),
        ((2026, 8, 31), "P6M", (2027, 2, 28)),
        ((2028, 2, 29), "P1Y", (2029, 2, 28)),
        ((2026, 12, 31), "P1D", (2027, 1, 1)),  # over the year's end
        ((2026, 2, 28), "P2W", (2026, 3, 14)),
        ((2026, 1, 30), "P1M1D", (2026, 3, 1)),  # months first, then days
    ],
)
def test_months_and_years_follow_the_calendar_at_month_ends(start, length, expected):
    begin = local(BRUSSELS, *start, 9, 0)
    assert due(begin, length) == local(BRUSSELS, *expected, 9, 0)


def test_a_paused_clock_moves_the_due_date_by_the_time_it_stood_still():
    start = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    assert due(start, "P28D", paused=timedelta(days=5, hours=3)) == datetime(2026, 6, 6, 11, 0, tzinfo=UTC)


def test_counting_back_is_the_same_calendar():
    deadline = local(BRUSSELS, 2026, 3, 30, 9, 0).astimezone(UTC)  # summer time since the 29th
    assert before(deadline, days(3)).astimezone(BRUSSELS) == local(BRUSSELS, 2026, 3, 27, 9, 0)
    assert before(local(BRUSSELS, 2026, 3, 31, 12, 0), "P1M") == local(BRUSSELS, 2026, 2, 28, 12, 0)


def test_terms_are_read_checked_and_compared():
    assert term("P1Y2M10DT3H") == term("P1Y2M10DT3H")
    assert (term("P6W").days, term("P1Y2M").years, term("P1Y2M").months) == (42, 1, 2)
    assert term("PT90M").elapsed == timedelta(minutes=90)
    assert check("P4W") == "P4W" and days(28) == "P28D"
    start = datetime(2026, 2, 1, tzinfo=UTC)
    assert longer("P30D", "P1M", start)  # February: a month is 28 days
    assert not longer("P30D", "P1M", datetime(2026, 3, 1, tzinfo=UTC))
    for bad in ("28 days", "", "P", "-P1D"):
        with pytest.raises(ValueError):
            term(bad)
    with pytest.raises(ValueError):
        days(-1)
    with pytest.raises(ValueError):
        due(datetime(2026, 1, 1), "P1D")  # a naive moment is no moment


def test_the_days_left_are_calendar_days_of_the_municipality_across_a_change_of_the_clocks():
    due_at = local(BRUSSELS, 2026, 4, 17, 10, 0).astimezone(UTC)  # summer time from 29 March: 28 days, 671 h
    now = local(BRUSSELS, 2026, 3, 20, 10, 0).astimezone(UTC)  # as the desk reads them, in UTC
    assert due_at - now == timedelta(days=27, hours=23)  # what elapsed-time arithmetic would call 27 days
    assert days_left(due_at, now) == 28
    assert days_left(due_at, local(BRUSSELS, 2026, 4, 17, 9, 0)) == 0  # due today
    assert days_left(due_at, local(BRUSSELS, 2026, 4, 19, 10, 0)) == -2  # two days late
    assert days_left(due_at, local(BRUSSELS, 2026, 4, 19, 10, 1)) == -3
    autumn = local(BRUSSELS, 2026, 10, 27, 16, 30)  # winter time from 25 October: 7 days hold 169 hours
    assert days_left(autumn, local(BRUSSELS, 2026, 10, 20, 16, 30).astimezone(UTC)) == 7


def test_the_municipality_s_zone_is_the_configured_one():
    start = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    try:
        use_zone(ZoneInfo("America/New_York"))  # summer time from 8 March there: none crossed
        assert due(start, "P28D") == datetime(2026, 4, 17, 9, 0, tzinfo=UTC)
    finally:
        use_zone(ZoneInfo(DEFAULT_ZONE))
    assert due(start, "P28D") == datetime(2026, 4, 17, 8, 0, tzinfo=UTC)  # Brussels: one hour of it skipped
    with pytest.raises(ValueError, match="an IANA time zone"):
        zone_named("Europe/Brusels")
