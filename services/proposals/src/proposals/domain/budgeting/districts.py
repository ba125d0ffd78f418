"""Rounds with district budgets: every district counts its own projects with its own money, with
each ballot restricted to that district's projects; projects without a district form the city-wide
part (key None)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from proposals.domain.budgeting.election import Election, Number
from proposals.domain.budgeting.outcome import Outcome


def tally_districts(
    election: Election,
    budgets: Mapping[str | None, Number],
    rule: Callable[[Election], Outcome],
) -> dict[str | None, Outcome]:
    """The rule run once per district named in `budgets` (None: the city-wide projects)."""
    unknown = [d for d in budgets if d not in election.districts()]
    if unknown:
        raise ValueError(f"no projects in district(s) {', '.join(map(str, unknown))}")
    unfunded = [d for d in election.districts() if d not in budgets]
    if unfunded:
        raise ValueError(f"no budget for district(s) {', '.join(map(str, unfunded))}")
    results: dict[str | None, Outcome] = {}
    for district, budget in budgets.items():
        ids = [pid for pid, p in election.projects.items() if p.district == district]
        results[district] = rule(election.restricted(ids, budget))
    return results
