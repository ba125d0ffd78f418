"""LEXIMIN (Flanigan, Gölz, Gupta, Hennig, Procaccia, Nature 2021): maximise the lowest selection probability,
then the second lowest, and so on, over every lottery of feasible panels."""

from __future__ import annotations

import numpy as np

from panels.domain.sortition.column_generation import LevelSearch, initial_panels
from panels.domain.sortition.distribution import Distribution, weigh_panels
from panels.domain.sortition.instance import Instance
from panels.domain.sortition.panel_program import PanelProgram

FIX_MARGIN = 1e-9  # fixed levels sit this far below the LP's level, so solver rounding never makes them infeasible
FIX_WEIGHT = 1e-6  # a free person is fixed when its central dual weight exceeds this share of the free people's mean


def leximin(instance: Instance, *, initial_rounds: int | None = None) -> Distribution:
    """Each round solves the level LP; the people whose central dual weight is positive cannot rise above the
    level in any optimal lottery, so their probability is fixed there. Ends when everyone is fixed."""
    program = PanelProgram(instance)
    panels, covered = initial_panels(instance, program, initial_rounds)
    search = LevelSearch(program, panels, covered)
    free = set(np.flatnonzero(covered).tolist())
    fixed: dict[int, float] = {}
    while free:
        level, y = search.next_level()
        threshold = FIX_WEIGHT / len(free)
        newly = [i for i in free if y[i] > threshold] or [max(free, key=lambda i: y[i])]
        for person in newly:
            fixed[person] = max(0.0, level - FIX_MARGIN)
            free.discard(person)
            search.fix(person, fixed[person])
    return weigh_panels(instance, search.panels, fixed)
