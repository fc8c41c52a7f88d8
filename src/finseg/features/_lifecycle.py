"""Firm life cycle (生命周期): Dickinson (2011) cash-flow patterns combined with age and growth.

``cashflow_pattern`` is the sign of net operating, investing and financing cash flow (``+-+``;
zero counts as ``+``, the project convention of domain.md §5, and is flagged);
``dickinson_stage`` is the stage of that pattern (domain.md §5 table); ``lifecycle_stage`` is
the seed's stage, decided by the first rule that holds (thresholds in :class:`LifecycleRules`):

1. ``startup``   — Dickinson introduction, or firm age < ``startup_max_age`` years;
2. ``expansion`` — Dickinson growth with revenue growth >= ``expansion_min_growth`` and an
   investing outflow (cfi < 0);
3. the base stage of the Dickinson stage (``stage_of``: growth -> ``growth``, mature ->
   ``mature``, decline -> ``decline``);
4. Dickinson shake-out -> ``decline`` when revenue growth < ``shake_out_decline_below``, else
   ``mature``.

A rule fires only on evidence: missing age never makes a startup, missing growth never makes
an expansion (the firm stays ``growth``), and a shake-out without growth is ``unknown``, as is
every row with a missing cash flow unless rule 1 holds by age.  ``lifecycle_basis`` names the
rule that decided; ``lifecycle_flag`` lists zero or missing inputs.

>>> import pandas as pd
>>> df = pd.DataFrame({"cfo": [5.0, -1.0], "cfi": [-3.0, 2.0], "cff": [1.0, 0.0],
...     "founded_date": pd.to_datetime(["2010-01-01", "2000-01-01"]),
...     "as_of_date": pd.to_datetime(["2024-12-31", "2024-12-31"]),
...     "operating_revenue": [140.0, 80.0], "operating_revenue_prev": [100.0, 100.0]})
>>> out = classify_lifecycle(df)
>>> out[["cashflow_pattern", "dickinson_stage", "lifecycle_stage"]].values.tolist()
[['+-+', 'growth', 'expansion'], ['-++', 'decline', 'decline']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from finseg._config_base import _doc, _Section
from finseg._vocab import LabelledEnum
from finseg.features._tokens import number_column, token_codes

__all__ = ["DickinsonStage", "LifecycleRules", "LifecycleStage", "classify_lifecycle"]

_DAYS_PER_YEAR = 365.25
_FLOWS = ("cfo", "cfi", "cff")


class DickinsonStage(LabelledEnum):
    """Dickinson (2011) life-cycle stage of a cash-flow sign pattern."""

    INTRODUCTION = ("introduction", "导入期", "Introduction")
    GROWTH = ("growth", "成长期", "Growth")
    MATURE = ("mature", "成熟期", "Mature")
    SHAKE_OUT = ("shake_out", "淘汰期", "Shake-out")
    DECLINE = ("decline", "衰退期", "Decline")


#: Pattern (cfo, cfi, cff signs; 0 counts as +) -> stage, domain.md §5.
DICKINSON: dict[str, DickinsonStage] = {
    "--+": DickinsonStage.INTRODUCTION,
    "+-+": DickinsonStage.GROWTH,
    "+--": DickinsonStage.MATURE,
    "---": DickinsonStage.SHAKE_OUT,
    "+++": DickinsonStage.SHAKE_OUT,
    "++-": DickinsonStage.SHAKE_OUT,
    "-++": DickinsonStage.DECLINE,
    "-+-": DickinsonStage.DECLINE,
}


class LifecycleStage(LabelledEnum):
    """The seed's life-cycle stage of a customer."""

    STARTUP = ("startup", "初创期", "Start-up")
    EXPANSION = ("expansion", "快速扩张期", "Rapid expansion")
    GROWTH = ("growth", "成长期", "Growth")
    MATURE = ("mature", "成熟期", "Mature")
    DECLINE = ("decline", "衰退期", "Decline")
    UNKNOWN = ("unknown", "未知", "Unknown")


_BASE = (DickinsonStage.GROWTH, DickinsonStage.MATURE, DickinsonStage.DECLINE)


class LifecycleRules(_Section):
    """How Dickinson stage, age and revenue growth give the life-cycle stage."""

    startup_max_age: float = Field(
        3.0,
        ge=0,
        description=_doc(
            "成立年限（报表日期 − 成立日期，年）小于此值即为初创期",
            "Firms younger than this many years (as_of_date − founded_date) are start-ups",
        ),
    )
    expansion_min_growth: float = Field(
        0.30,
        description=_doc(
            "成长期企业营业收入增长率（(本期 − 上期) ÷ |上期|）不低于此值且投资现金流为负时，"
            "为快速扩张期",
            "A Dickinson-growth firm with revenue growth ((rev − prev) / |prev|) at least this "
            "and an investing outflow (cfi < 0) is in rapid expansion",
        ),
    )
    shake_out_decline_below: float = Field(
        0.0,
        description=_doc(
            "淘汰期企业营业收入增长率低于此值归为衰退期，否则归为成熟期",
            "A Dickinson shake-out firm with revenue growth below this is in decline, "
            "otherwise mature",
        ),
    )
    stage_of: dict[DickinsonStage, LifecycleStage] = Field(
        default_factory=lambda: {d: LifecycleStage(d.value) for d in _BASE},
        description=_doc(
            "其余情况下 Dickinson 阶段（growth、mature、decline）对应的生命周期阶段",
            "Life-cycle stage of the Dickinson stages growth, mature and decline otherwise",
        ),
    )

    @field_validator("stage_of")
    @classmethod
    def _base_stages(cls, value: dict) -> dict:
        if set(value) != set(_BASE):
            raise ValueError("stage_of must map exactly growth, mature and decline")
        return value


def classify_lifecycle(df: pd.DataFrame, rules: LifecycleRules | None = None) -> pd.DataFrame:
    """Cash-flow pattern, Dickinson stage and life-cycle stage of every row.

    Parameters
    ----------
    df : DataFrame
        ``cfo``, ``cfi``, ``cff``, ``founded_date``, ``as_of_date``, ``operating_revenue``
        and ``operating_revenue_prev``; absent columns count as missing.
    rules : LifecycleRules, optional
        Thresholds and the base mapping; defaults if omitted.

    Returns
    -------
    DataFrame
        Same index, ``str`` columns: ``cashflow_pattern`` (e.g. ``+-+``), ``dickinson_stage``
        (a :class:`DickinsonStage` value), both missing when a cash flow is; ``lifecycle_stage``
        (a :class:`LifecycleStage` value); ``lifecycle_basis`` (``introduction``, ``age<3``,
        ``growth>=0.3,cfi<0``, ``growth``, ``mature``, ``decline``, ``shake_out,growth<0``,
        ``shake_out,growth>=0``); ``lifecycle_flag`` (``;``-joined: ``zero:cfo``,
        ``missing:cfi``, ``missing_age``, ``missing_growth``), missing when clean.

    Examples
    --------
    >>> df = pd.DataFrame({"cfo": [0.0], "cfi": [-1.0], "cff": [-1.0]})
    >>> classify_lifecycle(df).iloc[0].tolist()
    ['+--', 'mature', 'mature', 'mature', 'zero:cfo;missing_age;missing_growth']
    """
    rules = rules or LifecycleRules()
    flows = {name: number_column(df, name) for name in _FLOWS}
    pattern = _patterns(flows)
    age, growth = _age(df), _growth(df)
    stage, basis = _stage(pattern, age, growth, flows["cfi"], rules)
    texts, flag = token_codes(
        [(f"zero:{k}", v == 0) for k, v in flows.items()]
        + [(f"missing:{k}", np.isnan(v)) for k, v in flows.items()]
        + [("missing_age", np.isnan(age)), ("missing_growth", np.isnan(growth))],
        sep=";",
    )
    out = {
        "cashflow_pattern": _take(_PATTERN_TEXTS, pattern),
        "dickinson_stage": _take(_PATTERN_STAGES, pattern),
        "lifecycle_stage": _take(stage[0], stage[1]),
        "lifecycle_basis": _take(basis[0], basis[1]),
        "lifecycle_flag": _take(texts, flag),
    }
    return pd.DataFrame(out, index=df.index)


def _take(texts: list[str | None], code: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A ``str`` array reading ``texts[code]`` per row (fast: no per-row Python strings)."""
    return pd.array(texts, dtype="str").take(code)


#: Pattern text and Dickinson stage per sign code (4·[cfo<0] + 2·[cfi<0] + [cff<0]); 8 = missing.
_PATTERN_TEXTS: list[str | None] = [
    *("".join("-" if c >> (2 - i) & 1 else "+" for i in range(3)) for c in range(8)),
    None,
]
_PATTERN_STAGES: list[str | None] = [*(DICKINSON[t].value for t in _PATTERN_TEXTS[:8]), None]


def _patterns(flows: dict[str, np.ndarray]) -> np.ndarray:
    """Sign code of each row (index into ``_PATTERN_TEXTS``); 8 where any flow is missing."""
    code = sum((flows[k] < 0).astype(np.int64) << (2 - i) for i, k in enumerate(_FLOWS))
    missing = np.logical_or.reduce([np.isnan(v) for v in flows.values()])
    return np.where(missing, 8, code)


def _age(df: pd.DataFrame) -> np.ndarray:
    """Years from founding to the statement date; NaN when either is missing or reversed."""
    if "founded_date" not in df or "as_of_date" not in df:
        return np.full(len(df), np.nan)
    founded = pd.to_datetime(df["founded_date"], errors="coerce")
    as_of = pd.to_datetime(df["as_of_date"], errors="coerce")
    days = (as_of - founded).dt.days.astype("float64").to_numpy(na_value=np.nan)
    return np.where(days >= 0, days / _DAYS_PER_YEAR, np.nan)


def _growth(df: pd.DataFrame) -> np.ndarray:
    """(rev − prev) / |prev|; NaN when either is missing or the base is zero."""
    rev, prev = number_column(df, "operating_revenue"), number_column(df, "operating_revenue_prev")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(prev != 0, (rev - prev) / np.abs(prev), np.nan)


def _stage(
    pattern: np.ndarray,
    age: np.ndarray,
    growth: np.ndarray,
    cfi: np.ndarray,
    rules: LifecycleRules,
) -> tuple[tuple[list, np.ndarray], tuple[list, np.ndarray]]:
    """Apply the rules of the module docstring in order (NaN comparisons are False); return
    ``(texts, code)`` of the stage and of the basis."""
    of_code = np.array([*_PATTERN_STAGES[:8], ""], dtype=object)[pattern]
    d = {s: of_code == s.value for s in DickinsonStage}
    with np.errstate(invalid="ignore"):
        young = age < rules.startup_max_age
        fast = (growth >= rules.expansion_min_growth) & (cfi < 0)
        falling = growth < rules.shake_out_decline_below
        steady = growth >= rules.shake_out_decline_below
    age_text, g = f"age<{rules.startup_max_age:g}", f"{rules.expansion_min_growth:g}"
    cut = f"{rules.shake_out_decline_below:g}"
    choices = [
        (d[DickinsonStage.INTRODUCTION], LifecycleStage.STARTUP, "introduction"),
        (young, LifecycleStage.STARTUP, age_text),
        (d[DickinsonStage.GROWTH] & fast, LifecycleStage.EXPANSION, f"growth>={g},cfi<0"),
        *[(d[s], rules.stage_of[s], s.value) for s in _BASE],
        (d[DickinsonStage.SHAKE_OUT] & falling, LifecycleStage.DECLINE, f"shake_out,growth<{cut}"),
        (d[DickinsonStage.SHAKE_OUT] & steady, LifecycleStage.MATURE, f"shake_out,growth>={cut}"),
    ]
    conditions = [c for c, _, _ in choices]
    which = np.select(conditions, np.arange(len(choices)), len(choices))
    stages = [s.value for _, s, _ in choices] + [LifecycleStage.UNKNOWN.value]
    return (stages, which), ([b for _, _, b in choices] + [None], which)
