"""`meemaken-sortition`: fair stratified selection of a citizens' panel from CSV files.

    meemaken-sortition select --features F.csv --people P.csv --size K --algorithm leximin [--seed N] [--json]
    meemaken-sortition explain --features F.csv --people P.csv --size K
    meemaken-sortition replay ARTEFACTS.json (--number N | --seed TEXT) [--commitment HEX]

Exit codes: 0 done, 1 the legacy algorithm failed, 2 bad input, 3 no panel meets the quotas (explained),
4 the published artefacts do not match their commitment or break a quota.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from panels.domain.lottery import Artefacts, check, draw_number, number_from_seed
from panels.domain.sortition import (
    Algorithm,
    InfeasibleQuotas,
    Instance,
    SelectionFailed,
    SortitionInputError,
    draw,
    legacy_panel,
    make_rng,
    read_people,
    read_quotas,
    require_feasible,
    select,
)

BAD_INPUT, INFEASIBLE, FAILED, MISMATCH = 2, 3, 1, 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meemaken-sortition", description="Fair stratified sortition.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("select", "compute selection probabilities and draw a panel"),
        ("explain", "say whether the quotas can be met, and if not which ones to relax"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--features", required=True, type=Path, help="quotas CSV (feature,value,min,max...)")
        command.add_argument("--people", required=True, type=Path, help="respondents CSV")
        command.add_argument("--size", required=True, type=int, help="panel size")
        command.add_argument("--id-column", default="id", help="id column (absent: the row number from 0)")
        command.add_argument("--address-columns", default="", help="comma-separated household columns")
        command.add_argument("--json", action="store_true", help="print one JSON document")
        if name == "select":
            command.add_argument("--algorithm", choices=[a.value for a in Algorithm], default="leximin")
            command.add_argument("--seed", type=int, help="seed for a replayable draw (default: OS randomness)")
            command.add_argument("--samples", type=int, default=1000, help="legacy: draws to estimate probabilities")
    replay = commands.add_parser("replay", help="check published draw artefacts and replay the public draw")
    replay.add_argument("artefacts", type=Path, help="the JSON the panels service publishes (GET .../artefacts)")
    replay.add_argument("--commitment", help="the commitment published before the draw (default: the file's own)")
    public = replay.add_mutually_exclusive_group(required=True)
    public.add_argument("--number", type=int, help="the public number read out (1..m)")
    public.add_argument("--seed", help="the published seed")
    return parser


def _replay(args: argparse.Namespace) -> int:
    try:
        published = json.loads(args.artefacts.read_text(encoding="utf-8"))
        artefacts = Artefacts.from_document(published.get("artefacts", published))
        commitment = args.commitment or published.get("commitment") or artefacts.commitment
        problems = check(artefacts, commitment)
        if problems:
            for problem in problems:
                print(f"problem: {problem}", file=sys.stderr)
            return MISMATCH
        m = len(artefacts.panels)
        number = args.number if args.number is not None else number_from_seed(commitment, args.seed, m)
        panel = draw_number(artefacts, number)
    except (OSError, ValueError) as error:  # unreadable file, not JSON, DrawError
        print(f"error: {error}", file=sys.stderr)
        return BAD_INPUT
    print(f"commitment {commitment} verified: {m} panels, each meets every quota and the household rule")
    print(f"public number {number} of {m} picks panel: " + ", ".join(panel))
    return 0


def _instance(args: argparse.Namespace) -> Instance:
    try:
        quotas_text = args.features.read_text(encoding="utf-8-sig")
        people_text = args.people.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise SortitionInputError(f"cannot read {error.filename}: {error.strerror}", {"file": str(error.filename)})
    quotas = read_quotas(quotas_text)
    address = [c.strip() for c in args.address_columns.split(",") if c.strip()]
    people = read_people(people_text, quotas, id_column=args.id_column, address_columns=address)
    return Instance(people, quotas, args.size)


def _select(args: argparse.Namespace, instance: Instance) -> dict[str, Any]:
    rng = make_rng(args.seed)
    algorithm = Algorithm(args.algorithm)
    if algorithm is Algorithm.LEGACY:
        panel = legacy_panel(instance, rng)
        distribution = select(instance, algorithm, rng=rng, samples=args.samples)
    else:
        distribution = select(instance, algorithm)
        panel = draw(distribution, rng)
    order = {pid: i for i, pid in enumerate(instance.ids)}
    return {
        "algorithm": algorithm.value,
        "panel_size": instance.panel_size,
        "seed": args.seed,
        "minimum_probability": distribution.minimum,
        "panels_in_lottery": len(distribution.panels),
        "probabilities": distribution.probabilities,
        "panel": sorted(panel, key=order.__getitem__),
    }


def _print_selection(result: dict[str, Any]) -> None:
    print(
        f"algorithm {result['algorithm']}, panel size {result['panel_size']}, "
        f"{result['panels_in_lottery']} panels in the lottery, minimum probability {result['minimum_probability']:.6f}"
    )
    print("person\tprobability")
    for pid, probability in result["probabilities"].items():
        print(f"{pid}\t{probability:.6f}")
    print("drawn panel: " + ", ".join(result["panel"]))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "replay":
        return _replay(args)
    try:
        instance = _instance(args)
        if args.command == "explain":
            require_feasible(instance)
            message = f"a panel of {instance.panel_size} meeting every quota exists"
            print(json.dumps({"feasible": True}) if args.json else message)
            return 0
        result = _select(args, instance)
    except SortitionInputError as error:
        if args.json:
            print(json.dumps({"error": "bad_input", "message": error.message, "details": error.details}))
        print(f"error: {error.message}", file=sys.stderr)
        return BAD_INPUT
    except InfeasibleQuotas as infeasible:
        if args.json:
            relaxations = [vars(r) for r in infeasible.relaxations]
            print(
                json.dumps(
                    {"error": "infeasible_quotas", "explanation": infeasible.explanation, "relaxations": relaxations}
                )
            )
        print(infeasible.explanation, file=sys.stderr)
        return INFEASIBLE
    except SelectionFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILED
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_selection(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
