"""The panel-generation integer program: which panels meet the size, every quota and the household rule."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from panels.domain.sortition.face import Face
from panels.domain.sortition.highs import Rows, column_values, is_optimal, objective, pass_model, quiet_highs
from panels.domain.sortition.infeasibility import explain_infeasibility
from panels.domain.sortition.instance import Instance

Panel = frozenset[int]  # indices into Instance.people


def panel_rows(instance: Instance) -> Rows:
    """sum x = k; min <= sum of each stratum <= max; at most one person per household."""
    rows = Rows()
    k = instance.panel_size
    rows.add(np.arange(len(instance.people)), 1.0, k, k)
    for stratum in instance.strata:
        rows.add(stratum.members, 1.0, stratum.quota.min, stratum.quota.max)
    for household in instance.households:
        rows.add(household, 1.0, 0.0, 1.0)
    return rows


class PanelProgram:
    """One HiGHS model reused for every query: only the objective (and a forced member) changes. With
    `integral=False` it is the LP relaxation (fractional panels), whose optimum bounds every panel's weight."""

    def __init__(self, instance: Instance, mip_rel_gap: float = 1e-7, *, integral: bool = True) -> None:
        self.instance = instance
        self.size = len(instance.people)
        self.solves = 0
        self.mip_rel_gap = mip_rel_gap
        self.solver = quiet_highs(mip_rel_gap=mip_rel_gap, mip_abs_gap=1e-9)
        n = self.size
        pass_model(
            self.solver,
            np.zeros(n),
            np.zeros(n),
            np.ones(n),
            panel_rows(instance),
            integer=np.ones(n, dtype=np.bool_) if integral else None,
            maximize=True,
        )

    def optimum(self, weights: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], float] | None:
        """The (whole, or with integral=False fractional) panel maximising the weight of its members, as 0-1
        values per person, and that weight; None if there is none."""
        self.solver.changeColsCost(self.size, np.arange(self.size, dtype=np.int32), np.asarray(weights, np.float64))
        self.solver.run()
        self.solves += 1
        if not is_optimal(self.solver):
            return None
        return column_values(self.solver), objective(self.solver)

    def best_panel(self, weights: npt.NDArray[np.float64]) -> tuple[Panel, float] | None:
        """The feasible panel maximising the sum of its members' weights, with that sum; None if no panel exists."""
        found = self.optimum(weights)
        if found is None:
            return None
        return frozenset(int(i) for i in np.flatnonzero(found[0] > 0.5)), found[1]

    def good_panels(self, weights: npt.NDArray[np.float64], above: float) -> list[tuple[Panel, float]]:
        """The best panel and the other panels the search met on its way, each weighing more than `above`."""
        self.solver.setOptionValue("mip_improving_solution_save", True)
        try:
            best = self.best_panel(weights)
            saved = self.solver.getSavedMipSolutions() if best is not None else []
        finally:
            self.solver.setOptionValue("mip_improving_solution_save", False)
        if best is None:
            return []
        found = {best[0]: best[1]}
        for solution in saved:
            if solution.objective > above:
                panel = frozenset(int(i) for i in np.flatnonzero(np.asarray(solution.col_value) > 0.5))
                if len(panel) == self.instance.panel_size:
                    found.setdefault(panel, float(solution.objective))
        return sorted(found.items(), key=lambda item: -item[1])

    def restrict(self, face: Face) -> None:
        """From now on search only the panels of `face`."""
        n = self.size
        self.solver.changeColsBounds(n, np.arange(n, dtype=np.int32), face.person_lower, face.person_upper)
        bounds = zip(face.stratum_lower.tolist(), face.stratum_upper.tolist(), strict=True)
        for row, (low, high) in enumerate(bounds, start=1):
            self.solver.changeRowBounds(row, float(low), float(high))
        first = len(self.instance.strata) + 1
        for row, low in enumerate(face.household_lower.tolist(), start=first):
            self.solver.changeRowBounds(row, float(low), 1.0)

    def panel_with(self, person: int, weights: npt.NDArray[np.float64]) -> Panel | None:
        """The best panel (by weights) that contains `person`; None if `person` sits on no feasible panel."""
        self.solver.changeColBounds(person, 1.0, 1.0)
        try:
            found = self.best_panel(weights)
        finally:
            self.solver.changeColBounds(person, 0.0, 1.0)
        return None if found is None else found[0]


def require_feasible(instance: Instance) -> None:
    """Raise InfeasibleQuotas (naming the smallest relaxation) if no panel meets every quota."""
    if PanelProgram(instance).best_panel(np.zeros(len(instance.people))) is None:
        raise explain_infeasibility(instance)
