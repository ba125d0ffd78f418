"""LEXIMIN (Flanigan, Gölz, Gupta, Hennig, Procaccia, Nature 2021): maximise the lowest selection probability,
then the second lowest, and so on, over every lottery of feasible panels.

First over fractional panels (the LP relaxation, no column generation), then the resulting probabilities are
split into whole panels. That is the leximin whenever it succeeds, since fractional panels can only do better.
Otherwise the levels are found again over whole panels, by column generation.
"""

from __future__ import annotations

import numpy as np

from panels.domain.sortition.column_generation import LevelSearch, initial_panels
from panels.domain.sortition.distribution import Distribution, weigh_panels
from panels.domain.sortition.infeasibility import explain_infeasibility
from panels.domain.sortition.instance import Instance
from panels.domain.sortition.panel_program import PanelProgram
from panels.domain.sortition.relaxation import fractional_leximin
from panels.domain.sortition.splitting import split_lottery

FIX_MARGIN = 1e-9  # fixed levels sit this far below the LP's level, so solver rounding never makes them infeasible
FIX_SHARE = 1e-3  # a free person is fixed when its central dual weight exceeds this share of the largest one


def leximin(instance: Instance, *, initial_rounds: int | None = None) -> Distribution:
    program = PanelProgram(instance)
    if program.best_panel(np.zeros(len(instance.people))) is None:
        raise explain_infeasibility(instance)
    levels, point = fractional_leximin(instance, np.ones(len(instance.people), dtype=np.bool_), FIX_MARGIN)
    targets = {i: float(level) for i, level in enumerate(levels)}
    distribution = split_lottery(instance, program, point, targets)
    return distribution if distribution is not None else leximin_by_columns(instance, program, initial_rounds)


def leximin_by_columns(instance: Instance, program: PanelProgram, initial_rounds: int | None = None) -> Distribution:
    """Each round solves the level LP over whole panels; the people whose central dual weight is positive cannot
    rise above the level in any optimal lottery, so their probability is fixed there. Ends when all are fixed."""
    panels, covered = initial_panels(instance, program, initial_rounds)
    search = LevelSearch(program, panels, covered)
    free = set(np.flatnonzero(covered).tolist())
    fixed: dict[int, float] = {}
    while free:
        level, y = search.next_level()
        threshold = FIX_SHARE * max(y[i] for i in free)
        newly = [i for i in free if y[i] > threshold]
        for person in newly:
            fixed[person] = max(0.0, level - FIX_MARGIN)
            free.discard(person)
            search.fix(person, fixed[person])
    return weigh_panels(instance, search.panels, fixed)
