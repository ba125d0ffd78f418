"""The reports' figures as plain Python: who took part against the population (representativeness),
time to answer per department against the deadlines, cases by state. No framework here.

Counts of people below ``SMALL_CELL`` are shown as "<5" (and no share), as the panels' report does,
so that a small cell cannot point at a person.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import median

SMALL_CELL = 5
DEFAULT_POPULATION = Path(__file__).resolve().parents[1] / "theme" / "population.json"
BAND = re.compile(r"^(\d{1,3})(?:-(\d{1,3})|\+)$")
UNKNOWN = ""  # a person whose attribute nobody verified


class InvalidPopulation(ValueError):
    """The population file is missing something or holds something that is not a count."""


@dataclass(frozen=True)
class Population:
    """The municipality's residents by district, age band ("18-29", "65+") and gender, and the year counted."""

    year: int
    districts: Mapping[str, int]
    age_bands: Mapping[str, int]
    genders: Mapping[str, int]

    @classmethod
    def load(cls, path: Path | str | None = None) -> Population:
        file = Path(path) if path else DEFAULT_POPULATION
        try:
            data = json.loads(file.read_text())
        except (OSError, ValueError) as exc:
            raise InvalidPopulation(f"cannot read the population {file}: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("year"), int):
            raise InvalidPopulation("the population file needs the year it was counted (a number)")
        parts = {}
        for name in ("districts", "age_bands", "genders"):
            counts = data.get(name)
            if not isinstance(counts, dict) or not all(
                isinstance(k, str) and k and isinstance(v, int) and v >= 0 for k, v in counts.items()
            ):
                raise InvalidPopulation(f"'{name}' must map each name to a count of residents")
            parts[name] = dict(counts)
        for band in parts["age_bands"]:
            if band_range(band) is None:
                raise InvalidPopulation(f"'{band}' is not an age band such as 18-29 or 65+")
        return cls(data["year"], parts["districts"], parts["age_bands"], parts["genders"])


def band_range(band: str) -> tuple[int, int | None] | None:
    """(first age, last age or None for "and over") of a band name, None when it is not one."""
    found = BAND.match(band)
    if found is None:
        return None
    first, last = int(found[1]), (int(found[2]) if found[2] else None)
    return None if last is not None and last < first else (first, last)


def age_band(birthdate: date, today: date, bands: Iterable[str]) -> str:
    """The band a person of that birth date is in today; UNKNOWN when no band holds the age."""
    age = today.year - birthdate.year - ((today.month, today.day) < (birthdate.month, birthdate.day))
    for band in bands:
        found = band_range(band)
        if found is not None and age >= found[0] and (found[1] is None or age <= found[1]):
            return band
    return UNKNOWN


@dataclass(frozen=True)
class Share:
    """One group's row: the participants (None when suppressed) against the population, both as shares."""

    group: str
    participants: int | None
    participants_share: float | None
    population: int
    population_share: float | None

    @property
    def shown(self) -> str:
        return str(self.participants) if self.participants is not None else f"<{SMALL_CELL}"


def representativeness(population: Mapping[str, int], participants: Iterable[str]) -> list[Share]:
    """Each group of the population (then the participants in no group of it, as UNKNOWN), participants'
    share against the population's share. Shares of the participants count only those in a known group."""
    counts = Counter(participants)
    known = sum(n for group, n in counts.items() if group in population)
    everyone = sum(population.values())
    rows = []
    for group, residents in population.items():
        n = counts.get(group, 0)
        hidden = 0 < n < SMALL_CELL
        rows.append(
            Share(
                group,
                None if hidden else n,
                None if hidden or not known else n / known,
                residents,
                residents / everyone if everyone else None,
            )
        )
    others = sum(n for group, n in counts.items() if group not in population)
    if others:
        rows.append(Share(UNKNOWN, None if others < SMALL_CELL else others, None, 0, None))
    return rows


# --- time to answer ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """One closed case of the work queue: its department, when it was opened and closed, its deadline."""

    department: str
    opened_at: datetime
    closed_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class AnswerTimes:
    department: str
    answered: int
    in_time: int  # closed on or before its deadline
    late: int  # closed after its deadline
    without_deadline: int
    median_days: float | None
    open_overdue: int  # still open and past the deadline now

    @property
    def in_time_share(self) -> float | None:
        dated = self.in_time + self.late
        return self.in_time / dated if dated else None


def answer_times(closed: Iterable[Answered], overdue: Mapping[str, int]) -> list[AnswerTimes]:
    """Per department (by name), how many cases were answered, in time or late, the median days it took,
    and how many open ones are past their deadline now."""
    by_department: dict[str, list[Answered]] = {}
    for case in closed:
        by_department.setdefault(case.department, []).append(case)
    rows = []
    for department in sorted({*by_department, *overdue}):
        cases = by_department.get(department, [])
        dated = [c for c in cases if c.due_at is not None]
        in_time = sum(1 for c in dated if c.due_at is not None and c.closed_at <= c.due_at)
        days = [(c.closed_at - c.opened_at) / timedelta(days=1) for c in cases]
        rows.append(
            AnswerTimes(
                department,
                len(cases),
                in_time,
                len(dated) - in_time,
                len(cases) - len(dated),
                round(median(days), 1) if days else None,
                overdue.get(department, 0),
            )
        )
    return rows


# --- citizen panels ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelShare:
    """One value of a panel's feature (gender: female): the panel's members against the population's."""

    feature: str
    value: str
    panel: int
    panel_share: float | None
    population: str  # a count, "<5" (suppressed by the panels service) or "" when no register was imported
    population_share: float | None


def panel_shares(report: Mapping[str, Mapping[str, Mapping[str, object]]]) -> list[PanelShare]:
    """The panels service's representativeness report (feature -> value -> population, pool, panel) as rows;
    empty when nobody sits on the panel yet."""
    rows = []
    for feature, values in report.items():
        for value, cells in values.items():
            panel, people = cells.get("panel"), cells.get("population")
            panel = panel if isinstance(panel, Mapping) else {}
            people = people if isinstance(people, Mapping) else {}  # None: no register imported
            share = people.get("share")
            rows.append(
                PanelShare(
                    feature,
                    value,
                    int(panel.get("count") or 0),
                    float(panel["share"]) if isinstance(panel.get("share"), int | float) else None,
                    str(people.get("count", "")),
                    float(share) if isinstance(share, int | float) else None,
                )
            )
    return rows if any(r.panel for r in rows) else []


# --- budget spending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spending:
    district: str  # UNKNOWN: projects for the whole municipality
    budget: int | None  # euro cents set aside for the district, None when none was
    spent: int  # euro cents of the funded projects
    funded: int  # how many projects were funded


def spending(rounds: Iterable[Mapping[str, object]]) -> list[Spending]:
    """Per district, over the rounds whose results are published: the budget set aside and what the
    funded projects cost (as the proposals service's rounds give them)."""
    budgets: Counter[str] = Counter()
    spent: Counter[str] = Counter()
    funded: Counter[str] = Counter()
    has_budget: set[str] = set()
    for r in rounds:
        results = r.get("results")
        if not isinstance(results, Mapping):
            continue
        for district, amount in dict(r.get("district_budgets") or {}).items():  # type: ignore[call-overload]
            budgets[district] += int(amount)
            has_budget.add(district)
        where = {str(p["id"]): p.get("district") or UNKNOWN for p in r.get("projects") or []}  # type: ignore[attr-defined]
        for e in results.get("explanation") or []:
            if e.get("selected"):
                district = where.get(str(e["project_id"]), UNKNOWN)
                spent[district] += int(e["cost"])
                funded[district] += 1
    order = sorted({*budgets, *spent} - {UNKNOWN}) + ([UNKNOWN] if UNKNOWN in spent else [])
    return [Spending(d, budgets[d] if d in has_budget else None, spent[d], funded[d]) for d in order]


# --- CSV -----------------------------------------------------------------------------------------------


def _defused(value: object) -> object:
    return "'" + value if isinstance(value, str) and value and value[0] in "=+-@" else value


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """The figures as CSV (RFC 4180, CRLF); a cell that a spreadsheet would read as a formula is quoted
    with a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            ["" if v is None else ("'" + v if isinstance(v, str) and v and v[0] in "=+-@" else v) for v in row]
        )
    return out.getvalue()
