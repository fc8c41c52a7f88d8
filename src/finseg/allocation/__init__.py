"""Credit allocation: put a limited budget where the risk-adjusted return is highest, within
concentration, loss, capital and policy-quota limits (LP and MILP on HiGHS).

The margin of each yuan lent to customer i is
``m_i = price_i − funding_cost − opex_rate − pd_i·lgd_i − hurdle_rate·K_i`` with ``K_i`` the
Basel IRB capital requirement (:func:`finseg.risk._irb.irb_capital`).  See
``docs/allocation.md`` for the model, the options and the outputs.

:func:`allocation_stage` is the pipeline stage (the candidates of the strategy stage, when
``allocation.budget`` is set) and :func:`write_allocation_summary` stores its summary as a
run's ``allocation.json``; :func:`allocate_results` serves ``finseg allocate --run``.

Names are loaded on first use, so the policy (which imports :class:`AllocationPolicy`) does
not pull in the solver.

>>> from finseg.allocation import AllocationPolicy, allocate, synthetic_book
>>> result = allocate(synthetic_book(200, seed=1), AllocationPolicy(), budget=1e8)
>>> sorted(result.frame.columns)[:3]
['allocated_amount', 'binding_reason', 'binding_reason_zh']
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "REASON_ZH": "_allocate",
    "AllocationResult": "_allocate",
    "Reason": "_allocate",
    "allocate": "_allocate",
    "frontier": "_allocate",
    "LAMBDAS": "_baselines",
    "Baseline": "_baselines",
    "baselines": "_baselines",
    "InfeasibleAllocationError": "_explain",
    "COLUMNS": "_input",
    "check_book": "_input",
    "read_book": "_input",
    "LpResult": "_lp",
    "solve_lp": "_lp",
    "Problem": "_model",
    "RowKind": "_model",
    "build_problem": "_model",
    "row_label": "_model",
    "unit_terms": "_model",
    "AllocationMode": "_policy",
    "AllocationPolicy": "_policy",
    "ADDED_COLUMNS": "_stage",
    "ALLOCATION_JSON": "_files",
    "SUMMARY_ATTR": "_files",
    "CANDIDATE_DECISIONS": "_stage",
    "STRATEGY_COLUMNS": "_stage",
    "allocate_results": "_stage",
    "allocation_stage": "_stage",
    "candidates": "_stage",
    "read_allocation_summary": "_files",
    "results_book": "_stage",
    "write_allocation_summary": "_files",
    "synthetic_book": "_synthetic",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
