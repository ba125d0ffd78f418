"""Ballot forms and who may vote: what a round accepts, checked before anything is stored.

A form is one of the four the issue names: approval within the budget (knapsack), k-approval,
cumulative points and ranking. Eligibility facts (age, residence, district) come attested by the
gateway from the resident's login, never typed by the voter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class BallotKind(StrEnum):
    APPROVAL = "approval"  # any projects whose costs fit the budget together
    K_APPROVAL = "k_approval"  # at most k projects
    CUMULATIVE = "cumulative"  # points spread over projects
    RANKING = "ranking"  # an order of at most k projects


class InvalidBallot(ValueError):
    """The ballot breaks the round's form; nothing is stored."""


class NotEligible(ValueError):
    """The voter may not vote in this round."""


@dataclass(frozen=True)
class BallotForm:
    kind: BallotKind
    k: int | None = None  # k-approval and ranking: how many projects at most
    points: int | None = None  # cumulative: how many points a voter spreads

    def __post_init__(self) -> None:
        if self.kind in (BallotKind.K_APPROVAL, BallotKind.RANKING) and (self.k is None or self.k < 1):
            raise InvalidBallot(f"a {self.kind.value} form needs k of at least 1")
        if self.kind is BallotKind.CUMULATIVE and (self.points is None or self.points < 1):
            raise InvalidBallot("a cumulative form needs a number of points of at least 1")


@dataclass(frozen=True)
class Eligibility:
    min_age: int = 16
    residents_only: bool = True
    districts: tuple[str, ...] = ()  # empty: every district


@dataclass(frozen=True)
class Voter:
    """Facts about the voter as the gateway attests them."""

    age: int
    resident: bool
    district: str | None


@dataclass(frozen=True)
class Choice:
    """A valid ballot's content: projects in the voter's order, with points for cumulative ballots."""

    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None


def check_voter(rules: Eligibility, voter: Voter) -> None:
    if voter.age < rules.min_age:
        raise NotEligible(f"voters in this round are at least {rules.min_age} years old")
    if rules.residents_only and not voter.resident:
        raise NotEligible("only residents of the municipality vote in this round")
    if rules.districts and voter.district not in rules.districts:
        raise NotEligible(f"this round is for residents of {', '.join(rules.districts)}")


def check_ballot(
    form: BallotForm,
    projects: Sequence[str] | Mapping[str, int],
    costs: Mapping[str, int],
    parts: Mapping[str, str | None],
    budgets: Mapping[str | None, int],
    voter_district: str | None,
) -> Choice:
    """The ballot as the round counts it, or InvalidBallot naming every problem.

    `costs` are the projects on the ballot paper; `parts` says which part of the budget each draws on
    (a district, "theme:<name>" or None: city-wide); `budgets` are the money per part. A voter chooses
    among the city-wide and theme projects and those of their own district."""
    points = dict(projects) if isinstance(projects, Mapping) else None
    chosen = list(points) if points is not None else list(projects)
    problems: list[str] = []
    if (points is None) != (form.kind is not BallotKind.CUMULATIVE):
        expected = "points per project" if form.kind is BallotKind.CUMULATIVE else "a list of projects"
        raise InvalidBallot(f"a {form.kind.value} ballot gives {expected}")
    if not chosen:
        raise InvalidBallot("the ballot names no project")
    unknown = [p for p in chosen if p not in costs]
    if unknown:
        problems.append(f"unknown project(s): {', '.join(map(str, unknown))}")
    if len(set(chosen)) != len(chosen):
        problems.append("a project appears more than once")
    elsewhere = [
        p for p in chosen if parts.get(p) not in (None, voter_district) and not str(parts[p]).startswith("theme:")
    ]
    if elsewhere:
        problems.append(f"project(s) of another district: {', '.join(elsewhere)}")
    if form.kind in (BallotKind.K_APPROVAL, BallotKind.RANKING) and form.k is not None and len(chosen) > form.k:
        problems.append(f"at most {form.k} projects on a {form.kind.value} ballot, not {len(chosen)}")
    if points is not None and form.points is not None:
        bad = [p for p, n in points.items() if not isinstance(n, int) or isinstance(n, bool) or n < 1]
        if bad:
            problems.append(f"points must be whole numbers of at least 1: {', '.join(bad)}")
        elif sum(points.values()) > form.points:
            problems.append(f"{sum(points.values())} points given, at most {form.points}")
    if form.kind is BallotKind.APPROVAL and not unknown:
        for part, budget in budgets.items():
            spent = sum(costs[p] for p in chosen if parts.get(p) == part)
            if spent > budget:
                where = "the city-wide budget" if part is None else f"the budget of {part.removeprefix('theme:')}"
                problems.append(f"the chosen projects cost {spent}, more than {where} of {budget}")
    if problems:
        raise InvalidBallot("; ".join(problems))
    return Choice(tuple(chosen), None if points is None else tuple(points.values()))
