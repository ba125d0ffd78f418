"""What the benchmarks share: one harness for warm-up, repeated passes, the spread of each figure, the
machine's load, and the JSON line each benchmark prints; and an open call for proposals on a deployed
proposals service.

A benchmark adds the harness's options to its parser (`options`), makes a `Harness` before it starts
anything (the harness first looks at how busy the machine is with nothing of the benchmark running, and
moves the broker's idle consumer groups past the events earlier benchmarks left: `consumers_to_end`),
sets up, then has the harness run its measurement: `warm-up` passes that are thrown away, then `--repeat`
passes; each pass returns flat figures (the benchmark's and its ceiling's, measured in the same
pass). `emit` prints one JSON line: min / median / max of every numeric figure, which one is the headline
and which its ceiling, the load average before and after the passes, and whether the run had load from
outside the benchmark.

Outside load: the one-minute load average over half a core per core before the benchmark starts (unless it
falls during the probe as an idle machine's does, with the CPU idle: the residue of the benchmark before), or
rising over half a core per core while the benchmark is idle (the probe: a few seconds with nothing of it
running, at least one kernel update of the load average, 5 s; a smaller rise is one sample of the run queue,
such as the benchmark's own broker starting, with the CPU idle), or more than a quarter of the CPU busy during
that probe, or a one-minute load average over six per core after the passes (the benchmarks' own processes stay
under four per core here: 8.4 after gateway_ballots on a quiet 2-core machine; 94 meant other work ran
meanwhile).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
DURING_PER_CORE = 6.0  # after the passes: more than the benchmark's own processes make
PER_CORE = 0.5  # load average per core above which a run is not on a quiet machine
BUSY = 0.25  # share of all CPU time busy during the probe above which something else runs
PROBE_SECONDS = 5.5  # the kernel updates the load average every 5 s
T = TypeVar("T")

Figures = dict[str, Any]


def spread(values: list[float]) -> dict[str, float]:
    """min / median / max of a figure over the passes of one run."""
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3), "max": round(max(values), 3)}


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (a server's master and its workers), from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentile(values: list[float], percent: int) -> float:
    """The `percent`-th percentile of `values` (statistics.quantiles in 100 parts); of one value that value,
    of none 0."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100)[percent - 1]


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


@dataclass
class Probe:
    """The machine with nothing of the benchmark running: load average at the start and end, CPU busy share."""

    cores: int
    loadavg_start: list[float]
    loadavg_end: list[float]
    busy: float
    seconds: float = PROBE_SECONDS

    @classmethod
    def take(cls, seconds: float = PROBE_SECONDS) -> Probe:
        start, (busy0, total0) = loadavg(), cpu_times()
        time.sleep(seconds)
        end, (busy1, total1) = loadavg(), cpu_times()
        busy = (busy1 - busy0) / max(total1 - total0, 1)
        return cls(os.cpu_count() or 1, start, end, round(busy, 3), seconds)

    def residue(self) -> bool:
        """A high load average that falls during the probe as an idle machine's does (at least half its
        exponential decay over the probe's seconds), with the CPU idle: what an earlier benchmark of the same
        `make bench` left, not load from outside (the one-minute figure takes minutes to fall back)."""
        idle_decay = self.loadavg_start[0] * (1 - math.exp(-self.seconds / 60))
        return self.busy <= BUSY and self.loadavg_start[0] - self.loadavg_end[0] >= idle_decay / 2

    def outside_load(self) -> list[str]:
        """Why the run had load from outside the benchmark; empty on a quiet machine."""
        why = []
        if self.loadavg_start[0] > PER_CORE * self.cores and not self.residue():
            why.append(f"load average {self.loadavg_start[0]} before the benchmark, over {PER_CORE} per core")
        if self.loadavg_end[0] > self.loadavg_start[0] + 0.05 and self.loadavg_end[0] > PER_CORE * self.cores:
            why.append(
                f"load average rose from {self.loadavg_start[0]} to {self.loadavg_end[0]} with the benchmark idle"
            )
        if self.busy > BUSY:
            why.append(f"{self.busy:.0%} of the CPU busy with the benchmark idle")
        return why


def options(parser: argparse.ArgumentParser, repeat: int = 3, warmup: int = 1) -> argparse.ArgumentParser:
    """The harness's options, the same in every benchmark."""
    parser.add_argument("--repeat", type=int, default=repeat, help=f"measured passes (at least 3; default {repeat})")
    parser.add_argument("--warmup", type=int, default=warmup, help=f"passes thrown away first (default {warmup})")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and short passes: checks the benchmark runs, no figures"
    )
    parser.add_argument("--probe-seconds", type=float, default=PROBE_SECONDS, help="the idle probe before the run")
    return parser


def consumers_to_end(bootstrap: str) -> list[str]:
    """Every idle consumer group on the broker moved to the end of the topics it reads, so that a service
    deployed next (its groups are named after its consumers, whatever its database) does not take up the
    events an earlier deployment left unread, of proposals its own database never had; the groups moved."""
    from kafka import KafkaAdminClient
    from kafka.admin import OffsetSpec

    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        groups = [g["group_id"] for g in admin.list_groups(states_filter=["Empty"])]
        for group in groups:
            read = admin.list_group_offsets(group).get(group, {})
            if read:
                admin.reset_group_offsets(group, dict.fromkeys(read, OffsetSpec.LATEST))
        return groups
    finally:
        admin.close()


def profile(pid: int, svg: Path, work: Callable[[], T]) -> T:
    """A flame graph (py-spy, 200 samples/s) of a process and its children while ``work()`` runs; its result.
    Profiles may nest (several processes during the same work)."""
    svg.parent.mkdir(parents=True, exist_ok=True)
    found = Path(sys.executable).parent / "py-spy"  # installed with the dev requirements
    command = [str(found) if found.exists() else "py-spy", "record", "--subprocesses", "--pid", str(pid)]
    command += ["--rate", "200", "--output", str(svg), "--nonblocking"]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # py-spy attached
    try:
        return work()
    finally:
        spy.send_signal(signal.SIGINT)  # it writes the graph and ends
        spy.wait(timeout=120)


def commit() -> str:
    """The commit the figures are measured on (`git rev-parse --short HEAD`)."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@dataclass
class Harness:
    """One benchmark's run: the probe before it, its passes, the load around them, its JSON lines."""

    bench: str
    repeat: int = 3
    warmup: int = 1
    quick: bool = False
    probe: Probe | None = None
    before: list[float] = field(default_factory=list)
    after: list[float] = field(default_factory=list)
    out: Callable[[str], None] = print
    measured_on: str = ""

    @classmethod
    def start(cls, bench: str, args: argparse.Namespace) -> Harness:
        """Probe the machine before the benchmark starts anything."""
        if args.repeat < 3 and not args.quick:
            raise SystemExit("--repeat must be at least 3 (one or two passes give no spread); --quick for a check")
        probe = Probe.take(args.probe_seconds)
        if getattr(args, "bootstrap", None):
            consumers_to_end(args.bootstrap)
        return cls(bench, args.repeat, args.warmup, args.quick, probe, measured_on=commit())  # the code as started

    def passes(self, measure: Callable[[], Figures], warm: Callable[[], Any] | None = None) -> list[Figures]:
        """`--warmup` passes thrown away (of `warm`, a shorter pass, when given), then `--repeat` measured
        ones; the load average just before and after them."""
        for _ in range(self.warmup):
            (warm or measure)()
        self.before = self.before or loadavg()  # of the first measured pass, when a benchmark has several sets
        runs = [measure() for _ in range(self.repeat)]
        self.after = loadavg()
        return runs

    def emit(
        self,
        runs: list[Figures],
        headline: str,
        ceiling: str | None = None,
        goal: str = "",
        ratio: str | None = None,
        case: str = "",
        **extra: Any,
    ) -> Figures:
        """One JSON line: every numeric figure as min / median / max over `runs`, the others from the last
        pass; `headline` and `ceiling` name the figure the README's table shows and what it stands beside,
        `ratio` the figure that compares them pass by pass (a ratio of medians hides which passes paired)."""
        line = {"bench": self.bench, "case": case, "figures": summarise(runs)}
        line["headline"] = {"figure": headline, "ceiling": ceiling, "ratio": ratio, "goal": goal}
        line |= extra
        line |= self.load()
        self.out(json.dumps(line, default=str))
        sys.stdout.flush()
        if line["outside_load"]:
            why = "; ".join(line["outside_load_why"])
            print(
                f"{self.bench} {case}: outside load ({why}): not a result, run it on a quiet machine", file=sys.stderr
            )
        return line

    def load(self) -> Figures:
        why = outside_load(self.probe, self.after)
        return {
            "commit": self.measured_on or commit(),
            "repeat": self.repeat,
            "warmup": self.warmup,
            "quick": self.quick,
            "cores": os.cpu_count() or 1,
            "probe": vars(self.probe) if self.probe else None,
            "loadavg_before": self.before,
            "loadavg_after": self.after,
            "outside_load": bool(why),
            "outside_load_why": why,
        }


def outside_load(probe: Probe | None, after: list[float] | None) -> list[str]:
    """Why a run had load from outside the benchmark, from its probe and the load average after its passes."""
    why = probe.outside_load() if probe else []
    cores = probe.cores if probe else (os.cpu_count() or 1)
    if after and after[0] > DURING_PER_CORE * cores:
        why.append(f"load average {after[0]} after the passes, over {DURING_PER_CORE} per core")
    return why


def outside_load_of(line: dict[str, Any]) -> list[str]:
    """The same reasons for a benchmark's JSON line, by today's rule (a line written before a rule changed)."""
    probe = Probe(**line["probe"]) if line.get("probe") else None
    return outside_load(probe, line.get("loadavg_after"))


def summarise(runs: list[Figures]) -> Figures:
    """Numeric figures as their spread over the passes; nested figures likewise; the rest from the last pass."""
    out: Figures = {}
    for key, last in runs[-1].items():
        values = [r[key] for r in runs if key in r]
        if isinstance(last, bool) or last is None:
            out[key] = last if all(v == last for v in values) else values
        elif isinstance(last, int | float):
            out[key] = spread([float(v) for v in values])
        elif isinstance(last, Mapping):
            out[key] = summarise(values)
        else:
            out[key] = last
    return out


def open_call(proposals_url: str, process_id: str, title: str) -> None:
    """A call for proposals open from 2020 to 2100, so that every submission is admitted."""
    import requests

    from meemaken_testkit.tokens import bearer

    phase = {"name": "call", "rung_promised": "adviseren"}
    phase |= {"starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2100-01-01T00:00:00+00:00"}
    process: dict[str, Any] = {"id": process_id, "municipality": "bench", "title": title, "kind": "proposals_call"}
    process["phases"] = [phase]
    answer = requests.post(
        f"{proposals_url}/api/v1/processes", json=process, headers=bearer("proposals", "case_officer"), timeout=30
    )
    assert answer.status_code in (200, 201), answer.text
