"""Time limits: ISO-8601 durations and the decision clock that pauses while information is awaited."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import isodate


def add(moment: datetime, duration: str) -> datetime:
    """moment + an ISO-8601 duration (months and years in calendar terms: P1M from 31 Jan is 28/29 Feb)."""
    result: datetime = moment + isodate.parse_duration(duration)
    return result


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
