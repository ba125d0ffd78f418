"""LEXIMIN over fractional panels: the LP relaxation of the panel polytope, without any column generation.

A lottery's selection probabilities p always meet the panel rows on average: sum p = k, each quota's
min <= sum over its stratum <= max, at most 1 per household, 0 <= p <= 1 (and 0 for people on no panel).
So the leximin over this polytope is at least as good as any lottery's, level by level; when a lottery
reaches it (column generation decomposes it into panels), it is the leximin. Levels as in Flanigan et al.:

    maximise z  s.t.  p in the polytope,  p_i >= z for every free person,  p_i >= level_i for the fixed ones

and a free person whose central dual weight is positive cannot rise above z: it is fixed there.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from panels.domain.sortition.highs import INF, column_values, is_optimal, objective, pass_model, quiet_highs, row_duals
from panels.domain.sortition.instance import Instance
from panels.domain.sortition.panel_program import panel_rows

FIX_SHARE = 1e-3  # a free person is held when its central dual weight exceeds this share of the largest one


class FractionalLevels:
    """The level LP over fractional panels, one HiGHS model changed in place as people are fixed."""

    def __init__(self, instance: Instance, covered: npt.NDArray[np.bool_]) -> None:
        n = len(instance.people)
        self.n = n
        rows = panel_rows(instance)
        self.first = len(rows)  # row first + i: p_i - z >= 0
        for i in range(n):
            rows.add([i, n], [1.0, -1.0], 0.0, INF)
        cost = np.zeros(n + 1)
        cost[n] = 1.0
        upper = np.append(np.where(covered, 1.0, 0.0), INF)
        self.solver = quiet_highs(run_crossover="off")
        pass_model(self.solver, cost, np.zeros(n + 1), upper, rows, maximize=True)
        self.free = set(np.flatnonzero(covered).tolist())
        for i in np.flatnonzero(~covered).tolist():
            self._release(i, 0.0)

    def _release(self, person: int, level: float) -> None:
        self.solver.changeCoeff(self.first + person, self.n, 0.0)
        self.solver.changeRowBounds(self.first + person, -INF, INF)
        self.solver.changeColBounds(person, level, 1.0 if level <= 1.0 else level)

    def fix(self, people: Iterable[int], level: float) -> None:
        for person in people:
            self.free.discard(person)
            self._release(person, level)

    def _run(self, solver: str) -> bool:
        self.solver.setOptionValue("solver", solver)
        self.solver.run()
        return is_optimal(self.solver)

    def next_level(self) -> tuple[float, list[int]]:
        """The next level (by simplex, precise) and the free people held at it (by a central optimum, from the
        interior point method without crossover)."""
        if not self._run("simplex"):
            status = self.solver.modelStatusToString(self.solver.getModelStatus())
            raise RuntimeError(f"fractional level LP ended with status {status}")
        level = objective(self.solver)
        free = np.fromiter(self.free, dtype=np.int64, count=len(self.free))
        duals = np.abs(row_duals(self.solver)[self.first :])
        if self._run("ipm"):  # else the vertex's duals: fewer people held, but still only held ones
            duals = np.abs(row_duals(self.solver)[self.first :])
        if level >= 1.0 - 1e-9:
            return 1.0, free.tolist()
        held = free[duals[free] > FIX_SHARE * duals[free].max()]
        return level, held.tolist()

    def point(self) -> npt.NDArray[np.float64]:
        """A vertex of the current level LP's optimal face: probabilities meeting every fixed level."""
        self._run("simplex")
        return np.clip(column_values(self.solver)[: self.n], 0.0, 1.0)


def fractional_leximin(
    instance: Instance, covered: npt.NDArray[np.bool_], margin: float = 1e-9
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each covered person's leximin level over fractional panels (0 for the others), and a point of the
    polytope meeting every level (the levels themselves, up to the solver's rounding)."""
    levels = np.zeros(len(instance.people))
    search = FractionalLevels(instance, covered)
    while search.free:
        level, held = search.next_level()
        level = min(1.0, max(0.0, level - margin))
        levels[held] = level
        search.fix(held, level)
    return levels, search.point()
