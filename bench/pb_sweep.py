"""`meemaken-pb check` over many files: files per second and the share reproduced.

1. The real files in ../shared/data/pabulib/ (with realworld/ and its facts file): files/s and the share
   of checkable files reproduced (goal: all), every file that is not reproduced listed with its reason.
2. A synthetic 1,750-file run, sized like the public data set (1,746 files: most districts have a few
   hundred to a few thousand voters and 5-60 projects, a few cities tens of thousands of voters), each
   file's `selected` written by its declared rule, to show that the whole data set fits in minutes.

Method of Equal Shares with add1 raises each voter's share one currency unit a step, one full count
each: the synthetic MES rounds get a share of 100-500 a voter, as the cities that use it have (Świecie
2023: 419). A round with a share in the tens of thousands (a small turnout and a large budget) needs
thousands of steps: 80 s for 424 voters at 23,000 each (noticed, not changed here).

Each pass sweeps the set, then only parses it: the ceiling beside it (no count); a warm-up sweep, then
`--repeat` passes, min / median / max and the ratio pass by pass (bench/figures.py). Both use every core
(`--jobs`, default all).

    python bench/pb_sweep.py [--synthetic 1750] [--repeat 3] [--jobs 2]
    python bench/pb_sweep.py --quick     # 20 synthetic files
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "proposals" / "src"))

from figures import Figures, Harness, options  # noqa: E402

from proposals.domain.budgeting import Ballot, Election, Project  # noqa: E402
from proposals.domain.budgeting.pabulib import dump, load  # noqa: E402
from proposals.domain.budgeting.rules import tally  # noqa: E402
from proposals.pb_sweep import load_facts, pb_files, summary, sweep  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "pabulib"
FACTS = ROOT / "services" / "proposals" / "tests" / "unit" / "budgeting" / "realworld-facts.json"
# Roughly as in the data set: the greedy family almost everywhere, Method of Equal Shares in about 1 %.
RULES = ["greedy"] * 60 + ["greedy-threshold"] * 15 + ["greedy-no-skip"] * 10 + ["greedy-custom"] * 14
RULES += ["equalshares/add1"]


def synthetic(i: int, folder: str) -> str:
    """One file like a Pabulib district: voters log-normal (median ~1,500), 5-60 projects, approval."""
    rng = random.Random(i)
    voters = min(120_000, max(50, int(rng.lognormvariate(7.3, 1.1))))
    n = rng.randint(5, 60)
    costs = [rng.choice([1, 2, 5]) * 10 ** rng.randint(4, 6) for _ in range(n)]
    budget = int(sum(costs) * rng.uniform(0.2, 0.5))
    popularity = [rng.paretovariate(1.2) for _ in range(n)]
    ids = [f"{i}-{j}" for j in range(n)]
    ballots = []
    for v in range(voters):
        k = min(n, rng.randint(1, 5))
        ballots.append(Ballot(str(v), tuple(dict.fromkeys(rng.choices(ids, popularity, k=k)))))
    rule = rng.choice(RULES)
    if rule.startswith("equalshares"):  # as in the cities that use it: a share of 100-500 a voter
        budget = min(budget, int(voters * rng.uniform(100, 500)))
    meta = {"description": f"synthetic {i}", "budget": str(budget), "vote_type": "approval", "rule": rule}
    if rule == "greedy-threshold":
        meta["min_project_score_threshold"] = str(max(1, voters // 50))
    projects = {pid: Project(pid, c) for pid, c in zip(ids, costs, strict=True)}
    election = Election(meta, projects, tuple(ballots), budget)
    passes = tally(election).passes()
    counted = Election(
        meta, {p: Project(p, c.cost, selected=passes.get(p, 0)) for p, c in projects.items()}, election.ballots, budget
    )
    path = Path(folder) / f"synthetic_{i:04d}.pb"
    path.write_text(dump(counted), encoding="utf-8")
    return str(path)


def parse_only(files: list[Path], jobs: int) -> float:
    began = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_parse, files, chunksize=8))
    return time.perf_counter() - began


def _parse(path: Path) -> int:
    return len(load(path).ballots)


def measure(harness: Harness, name: str, files: list[Path], facts: dict[str, Any], jobs: int) -> None:
    """The set swept and parsed in each pass; one JSON line with every file not reproduced (of the last pass)."""
    verdicts: list[Any] = []

    def one_pass() -> Figures:
        nonlocal verdicts
        verdicts, seconds = sweep(files, facts, jobs=jobs)
        counted = summary(verdicts, seconds)
        parse_rate = len(files) / parse_only(files, jobs)
        return {
            "files": counted["files"],
            "reproduced": counted["reproduced"],
            "differs": counted["differs"],
            "cannot_be_checked": counted["cannot be checked"],
            "share_reproduced": counted["share_reproduced"],
            "seconds": seconds,
            "files_per_second": len(files) / seconds,
            "parse_only_files_per_second": parse_rate,
            "ratio_to_parse_only": len(files) / seconds / parse_rate,
        }

    runs = harness.passes(one_pass, warm=lambda: sweep(files, facts, jobs=jobs))
    harness.emit(
        runs,
        "files_per_second",
        "parse_only_files_per_second",
        "every checkable file reproduced; the whole set in minutes",
        ratio="ratio_to_parse_only",
        case=name,
        not_reproduced=[f"{v.status}: {v.source}: {v.reason}" for v in verdicts if v.status != "reproduced"],
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=int, default=int(os.environ.get("BENCH_PB_FILES", "1750")))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = options(ap).parse_args()
    if args.quick:
        args.synthetic = 20
    harness = Harness.start("pb_sweep", args)
    if DATA.exists():
        measure(harness, "pabulib (../shared/data/pabulib)", pb_files([DATA]), load_facts(FACTS), args.jobs)
    else:
        print(json.dumps({"bench": "pb_sweep", "case": "pabulib", "skipped": f"{DATA} is absent"}), flush=True)
    with tempfile.TemporaryDirectory(prefix="meemaken-pb-synthetic-") as folder:
        began = time.perf_counter()
        with ProcessPoolExecutor(args.jobs) as pool:
            paths = [Path(p) for p in pool.map(synthetic, range(args.synthetic), [folder] * args.synthetic)]
        made = time.perf_counter() - began
        size = sum(p.stat().st_size for p in paths)
        print(f"synthetic: {len(paths)} files, {size / 1e6:.1f} MB, made in {made:.1f} s", file=sys.stderr)
        measure(harness, f"synthetic ({args.synthetic} files, {size / 1e6:.1f} MB)", paths, {}, args.jobs)


if __name__ == "__main__":
    main()
