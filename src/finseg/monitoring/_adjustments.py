"""Outcomes of expert adjustments: did the customers whose grade or segment an expert
adjusted (``grade_override_id`` / ``segment_override_id`` set in the baseline run) default or
migrate more than comparable unadjusted customers?

"Comparable" means the same baseline grade (grade adjustments) or segment (segment
adjustments).  The comparison is directly standardised: each stratum's unadjusted default
rate is weighted by the adjusted customers in it, so a mix of strata never masquerades as
skill.  One-sided binomial p-values say whether the adjusted customers defaulted more
(``p_worse``) or less (``p_better``) than that expectation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom

from finseg.monitoring._compare import Pairing, rank_codes, text_codes

__all__ = ["adjustment_outcomes"]

_ALPHA = 0.05
_VERDICTS = {
    "worse": ("调整后的客户违约率显著高于可比客户：专家调整未能增加价值",
              "Adjusted customers defaulted significantly more than comparable ones: the "
              "adjustments did not add value"),
    "better": ("调整后的客户违约率显著低于可比客户：专家调整增加了价值",
               "Adjusted customers defaulted significantly less than comparable ones: the "
               "adjustments added value"),
    "same": ("调整后的客户与可比客户的违约率无显著差异",
             "No significant difference in default rate from comparable customers"),
    "no_outcome": ("尚无违约结果，仅比较迁移", "No outcomes yet: migration compared only"),
}  # fmt: skip
_NONE = {"zh": "基期运行中没有经专家调整的客户", "en": "No customer was adjusted by an expert in "
         "the baseline run"}  # fmt: skip


def _verdict(code: str) -> dict[str, str]:
    zh, en = _VERDICTS[code]
    return {"code": code, "zh": zh, "en": en}


def _paired(baseline: pd.DataFrame, current: pd.DataFrame, pairing: Pairing,
            order: Sequence[str]) -> pd.DataFrame:  # fmt: skip
    """One row per common customer: baseline grade and segment, outcome, downgrade, moved."""
    rows, matched = pairing.position[pairing.matched], pairing.matched
    out = pd.DataFrame(index=pd.RangeIndex(len(rows)))
    for kind in ("grade", "segment"):
        if kind in baseline:
            codes, labels = text_codes(baseline[kind])
            out[kind] = pd.Categorical.from_codes(codes[rows] + 1, ["—", *labels])
        else:
            out[kind] = "—"
        column = f"{kind}_override_id"
        out[f"{kind}_adjusted"] = baseline[column].notna().to_numpy()[rows] if column in baseline \
            else False  # fmt: skip
    y = _floats(current, "default_12m")
    out["y"] = y[matched]
    out["down"] = False
    if "grade" in baseline and "grade" in current:
        before = rank_codes(baseline["grade"], order)[rows]
        out["down"] = rank_codes(current["grade"], order)[matched] > before
    out["moved"] = False
    if "segment" in baseline and "segment" in current:
        names = list(dict.fromkeys([*text_codes(baseline["segment"])[1],
                                    *text_codes(current["segment"])[1]]))  # fmt: skip
        before = np.nan_to_num(rank_codes(baseline["segment"], names)[rows], nan=-1)
        out["moved"] = np.nan_to_num(rank_codes(current["segment"], names)[matched], nan=-1) \
            != before  # fmt: skip
    return out


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy("float64", na_value=np.nan)


def _stats(frame: pd.DataFrame) -> pd.DataFrame:
    known = frame["y"].notna()
    g = frame.assign(known=known, d=frame["y"].fillna(0)).groupby("stratum", observed=True)
    return g.agg(n=("known", "size"), known=("known", "sum"), d=("d", "sum"),
                 down=("down", "sum"), moved=("moved", "sum"))  # fmt: skip


def _kind(paired: pd.DataFrame, kind: str) -> dict[str, Any] | None:
    adjusted = paired[f"{kind}_adjusted"].to_numpy(bool)
    if not adjusted.any():
        return None
    frame = paired.assign(stratum=paired[kind])
    adj, rest = _stats(frame[adjusted]), _stats(frame[~adjusted])
    both = adj.join(rest.add_suffix("_cmp"), how="left").fillna(0)
    has_cmp = both["n_cmp"] > 0
    n_adj = int(both["n"].sum())
    k_adj, d_adj = int(both["known"].sum()), int(both["d"].sum())
    cmp = both[has_cmp]
    rate = (cmp["d_cmp"] / cmp["known_cmp"].where(cmp["known_cmp"] > 0)).fillna(0)
    expected_odr = float((rate * cmp["known"]).sum() / cmp["known"].sum()) if cmp["known"].sum() \
        else None  # fmt: skip
    down_rate = cmp["down_cmp"] / cmp["n_cmp"]
    out: dict[str, Any] = {
        "adjusted": n_adj,
        "with_outcome": k_adj,
        "defaults": d_adj,
        "odr": d_adj / k_adj if k_adj else None,
        "comparable_odr": expected_odr,
        "comparable_customers": int(cmp["n_cmp"].sum()),
        "without_comparable": int(both.loc[~has_cmp, "n"].sum()),
        "downgrade_share": float(both["down"].sum() / n_adj),
        "comparable_downgrade_share": float((down_rate * cmp["n"]).sum() / cmp["n"].sum())
        if len(cmp) else None,
        "moved_share": float(both["moved"].sum() / n_adj),
        "strata": {
            str(s): {"adjusted": int(r.n), "adjusted_defaults": int(r.d),
                     "comparable": int(r.n_cmp), "comparable_defaults": int(r.d_cmp)}
            for s, r in both.iterrows()
        },
    }  # fmt: skip
    # the adjusted customers that have comparables and a known outcome
    k_test, d_test = int(cmp["known"].sum()), int(cmp["d"].sum())
    if expected_odr is None or k_test == 0:
        out |= {"p_worse": None, "p_better": None, "verdict": _verdict("no_outcome")}
        return out
    p_worse = float(binom.sf(d_test - 1, k_test, expected_odr))
    p_better = float(binom.cdf(d_test, k_test, expected_odr))
    code = "worse" if p_worse < _ALPHA else "better" if p_better < _ALPHA else "same"
    return out | {"p_worse": p_worse, "p_better": p_better, "verdict": _verdict(code)}


def adjustment_outcomes(
    baseline: pd.DataFrame, current: pd.DataFrame, pairing: Pairing, grade_order: Sequence[str]
) -> dict[str, Any]:
    """Adjusted versus comparable unadjusted customers, for grade and segment adjustments.

    Returns ``adjusted_customers`` (common customers with either adjustment), ``grade`` and
    ``segment`` (``None`` when no customer had that adjustment) and, when none had any,
    ``note`` (zh, en) saying so.
    """
    paired = _paired(baseline, current, pairing, grade_order)
    any_adjusted = paired["grade_adjusted"] | paired["segment_adjusted"]
    out: dict[str, Any] = {
        "adjusted_customers": int(any_adjusted.sum()),
        "grade": _kind(paired, "grade"),
        "segment": _kind(paired, "segment"),
    }
    if not any_adjusted.any():
        out["note"] = dict(_NONE)
    return out
