"""A lottery over panels, the randomness it is drawn with, and the LP that weights a set of panels."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from panels.domain.sortition.highs import INF, Rows, column_values, is_optimal, pass_model, quiet_highs
from panels.domain.sortition.instance import Instance
from panels.domain.sortition.panel_program import Panel

WEIGHT_FLOOR = 1e-10


@dataclass(frozen=True)
class Distribution:
    """Panels (sets of person ids) with the probability of drawing each, and every person's selection probability."""

    panels: list[frozenset[str]]
    weights: list[float]
    probabilities: dict[str, float]

    @property
    def minimum(self) -> float:
        return min(self.probabilities.values()) if self.probabilities else 0.0


def make_rng(seed: int | None) -> random.Random:
    """A seeded generator for replayable draws, otherwise the operating system's (secrets-grade) randomness."""
    return random.Random(seed) if seed is not None else random.SystemRandom()


def draw(distribution: Distribution, rng: random.Random) -> frozenset[str]:
    """Draw one panel with the distribution's weights."""
    return rng.choices(distribution.panels, weights=distribution.weights, k=1)[0]


def incidence(panels: Sequence[Panel]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(panel index, person index) of every seat of every panel."""
    sizes = [len(panel) for panel in panels]
    panel_idx = np.repeat(np.arange(len(panels), dtype=np.int64), sizes)
    person_idx = np.fromiter((i for panel in panels for i in sorted(panel)), dtype=np.int64, count=sum(sizes))
    return panel_idx, person_idx


def to_distribution(instance: Instance, panels: Sequence[Panel], weights: npt.NDArray[np.float64]) -> Distribution:
    """Drop negligible panels, renormalise, and compute each person's probability of selection."""
    weights = np.clip(np.asarray(weights, dtype=np.float64), 0.0, None)
    keep = [j for j in range(len(panels)) if weights[j] > WEIGHT_FLOOR]
    kept = [panels[j] for j in keep]
    w = weights[keep] / weights[keep].sum()
    panel_idx, person_idx = incidence(kept)
    probs = np.bincount(person_idx, weights=w[panel_idx], minlength=len(instance.people))
    ids = instance.ids
    return Distribution(
        panels=[frozenset(ids[i] for i in panel) for panel in kept],
        weights=[float(x) for x in w],
        probabilities={pid: float(min(1.0, p)) for pid, p in zip(ids, probs, strict=True)},
    )


def weigh_panels(instance: Instance, panels: Sequence[Panel], targets: Mapping[int, float]) -> Distribution:
    """Weights on `panels` giving every person i in `targets` probability >= targets[i] + t, with t maximal.

    Maximising the common surplus t (rather than asking feasibility within a tolerance) absorbs the solver's
    rounding: with all targets 0 it is the maximin LP; with leximin's fixed levels t ends at ~0.
    """
    m = len(panels)
    panel_idx, person_idx = incidence(panels)
    order = np.argsort(person_idx, kind="stable")
    person_sorted, panel_sorted = person_idx[order], panel_idx[order]
    bounds = np.searchsorted(person_sorted, np.arange(len(instance.people) + 1))
    rows = Rows()
    t_col = m
    for i, target in targets.items():
        cols = panel_sorted[bounds[i] : bounds[i + 1]]
        rows.add(np.append(cols, t_col), np.append(np.ones(len(cols)), -1.0), target, INF)
    rows.add(np.arange(m), 1.0, 1.0, 1.0)
    cost = np.zeros(m + 1)
    cost[t_col] = 1.0
    solver = quiet_highs()
    pass_model(solver, cost, np.append(np.zeros(m), -1.0), np.ones(m + 1), rows, maximize=True)
    solver.run()
    if not is_optimal(solver):
        raise RuntimeError(
            f"panel weighting LP ended with status {solver.modelStatusToString(solver.getModelStatus())}"
        )
    return to_distribution(instance, panels, column_values(solver)[:m])
