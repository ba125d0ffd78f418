"""Why no panel exists: the smallest relaxation of the quota bounds that lets one exist, in plain words."""

from __future__ import annotations

import numpy as np

from panels.domain.sortition.errors import InfeasibleQuotas, Relaxation
from panels.domain.sortition.highs import Rows, column_values, is_optimal, pass_model, quiet_highs
from panels.domain.sortition.instance import Instance


def explain_infeasibility(instance: Instance) -> InfeasibleQuotas:
    """Solve min total relaxation s.t. a panel exists when each min may drop by lo_s and each max rise by hi_s.

    Variables: x_i (binary, person i sits), lo_s, hi_s (integers >= 0, bounded by the flex bounds) per stratum s.
    Rows: sum x = k; sum_{i in s} x_i + lo_s >= min_s; sum_{i in s} x_i - hi_s <= max_s; households <= 1.
    """
    n, strata, k = len(instance.people), instance.strata, instance.panel_size
    m = len(strata)
    lo_cols, hi_cols = n + np.arange(m), n + m + np.arange(m)
    rows = Rows()
    rows.add(np.arange(n), 1.0, k, k)
    for s, stratum in enumerate(strata):
        members = stratum.members
        rows.add(np.append(members, lo_cols[s]), 1.0, stratum.quota.min, np.inf)
        rows.add(np.append(members, hi_cols[s]), np.append(np.ones(len(members)), -1.0), -np.inf, stratum.quota.max)
    for household in instance.households:
        rows.add(household, 1.0, 0.0, 1.0)
    lo_max = [s.quota.min - min(s.quota.min_flex or 0, s.quota.min) for s in strata]
    hi_max = [max(s.quota.max_flex, s.quota.max) - s.quota.max if s.quota.max_flex is not None else n for s in strata]
    cost = np.concatenate([np.zeros(n), np.ones(2 * m)])
    upper = np.concatenate([np.ones(n), np.asarray(lo_max, float), np.asarray(hi_max, float)])
    solver = quiet_highs()
    pass_model(solver, cost, np.zeros(n + 2 * m), upper, rows, integer=np.ones(n + 2 * m, dtype=np.bool_))
    solver.run()
    households_note = " and the one-per-household rule" if instance.households else ""
    if not is_optimal(solver):
        units = len(instance.people) - sum(len(h) - 1 for h in instance.households)
        reason = (
            f" The pool has only {units} separate households, fewer than the {k} seats."
            if units < k
            else " Even relaxing every quota as far as its flex bounds allow does not help."
        )
        return InfeasibleQuotas(f"No panel of {k} people can meet the quotas{households_note}.{reason}")
    values = [int(v) for v in np.rint(column_values(solver))]
    relaxations: list[Relaxation] = []
    notes: list[str] = []
    for s, stratum in enumerate(strata):
        quota, available = stratum.quota, len(stratum.members)
        label = f"{stratum.feature}={stratum.value}"
        if values[lo_cols[s]] > 0:
            relaxations.append(
                Relaxation(stratum.feature, stratum.value, "min", quota.min, quota.min - values[lo_cols[s]])
            )
            notes.append(
                f"lower the minimum of {label} from {quota.min} to {quota.min - values[lo_cols[s]]}"
                f" (the pool has {available} people with {label})"
            )
        if values[hi_cols[s]] > 0:
            relaxations.append(
                Relaxation(stratum.feature, stratum.value, "max", quota.max, quota.max + values[hi_cols[s]])
            )
            notes.append(f"raise the maximum of {label} from {quota.max} to {quota.max + values[hi_cols[s]]}")
    total = int(sum(r.suggested - r.current if r.bound == "max" else r.current - r.suggested for r in relaxations))
    explanation = (
        f"No panel of {k} people can meet every quota{households_note}. "
        f"The smallest change that makes a panel possible (moving quota bounds by {total} in total) is to "
        + "; ".join(notes)
        + "."
    )
    return InfeasibleQuotas(explanation, tuple(relaxations))
