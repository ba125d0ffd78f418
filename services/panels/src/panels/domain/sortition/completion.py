"""Completing a partial panel without an integer program: the few seats a walk step leaves open.

The face's LP optimum seats most of a panel whole (at 2,000/150, ~141 of 150); what is left is choosing the
open seats so that every quota of the face and the household rule hold. A depth-first search does that in
milliseconds where HiGHS's branch and bound took up to a second: it branches on the stratum (or household)
that still needs people and has the fewest eligible ones left (as exact-cover search does), trying them in
the caller's order (the heaviest first), and a person stops being eligible as soon as one of their strata is
full or a housemate sits. The search gives up after BUDGET nodes; the caller then falls back to the MIP.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import numpy.typing as npt

from panels.domain.sortition.face import Face
from panels.domain.sortition.instance import Instance

BUDGET = 3000  # search nodes before giving up


class _OutOfBudget(Exception):
    pass


class _Search:
    """The open seats' state: seats per stratum, who is taken, ruled out, or blocked by a full stratum / home."""

    def __init__(self, instance: Instance, face: Face, seated: npt.NDArray[np.bool_], order: list[int]) -> None:
        strata = instance.strata
        self.strata_of: dict[int, list[int]] = defaultdict(list)
        self.low, self.high = [], []
        for s, stratum in enumerate(strata):
            taken = int(seated[stratum.members].sum())
            self.low.append(int(face.stratum_lower[s]) - taken)
            self.high.append(int(face.stratum_upper[s]) - taken)
        self.home_of: dict[int, int] = {}
        self.home_needed: list[int] = []
        excluded: set[int] = set()
        for h, members in enumerate(instance.households):
            for i in members.tolist():
                self.home_of[i] = h
            if seated[members].any():
                excluded.update(members.tolist())
            elif face.household_lower[h] > 0:
                self.home_needed.append(h)
        self.people = [i for i in order if i not in excluded]
        self.by_stratum: list[list[int]] = [[] for _ in strata]
        self.by_home: dict[int, list[int]] = defaultdict(list)
        for i in self.people:
            if i in self.home_of:
                self.by_home[self.home_of[i]].append(i)
        for s, stratum in enumerate(strata):
            for i in stratum.members.tolist():
                self.strata_of[i].append(s)
        for i in self.people:
            for s in self.strata_of[i]:
                self.by_stratum[s].append(i)
        features: dict[str, list[int]] = defaultdict(list)
        for s, stratum in enumerate(strata):
            features[stratum.feature].append(s)
        self.features = list(features.values())
        self.chosen = [0] * len(strata)
        self.eligible = [len(members) for members in self.by_stratum]  # undecided and not blocked
        self.blocks: dict[int, int] = dict.fromkeys(self.people, 0)  # full strata / seated housemate / ruled out
        self.home_used: set[int] = set()
        self.picked: list[int] = []
        self.nodes = 0
        for s, full in enumerate(self.by_stratum):
            if self.high[s] <= 0:  # full already
                for i in full:
                    self._block(i, 1)

    def _block(self, i: int, delta: int) -> None:
        before = self.blocks[i]
        self.blocks[i] = before + delta
        if (before == 0) != (self.blocks[i] == 0):
            for s in self.strata_of[i]:
                self.eligible[s] += -1 if before == 0 else 1

    def _housemates(self, i: int) -> list[int]:
        return [j for j in self.by_home.get(self.home_of.get(i, -1), []) if j != i]

    def take(self, i: int, sign: int) -> None:
        """Seat i (sign 1) or undo it (sign -1)."""
        if sign > 0:
            self.picked.append(i)
        else:
            self.picked.pop()
        self._block(i, sign)
        for s in self.strata_of[i]:
            if sign < 0 and self.chosen[s] == self.high[s]:
                for j in self.by_stratum[s]:
                    if j != i:
                        self._block(j, -1)
            self.chosen[s] += sign
            if sign > 0 and self.chosen[s] == self.high[s]:
                for j in self.by_stratum[s]:
                    if j != i:
                        self._block(j, 1)
        for j in self._housemates(i):
            self._block(j, sign)
        if i in self.home_of:
            (self.home_used.add if sign > 0 else self.home_used.discard)(self.home_of[i])

    def _branch(self, left: int) -> list[int] | None:
        """The people to branch on (those of the most constrained need, or everyone); None at a dead end."""
        best: list[int] | None = None
        fewest = -1
        for group in self.features:
            need = room = 0
            for s in group:
                short = self.low[s] - self.chosen[s]
                room += min(self.high[s] - self.chosen[s], self.eligible[s])
                if short > 0:
                    if short > self.eligible[s]:
                        return None
                    need += short
                    if fewest < 0 or self.eligible[s] < fewest:
                        best, fewest = self.by_stratum[s], self.eligible[s]
            if need > left or room < left:
                return None
        for h in self.home_needed:
            if h not in self.home_used:
                free = sum(1 for i in self.by_home[h] if self.blocks[i] == 0)
                if free == 0:
                    return None
                if fewest < 0 or free < fewest:
                    best, fewest = self.by_home[h], free
        return best if best is not None else self.people

    def search(self, left: int) -> bool:
        self.nodes += 1
        if self.nodes > BUDGET:
            raise _OutOfBudget
        if left == 0:
            return all(c >= low for c, low in zip(self.chosen, self.low, strict=True)) and all(
                h in self.home_used for h in self.home_needed
            )
        people = self._branch(left)
        if people is None:
            return False
        ruled_out = []
        found = False
        for i in people:
            if self.blocks[i]:
                continue
            self.take(i, 1)
            if self.search(left - 1):
                found = True
                break
            self.take(i, -1)
            self._block(i, 1)  # the branches after this one go without i
            ruled_out.append(i)
        for i in ruled_out:
            self._block(i, -1)
        return found


def complete_panel(
    instance: Instance, face: Face, seated: npt.NDArray[np.bool_], order: npt.NDArray[np.int64]
) -> frozenset[int] | None:
    """A panel of `face` holding everyone `seated`, its other seats taken from `order` (the first that fit
    are preferred); None when the search finds none within BUDGET nodes (or there is none)."""
    if any(int(face.stratum_upper[s]) < int(seated[st.members].sum()) for s, st in enumerate(instance.strata)):
        return None
    search = _Search(instance, face, seated, [int(i) for i in order])
    try:
        found = search.search(instance.panel_size - int(seated.sum()))
    except _OutOfBudget:
        return None
    return frozenset(np.flatnonzero(seated).tolist()) | frozenset(search.picked) if found else None
