"""Scaling curves as SVG: how a figure grows with the size of the work (issue 18, item 4).

One function, ``write_svg``, draws one or more series (the median at each point, with the passes'
min-max as a band when given) into a deterministic SVG: no date, a fixed hash salt and fixed ids, so a
rerun that measures the same figures writes the same file and a changed curve shows as a diff.

    from curves import Series, write_svg
    write_svg(Path("bench/curves/pipeline-scaling.svg"), "Pipeline events/s by partitions",
              "partitions x consumers", "events/s",
              [Series("pipeline", [(1, 900.0), (2, 1500.0)], low=[880, 1450], high=[910, 1530]),
               Series("raw kafka-python", [(1, 2000.0), (2, 3500.0)])])
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("svg")
matplotlib.rcParams["svg.hashsalt"] = "meemaken-bench"
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, searchable, diffable

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

WIDTH_IN, HEIGHT_IN = 7.0, 4.2


@dataclass(frozen=True)
class Series:
    """One line of a curve: ``points`` are (x, median); ``low``/``high`` the min and max at each point."""

    label: str
    points: Sequence[tuple[float, float]]
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None

    def __post_init__(self) -> None:
        for name, bound in (("low", self.low), ("high", self.high)):
            if bound is not None and len(bound) != len(self.points):
                raise ValueError(f"{self.label}: {name} has {len(bound)} values for {len(self.points)} points")


def of_passes(label: str, passes: Mapping[float, Sequence[Mapping[str, Any]]], figure: str) -> Series:
    """One figure of a benchmark's passes (bench/figures.py) at each x: the median, with the min-max band."""
    values = {x: [float(p[figure]) for p in runs] for x, runs in sorted(passes.items())}
    return Series(
        label,
        [(float(x), statistics.median(v)) for x, v in values.items()],
        low=[min(v) for v in values.values()],
        high=[max(v) for v in values.values()],
    )


def write_svg(
    path: Path,
    title: str,
    x_label: str,
    y_label: str,
    series: Sequence[Series],
    *,
    log_x: bool = False,
    log_y: bool = False,
    note: str = "",
) -> Path:
    """Draw ``series`` into the SVG file ``path`` (its folder is made) and return the path."""
    if not series or not any(s.points for s in series):
        raise ValueError(f"{title}: nothing to draw")
    figure, axes = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN))
    try:
        for line in series:
            xs = [x for x, _ in line.points]
            ys = [y for _, y in line.points]
            (drawn,) = axes.plot(xs, ys, marker="o", label=line.label)
            if line.low is not None and line.high is not None:
                axes.fill_between(xs, list(line.low), list(line.high), alpha=0.2, color=drawn.get_color(), linewidth=0)
        if log_x:
            axes.set_xscale("log")
        if log_y:
            axes.set_yscale("log")
        axes.set_title(title)
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend()
        if note:
            figure.text(0.01, 0.01, note, fontsize=7, alpha=0.8)
        figure.tight_layout(rect=(0, 0.04 if note else 0, 1, 1))
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="svg", metadata={"Date": None, "Creator": "meemaken bench/curves.py"})
    finally:
        plt.close(figure)
    return path
