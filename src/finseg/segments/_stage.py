"""The segments stage: every customer's segment (first matching taxonomy rule), the rule that
matched, its strategy key and a composite key of the five dimensions the seed names
(industry, size, lifecycle stage, financial condition, risk grade).

>>> import pandas as pd
>>> df = pd.DataFrame({"industry_section": ["C", None], "size_class": ["small", "large"],
...                    "lifecycle_stage": ["mature", "growth"],
...                    "financial_condition": ["weak", "strong"], "grade": ["BB", "AA"]})
>>> segment_key(df).tolist()
['C|small|mature|weak|BB', '—|large|growth|strong|AA']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from finseg.segments._policy import SegmentsPolicy

__all__ = ["DIMENSIONS", "SEGMENT_COLUMNS", "segment_key", "segments_stage"]

#: The dimension columns of ``segment_key``, in order.
DIMENSIONS = ("industry_section", "size_class", "lifecycle_stage", "financial_condition", "grade")
#: The columns the stage adds.
SEGMENT_COLUMNS = ("segment", "segment_rule", "strategy_key", "segment_key")
_MISSING = "—"


def segment_key(df: pd.DataFrame) -> pd.Series:
    """``industry|size|lifecycle|condition|grade`` per row (``—`` where a value is missing)."""
    parts = [
        (df[c].astype("string") if c in df else pd.Series(pd.NA, index=df.index, dtype="string"))
        .fillna(_MISSING)
        .str.replace("|", "/", regex=False)
        for c in DIMENSIONS
    ]
    key = parts[0]
    for part in parts[1:]:
        key = key + "|" + part
    return key.astype("string")


def segments_stage(df: pd.DataFrame, cfg: SegmentsPolicy | None = None) -> pd.DataFrame:
    """``df`` with ``segment``, ``segment_rule``, ``strategy_key`` and ``segment_key`` added.

    Rules are evaluated together by the rule engine (DuckDB, vectorised); the taxonomy's
    last rule is a catch-all, so every customer gets exactly one segment.
    """
    cfg = cfg or SegmentsPolicy()
    hits = cfg.table().evaluate(df)
    ids = [s.id for s in cfg.taxonomy]
    strategies = np.array([s.strategy for s in cfg.taxonomy], dtype=object)
    position = pd.Categorical(hits["row"], categories=ids).codes
    out = pd.DataFrame(
        {
            "segment": pd.Categorical(hits["row"], categories=ids),
            "segment_rule": hits["rule"].astype("string"),
            "strategy_key": pd.array(strategies[position], dtype="string"),
            "segment_key": segment_key(df),
        },
        index=df.index,
    )
    return pd.concat([df.drop(columns=[c for c in SEGMENT_COLUMNS if c in df]), out], axis=1)
