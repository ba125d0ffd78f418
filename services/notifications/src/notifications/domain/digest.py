"""Digest periods: a daily digest covers one local calendar day, a weekly one a week from Monday.

A period is named by its first day (``daily:2026-11-28``, ``weekly:2026-11-23``); its digest is
due once the period is over. Held messages are bundled by the period they were queued in.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from meemaken_kit.deadlines import days, due


def period_start(cadence: str, moment: datetime, zone: tzinfo) -> date:
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday()) if cadence == "weekly" else day


def period_end(cadence: str, start: date, zone: tzinfo) -> datetime:
    return due(datetime.combine(start, time(0), zone), days(7 if cadence == "weekly" else 1), zone)


def last_closed_period_end(cadence: str, now: datetime, zone: tzinfo) -> datetime:
    """The end of the newest period that is over at `now`: messages queued before it are due."""
    return datetime.combine(period_start(cadence, now, zone), time(0), zone)


def period_name(cadence: str, start: date) -> str:
    return f"{cadence}:{start.isoformat()}"
