"""meemaken-pb: count a Pabulib `.pb` election and explain the outcome, or check published ones.

meemaken-pb tally FILE.pb [--rule NAME] [--param KEY=VALUE ...] [--lot IDS] [--strict] [--json] [--export OUT.pb]
meemaken-pb check FILE.pb|DIR ... [--rule NAME] [--param KEY=VALUE ...] [--facts FACTS.json] [--jobs N] [--json]

`--rule` takes every Pabulib rule name (greedy, greedy-no-skip, greedy-threshold, greedy-custom,
greedy-exclusive, equalshares, equalshares/add1, equalshares/add1+greedy, equalshares/add1-comparison,
or unknown with parameters); `--param` adds explicit parameters (VALUE is JSON, or text), e.g.
`--param top_up=0.8 --param 'exclusive=[["773","153"]]'`. `check` exits 0 when no file differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from proposals.domain.budgeting.election import Election
from proposals.domain.budgeting.explanation import explain
from proposals.domain.budgeting.outcome import Outcome
from proposals.domain.budgeting.pabulib import PabulibError, load, save
from proposals.domain.budgeting.rules import RULES
from proposals.pb_sweep import choice_for, load_facts, pb_files, summary, sweep


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="meemaken-pb", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tally", help="count the election and explain each project")
    t.add_argument("file")
    c = sub.add_parser("check", help="recompute with each file's rule and compare with its `selected` column")
    c.add_argument("paths", nargs="+", metavar="FILE.pb|DIR")
    for p in (t, c):
        p.add_argument("--rule", help=f"one of {', '.join(RULES)}, or unknown; default: the file's META rule")
        p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="a rule parameter")
        p.add_argument("--strict", action="store_true", help="refuse irregular files instead of reporting")
        p.add_argument("--json", action="store_true", help="print JSON")
    t.add_argument("--lot", help="comma-separated project ids: the stated order for ties")
    t.add_argument("--export", metavar="OUT.pb", help="write the file with `selected` as counted (the pass)")
    c.add_argument("--facts", help="JSON: per file name, what the file cannot say (see pb_sweep)")
    c.add_argument("--jobs", type=int, help="processes (default: one per core)")
    return ap


def _params(pairs: Sequence[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--param {pair!r}: expected KEY=VALUE")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    return params


def _report(election: Election, outcome: Outcome) -> dict[str, object]:
    return {
        "rule": outcome.rule,
        "budget": election.budget,
        "selected": list(outcome.selected),
        "passes": outcome.passes(),
        "total_cost": outcome.total_cost(election),
        "notes": {k: v for k, v in outcome.notes.items() if isinstance(v, int | float | str)},
        "irregularities": [x.line_text() for x in election.irregularities],
        "projects": [x.as_dict() for x in explain(election, outcome)],
    }


def _export(election: Election, outcome: Outcome, params: dict[str, Any], path: str) -> None:
    """The file as counted: `selected` is the pass that funded each project (0: not funded), `reason` why."""
    passes = outcome.passes()
    why = {x.project_id: x.reason for x in explain(election, outcome)}
    projects = {
        pid: replace(p, selected=passes.get(pid, 0), fields={**p.fields, "reason": why.get(pid, "")})
        for pid, p in election.projects.items()
    }
    meta = {**election.meta, "rule": outcome.rule}
    if params:
        meta["rule_parameters"] = json.dumps(params, sort_keys=True)
    cols = election.project_columns
    cols = (*cols, *(c for c in ("selected", "reason") if c not in cols)) if cols else cols
    save(replace(election, meta=meta, projects=projects, project_columns=cols), path)


def tally_command(args: argparse.Namespace) -> int:
    election = load(args.file, strict=args.strict)
    choice = choice_for(election.meta, None, args.rule, _params(args.param))
    lot = [x.strip() for x in args.lot.split(",")] if args.lot else None
    outcome = choice.configure(election.meta)(election, lot)
    if args.export:
        _export(election, outcome, dict(choice.params), args.export)
    if args.json:
        print(json.dumps(_report(election, outcome), ensure_ascii=False))
        return 0
    print(f"rule: {outcome.rule}; budget {election.budget:,}; spent {outcome.total_cost(election):,}")
    print("selected: " + " ".join(outcome.selected))
    for x in explain(election, outcome):
        print(x.line())
    for irregular in election.irregularities:
        print(f"irregular: {irregular.line_text()}")
    return 0


def check_command(args: argparse.Namespace) -> int:
    files = pb_files(args.paths)
    if not files:
        raise ValueError(f"no .pb files in {' '.join(args.paths)}")
    verdicts, seconds = sweep(files, load_facts(args.facts), args.rule, _params(args.param), args.strict, args.jobs)
    totals = summary(verdicts, seconds)
    if args.json:
        print(json.dumps({"summary": totals, "files": [v.as_dict() for v in verdicts]}, ensure_ascii=False))
    else:
        for v in verdicts:
            print(f"{v.status}: {v.source}: {v.reason}")
            for note in v.unchecked:
                print(f"    not checked: {note}")
            if v.irregularities:
                print("    irregular: " + ", ".join(f"{k} x{n}" for k, n in sorted(v.irregularities.items())))
        print(
            f"{totals['files']} files in {totals['seconds']} s ({totals['files_per_second']}/s): "
            f"{totals['reproduced']} reproduced, {totals['differs']} differ, "
            f"{totals['cannot be checked']} cannot be checked"
        )
    return 1 if totals["differs"] else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return tally_command(args) if args.command == "tally" else check_command(args)
    except (PabulibError, ValueError, OSError) as e:
        print(f"meemaken-pb: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
