"""Panels for the LP-based lotteries: a covering start by multiplicative weights, then column generation.

The level LP is the dual of "maximise z: some lottery over panels gives every free person >= z and every
fixed person i >= p_i" (Flanigan et al. 2021, leximin):

    minimise  yhat - sum_{i fixed} p_i y_i
    s.t.      sum_{i in P} y_i <= yhat    for every feasible panel P   (only panels found so far are rows)
              sum_{i free} y_i = 1,  y >= 0

A pricing integer program finds the panel maximising sum_{i in P} y_i; while it beats yhat a row is added.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from panels.domain.sortition.highs import INF, Rows, column_values, is_optimal, objective, pass_model, quiet_highs
from panels.domain.sortition.infeasibility import explain_infeasibility
from panels.domain.sortition.instance import Instance
from panels.domain.sortition.panel_program import Panel, PanelProgram

MW_DECAY = 0.8
PRICING_EPS = 1e-7


def initial_panels(
    instance: Instance, program: PanelProgram, rounds: int | None = None
) -> tuple[list[Panel], npt.NDArray[np.bool_]]:
    """Diverse starting panels, and who sits on at least one feasible panel.

    Multiplicative weights: repeatedly take the heaviest feasible panel and shrink its members' weights, so
    later panels favour people not yet chosen. Anyone still uncovered gets an IP forcing them in; if that is
    infeasible they sit on no feasible panel at all (probability 0 under every lottery).
    Raises InfeasibleQuotas (with the smallest relaxation) when no panel exists.
    """
    n, k = len(instance.people), instance.panel_size
    rounds = rounds if rounds is not None else min(3 * n, 2 * math.ceil(n / k) + 10)
    weights = np.ones(n)
    panels: list[Panel] = []
    seen: set[Panel] = set()
    covered = np.zeros(n, dtype=np.bool_)
    for _ in range(rounds):
        found = program.best_panel(weights)
        if found is None:
            if not panels:
                raise explain_infeasibility(instance)
            break
        panel = found[0]
        members = np.fromiter(panel, dtype=np.int64)
        if panel not in seen:
            seen.add(panel)
            panels.append(panel)
            covered[members] = True
        weights[members] *= MW_DECAY
        weights *= n / weights.sum()
    for person in range(n):
        if covered[person]:
            continue
        panel_with = program.panel_with(person, (~covered).astype(np.float64))
        if panel_with is not None:
            panels.append(panel_with)
            seen.add(panel_with)
            covered[np.fromiter(panel_with, dtype=np.int64)] = True
    return panels, covered


class LevelSearch:
    """The level LP over a growing set of panels, priced against the panel program."""

    def __init__(self, program: PanelProgram, panels: list[Panel], covered: npt.NDArray[np.bool_]) -> None:
        self.program = program
        self.panels = list(panels)
        self.seen = set(panels)
        self.n = program.size
        self.yhat = self.n
        self.fixed: dict[int, float] = {}
        self.solver = quiet_highs(presolve="off")  # keep the simplex warm start between solves
        rows = Rows()
        rows.add(np.flatnonzero(covered), 1.0, 1.0, 1.0)  # normalisation row 0: sum of free y = 1
        for panel in self.panels:
            self._panel_row(rows, panel)
        cost = np.zeros(self.n + 1)
        cost[self.yhat] = 1.0
        upper = np.append(np.where(covered, INF, 0.0), INF)
        pass_model(self.solver, cost, np.zeros(self.n + 1), upper, rows)

    def _panel_row(self, rows: Rows, panel: Panel) -> None:
        members = np.fromiter(sorted(panel), dtype=np.int64, count=len(panel))
        rows.add(np.append(members, self.yhat), np.append(np.ones(len(members)), -1.0), -INF, 0.0)

    def fix(self, person: int, probability: float) -> None:
        """person leaves the free set: its y now earns p_i in the objective and leaves the normalisation row."""
        self.fixed[person] = probability
        self.solver.changeColCost(person, -probability)
        self.solver.changeCoeff(0, person, 0.0)

    def _lower_fixed(self, amount: float) -> None:
        """Solver rounding left the fixed levels a hair infeasible (the LP is unbounded): lower them all."""
        for person, probability in self.fixed.items():
            self.fix(person, max(0.0, probability - amount))

    def _solve(self, central: bool) -> npt.NDArray[np.float64]:
        if central:  # interior point without crossover: a central (strictly complementary) optimum
            self.solver.setOptionValue("solver", "ipm")
            self.solver.setOptionValue("run_crossover", "off")
        else:
            self.solver.setOptionValue("solver", "simplex")
        self.solver.run()
        if not is_optimal(self.solver) and central:  # fall back to simplex (a vertex: fewer people fixed per round)
            self.solver.setOptionValue("solver", "simplex")
            self.solver.run()
        for attempt in range(1, 6):
            if is_optimal(self.solver) or not self.fixed:
                break
            self._lower_fixed(1e-8 * 10**attempt)
            self.solver.setOptionValue("solver", "simplex")
            self.solver.run()
        if not is_optimal(self.solver):
            status = self.solver.modelStatusToString(self.solver.getModelStatus())
            raise RuntimeError(f"level LP ended with status {status}")
        return column_values(self.solver)

    def _price(self, y: npt.NDArray[np.float64]) -> bool:
        """Add the panels (from the integer program) whose weight under y beats their row's bound; True if any."""
        bound = y[self.yhat] + PRICING_EPS * max(1.0, abs(y[self.yhat]))
        weights = np.clip(y[: self.n], 0.0, None)
        found = self.program.good_panels(weights, bound)
        if not found:
            raise RuntimeError("pricing found no panel although panels exist")
        rows = Rows()
        for panel, value in found:
            if value > bound and panel not in self.seen:
                self.panels.append(panel)
                self.seen.add(panel)
                self._panel_row(rows, panel)
        if not len(rows):
            return False
        lower, upper, starts, indices, values = rows.arrays()
        self.solver.addRows(len(rows), lower, upper, len(indices), starts, indices, values)
        return True

    def next_level(self, central: bool = True) -> tuple[float, npt.NDArray[np.float64]]:
        """Optimal level and dual weights y, after adding every panel that the pricing step finds."""
        while True:
            y = self._solve(central=False)
            if self._price(y):
                continue
            level = objective(self.solver)  # the simplex optimum is the precise one
            if not central:
                return level, y[: self.n]
            y = self._solve(central=True)
            if not self._price(y):
                return level, y[: self.n]
