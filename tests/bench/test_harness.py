"""The benchmarks' harness (bench/figures.py) and the README table bench/run.py keeps: no timing, no servers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import figures  # noqa: E402
from figures import (  # noqa: E402
    Harness,
    Probe,
    options,
    outside_load_of,
    reference_work,
    slower_than_quiet,
    spread,
    summarise,
)
from run import END, START, parsed, rewrite_table  # noqa: E402


def quiet() -> Probe:
    return Probe(cores=2, loadavg_start=[0.3, 0.4, 0.5], loadavg_end=[0.28, 0.4, 0.5], busy=0.04)


def test_spread_is_min_median_max_of_the_passes() -> None:
    assert spread([3.0, 1.0, 2.0]) == {"min": 1.0, "median": 2.0, "max": 3.0}
    assert spread([4.0, 1.0, 2.0, 10.0]) == {"min": 1.0, "median": 3.0, "max": 10.0}


def test_every_numeric_figure_is_spread_and_the_others_come_from_the_last_pass() -> None:
    runs = [
        {"per_s": 10, "identical": True, "rule": "mes", "paths": {"p99_ms": 5.0}},
        {"per_s": 30, "identical": True, "rule": "mes", "paths": {"p99_ms": 7.0}},
        {"per_s": 20, "identical": False, "rule": "mes", "paths": {"p99_ms": 6.0}},
    ]
    summary = summarise(runs)
    assert summary["per_s"] == {"min": 10.0, "median": 20.0, "max": 30.0}
    assert summary["paths"] == {"p99_ms": {"min": 5.0, "median": 6.0, "max": 7.0}}
    assert summary["rule"] == "mes"
    assert summary["identical"] == [True, True, False]  # a flag that changed between passes shows each pass


def test_a_quiet_machine_has_no_outside_load() -> None:
    assert quiet().outside_load() == []


def test_a_small_rise_of_an_idle_machines_load_is_not_outside_load() -> None:
    # measured before pipeline in one bench/run.py, its broker just started: 4.7% of the CPU busy
    assert Probe(2, [0.76, 1.49, 2.36], [0.86, 1.5, 2.36], 0.047).outside_load() == []


def test_the_falling_load_an_earlier_benchmark_left_on_an_idle_machine_is_not_outside_load() -> None:
    # measured before gateway_ballots, right after submissions_load in one bench/run.py: 1.5% of the CPU busy
    assert Probe(2, [6.93, 4.25, 13.5], [6.38, 4.18, 13.43], 0.015).outside_load() == []


@pytest.mark.parametrize(
    ("probe", "reason"),
    [
        (Probe(2, [1.4, 1.0, 0.8], [1.39, 1.0, 0.8], 0.04), "over 0.5 per core"),
        (Probe(2, [6.93, 4.25, 13.5], [6.38, 4.18, 13.4], 0.3), "6.93 before the benchmark"),  # falling, CPU busy
        (Probe(2, [0.8, 0.4, 0.5], [1.3, 0.4, 0.5], 0.04), "rose from 0.8 to 1.3 with the benchmark idle"),
        (Probe(2, [0.3, 0.4, 0.5], [0.3, 0.4, 0.5], 0.6), "60% of the CPU busy with the benchmark idle"),
    ],
)
def test_load_from_outside_the_benchmark_is_named(probe: Probe, reason: str) -> None:
    why = probe.outside_load()
    assert any(reason in one for one in why)


def test_warm_up_passes_are_thrown_away_and_the_load_is_taken_around_the_measured_ones() -> None:
    calls: list[str] = []
    harness = Harness("example", repeat=3, warmup=2, probe=quiet())

    def measure() -> dict[str, float]:
        calls.append("pass")
        return {"per_s": float(len(calls))}

    runs = harness.passes(measure, warm=lambda: calls.append("warm"))
    assert calls == ["warm", "warm", "pass", "pass", "pass"]
    assert [r["per_s"] for r in runs] == [3.0, 4.0, 5.0]
    assert len(harness.before) == 3 and len(harness.after) == 3


def test_fewer_than_three_passes_are_refused_unless_quick() -> None:
    args = options(argparse.ArgumentParser()).parse_args(["--repeat", "2"])
    with pytest.raises(SystemExit, match="at least 3"):
        Harness.start("example", args)
    assert options(argparse.ArgumentParser()).parse_args([]).repeat == 3


def test_the_json_line_has_the_spread_the_headline_and_the_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("figures.loadavg", lambda: [1.0, 1.0, 1.0])
    printed: list[str] = []
    probe = Probe(2, [3.0, 2.0, 1.0], [3.1, 2.0, 1.0], 0.9)
    harness = Harness("pipeline", repeat=3, warmup=1, probe=probe, out=printed.append)
    runs = harness.passes(lambda: {"events_per_s": 100.0, "raw_per_s": 200.0, "ratio": 0.5})
    harness.emit(runs, "events_per_s", "raw_per_s", "ratio ≥ 0.5", ratio="ratio", case="3 partitions", events=500)
    (line,) = [json.loads(text) for text in printed]
    assert line["bench"] == "pipeline" and line["case"] == "3 partitions" and line["events"] == 500
    assert line["figures"]["ratio"] == {"min": 0.5, "median": 0.5, "max": 0.5}
    assert line["headline"] == {
        "figure": "events_per_s",
        "ceiling": "raw_per_s",
        "ratio": "ratio",
        "goal": "ratio ≥ 0.5",
    }
    assert line["outside_load"] is True and len(line["outside_load_why"]) == 3
    assert line["repeat"] == 3 and line["loadavg_before"] and line["loadavg_after"] and line["commit"]


def test_load_that_rose_far_above_the_benchmarks_own_during_the_passes_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    printed: list[str] = []
    harness = Harness("work_queue", repeat=3, warmup=0, probe=quiet(), out=printed.append)
    monkeypatch.setattr("figures.loadavg", lambda: [94.06, 54.6, 26.1])
    harness.emit(harness.passes(lambda: {"lag_p99_ms": 10767.0}), "lag_p99_ms", "", "p99 < 1000 ms")
    (line,) = [json.loads(text) for text in printed]
    assert line["outside_load"] is True
    assert line["outside_load_why"] == ["load average 94.06 after the passes, over 6.0 per core"]


def test_a_reference_loop_near_its_quiet_figure_is_not_a_slower_machine() -> None:
    assert slower_than_quiet(0.52, 0.64, quiet=0.5) == []  # 1.04x and 1.28x: under 1.3
    assert slower_than_quiet(None, None, quiet=0.5) == []  # not timed


@pytest.mark.parametrize(
    ("before", "after", "reasons"),
    [
        (0.95, 0.5, ["machine slower than quiet: reference loop 1.9x before the benchmark"]),
        (0.5, 0.7, ["machine slower than quiet: reference loop 1.4x after the passes"]),
        (
            1.0,
            1.6,
            [
                "machine slower than quiet: reference loop 2.0x before the benchmark",
                "machine slower than quiet: reference loop 3.2x after the passes",
            ],
        ),
        (None, 0.9, ["machine slower than quiet: reference loop 1.8x after the passes"]),
    ],
)
def test_a_reference_loop_over_1_3_times_its_quiet_figure_is_a_slower_machine(
    before: float | None, after: float | None, reasons: list[str]
) -> None:
    assert slower_than_quiet(before, after, quiet=0.5) == reasons


def test_the_reference_loop_is_compared_with_todays_quiet_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("figures.REFERENCE_QUIET_S", 0.4)
    assert slower_than_quiet(0.6, None) == ["machine slower than quiet: reference loop 1.5x before the benchmark"]


def test_the_reference_work_is_fixed() -> None:
    assert reference_work(300) == reference_work(300) > 0
    assert reference_work(301) != reference_work(300)


def test_the_reference_command_prints_the_line_the_harness_reads(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("figures.reference_round", lambda: 0.4321)
    figures.main(["--reference", "--json", "--times", "2"])
    printed = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert [one["reference_s"] for one in printed] == [0.4321, 0.4321] and len(printed[0]["loadavg"]) == 3


def test_the_json_line_has_the_reference_loop_before_and_after_and_flags_a_slower_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("figures.loadavg", lambda: [0.3, 0.3, 0.3])
    monkeypatch.setattr("figures.REFERENCE_QUIET_S", 0.5)
    printed: list[str] = []
    timings = iter([0.95])  # the machine slowed during the passes
    harness = Harness("sortition", repeat=3, warmup=0, probe=quiet(), out=printed.append)
    harness.reference, harness.reference_before = (lambda: next(timings)), 0.51
    harness.emit(harness.passes(lambda: {"leximin_seconds": 16.2}), "leximin_seconds", None, "< 15 s")
    (line,) = [json.loads(text) for text in printed]
    assert line["reference"] == {
        "before_s": 0.51,
        "after_s": 0.95,
        "quiet_s": 0.5,
        "version": figures.REFERENCE_VERSION,
    }
    assert line["outside_load"] is True
    assert line["outside_load_why"] == ["machine slower than quiet: reference loop 1.9x after the passes"]


def test_a_harness_without_a_reference_timer_times_none(monkeypatch: pytest.MonkeyPatch) -> None:
    printed: list[str] = []
    harness = Harness("example", repeat=3, warmup=0, probe=quiet(), out=printed.append)
    harness.emit(harness.passes(lambda: {"per_s": 1.0}), "per_s")
    (line,) = [json.loads(text) for text in printed]
    assert line["reference"]["before_s"] is None and line["reference"]["after_s"] is None
    assert line["outside_load"] is False


QUIET_PROBE = ([0.2, 0.1, 0.1], [0.2, 0.1, 0.1])


def line(
    bench: str,
    case: str,
    median: float,
    commit: str = "abc1234",
    quick: bool = False,
    busy: float = 0.05,
    probe: tuple[list[float], list[float]] = QUIET_PROBE,
    reference: dict[str, float | None] | None = None,
) -> str:
    figures = {"per_s": {"min": median - 1, "median": median, "max": median + 1}}
    figures["raw_per_s"] = {"min": 400.0, "median": 400.0, "max": 400.0}
    figures["ratio"] = {"min": 0.2, "median": median / 400, "max": 0.3}
    written: dict[str, object] = {"reference": reference} if reference is not None else {}  # none: before the loop
    return json.dumps(
        written
        | {
            "bench": bench,
            "case": case,
            "figures": figures,
            "headline": {"figure": "per_s", "ceiling": "raw_per_s", "ratio": "ratio", "goal": "ratio ≥ 0.5"},
            "commit": commit,
            "quick": quick,
            "probe": {"cores": 2, "loadavg_start": probe[0], "loadavg_end": probe[1], "busy": busy, "seconds": 5.5},
            "loadavg_before": [0.3, 0.1, 0.1],
            "loadavg_after": [1.9, 0.5, 0.2],
            "outside_load": busy > 0.25,
            "outside_load_why": ["busy"] if busy > 0.25 else [],
        }
    )


README = f"# Benchmarks\n\nHand-written text.\n\n{START}\n{END}\n\n## Latest figures\n\nMore hand-written text.\n"


def test_the_readme_table_gets_a_row_per_benchmark_and_case_and_keeps_the_rest_of_the_readme() -> None:
    lines = parsed(["warming up", line("pipeline", "", 120.0), line("latency", "50/s", 80.0), "{not json"])
    text = rewrite_table(README, lines)
    before, table_and_after = text.split(START)
    table, after = table_and_after.split(END)
    assert before == "# Benchmarks\n\nHand-written text.\n\n"
    assert after == "\n\n## Latest figures\n\nMore hand-written text.\n"
    rows = table.strip().splitlines()
    assert rows[0].startswith("| benchmark | case | figure | median (min - max)")
    assert rows[2].startswith("| `pipeline` | - | `per_s` | 120 (119 - 121) | 400 (`raw_per_s`) | 0.3 (0.2 - 0.3)")
    assert rows[2].endswith("| 0.2 / 0.3 → 1.9 | no | `abc1234` |")
    assert rows[3].startswith("| `latency` | 50/s |")


def test_a_new_run_replaces_the_rows_of_what_it_ran_and_leaves_the_others() -> None:
    first = rewrite_table(README, parsed([line("pipeline", "", 120.0), line("latency", "50/s", 80.0)]))
    second = rewrite_table(first, parsed([line("pipeline", "", 150.0, commit="def5678")]))
    rows = second.split(START)[1].split(END)[0].strip().splitlines()[2:]
    assert len(rows) == 2
    assert "| 150 (149 - 151) |" in rows[0] and "`def5678`" in rows[0]
    assert rows[1] == first.split(START)[1].split(END)[0].strip().splitlines()[3]
    assert rewrite_table(second, parsed([line("pipeline", "", 9.0, quick=True)])) == second  # --quick: no figures


def test_a_readme_without_the_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="markers"):
        rewrite_table("# Benchmarks\n", parsed([line("pipeline", "", 120.0)]))


def test_a_row_measured_with_outside_load_says_so() -> None:
    text = rewrite_table(README, parsed([line("pipeline", "", 120.0, busy=0.8)]))
    assert "| yes: 80% of the CPU busy with the benchmark idle | `abc1234` |" in text


def test_a_row_is_judged_by_todays_rule_not_by_the_flag_its_line_was_written_with() -> None:
    # the quiet pipeline run at 8d7818f: flagged by the earlier rule for a rise from 0.76 to 0.86, CPU 4.7% busy
    flagged = json.loads(line("pipeline", "", 120.0, busy=0.047, probe=([0.76, 1.49, 2.36], [0.86, 1.5, 2.36])))
    flagged |= {"outside_load": True, "outside_load_why": ["load average rose from 0.76 to 0.86"]}
    text = rewrite_table(README, parsed([json.dumps(flagged)]))
    assert "| 0.76 / 0.3 → 1.9 | no | `abc1234` |" in text


def test_a_row_whose_machine_was_slower_than_quiet_says_so_and_a_line_from_before_the_loop_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("figures.REFERENCE_QUIET_S", 0.5)
    version = figures.REFERENCE_VERSION
    slow = {"before_s": 0.95, "after_s": 1.0, "quiet_s": 0.5, "version": version}
    text = rewrite_table(README, parsed([line("sortition", "2000/150", 16.2, reference=slow)]))
    assert "| yes: machine slower than quiet: reference loop 1.9x before the benchmark | `abc1234` |" in text
    fast = {"before_s": 0.52, "after_s": 0.55, "quiet_s": 0.5, "version": version}
    text = rewrite_table(README, parsed([line("sortition", "2000/150", 7.47, reference=fast)]))
    assert "| 0.2 / 0.3 → 1.9 | no | `abc1234` |" in text
    old = json.loads(line("sortition", "2000/150", 7.47))
    assert "reference" not in old and outside_load_of(old) == []
    assert "| 0.2 / 0.3 → 1.9 | no | `abc1234` |" in rewrite_table(README, parsed([json.dumps(old)]))


def test_a_line_whose_reference_loop_was_not_timed_is_judged_by_the_rest() -> None:
    untimed = {"before_s": None, "after_s": None, "quiet_s": 0.5, "version": figures.REFERENCE_VERSION}
    assert outside_load_of(json.loads(line("sortition", "2000/150", 7.47, reference=untimed))) == []


def test_a_line_is_judged_by_todays_quiet_figure_and_one_of_another_loop_by_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("figures.REFERENCE_QUIET_S", 0.4)  # taken again, lower, after the line was written
    today = {"before_s": 0.6, "after_s": 0.5, "quiet_s": 0.5, "version": figures.REFERENCE_VERSION}
    assert outside_load_of(json.loads(line("sortition", "2000/150", 7.47, reference=today))) == [
        "machine slower than quiet: reference loop 1.5x before the benchmark"
    ]
    other = today | {"version": figures.REFERENCE_VERSION - 1}  # another loop: today's quiet figure is not its
    assert outside_load_of(json.loads(line("sortition", "2000/150", 7.47, reference=other))) == []
    assert outside_load_of(json.loads(line("sortition", "2000/150", 7.47, reference=other | {"before_s": 0.7}))) == [
        "machine slower than quiet: reference loop 1.4x before the benchmark"
    ]


def test_cpu_figures_are_microseconds_per_event_and_the_cores_kept_busy() -> None:
    assert figures.cpu_figures("raw", busy=3.0, events=20_000, seconds=2.0) == {
        "raw_cpu_us_per_event": 150.0,
        "raw_cores_busy": 1.5,
    }


def test_the_pipelines_cpu_is_split_into_sender_consumers_and_the_rest() -> None:
    from pipeline import Cpu

    spent = Cpu(machine=10.0, sender=2.5, consumers=3.5) - Cpu(machine=6.0, sender=1.0, consumers=1.0)
    assert spent == Cpu(machine=4.0, sender=1.5, consumers=2.5)
    assert spent.figures("pipeline", 10_000, seconds=2.0) == {
        "pipeline_cpu_us_per_event": 400.0,
        "pipeline_cores_busy": 2.0,
        "pipeline_cpu_us_per_event_sender": 150.0,
        "pipeline_cpu_us_per_event_consumers": 250.0,
        "pipeline_cpu_us_per_event_broker_database_other": 0.0,
    }
