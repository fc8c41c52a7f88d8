"""Financial condition (财务状况): strong / adequate / weak / distressed from configurable bands.

Rules are tested in order — distressed, weak, (too little data), strong, adequate — and the
first that matches decides; its machine-readable reason (e.g. ``debt_to_assets>0.75``) is kept
in ``financial_condition_reason`` and :func:`explain_reason` turns it into words in zh or en.
A red flag seen on partial data still counts; a good grade needs the evidence, so a row with
too few known measures that raised no flag is ``unknown`` (``insufficient_data``).

>>> import pandas as pd
>>> df = pd.DataFrame({"debt_to_assets": [0.8], "interest_coverage": [3.0],
...     "current_ratio": [1.2], "net_margin": [0.04], "altman_zone": ["grey"],
...     "owners_equity": [200.0], "short_term_debt": [100.0], "long_term_debt": [0.0]})
>>> classify_condition(df).iloc[0].tolist()
['weak', 'debt_to_assets>0.75']
>>> explain_reason("debt_to_assets>0.75", "zh")
'资产负债率 > 0.75'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from finseg._config_base import _doc, _Section
from finseg._vocab import LabelledEnum
from finseg.features._altman import AltmanZone
from finseg.features._ratios import RATIO_BY_NAME
from finseg.features._tokens import number_column, take_strings

__all__ = [
    "CONDITION_INPUTS",
    "ConditionBands",
    "FinancialCondition",
    "classify_condition",
    "condition_markdown",
    "explain_reason",
]

#: Columns :func:`classify_condition` reads (ratios, Altman zone and three canonical fields).
CONDITION_INPUTS: tuple[str, ...] = (
    "debt_to_assets",
    "interest_coverage",
    "current_ratio",
    "net_margin",
    "altman_zone",
    "owners_equity",
    "short_term_debt",
    "long_term_debt",
)
ALL_STRONG = "all_strong_bands_met"
BETWEEN = "between_bands"
INSUFFICIENT = "insufficient_data"


class FinancialCondition(LabelledEnum):
    """Financial condition grade, best first; ``unknown`` when data are too thin."""

    STRONG = ("strong", "强", "Strong")
    ADEQUATE = ("adequate", "适中", "Adequate")
    WEAK = ("weak", "弱", "Weak")
    DISTRESSED = ("distressed", "困难", "Distressed")
    UNKNOWN = ("unknown", "未知", "Unknown")


def _band(default: float, zh: str, en: str) -> Any:  # a pydantic FieldInfo
    return Field(default, description=_doc(zh, en))


class ConditionBands(_Section):
    """Thresholds of the financial-condition rules (policy ``features.condition``).

    >>> ConditionBands().weak_debt_to_assets_above
    0.75
    """

    # fmt: off
    distressed_debt_to_assets_above: float = _band(
        1.0, "资产负债率高于此值为困难（资不抵债）",
        "Distressed when debt-to-assets is above this (liabilities exceed assets)")
    distressed_interest_coverage_below: float = _band(
        1.0, "Altman 处于困境区且利息保障倍数低于此值为困难",
        "Distressed when the Altman zone is distress and interest coverage is below this")
    weak_debt_to_assets_above: float = _band(
        0.75, "资产负债率高于此值为弱", "Weak when debt-to-assets is above this")
    weak_interest_coverage_below: float = _band(
        1.5, "利息保障倍数低于此值为弱", "Weak when interest coverage is below this")
    weak_current_ratio_below: float = _band(
        0.8, "流动比率低于此值为弱", "Weak when the current ratio is below this")
    weak_net_margin_below: float = _band(
        0.0, "销售净利率低于此值为弱（亏损）", "Weak when the net margin is below this (a loss)")
    weak_on_altman_distress: bool = Field(True, description=_doc(
        "Altman 处于困境区即为弱", "Weak whenever the Altman zone is distress"))
    strong_debt_to_assets_below: float = _band(
        0.5, "强：资产负债率低于此值", "Strong needs debt-to-assets below this")
    strong_interest_coverage_above: float = _band(
        5.0, "强：利息保障倍数高于此值（无有息负债亦可）",
        "Strong needs interest coverage above this (or no interest-bearing debt)")
    strong_current_ratio_above: float = _band(
        1.5, "强：流动比率高于此值", "Strong needs a current ratio above this")
    strong_net_margin_above: float = _band(
        0.05, "强：销售净利率高于此值", "Strong needs a net margin above this")
    strong_requires_altman_safe: bool = Field(True, description=_doc(
        "强：要求 Altman 处于安全区", "Strong needs the Altman zone to be safe"))
    min_known_measures: int = Field(3, ge=1, le=5, description=_doc(
        "杠杆、偿息、流动性、盈利、Altman 五项中至少已知几项（且资产负债率已知），否则为未知",
        "How many of leverage, coverage, liquidity, profitability and Altman zone must be "
        "known (debt-to-assets among them); otherwise the condition is unknown"))
    # fmt: on

    @model_validator(mode="after")
    def _ordered(self) -> ConditionBands:
        pairs = [
            ("strong_debt_to_assets_below", "weak_debt_to_assets_above"),
            ("weak_debt_to_assets_above", "distressed_debt_to_assets_above"),
            ("distressed_interest_coverage_below", "weak_interest_coverage_below"),
            ("weak_interest_coverage_below", "strong_interest_coverage_above"),
            ("weak_current_ratio_below", "strong_current_ratio_above"),
            ("weak_net_margin_below", "strong_net_margin_above"),
        ]
        for low, high in pairs:
            if getattr(self, low) > getattr(self, high):
                raise ValueError(
                    f"{low} ({getattr(self, low)}) must not exceed {high} ({getattr(self, high)})"
                )
        return self


Rule = tuple[str, Callable[[dict[str, np.ndarray]], np.ndarray]]


def _rules(b: ConditionBands) -> list[tuple[FinancialCondition, list[Rule]]]:
    """The rule table built from the bands, in evaluation order; NaN never matches."""
    distress = AltmanZone.DISTRESS.value
    weak: list[Rule] = [
        (f"debt_to_assets>{_num(b.weak_debt_to_assets_above)}",
         lambda v: v["debt_to_assets"] > b.weak_debt_to_assets_above),
        (f"interest_coverage<{_num(b.weak_interest_coverage_below)}",
         lambda v: v["interest_coverage"] < b.weak_interest_coverage_below),
        (f"current_ratio<{_num(b.weak_current_ratio_below)}",
         lambda v: v["current_ratio"] < b.weak_current_ratio_below),
        (f"net_margin<{_num(b.weak_net_margin_below)}",
         lambda v: v["net_margin"] < b.weak_net_margin_below),
    ]  # fmt: skip
    if b.weak_on_altman_distress:
        weak.append((f"altman_zone={distress}", lambda v: v["altman_distress"]))
    distressed: list[Rule] = [
        ("owners_equity<=0", lambda v: v["owners_equity"] <= 0),
        (f"debt_to_assets>{_num(b.distressed_debt_to_assets_above)}",
         lambda v: v["debt_to_assets"] > b.distressed_debt_to_assets_above),
        (f"altman_zone={distress}&interest_coverage<{_num(b.distressed_interest_coverage_below)}",
         lambda v: v["altman_distress"]
         & (v["interest_coverage"] < b.distressed_interest_coverage_below)),
    ]  # fmt: skip
    return [
        (FinancialCondition.DISTRESSED, distressed),
        (FinancialCondition.WEAK, weak),
        (FinancialCondition.UNKNOWN, [(INSUFFICIENT, lambda v: ~_enough_data(v, b))]),
        (FinancialCondition.STRONG, [(ALL_STRONG, lambda v: _all_strong(v, b))]),
        (FinancialCondition.ADEQUATE, [(BETWEEN, lambda v: np.ones(len(v["net_margin"]), bool))]),
    ]


def _num(x: float) -> str:
    """Threshold as written in a reason code: two decimals unless that would round it."""
    return f"{x:.2f}" if round(x, 2) == x else repr(x)


def _no_debt(v: dict[str, np.ndarray]) -> np.ndarray:
    return (v["short_term_debt"] + v["long_term_debt"]) == 0


def _enough_data(v: dict[str, np.ndarray], b: ConditionBands) -> np.ndarray:
    known = [
        ~np.isnan(v["debt_to_assets"]),
        ~np.isnan(v["interest_coverage"]) | _no_debt(v),
        ~np.isnan(v["current_ratio"]),
        ~np.isnan(v["net_margin"]),
        v["altman_known"],
    ]
    return known[0] & (np.sum(known, axis=0) >= b.min_known_measures)


def _all_strong(v: dict[str, np.ndarray], b: ConditionBands) -> np.ndarray:
    met = (
        (v["debt_to_assets"] < b.strong_debt_to_assets_below)
        & ((v["interest_coverage"] > b.strong_interest_coverage_above) | _no_debt(v))
        & (v["current_ratio"] > b.strong_current_ratio_above)
        & (v["net_margin"] > b.strong_net_margin_above)
    )
    if b.strong_requires_altman_safe:
        met &= v["altman_safe"]
    return met


def classify_condition(df: pd.DataFrame, bands: ConditionBands | None = None) -> pd.DataFrame:
    """Grade every row and keep the rule that decided.

    Parameters
    ----------
    df : DataFrame
        The outputs of :func:`compute_ratios` and :func:`compute_altman` next to the canonical
        fields (see :data:`CONDITION_INPUTS`); absent canonical fields count as missing.
    bands : ConditionBands, optional
        Thresholds; the documented defaults when omitted.

    Returns
    -------
    DataFrame
        Same index; ``financial_condition`` (a :class:`FinancialCondition` value) and
        ``financial_condition_reason`` (the first rule that matched, e.g.
        ``interest_coverage<1.50``, ``all_strong_bands_met``, ``between_bands`` or
        ``insufficient_data``).

    Raises
    ------
    ValueError
        If a derived column is absent: run the ratios and Altman first.

    Examples
    --------
    >>> df = pd.DataFrame({c: [np.nan] for c in CONDITION_INPUTS})
    >>> classify_condition(df).iloc[0].tolist()
    ['unknown', 'insufficient_data']
    """
    v = _values(df)
    table = [
        (c, code, test) for c, rules in _rules(bands or ConditionBands()) for code, test in rules
    ]
    decided = np.full(len(df), -1, dtype=np.int16)  # index of the rule that matched first
    for k, (_, _, test) in enumerate(table):
        with np.errstate(invalid="ignore"):
            decided[(decided < 0) & test(v)] = k
    grades = take_strings([c.value for c, _, _ in table], decided)
    reasons = take_strings([code for _, code, _ in table], decided)
    return pd.DataFrame(
        {"financial_condition": grades, "financial_condition_reason": reasons}, index=df.index
    )


def _values(df: pd.DataFrame) -> dict[str, np.ndarray]:
    derived = ("debt_to_assets", "interest_coverage", "current_ratio", "net_margin", "altman_zone")
    absent = [c for c in derived if c not in df]
    if absent:
        raise ValueError(
            f"classify_condition needs the columns {absent}: run compute_ratios and "
            "compute_altman first and join their output to the frame"
        )
    v = {name: number_column(df, name) for name in CONDITION_INPUTS if name != "altman_zone"}
    zone = df["altman_zone"]
    for value in AltmanZone:
        v[f"altman_{value.value}"] = (zone == value.value).to_numpy(bool, na_value=False)
    v["altman_known"] = v["altman_safe"] | v["altman_grey"] | v["altman_distress"]
    return v


_FIXED: dict[str, tuple[str, str]] = {
    ALL_STRONG: ("满足全部强项标准", "all strong bands are met"),
    BETWEEN: ("介于弱与强之间", "between the weak and strong bands"),
    INSUFFICIENT: ("数据不足，无法判断", "too little data to judge"),
}
_LABELS: dict[str, tuple[str, str]] = {
    "owners_equity": ("所有者权益", "Owners' equity"),
    "altman_zone": ("Altman 区间", "Altman zone"),
    **{name: (r.zh, r.en) for name, r in RATIO_BY_NAME.items()},
}
_TERM = re.compile(r"^(?P<measure>[a-z_0-9]+)(?P<op><=|>=|<|>|=)(?P<value>.+)$")


def explain_reason(reason: str, lang: str = "en") -> str:
    """A ``financial_condition_reason`` in words, in ``lang`` (``"zh"`` or ``"en"``).

    >>> explain_reason("altman_zone=distress&interest_coverage<1.00")
    'Altman zone = Distress and Interest coverage < 1.00'
    >>> explain_reason("all_strong_bands_met", "zh")
    '满足全部强项标准'
    """
    i = 0 if lang == "zh" else 1
    if reason in _FIXED:
        return _FIXED[reason][i]
    parts = []
    for term in reason.split("&"):
        m = _TERM.match(term)
        if m is None or m["measure"] not in _LABELS:
            return reason  # not one of ours: show it as it is rather than guess
        value = m["value"]
        if value in AltmanZone.__members__.values():
            value = AltmanZone(value).label(lang)
        op = "≤" if m["op"] == "<=" else m["op"]
        parts.append(f"{_LABELS[m['measure']][i]} {op} {value}")
    return (" 且 " if lang == "zh" else " and ").join(parts)


def condition_markdown(bands: ConditionBands | None = None) -> str:
    """The ``## Financial condition / 财务状况`` section of ``docs/features.md``.

    >>> condition_markdown().splitlines()[0]
    '## Financial condition / 财务状况'
    """
    bands = bands or ConditionBands()
    lines = [
        "## Financial condition / 财务状况", "",
        "Generated from `src/finseg/features/_condition.py`. Rules are tested top to bottom; "
        "the first that matches decides and its code is kept in `financial_condition_reason`. "
        "A missing measure never matches a rule. 规则自上而下判断，首个命中的规则决定结果，"
        "其代码记入 `financial_condition_reason`；缺失的指标不命中任何规则。", "",
        "| column | 中文 | English | values | source |", "|---|---|---|---|---|",
        "| `financial_condition` | 财务状况 | Financial condition | "
        + ", ".join(f"`{c.value}` {c.label('zh')}" for c in FinancialCondition)
        + " | finseg policy `ConditionBands` |",
        "| `financial_condition_reason` | 财务状况判定依据 | Reason for the financial condition "
        "| rule code below | finseg |", "",
        "| order | financial_condition | rule code (defaults) | English | 中文 |",
        "|---|---|---|---|---|",
    ]  # fmt: skip
    for k, (condition, rules) in enumerate(_rules(bands), start=1):
        for code, _ in rules:
            lines.append(
                f"| {k} | `{condition.value}` {condition.label('zh')} | `{code}` "
                f"| {explain_reason(code, 'en')} | {explain_reason(code, 'zh')} |"
            )
    lines += ["", "Settings (policy `ConditionBands`) / 配置项:", "",
              "| key | default | description |", "|---|---|---|"]  # fmt: skip
    for name, info in ConditionBands.model_fields.items():
        lines.append(f"| `{name}` | `{info.default}` | {info.description} |")
    return "\n".join([*lines, ""])
