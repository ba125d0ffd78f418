"""meemaken-pb: count a Pabulib `.pb` election and explain the outcome, or check a published one.

meemaken-pb tally FILE.pb [--rule greedy|greedy-no-skip|greedy-threshold|equalshares|equalshares/add1] [--json]
meemaken-pb check FILE.pb     # exit 0 when the file's rule reproduces its `selected` column, else 1
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from proposals.domain.budgeting.election import Election
from proposals.domain.budgeting.explanation import explain
from proposals.domain.budgeting.outcome import Outcome
from proposals.domain.budgeting.pabulib import PabulibError, load
from proposals.domain.budgeting.rules import RULES, tally


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="meemaken-pb", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tally", help="count the election and explain each project")
    t.add_argument("file")
    t.add_argument("--rule", help=f"one of {', '.join(RULES)}; default: the file's META rule")
    t.add_argument("--lot", help="comma-separated project ids: the published lot order for ties")
    t.add_argument("--json", action="store_true", help="print one JSON document")
    c = sub.add_parser("check", help="recompute with the file's rule and compare with its `selected` column")
    c.add_argument("file")
    c.add_argument("--rule", help="override the file's META rule")
    return ap


def _report(election: Election, outcome: Outcome) -> dict[str, object]:
    return {
        "rule": outcome.rule,
        "budget": election.budget,
        "selected": list(outcome.selected),
        "total_cost": outcome.total_cost(election),
        "notes": {k: v for k, v in outcome.notes.items() if isinstance(v, int | float | str)},
        "projects": [x.as_dict() for x in explain(election, outcome)],
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        election = load(args.file)
        lot = [x.strip() for x in args.lot.split(",")] if getattr(args, "lot", None) else None
        outcome = tally(election, args.rule, lot)
    except (PabulibError, ValueError, OSError) as e:
        print(f"meemaken-pb: {e}", file=sys.stderr)
        return 2
    if args.command == "tally":
        if args.json:
            print(json.dumps(_report(election, outcome), ensure_ascii=False))
        else:
            print(f"rule: {outcome.rule}; budget {election.budget:,}; spent {outcome.total_cost(election):,}")
            print("selected: " + " ".join(outcome.selected))
            for x in explain(election, outcome):
                print(x.line())
        return 0
    published = {p.id for p in election.projects.values() if p.selected == 1}
    computed = set(outcome.selected)
    if computed == published:
        print(f"ok: {outcome.rule} reproduces the {len(published)} selected projects")
        return 0
    print(f"differs: {outcome.rule}")
    print("  selected by the rule only: " + (" ".join(sorted(computed - published)) or "-"))
    print("  published as selected only: " + (" ".join(sorted(published - computed)) or "-"))
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
