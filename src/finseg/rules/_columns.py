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

__all__ = ["RISK_COLUMNS", "ColumnKind", "known_columns"]


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
    """Every column a policy rule may name: canonical fields, feature- and risk-stage columns.

    Read-only and computed once per process (the feature columns come from running the
    features stage on a three-customer sample).
    """
    cols = {f.name: _FROM_SCHEMA[f.kind] for f in FIELDS}
    cols.update(_feature_kinds())
    cols.update(RISK_COLUMNS)
    return MappingProxyType(cols)
