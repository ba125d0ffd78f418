"""The Pabulib `.pb` format (pabulib.org): sections META, PROJECTS and VOTES, each a header line then
rows, `;`-separated with CSV quoting. Lists inside a cell (a ballot's projects, its points, a project's
categories) are comma-separated.

`parse` reads text into an `Election`, `dump` writes one back; dump(parse(text)) parses to an equal
election. A malformed file raises `PabulibError` naming the line.

Real files bend the format in a few known ways. By default the file still loads and each case is
recorded in `Election.irregularities` with how the count treats it; `strict=True` refuses instead:

* a ballot names a project twice (Warsaw 2026): counted once;
* a ballot names a project the PROJECTS section does not list: left out of that ballot;
* a cost written with thousands separators (`1,250,000`): read as the number;
* a cost of 999,999,999, Pabulib's marker of a project withdrawn after the vote (Wrocław 2017): the
  project is withdrawn, and every rule passes it over instead of stopping at it.

The `selected` column is kept as published: 1, or the pass that funded it (2, 3; see `outcome`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from proposals.domain.budgeting.election import (
    APPROVAL,
    POINT_TYPES,
    VOTE_TYPES,
    Ballot,
    Election,
    Irregularity,
    Number,
    Project,
    as_number,
)

SECTIONS = ("meta", "projects", "votes")
WITHDRAWN_COST = 999_999_999
THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
PROJECT_KNOWN = ("project_id", "cost", "name", "category", "district", "target", "selected")
VOTE_KNOWN = ("voter_id", "vote", "points")


class PabulibError(ValueError):
    def __init__(self, message: str, line: int | None = None, source: str = "<pb>") -> None:
        self.line = line
        self.source = source
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}: {message}")


def _split(cell: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in cell.split(",") if x.strip())


def _number(cell: str, what: str, line: int, source: str) -> Number:
    try:
        return as_number(cell.strip().replace(" ", ""))
    except ValueError:
        raise PabulibError(f"{what} is not a number: {cell!r}", line, source)


class _Irregularities:
    def __init__(self, strict: bool, source: str) -> None:
        self.strict, self.source = strict, source
        self.found: list[Irregularity] = []

    def add(self, kind: str, line: int | None, detail: str, treatment: str) -> None:
        if self.strict:
            raise PabulibError(f"{detail} (strict: refused; leniently, {treatment})", line, self.source)
        self.found.append(Irregularity(kind, line, detail, treatment))


def _cost(cell: str, pid: str, line: int, irregular: _Irregularities) -> Number:
    text = cell.strip().replace(" ", "")
    if THOUSANDS.match(text):
        irregular.add("thousands_separator", line, f"the cost of project {pid} is written {cell!r}", "read as a number")
        text = text.replace(",", "")
    return _number(text, f"cost of project {pid}", line, irregular.source)


def parse(text: str, source: str = "<pb>", *, strict: bool = False) -> Election:
    irregular = _Irregularities(strict, source)
    meta: dict[str, str] = {}
    projects: dict[str, Project] = {}
    ballots: list[Ballot] = []
    seen_voters: set[str] = set()
    project_columns: tuple[str, ...] = ()
    vote_columns: tuple[str, ...] = ()
    section: str | None = None
    header: list[str] | None = None
    seen_sections: list[str] = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    pending_votes: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            first = row[0].strip().lower()
            if len(row) == 1 and first in SECTIONS:
                if first in seen_sections:
                    raise PabulibError(f"section {first.upper()} appears twice", line, source)
                section, header = first, None
                seen_sections.append(first)
                continue
            if section is None:
                raise PabulibError(f"expected a section name (META, PROJECTS, VOTES), found {row[0]!r}", line, source)
            if header is None:
                header = [c.strip() for c in row]
                if section == "meta" and header[:2] != ["key", "value"]:
                    raise PabulibError("the META header must be 'key;value'", line, source)
                if section == "projects":
                    if "project_id" not in header or "cost" not in header:
                        raise PabulibError("the PROJECTS header needs project_id and cost", line, source)
                    project_columns = tuple(header)
                if section == "votes":
                    if "voter_id" not in header or "vote" not in header:
                        raise PabulibError("the VOTES header needs voter_id and vote", line, source)
                    vote_columns = tuple(header)
                continue
            while len(row) > len(header) and not row[-1].strip():
                row = row[:-1]
            if len(row) != len(header):
                raise PabulibError(f"{len(row)} fields where the header has {len(header)}", line, source)
            if section == "meta":
                meta[row[0].strip()] = row[1].strip()
                continue
            cells = {k: v.strip() for k, v in zip(header, row, strict=True)}
            if section == "projects":
                pid = cells["project_id"]
                if not pid:
                    raise PabulibError("empty project_id", line, source)
                if pid in projects:
                    raise PabulibError(f"project {pid!r} listed twice", line, source)
                sel = cells.get("selected", "")
                cost = _cost(cells["cost"], pid, line, irregular)
                if cost == WITHDRAWN_COST:
                    what = f"project {pid} costs 999,999,999, Pabulib's marker of a project withdrawn after the vote"
                    irregular.add("withdrawn", line, what, "withdrawn: passed over by every rule")
                projects[pid] = Project(
                    id=pid,
                    cost=cost,
                    withdrawn=cost == WITHDRAWN_COST,
                    name=cells.get("name", ""),
                    category=_split(cells.get("category", "")),
                    district=cells.get("district") or None,
                    target=_split(cells.get("target", "")),
                    selected=int(_number(sel, "selected", line, source)) if sel else None,
                    fields={k: v for k, v in cells.items() if k not in PROJECT_KNOWN and v},
                )
            else:
                pending_votes.append((line, cells))
    except csv.Error as e:
        raise PabulibError(f"bad CSV: {e}", reader.line_num, source)
    for name in SECTIONS:
        if name not in seen_sections:
            raise PabulibError(f"missing section {name.upper()}", None, source)
    vote_type = meta.get("vote_type", APPROVAL).strip().lower() or APPROVAL
    if vote_type not in VOTE_TYPES:
        raise PabulibError(f"unknown vote_type {vote_type!r}", None, source)
    if "budget" not in meta:
        raise PabulibError("META has no budget", None, source)
    budget = _number(meta["budget"], "budget", None, source)  # type: ignore[arg-type]
    for line, cells in pending_votes:
        vid = cells["voter_id"]
        if vid in seen_voters:
            raise PabulibError(f"voter {vid!r} appears twice", line, source)
        seen_voters.add(vid)
        chosen = _split(cells["vote"])
        points: tuple[Number, ...] | None = None
        if cells.get("points"):
            points = tuple(_number(x, "points", line, source) for x in _split(cells["points"]))
            if len(points) != len(chosen):
                raise PabulibError(f"voter {vid!r}: {len(chosen)} projects but {len(points)} points", line, source)
        chosen, points = _clean_ballot(vid, chosen, points, projects, line, irregular)
        if vote_type in POINT_TYPES and chosen and points is None:
            raise PabulibError(f"voter {vid!r}: a {vote_type} ballot needs points", line, source)
        fields = {k: v for k, v in cells.items() if k not in VOTE_KNOWN and v}  # an empty cell is no value
        ballots.append(Ballot(vid, chosen, points, fields))
    return Election(
        meta, projects, tuple(ballots), budget, vote_type, project_columns, vote_columns, tuple(irregular.found)
    )


def _clean_ballot(
    vid: str,
    chosen: tuple[str, ...],
    points: tuple[Number, ...] | None,
    projects: Mapping[str, Project],
    line: int,
    irregular: _Irregularities,
) -> tuple[tuple[str, ...], tuple[Number, ...] | None]:
    """A ballot without repeats and unknown projects (each reported): the first mention counts."""
    keep: list[int] = []
    seen: set[str] = set()
    for i, pid in enumerate(chosen):
        if pid not in projects:
            irregular.add("unknown_project", line, f"voter {vid} votes for unknown project {pid}", "left out")
        elif pid in seen:
            irregular.add("repeated_project", line, f"voter {vid} names project {pid} twice", "counted once")
        else:
            seen.add(pid)
            keep.append(i)
    if len(keep) == len(chosen):
        return chosen, points
    return tuple(chosen[i] for i in keep), None if points is None else tuple(points[i] for i in keep)


def load(path: str | Path, *, strict: bool = False) -> Election:
    p = Path(path)
    return parse(p.read_text(encoding="utf-8"), source=p.name, strict=strict)


def _fmt(x: Number) -> str:
    return str(x) if isinstance(x, int) else repr(float(x))


def _columns(given: tuple[str, ...], standard: Iterable[str], extra: Iterable[Mapping[str, str]]) -> list[str]:
    if given:
        return list(given)
    cols = list(standard)
    for fields in extra:
        cols.extend(k for k in fields if k not in cols)
    return cols


def dump(election: Election) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(election.meta)
    if "budget" not in meta or as_number(meta["budget"]) != election.budget:
        meta["budget"] = _fmt(election.budget)
    if meta.get("vote_type", "").lower() != election.vote_type:
        meta["vote_type"] = election.vote_type
    w.writerow(["META"])
    w.writerow(["key", "value"])
    for k, v in meta.items():
        w.writerow([k, v])
    has_votes = election.vote_type not in POINT_TYPES
    votes = election.votes()
    std = ["project_id", "cost", *(["votes"] if has_votes else []), "name"]
    std += ["category", "district", "target", "selected"]
    used = [c for c in std if c in ("project_id", "cost", "votes", "name") or _any_project(election, c)]
    pcols = _columns(election.project_columns, used, (p.fields for p in election.projects.values()))
    w.writerow(["PROJECTS"])
    w.writerow(pcols)
    for p in election.projects.values():
        known = {
            "project_id": p.id,
            "cost": _fmt(p.cost),
            "name": p.name,
            "category": ",".join(p.category),
            "district": p.district or "",
            "target": ",".join(p.target),
            "selected": "" if p.selected is None else str(p.selected),
        }
        row = {**known, "votes": str(votes[p.id]), **p.fields}
        w.writerow([row.get(c, "") for c in pcols])
    std_votes = ["voter_id", "vote", *(["points"] if any(b.points is not None for b in election.ballots) else [])]
    vcols = _columns(election.vote_columns, std_votes, (b.fields for b in election.ballots))
    w.writerow(["VOTES"])
    w.writerow(vcols)
    for b in election.ballots:
        known = {
            "voter_id": b.voter_id,
            "vote": ",".join(b.projects),
            "points": "" if b.points is None else ",".join(_fmt(x) for x in b.points),
        }
        row = {**b.fields, **known}
        w.writerow([row.get(c, "") for c in vcols])
    return out.getvalue()


def _any_project(election: Election, column: str) -> bool:
    ps = election.projects.values()
    return {
        "category": any(p.category for p in ps),
        "district": any(p.district for p in ps),
        "target": any(p.target for p in ps),
        "selected": any(p.selected is not None for p in ps),
    }.get(column, False)


def save(election: Election, path: str | Path) -> None:
    Path(path).write_text(dump(election), encoding="utf-8")
