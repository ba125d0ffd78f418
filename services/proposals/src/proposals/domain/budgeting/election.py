"""A participatory-budgeting election: projects with costs, the voters' ballots and the budget.

Ballots come in the Pabulib vote types: approval (a set of projects; k-approval is approval with
`max_length` k, choose-1 is k = 1), cumulative or scoring (project -> points) and ordinal (a ranking).
Every ballot is kept as the projects it names plus, when the vote type gives them, their points.

Large rounds have far fewer distinct ballots than voters (Łódź 2023: 70,747 voters), so the rules
count over a `Multiprofile`: each distinct ballot once, with the number of voters who cast it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import pairwise, repeat

import numpy as np
import numpy.typing as npt

Number = int | float

APPROVAL, CUMULATIVE, SCORING, ORDINAL, CHOOSE_1 = "approval", "cumulative", "scoring", "ordinal", "choose-1"
VOTE_TYPES = (APPROVAL, CUMULATIVE, SCORING, ORDINAL, CHOOSE_1)
POINT_TYPES = (CUMULATIVE, SCORING)


def as_number(value: float | int | str) -> Number:
    """An int when the value is integral (costs, budgets and points usually are), else a float."""
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"not a finite number: {value!r}")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


@dataclass(frozen=True)
class Project:
    id: str
    cost: Number
    name: str = ""
    category: tuple[str, ...] = ()
    district: str | None = None
    target: tuple[str, ...] = ()
    selected: int | None = None  # the official outcome as published (Pabulib `selected`: 1, or the pass 2, 3)
    withdrawn: bool = False  # taken out after the vote: every rule passes it over
    fields: Mapping[str, str] = field(default_factory=dict)  # every other published column, verbatim


@dataclass(frozen=True)
class Ballot:
    """One voter's ballot. `points` runs parallel to `projects` for cumulative/scoring ballots;
    for ordinal ballots `projects` is the ranking, best first; for approval it is the approved set."""

    voter_id: str
    projects: tuple[str, ...]
    points: tuple[Number, ...] | None = None
    fields: Mapping[str, str] = field(default_factory=dict)  # age, sex, voting_method, ...


def approval_ballot(voter_id: str, projects: Iterable[str], **fields: str) -> Ballot:
    return Ballot(str(voter_id), tuple(projects), None, dict(fields))


def cumulative_ballot(voter_id: str, points: Mapping[str, Number], **fields: str) -> Ballot:
    return Ballot(str(voter_id), tuple(points), tuple(points.values()), dict(fields))


def ordinal_ballot(voter_id: str, ranking: Iterable[str], **fields: str) -> Ballot:
    return Ballot(str(voter_id), tuple(ranking), None, dict(fields))


@dataclass(frozen=True)
class Irregularity:
    """Something a file does that the format does not allow, and how the count treated it."""

    kind: str  # "repeated_project", "unknown_project", "thousands_separator", "withdrawn"
    line: int | None
    detail: str  # what was found, naming projects and voters by their ids in the file
    treatment: str  # what the count did with it

    def line_text(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.detail}; {self.treatment}"


@dataclass(frozen=True)
class Election:
    """One round (or one district of it). `projects` keeps the published order: that order is the
    default lot order for ties. `meta` holds the Pabulib META section verbatim."""

    meta: Mapping[str, str]
    projects: Mapping[str, Project]
    ballots: tuple[Ballot, ...]
    budget: Number
    vote_type: str = APPROVAL
    project_columns: tuple[str, ...] = ()  # column order for export; empty means the standard order
    vote_columns: tuple[str, ...] = ()
    irregularities: tuple[Irregularity, ...] = ()  # what a lenient parse let through, and how

    def __post_init__(self) -> None:
        if self.vote_type not in VOTE_TYPES:
            raise ValueError(f"unknown vote_type {self.vote_type!r}; expected one of {', '.join(VOTE_TYPES)}")

    @property
    def lot_order(self) -> tuple[str, ...]:
        return tuple(self.projects)

    @cached_property
    def multiprofile(self) -> Multiprofile:
        return Multiprofile.of(self)

    def votes(self) -> dict[str, int]:
        """Number of voters naming each project."""
        mp = self.multiprofile
        return {pid: int(mp.weights[mp.supporters[j]].sum()) for j, pid in enumerate(mp.project_ids)}

    def scores(self) -> dict[str, float]:
        """Points per project (approval: votes; ordinal: Borda, a ranking of k gives k, k-1, ... 1)."""
        mp = self.multiprofile
        return {pid: float((mp.weights[mp.supporters[j]] * mp.points[j]).sum()) for j, pid in enumerate(mp.project_ids)}

    def meta_number(self, key: str) -> Number | None:
        value = self.meta.get(key, "").strip()
        return as_number(value) if value else None

    def districts(self) -> tuple[str | None, ...]:
        seen: dict[str | None, None] = {}
        for p in self.projects.values():
            seen.setdefault(p.district, None)
        return tuple(seen)

    def restricted(self, project_ids: Iterable[str], budget: Number, *, keep_empty: bool = False) -> Election:
        """The round as seen by a subset of projects (a district): ballots keep only those projects;
        a voter who named none of them did not vote in it (unless keep_empty)."""
        keep = set(project_ids)
        projects = {pid: p for pid, p in self.projects.items() if pid in keep}
        ballots: list[Ballot] = []
        for b in self.ballots:
            mask = [pid in keep for pid in b.projects]
            if not any(mask) and not keep_empty:
                continue
            pts = None if b.points is None else tuple(x for x, m in zip(b.points, mask, strict=True) if m)
            kept = tuple(p for p, m in zip(b.projects, mask, strict=True) if m)
            ballots.append(replace(b, projects=kept, points=pts))
        return replace(self, projects=projects, ballots=tuple(ballots), budget=budget)


@dataclass(frozen=True, eq=False)
class Multiprofile:
    """Distinct ballots with multiplicity, stored per project for the counting rules.

    For project j: `supporters[j]` are the indices of the distinct ballots naming it and `points[j]`
    what each gives it (1 for approval; points for cumulative/scoring; Borda for ordinal)."""

    project_ids: tuple[str, ...]
    weights: npt.NDArray[np.float64]  # voters per distinct ballot
    supporters: tuple[npt.NDArray[np.int64], ...]
    points: tuple[npt.NDArray[np.float64], ...]
    keys: tuple[tuple[tuple[str, Number], ...], ...]

    @property
    def voters(self) -> int:
        return int(self.weights.sum())

    @staticmethod
    def of(election: Election) -> Multiprofile:
        return Multiprofile.from_ballots(election.lot_order, election.ballots, election.vote_type)

    @staticmethod
    def from_ballots(
        project_ids: Iterable[str], ballots: Iterable[Ballot], vote_type: str, *, deduplicate: bool = True
    ) -> Multiprofile:
        """`deduplicate=False` keeps one group per voter (the plain profile, for checking)."""
        pids = tuple(project_ids)
        index = {pid: j for j, pid in enumerate(pids)}
        # Count the ballots as cast first (C-level hashing), then bring each distinct one to its key: a city's
        # tens of thousands of ballots repeat, and the keys are the costly part.
        ballots = tuple(ballots)
        if vote_type in POINT_TYPES:
            for b in ballots:
                if b.points is None:
                    raise ValueError(f"voter {b.voter_id}: a {vote_type} ballot needs points")
            cast = [(b.projects, b.points) for b in ballots]
        else:
            cast = [(b.projects, None) for b in ballots]
        times = Counter(cast)
        normal = {form: _key(form, vote_type) for form in times}
        if deduplicate:
            counts: dict[tuple[tuple[str, Number], ...], int] = {}
            for form, n in times.items():
                key = normal[form]
                counts[key] = counts.get(key, 0) + n
            keys, weights = tuple(counts), np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        else:
            keys, weights = tuple(normal[form] for form in cast), np.ones(len(cast))
        pairs = [pair for key in keys for pair in key]
        try:
            column = [index[pid] for pid, _ in pairs]
        except KeyError as unknown:
            raise ValueError(f"a ballot names unknown project {unknown.args[0]!r}") from None
        group = np.repeat(np.arange(len(keys), dtype=np.int64), [len(key) for key in keys])
        value = np.asarray([float(pts) for _, pts in pairs], dtype=np.float64)
        columns = np.asarray(column, dtype=np.int64)
        by_project = np.argsort(columns, kind="stable")  # each project's ballots in their order
        bounds = np.searchsorted(columns[by_project], np.arange(len(pids) + 1))
        groups, values = group[by_project], value[by_project]
        return Multiprofile(
            project_ids=pids,
            weights=weights,
            supporters=tuple(groups[a:z] for a, z in pairwise(bounds.tolist())),
            points=tuple(values[a:z] for a, z in pairwise(bounds.tolist())),
            keys=keys,
        )


_Cast = tuple[tuple[str, ...], tuple[Number, ...] | None]  # a ballot as cast: its projects, and points if counted


def _key(raw: _Cast, vote_type: str) -> tuple[tuple[str, Number], ...]:
    """A ballot's multiprofile key: (project, points) pairs, sorted unless the order is the ballot (ordinal)."""
    projects, points = raw
    if points is not None:
        return tuple(sorted(zip(projects, points, strict=True)))
    if vote_type == ORDINAL:
        k = len(projects)
        return tuple((pid, k - r) for r, pid in enumerate(projects))
    return tuple(zip(sorted(set(projects)), repeat(1)))
