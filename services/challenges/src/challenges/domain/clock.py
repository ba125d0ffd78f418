"""Time limits: ISO-8601 durations and the decision clock that pauses while information is awaited."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import isodate


def add(moment: datetime, duration: str) -> datetime:
    """moment + an ISO-8601 duration (months and years in calendar terms: P1M from 31 Jan is 28/29 Feb)."""
    result: datetime = moment + isodate.parse_duration(duration)
    return result


UNITS = {  # (singular, plural) per language
    "en": {"year": ("year", "years"), "month": ("month", "months"), "day": ("day", "days"), "and": "and"},
    "fr": {"year": ("an", "ans"), "month": ("mois", "mois"), "day": ("jour", "jours"), "and": "et"},
    "nl": {"year": ("jaar", "jaar"), "month": ("maand", "maanden"), "day": ("dag", "dagen"), "and": "en"},
}


def in_words(duration: str, language: str = "en") -> str:
    """An ISO-8601 duration as people read it: P28D -> "28 days" / "28 jours" / "28 dagen"; P1Y2M ->
    "1 year and 2 months". Weeks are counted in days (P6W -> 42 days); hours and less are not used
    for terms and are left out."""
    words = UNITS.get(language, UNITS["en"])
    parsed = isodate.parse_duration(duration)
    years = int(getattr(parsed, "years", 0))
    months = int(getattr(parsed, "months", 0))
    days = parsed.days if isinstance(parsed, timedelta) else parsed.tdelta.days
    parts = []
    for count, unit in ((years, "year"), (months, "month"), (days, "day")):
        if count:
            singular, plural = words[unit]
            parts.append(f"{count} {singular if count == 1 else plural}")
    if not parts:
        return f"0 {words['day'][1]}"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} {words['and']} {parts[-1]}"


def check_duration(duration: str) -> str:
    isodate.parse_duration(duration)
    return duration


class ClockError(Exception):
    pass


@dataclass(frozen=True)
class DecisionClock:
    """The decision term: started at submission, paused during information requests, extendable once."""

    started_at: datetime
    term: str
    paused_since: datetime | None = None
    paused_total: timedelta = timedelta(0)
    extension: str | None = None
    extension_reason: str | None = None
    pauses: tuple[tuple[datetime, datetime], ...] = field(default=())

    @property
    def running(self) -> bool:
        return self.paused_since is None

    def due_at(self) -> datetime | None:
        """When the decision is due; None while paused (the remaining time is frozen)."""
        if self.paused_since is not None:
            return None
        due = add(self.started_at, self.term) + self.paused_total
        return add(due, self.extension) if self.extension else due

    def remaining(self, now: datetime) -> timedelta:
        reference = self.paused_since or now
        base = add(self.started_at, self.term) + self.paused_total
        if self.extension:
            base = add(base, self.extension)
        return base - reference

    def pause(self, now: datetime) -> DecisionClock:
        if self.paused_since is not None:
            raise ClockError("the decision clock is already paused")
        return replace(self, paused_since=now)

    def resume(self, now: datetime) -> DecisionClock:
        if self.paused_since is None:
            raise ClockError("the decision clock is not paused")
        return replace(
            self,
            paused_since=None,
            paused_total=self.paused_total + (now - self.paused_since),
            pauses=(*self.pauses, (self.paused_since, now)),
        )

    def extend(self, duration: str, reason: str, allowed: str) -> DecisionClock:
        if self.extension is not None:
            raise ClockError("the decision term was already extended once")
        if not reason.strip():
            raise ClockError("an extension needs a reason")
        if add(self.started_at, check_duration(duration)) > add(self.started_at, allowed):
            raise ClockError(f"the extension may be at most {allowed}")
        return replace(self, extension=check_duration(duration), extension_reason=reason.strip())
