"""Check many `.pb` files at once: each tallied with its declared rule (or the facts supplied for it)
and compared pass by pass with its published outcome, on every core.

Facts are what a file cannot say about itself: an exclusion group from the city's report, a project
the city took out, the amount of extra funds, how the city broke a tie. A facts file is JSON:

    {"Poland_Warszawa_2022_Bemowo.pb": {"params": {"exclusive": [["773", "153"]]},
                                        "why": "773 and 153 are on the same site (BO 2022 report)"}}

with optional "rule" and "lot" (the stated order for ties) per file name.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proposals.domain.budgeting.check import Verdict, check
from proposals.domain.budgeting.pabulib import PabulibError, load
from proposals.domain.budgeting.rules import RuleChoice

STATUSES = ("reproduced", "differs", "cannot be checked")


@dataclass(frozen=True)
class Fact:
    rule: str | None = None
    params: Mapping[str, Any] | None = None
    lot: Sequence[str] | None = None
    why: str = ""


def load_facts(path: str | Path | None) -> dict[str, Fact]:
    if path is None:
        return {}
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: the facts are one JSON object keyed by file name")
    return {
        name: Fact(v.get("rule"), v.get("params"), v.get("lot"), v.get("why", ""))
        for name, v in raw.items()
        if not name.startswith("_")
    }


def pb_files(paths: Iterable[str | Path]) -> list[Path]:
    found: list[Path] = []
    for p in map(Path, paths):
        found += sorted(p.rglob("*.pb")) if p.is_dir() else [p]
    return found


def choice_for(
    election_meta: Mapping[str, str], fact: Fact | None, rule: str | None, params: Mapping[str, Any]
) -> RuleChoice:
    """The rule to count with: the command line's, else the facts', else the file's META (with META
    `rule_parameters`, as `meemaken-pb tally --export` writes them)."""
    declared = election_meta.get("rule_parameters", "").strip()
    meta_params = json.loads(declared) if declared else {}
    name = rule or (fact.rule if fact and fact.rule else None) or election_meta.get("rule", "")
    merged = {**meta_params, **((fact.params or {}) if fact else {}), **params}
    return RuleChoice(name, merged)


def check_file(
    path: Path,
    fact: Fact | None = None,
    rule: str | None = None,
    params: Mapping[str, Any] | None = None,
    strict: bool = False,
) -> Verdict:
    try:
        election = load(path, strict=strict)
    except (PabulibError, OSError, UnicodeDecodeError) as e:
        return Verdict(path.name, "cannot be checked", rule or "", f"the file cannot be read: {e}")
    try:
        choice = choice_for(election.meta, fact, rule, params or {})
    except json.JSONDecodeError as e:
        return Verdict(path.name, "cannot be checked", rule or "", f"META rule_parameters is not JSON: {e}")
    return check(election, choice, fact.lot if fact else None, source=path.name)


def _one(args: tuple[Path, Fact | None, str | None, Mapping[str, Any], bool]) -> Verdict:
    return check_file(*args)


def sweep(
    files: Sequence[Path],
    facts: Mapping[str, Fact] | None = None,
    rule: str | None = None,
    params: Mapping[str, Any] | None = None,
    strict: bool = False,
    jobs: int | None = None,
) -> tuple[list[Verdict], float]:
    """Every file checked (largest first, spread over `jobs` processes); the verdicts in file order and
    the seconds it took."""
    facts = facts or {}
    jobs = max(1, jobs or os.cpu_count() or 1)
    work = [(f, facts.get(f.name), rule, dict(params or {}), strict) for f in files]
    began = time.perf_counter()
    if jobs == 1 or len(work) < 4:
        verdicts = [_one(w) for w in work]
    else:
        by_size = sorted(range(len(work)), key=lambda i: -_size(work[i][0]))
        with ProcessPoolExecutor(jobs) as pool:
            done = dict(zip(by_size, pool.map(_one, [work[i] for i in by_size], chunksize=4), strict=True))
        verdicts = [done[i] for i in range(len(work))]
    return verdicts, time.perf_counter() - began


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def summary(verdicts: Sequence[Verdict], seconds: float) -> dict[str, Any]:
    counts = {s: sum(v.status == s for v in verdicts) for s in STATUSES}
    checkable = counts["reproduced"] + counts["differs"]
    return {
        "files": len(verdicts),
        **counts,
        "share_reproduced": round(counts["reproduced"] / checkable, 4) if checkable else None,
        "seconds": round(seconds, 2),
        "files_per_second": round(len(verdicts) / seconds, 1) if seconds > 0 else None,
    }
