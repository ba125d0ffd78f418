"""The representativeness report: per feature value, the population, the pool and the panel side by side.

Counts below the suppression threshold are shown as "<5" (and shares left out), so that a small cell
cannot point at a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from panels.domain.sortition import Feature

SMALL_CELL = 5


@dataclass(frozen=True)
class Cell:
    count: int | None  # None: suppressed (fewer than SMALL_CELL, but not zero)
    share: float | None

    def as_dict(self) -> dict[str, object]:
        return {"count": self.count if self.count is not None else f"<{SMALL_CELL}", "share": self.share}


def _cells(strata: Iterable[Mapping[str, str]], feature: str, values: Iterable[str], suppress: bool) -> dict[str, Cell]:
    counts = Counter(s.get(feature) for s in strata)
    total = sum(counts.values())
    cells = {}
    for value in values:
        n = counts.get(value, 0)
        hidden = suppress and 0 < n < SMALL_CELL
        cells[value] = Cell(None if hidden else n, None if hidden or not total else round(n / total, 4))
    return cells


def representativeness(
    features: Iterable[Feature],
    population: Iterable[Mapping[str, str]] | None,
    pool: Iterable[Mapping[str, str]],
    panel: Iterable[Mapping[str, str]],
) -> dict[str, dict[str, dict[str, object]]]:
    """feature -> value -> {population, pool, panel (counts and shares), quota}. The panel is public by design
    (its size is small and its members known), so only the population and the pool are suppressed."""
    pop, pool_list, panel_list = (list(population) if population is not None else None), list(pool), list(panel)
    report: dict[str, dict[str, dict[str, object]]] = {}
    for feature in features:
        values = list(feature.values)
        in_pop = _cells(pop, feature.name, values, True) if pop is not None else None
        in_pool = _cells(pool_list, feature.name, values, True)
        in_panel = _cells(panel_list, feature.name, values, False)
        report[feature.name] = {
            value: {
                "population": in_pop[value].as_dict() if in_pop is not None else None,
                "pool": in_pool[value].as_dict(),
                "panel": in_panel[value].as_dict(),
                "quota": {"min": feature.values[value].min, "max": feature.values[value].max},
            }
            for value in values
        }
    return report
