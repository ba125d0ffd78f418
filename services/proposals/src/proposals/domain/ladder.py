"""The participation ladder: how much say residents get, from being told to running it themselves.

Authors order the middle rungs differently (Arnstein, Edelenbos, Pröpper & Steenbergen), so each
municipality keeps its own order; the default follows the Flemish and Dutch practice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast, get_args

Rung = Literal["informeren", "raadplegen", "adviseren", "coproduceren", "meebeslissen", "zelfbeheer"]
RUNGS: tuple[Rung, ...] = get_args(Rung)


class InvalidLadder(ValueError):
    pass


@dataclass(frozen=True)
class Ladder:
    """One municipality's order of the rungs, lowest first."""

    order: tuple[str, ...] = RUNGS

    def __post_init__(self) -> None:
        if sorted(self.order) != sorted(RUNGS):
            raise InvalidLadder(f"a ladder orders exactly these rungs: {', '.join(RUNGS)}")

    @classmethod
    def of(cls, order: Sequence[str] | None) -> Ladder:
        return cls(tuple(order)) if order else cls()

    def rank(self, rung: str) -> int:
        """1 for the lowest rung, 6 for the highest."""
        return self.order.index(require_rung(rung)) + 1


def require_rung(rung: str) -> Rung:
    if rung not in RUNGS:
        raise InvalidLadder(f"unknown rung {rung!r}; the rungs are {', '.join(RUNGS)}")
    return cast(Rung, rung)
