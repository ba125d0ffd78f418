"""What a rule decided, project by project, and the tie-breaking order every rule shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from proposals.domain.budgeting.election import Election, Number


@dataclass(frozen=True)
class ProjectResult:
    project_id: str
    selected: bool
    stage: str  # "greedy", "equal-shares", "completion", "comparison" or "" when not selected
    reason: str  # one sentence: why it won or lost
    paid_total: float | None = None  # under equal shares: what its supporters paid together
    paid_max: float | None = None  # ... and the most any one supporter paid
    paid_mean: float | None = None  # ... and the average over its supporters
    rho: float | None = None  # the price per unit of utility when it was bought (or last affordable)


@dataclass(frozen=True)
class Outcome:
    rule: str
    budget: Number
    selected: tuple[str, ...]  # in the order the rule picked them
    results: Mapping[str, ProjectResult]
    notes: Mapping[str, object] = field(default_factory=dict)

    @property
    def selected_set(self) -> frozenset[str]:
        return frozenset(self.selected)

    def total_cost(self, election: Election) -> Number:
        return sum(election.projects[pid].cost for pid in self.selected)


def tie_order(election: Election, lot: Sequence[str] | None = None) -> dict[str, int]:
    """Rank of every project when everything else is equal: lowest cost, then most votes, then the
    published lot order (default: the order of the projects in the file)."""
    lot_order = list(lot) if lot is not None else list(election.lot_order)
    missing = [pid for pid in election.projects if pid not in set(lot_order)]
    position = {pid: i for i, pid in enumerate([*lot_order, *missing])}
    votes = election.votes()
    ranked = sorted(election.projects.values(), key=lambda p: (p.cost, -votes[p.id], position[p.id]))
    return {p.id: r for r, p in enumerate(ranked)}


def fits(election: Election, chosen: Iterable[str], budget: Number) -> bool:
    return sum(election.projects[pid].cost for pid in chosen) <= budget
