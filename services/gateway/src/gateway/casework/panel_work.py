"""What a panel coordinator does to a citizen panel, without the web: which steps the panel's state allows,
the selection probabilities read from the published lottery, and the form's lines read as the panels service
takes them (experts and materials one per line, a session's date and time, the invitation ratios).

The panels service decides; this only shapes the requests and reads its answers.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

# the panel's state (the service's status) -> the coordinator's steps it allows, in the order they come
STEPS: dict[str, tuple[str, ...]] = {
    "recruiting": ("quotas", "pool", "invitations", "registrations"),
    "pool_closed": ("quotas", "registrations", "selection"),
    "computing": ("selection",),
    "committed": ("selection", "draw"),
    "drawn": ("members", "sessions"),
    "deliberating": ("sessions", "recommendations"),
    "recommended": ("answers",),
    "answered": (),
}
# a step whose page also shows what happened: its form only in these states
FORM_STATES = {"registrations": ("recruiting",), "selection": ("pool_closed",)}
VERDICTS = ("adopted", "partly", "not_adopted")
MAX_RECOMMENDATIONS = 8  # blocks on the form; empty ones are left out
LOCAL = ZoneInfo("Europe/Brussels")


def steps(status: str) -> tuple[str, ...]:
    return STEPS.get(status, ())


def takes_form(status: str, step: str) -> bool:
    """Whether the step's form is offered in this state (its page may show more)."""
    return step in steps(status) and status in FORM_STATES.get(step, (status,))


def lines(text: str) -> list[str]:
    """The non-empty lines of a text field, each stripped."""
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def moment(day: str, at: str) -> datetime | None:
    """A session's start from the form's date (YYYY-MM-DD) and time (HH:MM), in the municipality's time zone."""
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(at), LOCAL)
    except ValueError:
        return None


def in_future(when: datetime, now: datetime | None = None) -> bool:
    return when > (now or datetime.now(UTC))


@dataclass(frozen=True)
class Chance:
    """One respondent of the committed lottery: their pseudonym and strata (as published) and their chance."""

    pseudonym: str
    strata: Mapping[str, str]
    probability: float


@dataclass(frozen=True)
class Probabilities:
    """Each respondent's chance of selection, and its spread: per respondent and per stratum value."""

    panels: int
    people: list[Chance]
    lowest: float
    median: float
    highest: float
    by_value: dict[str, dict[str, tuple[float, float]]]  # feature -> value -> (lowest, highest)


def probabilities(artefacts: Mapping[str, Any]) -> Probabilities | None:
    """The chances as the panels service computes them (the share of the m panels a person sits on), from the
    published artefacts; None when there are none to read."""
    panels = artefacts.get("panels") or []
    pool: Mapping[str, Mapping[str, str]] = artefacts.get("pool") or {}
    if not panels or not pool:
        return None
    seats: dict[str, int] = dict.fromkeys(pool, 0)
    for panel in panels:
        for person in panel:
            if person in seats:
                seats[person] += 1
    people = sorted(
        (Chance(p, dict(pool[p]), seats[p] / len(panels)) for p in pool), key=lambda c: (c.probability, c.pseudonym)
    )
    chances = [c.probability for c in people]
    by_value: dict[str, dict[str, tuple[float, float]]] = {}
    for chance in people:
        for feature, value in chance.strata.items():
            low, high = by_value.setdefault(feature, {}).get(value, (1.0, 0.0))
            by_value[feature][value] = (min(low, chance.probability), max(high, chance.probability))
    return Probabilities(len(panels), people, chances[0], statistics.median(chances), chances[-1], by_value)


def ratio(text: str) -> float | None:
    """An invitation ratio as the form gives it (1, 2.5 or 2,5), from 0 to 100; None when it is not one."""
    try:
        found = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return found if 0 <= found <= 100 else None


def count(text: str, low: int = 0, high: int = 100_000) -> int | None:
    """A whole number from ``low`` to ``high`` as typed; None when it is not one."""
    text = text.strip()
    if not text.isdigit():
        return None
    found = int(text)
    return found if low <= found <= high else None
