"""Time limits: ISO-8601 durations (counted by meemaken_kit.deadlines) and the decision clock that pauses while
information is awaited. A term is printed in words by the notice's templates (``notice._period`` and the
catalogues' plural forms: "28 dagen", "28 jours", "28 days"), never here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache

from meemaken_kit import deadlines


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
        return self._due()

    def remaining(self, now: datetime) -> timedelta:
        return self._due() - (self.paused_since or now)

    def _due(self) -> datetime:
        zones = (self.started_at.tzinfo, deadlines.municipality_zone())
        return _counted(self.started_at, self.term, self.paused_total, self.extension, zones)

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
        if deadlines.longer(deadlines.check(duration), allowed, self.started_at):
            raise ClockError(f"the extension may be at most {allowed}")
        return replace(self, extension=duration, extension_reason=reason.strip())


@lru_cache(maxsize=1024)
def _counted(
    started_at: datetime, term: str, paused: timedelta, extension: str | None, zones: tuple[tzinfo | None, tzinfo]
) -> datetime:
    """The due date of a clock's term, counted once for the many times a step asks it (each of its events, the
    stored row and the timers: six counts of three ISO 8601 parses each per gate check, a fifth of the gate
    consumer's CPU in the py-spy profile of bench/right_to_challenge.py --driver backlog). `zones`: the start's
    own (two equal moments in other zones are one key; the due date is given in the start's zone) and the
    municipality's calendar."""
    zone = zones[1]
    due = deadlines.due(started_at, term, zone, paused=paused)
    return deadlines.due(due, extension, zone) if extension else due
