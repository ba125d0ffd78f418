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

A slower machine: the load average and the busy share cannot see a machine that is slower without being busy
(a VM's CPU steal or throttling: LEXIMIN 2000/150 took 16.2 s after hours of load, 7.47 s on the freshly started
machine). The reference loop (`reference_work`, a fixed pure-Python workload of dicts, strings and JSON, its
fastest of `REFERENCE_ROUNDS` rounds, in an interpreter of its own: `reference_seconds`) is timed after the probe
and after each set of passes; either over `SLOWER` times `REFERENCE_QUIET_S`, the figure this machine gives when
fresh and quiet, is outside load ("machine slower than quiet"). `python bench/figures.py --reference` measures it.
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
SLOWER = 1.3  # the reference loop this many times slower than on the quiet machine: the machine is slower
REFERENCE_ROUNDS = 3  # the reference figure is the fastest round: a moment's neighbour does not flag a run
REFERENCE_ITERATIONS = 30_000  # a round's records (about 0.25 s a round here: 3 rounds, under 1 s)
REFERENCE_VERSION = 1  # one more whenever reference_work, REFERENCE_ITERATIONS or REFERENCE_ROUNDS change
# The reference loop's seconds (`reference_seconds`) on this machine quiet. Measured 2026-12-02, 14:30 - 15:15 UTC,
# REFERENCE_VERSION 1: `reference_seconds()` every ~16 s, 140 times, on the 2-core VM shared with other sessions (load
# average 1.2 - 38); the fastest of the 10 taken with the one-minute load average under 3 (1.94, 15:14): 0.258 s
# (those 10: 0.258 - 0.373 s; the 16 with the CPU no busier than the loop: 0.268 - 0.306 s; under load 15 - 38: up to
# 4.07 s). Not a fresh machine: take it again on one freshly started with nothing else running (`python
# bench/figures.py --reference --times 10`, the fastest), and whenever REFERENCE_VERSION changes (a line of another
# version is judged by the quiet figure it carries).
# Taken again on 2026-12-02 (twelfth session; the machine up 7 h, LEXIMIN 2000/150 8.33 s against 7.47 s fresh):
# the fastest of 10 at load average 0.5, 0.226 s (those 10: 0.226 - 0.247 s). Lower than the first, on a machine
# still not fresh: a slower machine is flagged sooner (1.3x is now 0.29 s).
REFERENCE_QUIET_S = 0.226
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


def busy_core_seconds() -> float:
    """Core-seconds all cores spent busy since boot (every process's), from /proc/stat."""
    return cpu_times()[0] / os.sysconf("SC_CLK_TCK")


def cpu_figures(run: str, busy: float, events: int, seconds: float) -> dict[str, float]:
    """A run's CPU as figures: microseconds of the machine's busy core-seconds (`busy`) per event, and the cores
    it kept busy on average. Per event, they say what a rate can be once the cores are the limit."""
    return {f"{run}_cpu_us_per_event": 1e6 * busy / events, f"{run}_cores_busy": busy / seconds}


def reference_work(iterations: int = REFERENCE_ITERATIONS) -> int:
    """A fixed, deterministic pure-Python workload like the services' own (records as dicts, f-strings, JSON
    both ways, str methods, a sort, a grouping); a checksum, so that none of it is optimised away."""
    checksum = 0
    groups: dict[str, list[int]] = {}
    for i in range(iterations):
        record = {
            "proposal_id": f"{i:08x}-bench-{i % 97:02d}",
            "process_id": f"process-{i % 13}",
            "title": f"Benchmark proposal {i} for the neighbourhood of district {i % 29}",
            "votes": [i % 7, i % 11, (i * 31) % 17],
            "tags": {"mobility": i % 3 == 0, "green": i % 5 == 0},
        }
        text = json.dumps(record, sort_keys=True)
        back = json.loads(text)
        words = back["title"].lower().split()
        checksum += len(text) + sum(back["votes"]) + len(words) + ("district" in words)
        groups.setdefault(back["process_id"], []).append(len(text))
        if i % 1000 == 999:
            checksum += sum(sorted(groups[back["process_id"]])[:10])
    return checksum


def reference_round(iterations: int = REFERENCE_ITERATIONS, rounds: int = REFERENCE_ROUNDS) -> float:
    """Seconds (wall clock) of the fastest of `rounds` runs of `reference_work` in this interpreter."""
    best = math.inf
    for _ in range(rounds):
        began = time.perf_counter()
        reference_work(iterations)
        best = min(best, time.perf_counter() - began)
    return round(best, 4)


def reference_seconds() -> float | None:
    """`reference_round` in an interpreter of its own (this one's, a fresh heap: the benchmark's objects do not
    slow its garbage collector), started outside the timing; None, said on stderr, if it failed (the benchmark's
    figures are kept, untimed)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--reference", "--json"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
        return float(json.loads(done.stdout.splitlines()[-1])["reference_s"])
    except (OSError, ValueError, IndexError, KeyError, subprocess.SubprocessError) as error:
        print(f"the reference loop failed, not timed: {error!r}", file=sys.stderr)
        return None


def reference_line(before: float | None, after: float | None) -> Figures:
    """The JSON line's "reference": the loop's seconds before and after, today's quiet figure, the loop's version."""
    return {"before_s": before, "after_s": after, "quiet_s": REFERENCE_QUIET_S, "version": REFERENCE_VERSION}


def slower_than_quiet(before: float | None, after: float | None, quiet: float | None = None) -> list[str]:
    """Why the machine was slower than quiet: the reference loop over `SLOWER` times its quiet figure (default
    today's `REFERENCE_QUIET_S`) before the benchmark or after its passes; empty when it was not, or was not timed
    (a line written before the loop was)."""
    quiet = REFERENCE_QUIET_S if quiet is None else quiet
    why: list[str] = []
    if quiet <= 0:
        return why
    for seconds, when in ((before, "before the benchmark"), (after, "after the passes")):
        if seconds is not None and seconds > SLOWER * quiet:
            why.append(f"machine slower than quiet: reference loop {seconds / quiet:.1f}x {when}")
    return why


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
    Profiles may nest (several processes during the same work). A path ending in ``.txt`` gets the samples as
    collapsed stacks instead (py-spy's raw format, a stack and its count a line), to be summed as text."""
    svg.parent.mkdir(parents=True, exist_ok=True)
    found = Path(sys.executable).parent / "py-spy"  # installed with the dev requirements
    command = [str(found) if found.exists() else "py-spy", "record", "--subprocesses", "--pid", str(pid)]
    command += ["--rate", "200", "--output", str(svg), "--nonblocking"]
    command += ["--format", "raw"] if svg.suffix == ".txt" else []
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
    reference: Callable[[], float | None] | None = None  # the reference loop's timer (`reference_seconds`)
    reference_before: float | None = None
    reference_after: float | None = None

    @classmethod
    def start(cls, bench: str, args: argparse.Namespace) -> Harness:
        """Probe the machine before the benchmark starts anything, then time the reference loop."""
        if args.repeat < 3 and not args.quick:
            raise SystemExit("--repeat must be at least 3 (one or two passes give no spread); --quick for a check")
        probe = Probe.take(args.probe_seconds)
        before = reference_seconds()  # after the probe: the loop's own CPU is not in it
        if getattr(args, "bootstrap", None):
            consumers_to_end(args.bootstrap)
        harness = cls(bench, args.repeat, args.warmup, args.quick, probe, measured_on=commit())  # the code as started
        harness.reference, harness.reference_before = reference_seconds, before
        return harness

    def passes(self, measure: Callable[[], Figures], warm: Callable[[], Any] | None = None) -> list[Figures]:
        """`--warmup` passes thrown away (of `warm`, a shorter pass, when given), then `--repeat` measured
        ones; the load average just before and after them, then the reference loop."""
        for _ in range(self.warmup):
            (warm or measure)()
        self.before = self.before or loadavg()  # of the first measured pass, when a benchmark has several sets
        runs = [measure() for _ in range(self.repeat)]
        self.after = loadavg()  # before the reference loop, which would be in it
        if self.reference is not None:
            self.reference_after = self.reference()
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
        reference = reference_line(self.reference_before, self.reference_after)
        why = outside_load(self.probe, self.after, reference)
        return {
            "commit": self.measured_on or commit(),
            "repeat": self.repeat,
            "warmup": self.warmup,
            "quick": self.quick,
            "cores": os.cpu_count() or 1,
            "probe": vars(self.probe) if self.probe else None,
            "loadavg_before": self.before,
            "loadavg_after": self.after,
            "reference": reference,
            "outside_load": bool(why),
            "outside_load_why": why,
        }


def outside_load(
    probe: Probe | None, after: list[float] | None, reference: Mapping[str, Any] | None = None
) -> list[str]:
    """Why a run had load from outside the benchmark, from its probe, the load average after its passes and the
    reference loop's seconds before and after (compared with today's `REFERENCE_QUIET_S`; those of another version
    of the loop with the quiet figure they carry)."""
    why = probe.outside_load() if probe else []
    cores = probe.cores if probe else (os.cpu_count() or 1)
    if after and after[0] > DURING_PER_CORE * cores:
        why.append(f"load average {after[0]} after the passes, over {DURING_PER_CORE} per core")
    if reference:
        same = reference.get("version") == REFERENCE_VERSION
        quiet = None if same else reference.get("quiet_s")
        if same or quiet:
            why += slower_than_quiet(reference.get("before_s"), reference.get("after_s"), quiet)
    return why


def outside_load_of(line: dict[str, Any]) -> list[str]:
    """The same reasons for a benchmark's JSON line, by today's rule (a line written before a rule changed; one
    without a "reference", written before the loop was, is judged by the rest)."""
    probe = Probe(**line["probe"]) if line.get("probe") else None
    return outside_load(probe, line.get("loadavg_after"), line.get("reference"))


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


def main(argv: list[str] | None = None) -> None:
    """`--reference`: the reference loop's seconds (`reference_round`), `--times` times, with the load average."""
    parser = argparse.ArgumentParser(description="the harness's reference loop, timed on this machine")
    parser.add_argument("--reference", action="store_true", help="time the reference loop")
    parser.add_argument("--times", type=int, default=1, help="measurements, one after the other (default 1)")
    parser.add_argument("--json", action="store_true", help="one JSON line a measurement (as the harness reads it)")
    args = parser.parse_args(argv)
    if not args.reference:
        parser.error("nothing to do: --reference times the reference loop")
    for _ in range(args.times):
        seconds = reference_round()
        if args.json:
            print(json.dumps({"reference_s": seconds, "loadavg": loadavg()}), flush=True)
        else:
            ratio = seconds / REFERENCE_QUIET_S
            print(
                f"{seconds:.4f} s ({ratio:.2f}x the quiet {REFERENCE_QUIET_S} s), load average {loadavg()}", flush=True
            )


if __name__ == "__main__":
    main()
