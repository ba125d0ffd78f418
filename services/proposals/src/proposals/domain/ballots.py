"""Ballot forms and who may vote: what a round accepts, checked before anything is stored.

A form is one of the four the issue names: approval within the budget (knapsack), k-approval,
cumulative points and ranking. Eligibility facts (age, residence, district) come verified from the
resident's login (or from the official who verified them at the desk for a paper ballot), never typed
by the voter. What happens when the login lacks a fact the round needs is the round's own rule.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from proposals.domain.eligibility import Facts, NotEligible, Unverified, not_known

__all__ = ["NotEligible", "Unverified"]


class BallotKind(StrEnum):
    APPROVAL = "approval"  # any projects whose costs fit the budget together
    K_APPROVAL = "k_approval"  # at most k projects
    CUMULATIVE = "cumulative"  # points spread over projects
    RANKING = "ranking"  # an order of at most k projects


class InvalidBallot(ValueError):
    """The ballot breaks the round's form; nothing is stored."""


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


UNVERIFIED = ("desk", "refuse")


@dataclass(frozen=True)
class Eligibility:
    """Who votes in a round, and what happens when a login lacks a fact the round needs: "desk" (the
    default) refuses the online ballot and sends the resident to the municipality's desk, where an official
    verifies them and enters a paper ballot; "refuse" refuses them outright."""

    min_age: int = 16
    residents_only: bool = True
    districts: tuple[str, ...] = ()  # empty: every district
    unverified: str = "desk"

    def __post_init__(self) -> None:
        if self.unverified not in UNVERIFIED:
            raise InvalidBallot(f"unverified is one of {', '.join(UNVERIFIED)}, not {self.unverified!r}")


@dataclass(frozen=True)
class Choice:
    """A valid ballot's content: projects in the voter's order, with points for cumulative ballots."""

    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None


def check_voter(rules: Eligibility, voter: Facts, municipality: str, chosen_parts: Iterable[str | None] = ()) -> None:
    """NotEligible when a known fact rules the voter out; otherwise Unverified when a fact the round needs
    (or, for projects of a district on the ballot, the voter's district) is not known."""
    missing: list[str] = []
    if rules.min_age > 0:
        if voter.age is None:
            missing.append("age")
        elif voter.age < rules.min_age:
            raise NotEligible(f"Voters in this round are at least {rules.min_age} years old.")
    if rules.residents_only:
        if voter.resident is None:
            missing.append("residence")
        elif not voter.resident:
            raise NotEligible(f"Only residents of {municipality} vote in this round.")
    districted = any(part is not None and not part.startswith("theme:") for part in chosen_parts)
    if rules.districts or districted:
        if voter.district is None:
            missing.append("district")
        elif rules.districts and voter.district not in rules.districts:
            raise NotEligible(f"This round is for residents of {', '.join(rules.districts)}.")
    if missing:
        raise Unverified(missing, not_known(missing, municipality) + _what_now(rules.unverified))


def _what_now(unverified: str) -> str:
    if unverified == "desk":
        return (
            " This round needs it to take your ballot: go to the municipality's desk with your identity card, "
            "where an official verifies it and enters your ballot on paper."
        )
    return (
        " This round takes only ballots of voters whose login verifies what it asks, so it cannot take "
        "yours; if the municipality's register should know it, ask the municipality to correct it."
    )


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


def receipt_code(round_id: UUID, voter_id: UUID, cast_at: datetime, replaced: int) -> str:
    """A short code naming one version of one voter's ballot ("K7QF-2M9X"), shown when it is cast and when
    the voter looks at it again: the same code means the ballot they cast is the one the box holds. It says
    nothing about what was chosen, and is published nowhere."""
    moment = int(cast_at.timestamp())  # whole seconds: the same whatever the database keeps of the rest
    digest = hashlib.sha256(f"{round_id}:{voter_id}:{replaced}:{moment}".encode()).digest()
    code = base64.b32encode(digest[:5]).decode()
    return f"{code[:4]}-{code[4:]}"
