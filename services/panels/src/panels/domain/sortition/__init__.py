"""Stratified sortition: fair lotteries over the panels that meet every quota.

`Instance` validates the pool and the quotas; `select` computes a `Distribution` (LEXIMIN, MAXIMIN or the
LEGACY greedy algorithm estimated by sampling); `draw` takes one panel from it with an explicit random generator.
"""

from __future__ import annotations

import random
from enum import StrEnum

from panels.domain.sortition.distribution import Distribution, draw, make_rng
from panels.domain.sortition.errors import InfeasibleQuotas, Relaxation, SelectionFailed, SortitionInputError
from panels.domain.sortition.files import read_people, read_quotas
from panels.domain.sortition.infeasibility import explain_infeasibility
from panels.domain.sortition.instance import Feature, Instance, Person, Quota
from panels.domain.sortition.legacy import legacy_distribution, legacy_panel, legacy_probabilities
from panels.domain.sortition.leximin import leximin
from panels.domain.sortition.maximin import maximin
from panels.domain.sortition.panel_program import require_feasible


class Algorithm(StrEnum):
    LEXIMIN = "leximin"
    MAXIMIN = "maximin"
    LEGACY = "legacy"


def select(
    instance: Instance, algorithm: Algorithm, *, rng: random.Random | None = None, samples: int = 1000
) -> Distribution:
    """The lottery of `algorithm`; LEGACY's is empirical (`samples` draws with `rng`). Raises InfeasibleQuotas."""
    if algorithm is Algorithm.LEXIMIN:
        return leximin(instance)
    if algorithm is Algorithm.MAXIMIN:
        return maximin(instance)
    try:
        return legacy_distribution(instance, samples, rng if rng is not None else make_rng(None))
    except SelectionFailed:
        require_feasible(instance)
        raise


__all__ = [
    "Algorithm",
    "Distribution",
    "Feature",
    "InfeasibleQuotas",
    "Instance",
    "Person",
    "Quota",
    "Relaxation",
    "SelectionFailed",
    "SortitionInputError",
    "draw",
    "explain_infeasibility",
    "legacy_distribution",
    "legacy_panel",
    "legacy_probabilities",
    "leximin",
    "make_rng",
    "maximin",
    "read_people",
    "read_quotas",
    "require_feasible",
    "select",
]
