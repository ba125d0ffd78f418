"""The panels that a lottery with given selection probabilities can use.

Every panel meets the size row, each quota row and each household row. If the probabilities p (the average
of the panels in the lottery's support) meet such a row with equality, every panel in the support meets it
with equality too; a person with p_i = 0 sits on none of them, one with p_i = 1 on all. This face of the
panel polytope is where pricing searches: a panel outside it can never carry weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from panels.domain.sortition.instance import Instance

TIGHT = 1e-7  # a row counts as met with equality when p is this close to its bound


@dataclass(frozen=True)
class Face:
    """Bounds on each person (0/1), on each stratum's seats, and which households must send one member."""

    person_lower: npt.NDArray[np.float64]
    person_upper: npt.NDArray[np.float64]
    stratum_lower: npt.NDArray[np.int64]
    stratum_upper: npt.NDArray[np.int64]
    household_lower: npt.NDArray[np.int64]

    @classmethod
    def whole(cls, instance: Instance, covered: npt.NDArray[np.bool_]) -> Face:
        """Every panel (of the people in `covered`)."""
        n = len(instance.people)
        return cls(
            np.zeros(n),
            covered.astype(np.float64),
            np.asarray([s.quota.min for s in instance.strata], dtype=np.int64),
            np.asarray([s.quota.max for s in instance.strata], dtype=np.int64),
            np.zeros(len(instance.households), dtype=np.int64),
        )

    @classmethod
    def of(cls, instance: Instance, probabilities: npt.NDArray[np.float64], tight: float = TIGHT) -> Face:
        """The smallest face holding `probabilities` that the rows show (those must lie in the LP relaxation);
        a row counts as tight within `tight`."""
        p = np.asarray(probabilities, dtype=np.float64)
        lower = np.where(p > 1 - tight, 1.0, 0.0)
        upper = np.where(p < tight, 0.0, 1.0)
        stratum_lower, stratum_upper = [], []
        for stratum in instance.strata:
            seats = float(p[stratum.members].sum())
            low, high = stratum.quota.min, stratum.quota.max
            stratum_lower.append(high if seats > high - tight else low)
            stratum_upper.append(low if seats < low + tight else high)
        homes = [1 if float(p[members].sum()) > 1 - tight else 0 for members in instance.households]
        return cls(
            lower,
            upper,
            np.asarray(stratum_lower, dtype=np.int64),
            np.asarray(stratum_upper, dtype=np.int64),
            np.asarray(homes, dtype=np.int64),
        )

    def holds(self, instance: Instance, panel: frozenset[int]) -> bool:
        """Whether `panel` (indices into instance.people) is a panel of this face."""
        x = np.zeros(len(instance.people))
        x[list(panel)] = 1.0
        strata = np.asarray([int(x[s.members].sum()) for s in instance.strata], dtype=np.int64)
        homes = np.asarray([int(x[members].sum()) for members in instance.households], dtype=np.int64)
        return (
            int(x.sum()) == instance.panel_size
            and bool(np.all(self.person_lower <= x) and np.all(x <= self.person_upper))
            and bool(np.all(self.stratum_lower <= strata) and np.all(strata <= self.stratum_upper))
            and bool(np.all(self.household_lower <= homes) and np.all(homes <= 1))
        )
