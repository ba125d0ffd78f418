"""MAXIMIN: the lottery over feasible panels whose lowest selection probability is as high as possible.

The lowest level over fractional panels (the LP relaxation) bounds it from above; splitting that LP's optimum
into whole panels reaches it in the usual case, and column generation over whole panels settles the others.
"""

from __future__ import annotations

import numpy as np

from panels.domain.sortition.column_generation import LevelSearch, initial_panels
from panels.domain.sortition.distribution import Distribution, weigh_panels
from panels.domain.sortition.infeasibility import explain_infeasibility
from panels.domain.sortition.instance import Instance
from panels.domain.sortition.panel_program import PanelProgram
from panels.domain.sortition.relaxation import FractionalLevels
from panels.domain.sortition.splitting import split_lottery

MARGIN = 1e-9


def maximin(instance: Instance, *, initial_rounds: int | None = None) -> Distribution:
    n = len(instance.people)
    program = PanelProgram(instance)
    if program.best_panel(np.zeros(n)) is None:
        raise explain_infeasibility(instance)
    levels = FractionalLevels(instance, np.ones(n, dtype=np.bool_))
    level, _ = levels.next_level()
    targets = dict.fromkeys(range(n), max(0.0, level - MARGIN))
    distribution = split_lottery(instance, program, levels.point(), targets)
    if distribution is not None:
        return distribution
    panels, covered = initial_panels(instance, program, initial_rounds)
    search = LevelSearch(program, panels, covered)
    search.next_level(central=False)
    return weigh_panels(instance, search.panels, {int(i): 0.0 for i in np.flatnonzero(covered)})
