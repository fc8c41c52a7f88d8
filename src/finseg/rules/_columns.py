"""The columns a rule may name, and the kind of value each holds.

>>> cols = known_columns()
>>> [cols[c].value for c in ("total_assets", "debt_to_assets", "lifecycle_stage", "listed")]
['numeric', 'numeric', 'text', 'bool']
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

import pandas as pd

from finseg.schema import FIELDS, Kind

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["RISK_COLUMNS", "SEGMENT_COLUMNS", "STRATEGY_COLUMNS", "ColumnKind", "known_columns"]


class ColumnKind(StrEnum):
    """What a column holds, as far as a rule is concerned."""

    NUMERIC = "numeric"
    TEXT = "text"
    BOOL = "bool"
    DATE = "date"


_FROM_SCHEMA: dict[Kind, ColumnKind] = {
    Kind.TEXT: ColumnKind.TEXT,
    Kind.CODE: ColumnKind.TEXT,
    Kind.CATEGORY: ColumnKind.TEXT,
    Kind.DATE: ColumnKind.DATE,
    Kind.MONEY: ColumnKind.NUMERIC,
    Kind.COUNT: ColumnKind.NUMERIC,
    Kind.NUMBER: ColumnKind.NUMERIC,
    Kind.FLAG: ColumnKind.BOOL,
}

#: Columns the risk stage adds (``docs/risk.md``).
RISK_COLUMNS: dict[str, ColumnKind] = {
    "pd": ColumnKind.NUMERIC,
    "score": ColumnKind.NUMERIC,
    "grade": ColumnKind.TEXT,
    "reason_1": ColumnKind.TEXT,
    "reason_2": ColumnKind.TEXT,
    "reason_3": ColumnKind.TEXT,
    "risk_model": ColumnKind.TEXT,
    "rating_basis": ColumnKind.TEXT,
    "rating_missing": ColumnKind.TEXT,
}

#: Columns the segments stage adds (``docs/segments.md``): strategy rules may read them.
SEGMENT_COLUMNS: dict[str, ColumnKind] = {
    "segment": ColumnKind.TEXT,
    "segment_rule": ColumnKind.TEXT,
    "strategy_key": ColumnKind.TEXT,
    "segment_key": ColumnKind.TEXT,
}

#: Columns the strategy stage adds (``docs/strategy.md``): monitoring rules may read them.
STRATEGY_COLUMNS: dict[str, ColumnKind] = {
    "scenario": ColumnKind.TEXT,
    "scenario_pd": ColumnKind.NUMERIC,
    "scenario_grade": ColumnKind.TEXT,
    "eligible_products": ColumnKind.TEXT,
    "product": ColumnKind.TEXT,
    "limit": ColumnKind.NUMERIC,
    "limit_binding": ColumnKind.TEXT,
    "collateral_required": ColumnKind.TEXT,
    "review_level": ColumnKind.TEXT,
    "lgd": ColumnKind.NUMERIC,
    "maturity_years": ColumnKind.NUMERIC,
    "price": ColumnKind.NUMERIC,
    "expected_loss": ColumnKind.NUMERIC,
    "rwa": ColumnKind.NUMERIC,
    "programmes": ColumnKind.TEXT,
    "covenants": ColumnKind.TEXT,
    "decision": ColumnKind.TEXT,
    "decision_reasons": ColumnKind.TEXT,
}


def kind_of_dtype(dtype: object) -> ColumnKind:
    """The kind of a pandas column from its dtype (how feature columns are classified)."""
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnKind.BOOL
    if pd.api.types.is_numeric_dtype(dtype):
        return ColumnKind.NUMERIC
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnKind.DATE
    return ColumnKind.TEXT


@cache
def _feature_kinds() -> dict[str, ColumnKind]:
    # derived from the stage itself so that a new feature column is known without an edit here
    from finseg.features import compute_features
    from finseg.sample import generate_portfolio

    sample = generate_portfolio(3, seed=0)
    out = compute_features(sample)
    return {c: kind_of_dtype(out[c].dtype) for c in out.columns if c not in sample.columns}


@cache
def known_columns() -> Mapping[str, ColumnKind]:
    """Every column a policy rule may name: canonical fields and the columns the features,
    risk, segments and strategy stages add (a rule that reads a later stage's column than
    its own stage has is an error at run time, named with the rule).

    Read-only and computed once per process (the feature columns come from running the
    features stage on a three-customer sample).
    """
    cols = {f.name: _FROM_SCHEMA[f.kind] for f in FIELDS}
    cols.update(_feature_kinds())
    cols.update(RISK_COLUMNS)
    cols.update(SEGMENT_COLUMNS)
    cols.update(STRATEGY_COLUMNS)
    return MappingProxyType(cols)
