"""MAXIMIN: the lottery over feasible panels whose lowest selection probability is as high as possible."""

from __future__ import annotations

import numpy as np

from panels.domain.sortition.column_generation import LevelSearch, initial_panels
from panels.domain.sortition.distribution import Distribution, weigh_panels
from panels.domain.sortition.instance import Instance
from panels.domain.sortition.panel_program import PanelProgram


def maximin(instance: Instance, *, initial_rounds: int | None = None) -> Distribution:
    """One level of the leximin search (vertex duals suffice), then the weights maximising the minimum."""
    program = PanelProgram(instance)
    panels, covered = initial_panels(instance, program, initial_rounds)
    search = LevelSearch(program, panels, covered)
    search.next_level(central=False)
    return weigh_panels(instance, search.panels, {int(i): 0.0 for i in np.flatnonzero(covered)})
