"""The portfolio-overview stage: the dimensions every report groups customers by.

Adds ``industry_section`` (GB/T 4754 section letter) and the enterprise size class
(``size_industry``, ``size_class``, ``size_flag``; MIIT/NBS standard, see
:mod:`finseg.features`).  Pure: a DataFrame in, the same rows with more columns out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from finseg.features import classify_size

__all__ = ["portfolio_overview"]


def portfolio_overview(frame: pd.DataFrame, section: Any = None) -> pd.DataFrame:
    """Add the overview dimensions to ``frame`` (``section``: the policy's ``overview``).

    >>> df = pd.DataFrame({"industry_code": ["C3825"], "employees": [50],
    ...                    "operating_revenue": [5e7], "total_assets": [4e7]})
    >>> portfolio_overview(df)[["industry_section", "size_class"]].iloc[0].tolist()
    ['C', 'small']
    """
    out = frame.copy()
    out["industry_section"] = out["industry_code"].astype("string").str[:1]
    sizes = classify_size(out)
    for column in sizes.columns:
        out[column] = sizes[column].astype("string")
    return out
