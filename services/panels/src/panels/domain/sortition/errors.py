"""The sortition domain's errors: bad input, and quotas that no panel can meet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class SortitionInputError(ValueError):
    """The pool, the quotas or the panel size are malformed; `details` says where (row, person, feature...)."""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


@dataclass(frozen=True)
class Relaxation:
    """One quota bound that has to move for a panel to exist, e.g. gender=female min 9 -> 7."""

    feature: str
    value: str
    bound: str  # "min" or "max"
    current: int
    suggested: int

    def __str__(self) -> str:
        return f"{self.feature}={self.value} {self.bound} {self.current} -> {self.suggested}"


class InfeasibleQuotas(Exception):
    """No panel meets every quota (and the household rule); names the smallest relaxation that makes one exist."""

    def __init__(self, explanation: str, relaxations: tuple[Relaxation, ...] = ()) -> None:
        super().__init__(explanation)
        self.explanation = explanation
        self.relaxations = relaxations


class SelectionFailed(Exception):
    """The legacy greedy algorithm ran into a dead end on every attempt (the quotas may still be feasible)."""
