"""Participatory-budgeting rules: seconds for greedy and the Method of Equal Shares with add1
(proposals.domain.budgeting) beside the reference library pabutools on the same instances, same run.

Instances: Łódź 2023 from Pabulib (70,747 voters, 139 projects; /work/shared/data/pabulib) and a
synthetic city round (150,000 approval ballots of 1-5 projects with skewed popularity, 300 projects
with costs spread over two orders of magnitude). pabutools runs in a subprocess with a timeout (it
needs about two minutes for MES with add1 on Łódź); on timeout the speed-up is a lower bound.
One JSON line per instance: each pass times both rules here and in pabutools (min / median / max and the
speed-up pass by pass, after a warm-up of ours; bench/figures.py). Target: identical outcomes, MES with
add1 >= 100x faster (issue 18).

    python bench/budget_rules.py [--instances lodz,synthetic] [--timeout 900]
    python bench/budget_rules.py --quick     # a small synthetic round (2,000 voters, 20 projects)
    python bench/budget_rules.py --curve 10000x50,50000x150,150000x300   # bench/curves/mes-size.svg

`--curve VOTERSxPROJECTS,...` runs the passes on synthetic rounds of those sizes instead of `--instances`
and draws MES with add1's seconds against voters x projects, beside pabutools where it finished in
`--timeout` (bench/curves.py).
    pip install -r bench/requirements-budget.txt   # for the pabutools columns
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "proposals" / "src"))

from figures import Figures, Harness, options  # noqa: E402

from proposals.domain.budgeting import (  # noqa: E402
    Election,
    EqualSharesParams,
    Project,
    approval_ballot,
    equal_shares,
    greedy,
    tie_order,
)
from proposals.domain.budgeting.pabulib import load, save  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "pabulib"


def synthetic(voters: int = 150_000, projects: int = 300, seed: int = 7) -> Election:
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = [f"s{j:03d}" for j in range(projects)]
    costs = np.round(np.exp(rng.uniform(np.log(20_000), np.log(2_000_000), projects)), -2).astype(int)
    popularity = rng.pareto(1.2, projects) + 0.05  # a few favourites, a long tail
    popularity /= popularity.sum()
    lengths = rng.choice([1, 2, 3, 4, 5], size=voters, p=[0.25, 0.2, 0.2, 0.15, 0.2])
    ballots = []
    for i, k in enumerate(lengths.tolist()):
        chosen = rng.choice(projects, size=k, replace=False, p=popularity)
        ballots.append(approval_ballot(str(i), [ids[j] for j in sorted(chosen.tolist())]))
    budget = int(costs.sum() * 0.2)
    meta = {"description": "synthetic", "budget": str(budget), "vote_type": "approval", "rule": "equalshares/add1"}
    proj = {pid: Project(pid, int(c)) for pid, c in zip(ids, costs, strict=True)}
    return Election(meta, proj, tuple(ballots), budget)


def ours(election: Election) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fresh = replace(election)  # no cached multiprofile: building it is part of the tally
    t = time.perf_counter()
    g = greedy(fresh)
    out["greedy_s"] = time.perf_counter() - t
    fresh = replace(election)
    t = time.perf_counter()
    m = equal_shares(fresh, EqualSharesParams())  # add1 from B/n, +1 per voter, stop at exhaustive/overspent
    out["mes_add1_s"] = time.perf_counter() - t
    out["greedy"], out["mes_add1"] = sorted(g.selected), sorted(m.selected)
    out["add1_steps"] = m.notes["add1_steps"]
    return out


_REFERENCE = r"""
import json, sys, time
from pabutools.election import parse_pabulib, Cost_Sat
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule
path, rank_json, which = sys.argv[1], sys.argv[2], sys.argv[3]
rank = json.load(open(rank_json))
ties = TieBreakingRule(lambda inst, prof, proj: rank[proj.name])
instance, profile = parse_pabulib(path)
t = time.perf_counter()
profile = profile.as_multiprofile()  # timed, as building ours is (both read the file untimed)
if which == "greedy":
    r = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=ties)
else:
    r = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=ties, voter_budget_increment=1)
print(json.dumps({"s": time.perf_counter() - t, "selected": sorted(p.name for p in r)}))
"""


def reference(path: Path, election: Election, which: str, timeout: float) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(tie_order(election), f)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _REFERENCE, str(path), f.name, which],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    finally:
        Path(f.name).unlink(missing_ok=True)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def one_pass(election: Election, path: Path, reference_too: bool, timeout: float) -> Figures:
    """Both rules here, then in pabutools on the same file: seconds, speed-up, whether the outcome is the same."""
    mine = ours(election)
    row: Figures = {k: mine[k] for k in ("greedy_s", "mes_add1_s", "add1_steps")}
    if not reference_too:
        return row
    for which in ("greedy", "mes_add1"):
        ref = reference(path, election, which, timeout)
        if "error" in ref:
            raise RuntimeError(f"pabutools {which} failed: {ref['error']}")
        timed_out = bool(ref.get("timeout"))
        seconds = timeout if timed_out else ref["s"]
        row[f"pabutools_{which}_s"] = seconds  # with a timeout, the speed-up is a lower bound
        row[f"pabutools_{which}_timed_out"] = timed_out
        row[f"speedup_{which}"] = seconds / mine[f"{which}_s"]
        row[f"identical_{which}"] = None if timed_out else ref["selected"] == mine[which]
    return row


def size_curve(runs: dict[tuple[int, int], list[Figures]], svg: Path) -> None:
    """MES with add1's seconds against voters x projects (median, min - max of the passes), and pabutools'
    at the sizes where it finished in every pass."""
    from curves import of_passes, write_svg

    cells = {v * p: passes for (v, p), passes in runs.items()}
    finished = {
        x: passes for x, passes in cells.items() if not any(r.get("pabutools_mes_add1_timed_out", 1) for r in passes)
    }
    series = [of_passes("ours (proposals.domain.budgeting)", cells, "mes_add1_s")]
    if finished:
        series.append(of_passes("pabutools", finished, "pabutools_mes_add1_s"))
    sizes = ", ".join(f"{v:,}x{p}" for v, p in runs)
    write_svg(
        svg,
        "Method of Equal Shares with add1: seconds against the round's size",
        "voters x projects (synthetic rounds: " + sizes + ")",
        "seconds",
        series,
        log_x=True,
        log_y=True,
        note=f"2 cores; load average {os.getloadavg()[0]:.1f} at the end; {min(map(len, runs.values()))} passes each",
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="lodz,synthetic", help="lodz, synthetic, small (2,000 voters)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per pabutools run")
    ap.add_argument("--no-reference", action="store_true", help="skip pabutools")
    ap.add_argument("--curve", help="synthetic sizes VOTERSxPROJECTS, comma-separated: the scaling curve")
    ap.add_argument("--curve-svg", type=Path, default=Path(__file__).parent / "curves" / "mes-size.svg")
    args = options(ap).parse_args()
    if args.quick:  # pabutools' MES with add1 may need minutes even here: a timeout makes its figure a bound
        args.instances, args.timeout = "small", min(args.timeout, 30.0)
    try:
        import pabutools  # noqa: F401

        have_reference = not args.no_reference
    except ImportError:
        have_reference = False
    harness = Harness.start("budget_rules", args)
    if args.curve:
        args.instances = args.curve
    curve: dict[tuple[int, int], list[Figures]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.instances.split(","):
            if "x" in name:  # a size of the curve
                voters, projects = (int(n) for n in name.split("x"))
                election = synthetic(voters, projects)
                path = Path(tmp) / f"{name}.pb"
                save(election, path)
            elif name == "lodz":
                path = DATA / "Poland_Lodz_2023.pb"
                if not path.exists():
                    print(json.dumps({"bench": "budget_rules", "case": name, "skipped": f"{path} not found"}))
                    continue
                election = load(path)
            else:
                election = synthetic() if name == "synthetic" else synthetic(2_000, 20)
                path = Path(tmp) / f"{name}.pb"
                save(election, path)
            runs = harness.passes(
                lambda election=election, path=path: one_pass(election, path, have_reference, args.timeout),  # type: ignore[misc]
                warm=lambda election=election: ours(election),  # type: ignore[misc]
            )
            if "x" in name:
                curve[(voters, projects)] = runs
            harness.emit(
                runs,
                "mes_add1_s",
                "pabutools_mes_add1_s" if have_reference else None,
                "identical outcomes, MES with add1 at least 100 times faster than pabutools",
                ratio="speedup_mes_add1" if have_reference else None,
                case=name,
                voters=len(election.ballots),
                projects=len(election.projects),
                distinct_ballots=len(election.multiprofile.keys),
            )
    if curve:
        size_curve(curve, args.curve_svg)


if __name__ == "__main__":
    main()
