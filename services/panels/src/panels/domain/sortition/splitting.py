"""Splitting a point of the relaxed panel polytope (fractional panels) into a lottery over whole panels.

Carathéodory's walk: with residual mass w and residual r (r / w in the polytope), take a panel P of the
smallest face holding r / w (the panel program restricted to it), give it the largest weight lambda that
keeps (r - lambda 1_P) / (w - lambda) in the polytope, and go on: each step makes one more row tight, so
the face shrinks. When the polytope's vertices near the point are whole panels this ends with the point
split exactly; otherwise the face runs out of panels, and the walk is retried with jittered weights
(the lottery LP then mixes the panels of all walks). Each walk is deterministic: so is the lottery.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from panels.domain.sortition.completion import complete_panel
from panels.domain.sortition.distribution import Distribution, weigh_panels
from panels.domain.sortition.face import Face
from panels.domain.sortition.instance import Instance
from panels.domain.sortition.panel_program import Panel, PanelProgram

WALKS = 6  # walks before giving up; each after the first takes panels heaviest under slightly jittered weights
JITTER = 0.01  # of the largest probability
WALK_GAP = 1e-2  # the walk's panels need not be the heaviest: within 1% steps about as far, far faster (issue 18:
# 500/75 in 5.6 s of CPU at 1e-2 against 10.3 s at 1e-3, 50 solves against 57, the same minimum within 5e-8)
SHORTFALL = 1e-6  # a lottery counts as meeting its targets when nobody falls short by more
ROUNDING = 1e-7  # absolute error of the residual: rows this close to their bound count as tight
CANDIDATES = 20  # the small program chooses the seats left among the LP's support and this many per seat
LEFT = 1e-9  # stop when this little mass is left; column generation settles the rest


def _largest_step(
    instance: Instance, residual: npt.NDArray[np.float64], mass: float, inside: npt.NDArray[np.bool_]
) -> float:
    """The largest lambda keeping (residual - lambda 1_P) / (mass - lambda) in the polytope."""
    steps = [mass, float(residual[inside].min()), float((mass - residual[~inside]).min(initial=mass))]
    for stratum in instance.strata:
        seats = int(inside[stratum.members].sum())
        total = float(residual[stratum.members].sum())
        low, high = stratum.quota.min, stratum.quota.max
        if seats > low:
            steps.append((total - low * mass) / (seats - low))
        if seats < high:
            steps.append((high * mass - total) / (high - seats))
    for members in instance.households:
        if not inside[members].any():
            steps.append(mass - float(residual[members].sum()))
    return max(0.0, min(steps))


def _heavy_panel(
    program: PanelProgram, relaxed: PanelProgram, face: Face, weights: npt.NDArray[np.float64]
) -> tuple[Panel, float] | None:
    """A panel of `face` within WALK_GAP of the heaviest. The face's fractional optimum (a warm-started LP)
    bounds every panel's weight; a panel keeping that optimum's whole members is usually within the gap of
    the bound. Its open seats are first completed by search (completion.complete_panel, heaviest first),
    then, when that fails or falls short, by a small integer program over the optimum's support and the
    heaviest CANDIDATES per seat. Only when neither is within the gap is the whole face searched."""
    relaxed.restrict(face)
    bound = relaxed.optimum(weights)
    if bound is not None:
        x = bound[0]
        members = x > 1.0 - ROUNDING
        lowest = bound[1] - WALK_GAP * abs(bound[1])
        open_ = np.flatnonzero((face.person_upper > 0.5) & ~members)
        completed = complete_panel(program.instance, face, members, open_[np.lexsort((-x[open_], -weights[open_]))])
        if completed is not None and float(weights[list(completed)].sum()) >= lowest:
            return completed, float(weights[list(completed)].sum())
        seats = program.instance.panel_size - int(members.sum())
        heavy = np.argsort(-np.where(members | (face.person_upper < 0.5), -np.inf, weights), kind="stable")
        candidates = x > ROUNDING
        candidates[heavy[: CANDIDATES * seats]] = True
        program.restrict(
            replace(
                face,
                person_lower=np.where(members, 1.0, face.person_lower),
                person_upper=np.where(candidates, face.person_upper, 0.0),
            )
        )
        found = program.best_panel(weights)
        if found is not None and found[1] >= lowest:
            return found
    program.restrict(face)
    return program.best_panel(weights)


def split(
    instance: Instance,
    program: PanelProgram,
    point: npt.NDArray[np.float64],
    jitter: npt.NDArray[np.float64] | None = None,
) -> tuple[list[Panel], list[float]]:
    """Panels and weights (summing to at most 1) whose weighted sum approaches `point` from below. Each step
    takes a face's panel within WALK_GAP of the heaviest under the residual (plus `jitter`, to vary the walk)."""
    residual = np.asarray(point, dtype=np.float64).copy()
    mass = 1.0
    panels: list[Panel] = []
    weights: list[float] = []
    relaxed = PanelProgram(instance, integral=False)
    while mass > LEFT:
        face = Face.of(instance, residual / mass, ROUNDING / mass)
        found = _heavy_panel(program, relaxed, face, residual / mass if jitter is None else residual / mass + jitter)
        if found is None:
            break
        inside = np.zeros(len(residual), dtype=np.bool_)
        inside[list(found[0])] = True
        step = _largest_step(instance, residual, mass, inside)
        if step <= 0.0:
            break
        residual[inside] -= step
        np.clip(residual, 0.0, None, out=residual)
        mass -= step
        panels.append(found[0])
        weights.append(step)
    return panels, weights


def split_lottery(
    instance: Instance, program: PanelProgram, point: npt.NDArray[np.float64], targets: dict[int, float]
) -> Distribution | None:
    """A lottery over the panels of up to WALKS walks to `point` giving every person i in `targets` at least
    targets[i] (up to SHORTFALL); None if the walks' panels cannot."""
    panels: list[Panel] = []
    scale = JITTER * float(np.max(point))
    program.solver.setOptionValue("mip_rel_gap", WALK_GAP)
    try:
        for walk in range(WALKS):
            jitter = None if walk == 0 else np.random.default_rng(walk).random(len(point)) * scale
            panels += split(instance, program, point, jitter)[0]
            if not panels:
                continue
            distribution = weigh_panels(instance, panels, targets)
            probabilities = distribution.probabilities
            if all(probabilities[instance.people[i].id] >= t - SHORTFALL for i, t in targets.items()):
                return distribution
        return None
    finally:
        program.restrict(Face.whole(instance, np.ones(len(point), dtype=np.bool_)))
        program.solver.setOptionValue("mip_rel_gap", program.mip_rel_gap)
