"""A rule book's term on the portal's challenge pages is counted as every service counts it
(meemaken_kit.deadlines): on the municipality's calendar, across a change of the clocks."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.portal.challenges import after
from meemaken_kit.deadlines import due


def test_a_rule_book_term_is_counted_on_the_municipality_s_calendar():
    asked = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # 10:00 in Brussels; summer time from 29 March
    assert after(asked, "P14D") == due(asked, "P14D") == datetime(2026, 4, 3, 8, 0, tzinfo=UTC)
    assert after(datetime(2026, 1, 31, 9, 0), "P1M") == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)  # naive: UTC
    assert after(asked, "P8W") == due(asked, "P56D")


def test_no_term_or_a_wrong_one_gives_no_date():
    asked = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    assert after(asked, "") is None
    assert after(asked, "soon") is None
