"""What a rule decided, project by project, and the tie-breaking order every rule shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from proposals.domain.budgeting.election import Election, Number

# The passes of a count, as Pabulib's `selected` column numbers them (0: not funded).
MAIN_PASS, TOP_UP_PASS, EXTRA_FUNDS_PASS = 1, 2, 3
PASS_NAMES = {MAIN_PASS: "main count", TOP_UP_PASS: "top-up", EXTRA_FUNDS_PASS: "extra funds"}


@dataclass(frozen=True)
class ProjectResult:
    project_id: str
    selected: bool
    stage: str  # "greedy", "equal-shares", "completion", "comparison", "top-up", "extra-funds"; "" when not selected
    reason: str  # one sentence in English: why it won or lost
    paid_total: float | None = None  # under equal shares: what its supporters paid together
    paid_max: float | None = None  # ... and the most any one supporter paid
    paid_mean: float | None = None  # ... and the average over its supporters
    rho: float | None = None  # the price per unit of utility when it was bought (or last affordable)
    pass_no: int = 0  # which pass funded it (MAIN_PASS, TOP_UP_PASS, EXTRA_FUNDS_PASS); 0 when not funded
    code: str = ""  # the reason as a code a portal words in its language (see `explanation.REASON_CODES`)
    detail: Mapping[str, object] = field(default_factory=dict)  # the numbers and projects the reason names

    @property
    def funded_in(self) -> int:
        return (self.pass_no or MAIN_PASS) if self.selected else 0


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

    def passes(self) -> dict[str, int]:
        """The pass that funded each selected project, as the `selected` column writes it."""
        return {pid: r.funded_in if (r := self.results.get(pid)) else MAIN_PASS for pid in self.selected}


def tie_order(election: Election, lot: Sequence[str] | None = None) -> dict[str, int]:
    """Rank of every project when everything else is equal: lowest cost, then most votes, then the
    published lot order (default: the order of the projects in the file)."""
    position = lot_positions(election, lot)
    votes = election.votes()
    ranked = sorted(election.projects.values(), key=lambda p: (p.cost, -votes[p.id], position[p.id]))
    return {p.id: r for r, p in enumerate(ranked)}


def lot_positions(election: Election, lot: Sequence[str] | None = None) -> dict[str, int]:
    """Each project's place in the stated order (`lot`), the ones it leaves out after it in file order."""
    lot_order = list(lot) if lot is not None else list(election.lot_order)
    known = set(lot_order)
    missing = [pid for pid in election.projects if pid not in known]
    return {pid: i for i, pid in enumerate([*lot_order, *missing])}


def fits(election: Election, chosen: Iterable[str], budget: Number) -> bool:
    return sum(election.projects[pid].cost for pid in chosen) <= budget
