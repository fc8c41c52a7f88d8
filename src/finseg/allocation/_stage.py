"""Allocation over a run's results: the ``allocation`` stage of ``finseg run`` and
``finseg allocate --run``.

The strategy stage leaves, for every customer, a ``decision`` (approve / refer / decline), a
``limit`` (yuan), a ``price`` (annual rate), an ``lgd``, a ``maturity_years`` and the
``programmes`` it belongs to, and, under a macro scenario, a ``scenario_pd``.  The candidates
are the customers approved or referred with a positive limit; they are allocated with
:func:`~finseg.allocation.allocate` (PD: ``scenario_pd`` where known, else ``pd``), and every
row of the results gets ``allocated_amount`` (0 for the others), ``funded`` and
``binding_reason`` (null for the others).  The summary — the ``--json`` summary of
``finseg allocate`` plus the return-versus-EL ``frontier`` — rides along in
``frame.attrs["allocation"]`` until
:func:`~finseg.allocation.write_allocation_summary` stores it as ``allocation.json`` in the
run directory.

>>> import pandas as pd
>>> from finseg.allocation import AllocationPolicy
>>> frame = pd.DataFrame({
...     "customer_id": ["A", "B", "C"], "pd": [0.01, 0.02, 0.30],
...     "decision": ["approve", "refer", "decline"], "limit": [4e6, 6e6, 0.0],
...     "price": [0.06, 0.07, 0.0], "lgd": [0.45, 0.45, 0.45],
...     "maturity_years": [2.5, 2.5, 2.5], "programmes": ["", "green", ""]})
>>> out = allocation_stage(frame, AllocationPolicy(budget=5e6, frontier_points=0))
>>> out["allocated_amount"].tolist(), out.attrs["allocation"]["n_funded"]
([0.0, 5000000.0, 0.0], 1)
>>> allocation_stage(frame, AllocationPolicy()) is frame  # no budget: no allocation
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from finseg.allocation._allocate import AllocationResult, allocate, frontier
from finseg.allocation._files import SUMMARY_ATTR
from finseg.allocation._input import check_book
from finseg.allocation._policy import AllocationPolicy
from finseg.exceptions import UserError

__all__ = [
    "ADDED_COLUMNS",
    "CANDIDATE_DECISIONS",
    "STRATEGY_COLUMNS",
    "allocate_results",
    "allocation_stage",
    "candidates",
    "results_book",
]

#: The strategy stage's columns an allocation cannot do without (besides ``customer_id``
#: and ``pd``); ``programmes``, ``scenario_pd`` and the customer dimensions are optional.
STRATEGY_COLUMNS = ("decision", "limit", "price", "lgd", "maturity_years")
#: Decisions that make a customer a candidate for the budget.
CANDIDATE_DECISIONS = ("approve", "refer")
#: The columns the allocation adds to every row of the results.
ADDED_COLUMNS = ("allocated_amount", "funded", "binding_reason")
_DIMENSIONS = ("operating_revenue", "group_id", "industry_section", "segment", "programmes")


def candidates(results: pd.DataFrame) -> np.ndarray:
    """Which rows compete for the budget: approved or referred, with a limit above 0.

    >>> candidates(pd.DataFrame({"decision": ["approve", "decline", "refer"],
    ...                          "limit": [1.0, 5.0, 0.0]})).tolist()
    [True, False, False]
    """
    decision = results["decision"].astype("string").str.strip().str.lower()
    limit = pd.to_numeric(results["limit"], errors="coerce").to_numpy(float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        positive = limit > 0
    return (decision.isin(CANDIDATE_DECISIONS).fillna(False).to_numpy(bool)) & positive


def _pd(rows: pd.DataFrame) -> pd.Series:
    """``scenario_pd`` where the run has one for the row, else ``pd``."""
    base = pd.to_numeric(rows["pd"], errors="coerce")
    if "scenario_pd" not in rows:
        return base
    return pd.to_numeric(rows["scenario_pd"], errors="coerce").fillna(base)


def results_book(results: pd.DataFrame, source: str = "results") -> pd.DataFrame:
    """The candidates of a run's results as a checked book in the ``--input`` layout.

    Negative operating revenue (a loss-making year) counts as 0 in the IRB SME adjustment,
    i.e. the smallest firm size; a bad cell is reported by its ``customer_id``.
    """
    missing = [c for c in ("customer_id", "pd", *STRATEGY_COLUMNS) if c not in results]
    if missing:
        raise UserError(
            f"{source}: no column(s) {', '.join(missing)}: the allocation needs the strategy "
            "stage's decisions, limits and prices",
            f"{source}：缺少列 {'、'.join(missing)}：额度分配需要策略阶段给出的决策、限额与定价",
        )
    rows = results.loc[candidates(results)]
    book = pd.DataFrame({"customer_id": rows["customer_id"].astype("string"), "pd": _pd(rows)})
    for column in STRATEGY_COLUMNS[1:]:
        book[column] = rows[column]
    for column in _DIMENSIONS:
        if column in rows:
            book[column] = rows[column]
    revenue = book.get("operating_revenue")
    if revenue is not None and pd.api.types.is_numeric_dtype(revenue.dtype):
        book["operating_revenue"] = revenue.clip(lower=0)
    return check_book(book, source, by_customer=True)


def _frontier(book: pd.DataFrame, policy: AllocationPolicy, budget: float, points: int):
    """The return-versus-EL frontier as plain records; empty when nothing is lent."""
    if points < 2 or book.empty:
        return []
    table = frontier(book, policy, budget, points)
    if not table["expected_loss"].abs().max() > 0:
        return []
    return [{k: float(v) for k, v in row.items()} for row in table.to_dict(orient="records")]


def allocate_results(
    results: pd.DataFrame,
    policy: AllocationPolicy,
    budget: float,
    mode: str | None = None,
    *,
    frontier_points: int | None = None,
    with_baselines: bool = True,
    source: str = "results",
) -> tuple[pd.DataFrame, AllocationResult]:
    """Allocate ``budget`` over the candidates of ``results`` (:func:`candidates`).

    Returns ``results`` with ``allocated_amount``, ``funded`` and ``binding_reason`` added
    (0, ``False`` and null outside the candidates), and the candidates' allocation.  With
    ``frontier_points`` its summary gains ``frontier`` (that many LP solves; ``[]`` for 0,
    no key for ``None``).  ``mode`` defaults to ``policy.mode``.  Raises the bilingual explanation
    (:class:`~finseg.allocation.InfeasibleAllocationError`, exit 2) when the quotas conflict.
    """
    book = results_book(results, source)
    if book.empty:  # nothing to lend to: no quota can name a member, none applies
        policy = policy.model_copy(update={"quotas": {}})
    result = allocate(book, policy, budget, str(mode or policy.mode), with_baselines)
    if frontier_points is not None:
        result.summary["frontier"] = _frontier(book, policy, budget, frontier_points)
    mask = candidates(results)
    amount = np.zeros(len(results))
    amount[mask] = result.frame["allocated_amount"].to_numpy(float)
    reason = np.full(len(results), None, dtype=object)
    reason[mask] = result.frame["binding_reason"].to_numpy(object)
    out = results.drop(columns=[c for c in ADDED_COLUMNS if c in results])
    out["allocated_amount"] = amount
    out["funded"] = amount > 0
    out["binding_reason"] = pd.array(reason, dtype="string")
    return out, result


def allocation_stage(frame: pd.DataFrame, cfg: AllocationPolicy) -> pd.DataFrame:
    """The pipeline's allocation stage: ``frame`` unchanged when ``cfg.budget`` is null;
    else ``frame`` with ``allocated_amount``, ``funded`` and ``binding_reason`` added and the
    summary (with ``frontier``) in ``frame.attrs["allocation"]``.

    Needs the strategy stage's columns (:data:`STRATEGY_COLUMNS`); quotas that conflict
    raise the explanation of :func:`~finseg.allocation.allocate` (exit 2).
    """
    if cfg.budget is None:
        return frame
    out, result = allocate_results(
        frame, cfg, cfg.budget, cfg.mode, frontier_points=cfg.frontier_points,
        source="run results",
    )  # fmt: skip
    out.attrs = {**frame.attrs, SUMMARY_ATTR: result.summary}
    return out
