"""Sortition: seconds and minimum selection probability of our LEXIMIN and MAXIMIN beside the reference
implementation's MAXIMIN (`sortition-algorithms`, on HiGHS and on CBC when importable), same instances.

Instances are synthetic but realistic (panels.domain.sortition.synthetic): census-like quotas, a skewed pool,
4-7 features, 15% of respondents living in pairs. Each run is a subprocess with a timeout; a pass runs
each of them once on the instance. One JSON line per instance: min / median / max over `--repeat` passes
after a warm-up pass, the speed-up over the reference pass by pass (bench/figures.py). Targets: our
LEXIMIN faster than the reference MAXIMIN at every size, never a lower minimum, 2000/150 under 15 s
(issue 18).

    python bench/sortition.py --sizes 150/22,500/75 --timeout 600
    python bench/sortition.py --quick     # 150/22 only
    python bench/sortition.py --curve     # also draws bench/curves/leximin-size.svg over --sizes

`--curve` draws LEXIMIN's seconds against the pool (and panel) size beside the reference MAXIMIN (HiGHS,
and CBC where it finished in every pass) with bench/curves.py.
    pip install -r bench/requirements-sortition.txt   # for the reference columns
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from figures import Figures, Harness, options

SIZES = {"150/22": 4, "500/75": 5, "1000/100": 6, "2000/150": 7}  # respondents/panel -> features
RUNS = ("leximin", "maximin", "reference-maximin-highs", "reference-maximin-cbc")


def _instance(size: str, seed: int) -> Any:
    from panels.domain.sortition.synthetic import synthetic_instance

    respondents, panel = (int(x) for x in size.split("/"))
    features = SIZES.get(size, 5)
    return synthetic_instance(respondents, panel, features, random.Random(seed))


def _reference(instance: Any, backend: str) -> tuple[float, float]:
    from sortition_algorithms.committee_generation import find_distribution_maximin
    from sortition_algorithms.features import FeatureValueMinMax
    from sortition_algorithms.people import People

    n = len(instance.people)
    features = {
        f.name: {v: FeatureValueMinMax(min=q.min, max=q.max, max_flex=n) for v, q in f.values.items()}
        for f in instance.quotas
    }
    people = People(["household"])
    for row, person in enumerate(instance.people):
        people.add(person.id, {**person.features, "household": person.household or f"alone:{person.id}"}, features, row)
    started = time.perf_counter()
    panels, weights, _ = find_distribution_maximin(features, people, instance.panel_size, ["household"], backend)
    seconds = time.perf_counter() - started
    probability = dict.fromkeys(people, 0.0)
    for panel, weight in zip(panels, weights, strict=True):
        for pid in panel:
            probability[pid] += weight
    return seconds, min(probability.values())


def worker(run: str, size: str, seed: int) -> dict[str, Any]:
    instance = _instance(size, seed)
    if run.startswith("reference"):
        if run.endswith("cbc"):
            import mip  # noqa: F401  (CBC comes with python-mip)
        seconds, minimum = _reference(instance, "highspy" if run.endswith("highs") else "mip")
        return {"seconds": round(seconds, 3), "minimum": minimum}
    from panels.domain.sortition import leximin, maximin

    started = time.perf_counter()
    distribution = (leximin if run == "leximin" else maximin)(instance)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "minimum": distribution.minimum, "panels": len(distribution.panels)}


def measure(run: str, size: str, seed: int, timeout: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", run, "--sizes", size, "--seed", str(seed)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        error = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": error[:300]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def one_pass(runs: list[str], size: str, seed: int, timeout: float) -> Figures:
    """Each run once on the instance: seconds and minimum probability (a timeout counts its seconds)."""
    figures: Figures = {}
    for run in runs:
        result = measure(run, size, seed, timeout)
        if "error" in result:
            raise RuntimeError(f"{run} on {size}: {result['error']}")
        figures[f"{run}_seconds"] = result.get("seconds", timeout)
        figures[f"{run}_timed_out"] = "timeout" in result
        if "minimum" in result:
            figures[f"{run}_minimum"] = result["minimum"]
    ours, references = figures.get("leximin_seconds"), [r for r in runs if r.startswith("reference")]
    finished = [r for r in references if not figures[f"{r}_timed_out"]]
    if ours is not None and finished:
        fastest = min(figures[f"{r}_seconds"] for r in finished)
        figures["reference_fastest_seconds"] = fastest
        figures["speedup_leximin_to_reference"] = fastest / ours
        figures["leximin_faster_than_reference"] = all(ours < figures[f"{r}_seconds"] for r in finished)
        if "leximin_minimum" in figures:
            lowest = figures["leximin_minimum"] + 1e-6
            figures["leximin_minimum_not_lower"] = all(lowest >= figures[f"{r}_minimum"] for r in finished)
    return figures


def size_curve(runs: dict[str, list[Figures]], svg: Path) -> None:
    """LEXIMIN's seconds against the pool size (median, min - max of the passes) and each reference's at the
    sizes where it finished in every pass."""
    from curves import of_passes, write_svg

    def pool(size: str) -> float:
        return float(size.split("/")[0])

    series = [of_passes("LEXIMIN (panels.domain.sortition)", {pool(k): v for k, v in runs.items()}, "leximin_seconds")]
    for run in RUNS[2:]:
        done = {
            pool(k): v for k, v in runs.items() if all(f"{run}_seconds" in r and not r[f"{run}_timed_out"] for r in v)
        }
        if done:
            label = "reference MAXIMIN on " + ("HiGHS" if run.endswith("highs") else "CBC")
            series.append(of_passes(label, done, f"{run}_seconds"))
    write_svg(
        svg,
        "LEXIMIN: seconds against the pool size",
        "respondents in the pool (panel: " + ", ".join(runs) + ")",
        "seconds",
        series,
        log_x=True,
        log_y=True,
        note=f"2 cores; load average {os.getloadavg()[0]:.1f} at the end; {min(map(len, runs.values()))} passes each",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated respondents/panel")
    parser.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated subset of {','.join(RUNS)}")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--curve", action="store_true", help="draw the seconds against the sizes (--curve-svg)")
    parser.add_argument("--curve-svg", type=Path, default=Path(__file__).parent / "curves" / "leximin-size.svg")
    args = options(parser).parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.sizes, args.seed)))
        return 0
    if args.quick:
        args.sizes = "150/22"
    harness = Harness.start("sortition", args)
    runs = args.runs.split(",")
    reference = any(r.startswith("reference") for r in runs)
    curve: dict[str, list[Figures]] = {}
    for size in args.sizes.split(","):
        instance = _instance(size, args.seed)
        passes = harness.passes(lambda size=size: one_pass(runs, size, args.seed, args.timeout))  # type: ignore[misc]
        curve[size] = passes
        harness.emit(
            passes,
            "leximin_seconds",
            "reference_fastest_seconds" if reference else None,  # the faster of HiGHS and CBC in that pass
            "LEXIMIN faster than the reference MAXIMIN, never a lower minimum; 2000/150 < 15 s",
            ratio="speedup_leximin_to_reference" if reference else None,
            case=size,
            features=len(instance.quotas),
            households=len(instance.households),
            seed=args.seed,
        )
    if args.curve:
        size_curve(curve, args.curve_svg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
