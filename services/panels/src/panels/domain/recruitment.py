"""Recruitment: the register extract, pseudonymised on import, and the invitation lottery over it.

Positive discrimination: strata that historically answer less get a higher invitation ratio, so
that the respondent pool (and then the panel) can meet its quotas. The lottery draws without
replacement with weights (Efraimidis and Spirakis's keys u^(1/w)), from an explicit generator:
seeded to be replayable, otherwise the operating system's randomness.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from panels.domain.pool import pseudonym

REQUIRED = ("register_id", "name", "address", "birth_year")
MAX_ROWS = 200_000


@dataclass(frozen=True)
class Entry:
    """One person of the register extract, as the service keeps it: pseudonyms and strata only."""

    pseudonym: str
    household: str
    strata: Mapping[str, str]


@dataclass(frozen=True)
class Contact:
    pseudonym: str
    name: str
    address: str


@dataclass(frozen=True)
class Rejected:
    row: int  # the line of the CSV file (the header is line 1)
    problem: str


@dataclass(frozen=True)
class Extract:
    entries: tuple[Entry, ...]
    contacts: tuple[Contact, ...]
    rejected: tuple[Rejected, ...]


class ExtractError(ValueError):
    """The file as a whole cannot be read (not CSV, required columns missing, too large)."""


def read_extract(text: str, key: bytes, strata_columns: Sequence[str], today: date, min_age: int) -> Extract:
    """Validate the extract row by row; good rows are pseudonymised, bad ones reported with their line."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in (*REQUIRED, *strata_columns) if c not in header]
    if missing:
        raise ExtractError(f"the register extract lacks the column(s) {', '.join(missing)}")
    entries: list[Entry] = []
    contacts: list[Contact] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise ExtractError(f"the register extract has more than {MAX_ROWS} rows")
        problem = _problem(row, strata_columns, today, min_age)
        if problem is None and row["register_id"].strip() in seen:
            problem = "this register number appears twice"
        if problem is not None:
            rejected.append(Rejected(line, problem))
            continue
        seen.add(row["register_id"].strip())
        who = pseudonym(key, row["register_id"])
        entries.append(
            Entry(who, pseudonym(key, "household:" + row["address"]), {c: row[c].strip() for c in strata_columns})
        )
        contacts.append(Contact(who, row["name"].strip(), row["address"].strip()))
    return Extract(tuple(entries), tuple(contacts), tuple(rejected))


def _problem(row: Mapping[str, str | None], strata_columns: Sequence[str], today: date, min_age: int) -> str | None:
    for column in (*REQUIRED, *strata_columns):
        if not (row.get(column) or "").strip():
            return f"{column} is empty"
    try:
        born = int(str(row["birth_year"]).strip())
    except ValueError:
        return f"birth_year {row['birth_year']!r} is not a year"
    if not 1900 <= born <= today.year:
        return f"birth_year {born} is not plausible"
    if today.year - born < min_age:
        return f"younger than {min_age}"
    return None


def invitation_lottery(
    entries: Sequence[Entry],
    count: int,
    ratios: Mapping[str, Mapping[str, float]],
    rng: random.Random,
) -> list[Entry]:
    """`count` entries drawn without replacement; an entry's weight is the product of its strata's ratios
    (a stratum without a ratio counts 1). At most one invitation per household."""
    if count < 1:
        raise ValueError("invite at least one person")
    keyed = []
    for entry in sorted(entries, key=lambda e: e.pseudonym):  # a fixed order: the seed alone decides
        weight = 1.0
        for feature, by_value in ratios.items():
            weight *= float(by_value.get(entry.strata.get(feature, ""), 1.0))
        if weight <= 0:
            continue
        keyed.append((rng.random() ** (1.0 / weight), entry))
    keyed.sort(key=lambda item: item[0], reverse=True)
    invited: list[Entry] = []
    households: set[str] = set()
    for _, entry in keyed:
        if entry.household in households:
            continue
        invited.append(entry)
        households.add(entry.household)
        if len(invited) == count:
            break
    return invited
