"""Cheap pricing: improve a feasible panel by one-for-one swaps that keep every quota and the household rule.

Swapping member i for outsider j keeps the size; for each feature the counts only change when i and j differ
there, and then i's value must stay at or above its minimum and j's at or below its maximum.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from panels.domain.sortition.instance import Instance
from panels.domain.sortition.panel_program import Panel

CANDIDATES = 256  # outsiders considered per step: the heaviest ones


class SwapSearch:
    def __init__(self, instance: Instance) -> None:
        n = len(instance.people)
        features = [f.name for f in instance.quotas]
        self.stratum = np.zeros((n, len(features)), dtype=np.int64)  # person x feature -> stratum index
        column = {name: c for c, name in enumerate(features)}
        for s, stratum in enumerate(instance.strata):
            self.stratum[stratum.members, column[stratum.feature]] = s
        self.mins = np.asarray([s.quota.min for s in instance.strata], dtype=np.int64)
        self.maxs = np.asarray([s.quota.max for s in instance.strata], dtype=np.int64)
        self.home = np.full(n, -1, dtype=np.int64)
        for h, members in enumerate(instance.households):
            self.home[members] = h
        self.homes = max(1, len(instance.households))

    def improve(self, panel: Panel, weights: npt.NDArray[np.float64], steps: int = 50) -> tuple[Panel, float]:
        """Best-improvement swaps until none gains weight; the resulting feasible panel and its weight."""
        inside = np.zeros(len(weights), dtype=np.bool_)
        inside[list(panel)] = True
        counts = np.bincount(self.stratum[inside].ravel(), minlength=len(self.mins))
        at_home = np.bincount(self.home[inside & (self.home >= 0)], minlength=self.homes)
        for _ in range(steps):
            members = np.flatnonzero(inside)
            outsiders = np.flatnonzero(~inside)
            if len(outsiders) > CANDIDATES:
                outsiders = outsiders[np.argpartition(-weights[outsiders], CANDIDATES)[:CANDIDATES]]
            gain = weights[outsiders][None, :] - weights[members][:, None]
            if gain.max(initial=0.0) <= 1e-12:
                break
            s_in, s_out = self.stratum[members], self.stratum[outsiders]
            removable = counts[s_in] - 1 >= self.mins[s_in]
            addable = counts[s_out] + 1 <= self.maxs[s_out]
            same = s_in[:, None, :] == s_out[None, :, :]
            ok = np.all(same | (removable[:, None, :] & addable[None, :, :]), axis=2)
            h_out = self.home[outsiders]
            mates = np.where(h_out >= 0, at_home[np.maximum(h_out, 0)], 0)
            ok &= (mates == 0)[None, :] | ((mates == 1)[None, :] & (self.home[members][:, None] == h_out[None, :]))
            gain = np.where(ok, gain, -np.inf)
            best = int(np.argmax(gain))
            i, j = divmod(best, len(outsiders))
            if gain[i, j] <= 1e-12:
                break
            leaving, joining = members[i], outsiders[j]
            inside[leaving], inside[joining] = False, True
            np.subtract.at(counts, self.stratum[leaving], 1)
            np.add.at(counts, self.stratum[joining], 1)
            if self.home[leaving] >= 0:
                at_home[self.home[leaving]] -= 1
            if self.home[joining] >= 0:
                at_home[self.home[joining]] += 1
        chosen = np.flatnonzero(inside)
        return frozenset(int(i) for i in chosen), float(weights[chosen].sum())
