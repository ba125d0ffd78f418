"""Deadlines: a term counted from a start, the one computation every service uses for a due date.

A term is an ISO 8601 duration, as the rulebooks write it (``P28D``, ``P6W``, ``P2M``, ``P1Y``, ``P3DT12H``),
or a whole number of days (``days(28)``). Years, months, weeks and days are counted on the calendar of the
municipality (``MEEMAKEN_TIME_ZONE``, default Europe/Brussels, set once at start by ``use_zone``; or the
caller's ``zone``): 28 days from 10:00 on 20 March
are due at 10:00 on 17 April there, whatever the clocks did on the last Sunday of March; a month from 31
January ends on the last day of February. Hours, minutes and seconds are elapsed time. A local time the clocks
skip (02:30 on the day summer time starts) is read with the offset before the change (03:30 summer time).

A process that stops its clock (a challenge while information is awaited) adds the time it stood still:
``due(start, term, paused=...)``.
``before(due, term)`` counts back the same way (a warning three days before the due date);
``days_left(due, now)`` says how many days of the calendar are left (the desk's "3 days left").

Standard library and isodate only: a service's domain uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import isodate

DEFAULT_ZONE = "Europe/Brussels"
_zone: list[tzinfo] = [ZoneInfo(DEFAULT_ZONE)]  # the municipality's, as configured at start


def zone_named(name: str) -> ZoneInfo:
    """An IANA time zone (``Europe/Brussels``); ValueError naming it when there is none of that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"an IANA time zone such as {DEFAULT_ZONE}") from None


def use_zone(zone: tzinfo) -> None:
    """The municipality's calendar for every deadline of this process (its settings' MEEMAKEN_TIME_ZONE)."""
    _zone[0] = zone


def municipality_zone() -> tzinfo:
    return _zone[0]


@dataclass(frozen=True)
class Term:
    """A term in its calendar parts (weeks are counted in days) and the elapsed rest."""

    years: int = 0
    months: int = 0
    days: int = 0
    elapsed: timedelta = timedelta(0)


def term(text: str) -> Term:
    """The parts of an ISO 8601 duration; ValueError naming it when it is not one (or is negative)."""
    try:
        isodate.parse_duration(text)  # the whole is one duration
        calendar, _, clock = text.partition("T")  # before T: calendar parts; after: elapsed time (PT24H stays 24 h)
        dated = isodate.parse_duration(calendar) if calendar != "P" else timedelta(0)
        elapsed = isodate.parse_duration("PT" + clock) if clock else timedelta(0)
    except (isodate.ISO8601Error, ValueError, TypeError):
        raise ValueError(f"{text!r} is not an ISO 8601 duration (e.g. P28D, P2M, P1Y)") from None
    if isinstance(dated, isodate.Duration):
        years, months, rest = int(dated.years), int(dated.months), dated.tdelta
    else:
        years, months, rest = 0, 0, dated
    if years < 0 or months < 0 or rest < timedelta(0) or elapsed < timedelta(0):
        raise ValueError(f"{text!r}: a term is not negative")
    return Term(years, months, rest.days, elapsed)


def check(text: str) -> str:
    """The term, once known to be one (for rulebooks and requests)."""
    term(text)
    return text


def days(count: int) -> str:
    """A number of calendar days as a term: days(28) == "P28D"."""
    if count < 0:
        raise ValueError("a term is not negative")
    return f"P{count}D"


def due(start: datetime, length: str, zone: tzinfo | None = None, paused: timedelta = timedelta(0)) -> datetime:
    """When a term of `length` started at `start` ends (in `start`'s own zone), after `paused` of stopped clock."""
    return _count(start, term(length), 1, zone) + paused


def before(moment: datetime, length: str, zone: tzinfo | None = None) -> datetime:
    """The moment a term of `length` before `moment` (a warning ahead of a due date)."""
    return _count(moment, term(length), -1, zone)


def longer(first: str, second: str, start: datetime, zone: tzinfo | None = None) -> bool:
    """Whether term `first` ends later than term `second` from the same start (P1M against P30D depends on it)."""
    return due(start, first, zone) > due(start, second, zone)


def days_left(due_at: datetime, now: datetime, zone: tzinfo | None = None) -> int:
    """Whole days from `now` to `due_at` on the municipality's wall clock, rounded towards the deadline: 0 means
    less than a day left; -2 means two days late. A day is a calendar day there, 23 or 25 hours when the clocks
    change (28 days before a deadline at 10:00 is 10:00, whatever the clocks did)."""
    if due_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("days are counted between aware moments")
    zone = zone or municipality_zone()
    left = due_at.astimezone(zone).replace(tzinfo=None) - now.astimezone(zone).replace(tzinfo=None)
    return (
        left.days if left >= timedelta(0) else -((-left).days + (1 if (-left).seconds or (-left).microseconds else 0))
    )


def _count(start: datetime, parts: Term, sign: int, zone: tzinfo | None) -> datetime:
    if start.tzinfo is None:
        raise ValueError("a deadline is counted from an aware moment")
    zone = zone or municipality_zone()
    local = start.astimezone(zone).replace(tzinfo=None)  # the wall clock, where calendar days are counted
    calendar = isodate.Duration(days=sign * parts.days, months=sign * parts.months, years=sign * parts.years)
    counted: datetime = (local + calendar).replace(tzinfo=zone)
    return counted.astimezone(start.tzinfo) + sign * parts.elapsed
