"""Deliberation and outcome: sessions with experts and an external moderator, contributions per member,
recommendations with the panel's support and minority positions, and the municipality's answer to each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Verdict(StrEnum):
    ADOPTED = "adopted"
    PARTLY = "partly"
    NOT_ADOPTED = "not_adopted"


@dataclass(frozen=True)
class Session:
    number: int
    title: str
    starts_at: datetime
    moderator: str  # the external moderating organisation
    experts: tuple[str, ...] = ()  # name and role of each expert or witness (public)
    materials: tuple[str, ...] = ()  # titles or links of the written material given beforehand
    contributions: Mapping[str, int] = field(default_factory=dict)  # member pseudonym -> times they spoke


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    reasons: str
    at: datetime


@dataclass(frozen=True)
class Recommendation:
    number: int
    text: str
    support: int  # members in favour
    against: int
    abstain: int
    minority_positions: tuple[str, ...] = ()
    answer: Answer | None = None


def contribution_report(sessions: tuple[Session, ...], members: tuple[str, ...]) -> dict[str, object]:
    """Whether a few voices dominated: totals per member, the share of the most active fifth, and the Gini
    coefficient of contributions (0: everyone spoke equally; near 1: one person spoke)."""
    totals = {m: 0 for m in members}
    for session in sessions:
        for member, count in session.contributions.items():
            totals[member] = totals.get(member, 0) + count
    counts = sorted(totals.values())
    total = sum(counts)
    if not counts or total == 0:
        return {"per_member": totals, "total": 0, "top_fifth_share": None, "gini": None, "dominated": False}
    top = max(1, round(len(counts) / 5))
    top_share = sum(counts[-top:]) / total
    n = len(counts)
    gini = sum((2 * (i + 1) - n - 1) * c for i, c in enumerate(counts)) / (n * total)
    return {
        "per_member": totals,
        "total": total,
        "top_fifth_share": round(top_share, 3),
        "gini": round(gini, 3),
        "dominated": top_share > 0.5,  # the most active fifth spoke more than all the others together
    }
