"""A thin, quiet wrapper over highspy: pass a model by arrays, solve, read the result back."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

__all__ = ["INF", "HighsModel", "Outcome", "new_highs"]

INF = highspy.kHighsInf
_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
}


@contextlib.contextmanager
def _quiet():
    """HiGHS prints a banner on stdout from C++; keep it out of the command's output."""
    try:
        fd = os.dup(1)
    except OSError:  # no real stdout (e.g. some test runners)
        yield
        return
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(fd, 1)
            os.close(fd)


def new_highs(time_limit: float, **options: object) -> highspy.Highs:
    """A silent HiGHS instance with a time limit and ``options``."""
    with _quiet():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    for key, value in options.items():
        h.setOptionValue(key, value)
    return h


def _finite(values: np.ndarray) -> np.ndarray:
    return np.clip(values, -INF, INF)  # HiGHS reads ±kHighsInf as "no bound"


@dataclass
class Outcome:
    """What a solve returned: status text, values and duals (``None`` when not optimal)."""

    status: str
    objective: float
    x: np.ndarray | None
    row_dual: np.ndarray | None
    mip_gap: float | None = None


class HighsModel:
    """A maximisation model kept in one HiGHS instance, so columns can be added and row bounds
    changed with a warm start (the basis is kept)."""

    def __init__(self, time_limit: float, **options: object) -> None:
        self.h = new_highs(time_limit, **options)

    def load(self, cost, lower, upper, A: sp.csc_matrix, row_lo, row_hi, integrality=None):
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
        lp.col_cost_ = np.asarray(cost, float)
        lp.col_lower_ = _finite(np.asarray(lower, float))
        lp.col_upper_ = _finite(np.asarray(upper, float))
        lp.row_lower_ = _finite(np.asarray(row_lo, float))
        lp.row_upper_ = _finite(np.asarray(row_hi, float))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data.astype(float)
        lp.sense_ = highspy.ObjSense.kMaximize
        if integrality is not None:
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                for flag in integrality
            ]
        self.h.passModel(lp)

    def add_columns(self, cost, lower, upper, A: sp.csc_matrix) -> None:
        self.h.addCols(
            A.shape[1], np.asarray(cost, float), np.asarray(lower, float),
            _finite(np.asarray(upper, float)), A.nnz, A.indptr[:-1].astype(np.int32),
            A.indices.astype(np.int32), A.data.astype(float),
        )  # fmt: skip

    def set_row_bounds(self, row_lo, row_hi) -> None:
        rows = np.arange(len(row_lo), dtype=np.int32)
        self.h.changeRowsBounds(
            len(rows), rows, _finite(np.asarray(row_lo, float)), _finite(np.asarray(row_hi, float))
        )

    def solve(self) -> Outcome:
        self.h.run()
        status = _STATUS.get(self.h.getModelStatus(), "error")
        info = self.h.getInfo()
        sol = self.h.getSolution()
        has_x = sol.value_valid and status in ("optimal", "time_limit")
        gap = float(info.mip_gap) if self.h.getLp().integrality_ else None
        return Outcome(
            status=status,
            objective=float(info.objective_function_value) if has_x else float("nan"),
            x=np.asarray(sol.col_value) if has_x else None,
            row_dual=np.asarray(sol.row_dual) if sol.dual_valid else None,
            mip_gap=gap,
        )
