"""Thin helpers over HiGHS: quiet solvers and models passed as sparse arrays."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

import highspy  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
INF = highspy.kHighsInf


_banner_shown = False


def _new_highs() -> highspy.Highs:
    """HiGHS prints a banner on standard output when the process makes its first solver: swallow it there."""
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            solver = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        _banner_shown = True
    return solver


def quiet_highs(**options: Any) -> highspy.Highs:
    solver = _new_highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("random_seed", 0)
    for name, value in options.items():
        solver.setOptionValue(name, value)
    return solver


@dataclass
class Rows:
    """Constraint rows lower <= a.x <= upper collected as a CSR block."""

    starts: list[int] = field(default_factory=lambda: [0])
    indices: list[npt.NDArray[np.int64]] = field(default_factory=list)
    values: list[FloatArray] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)

    def add(self, indices: Any, values: Any, lower: float, upper: float) -> None:
        idx = np.asarray(indices, dtype=np.int64)
        vals = np.broadcast_to(np.asarray(values, dtype=np.float64), idx.shape)
        self.indices.append(idx)
        self.values.append(np.array(vals, dtype=np.float64))
        self.starts.append(self.starts[-1] + len(idx))
        self.lower.append(lower)
        self.upper.append(upper)

    def __len__(self) -> int:
        return len(self.lower)

    def arrays(self) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray]:
        indices = np.concatenate(self.indices) if self.indices else np.zeros(0, dtype=np.int64)
        values = np.concatenate(self.values) if self.values else np.zeros(0)
        return (
            np.asarray(self.lower, dtype=np.float64),
            np.asarray(self.upper, dtype=np.float64),
            np.asarray(self.starts[:-1], dtype=np.int32),
            indices.astype(np.int32),
            values,
        )


def pass_model(
    solver: highspy.Highs,
    cost: FloatArray,
    col_lower: FloatArray,
    col_upper: FloatArray,
    rows: Rows,
    *,
    integer: npt.NDArray[np.bool_] | None = None,
    maximize: bool = False,
) -> None:
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = len(rows)
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lower, upper, starts, indices, values = rows.arrays()
    lp.row_lower_ = lower
    lp.row_upper_ = upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = len(cost)
    lp.a_matrix_.num_row_ = len(rows)
    lp.a_matrix_.start_ = np.append(starts, len(indices)).astype(np.int32)
    lp.a_matrix_.index_ = indices
    lp.a_matrix_.value_ = values
    if integer is not None:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous for flag in integer
        ]
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    solver.passModel(lp)


def is_optimal(solver: highspy.Highs) -> bool:
    return bool(solver.getModelStatus() == highspy.HighsModelStatus.kOptimal)


def is_infeasible(solver: highspy.Highs) -> bool:
    return bool(solver.getModelStatus() == highspy.HighsModelStatus.kInfeasible)


def column_values(solver: highspy.Highs) -> FloatArray:
    return np.asarray(solver.getSolution().col_value, dtype=np.float64)


def row_duals(solver: highspy.Highs) -> FloatArray:
    return np.asarray(solver.getSolution().row_dual, dtype=np.float64)


def objective(solver: highspy.Highs) -> float:
    return float(solver.getInfo().objective_function_value)
