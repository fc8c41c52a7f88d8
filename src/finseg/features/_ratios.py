"""Financial ratios (财务比率), domain.md §4.2: one declaration per ratio, code and docs from it.

Each :class:`Ratio` names its inputs, numerator and denominator (small vectorised functions of
:class:`Inputs`) and which denominators are meaningful.  :func:`compute_ratios` evaluates the
whole table at once with numpy; an undefined ratio is NaN and its reason goes to
``ratio_flags`` — never ``inf`` and never a stand-in number.

Conventions (also printed in ``docs/features.md`` by :func:`ratios_markdown`):

* average balance = (opening + closing) / 2 when the ``_prev`` field is present, else the
  closing balance (not flagged: a first-year customer still has a meaningful ratio);
* EBIT = total profit + interest expense; the EBITDA proxy is EBIT, as the schema has no
  depreciation field;
* interest-bearing debt = short-term debt + long-term debt;
* days use a 360-day year; growth divides by the absolute prior-year value.

>>> import pandas as pd
>>> out = compute_ratios(pd.DataFrame({"total_assets": [100.0], "total_liabilities": [60.0]}))
>>> float(out.loc[0, "debt_to_assets"]), out.loc[0, "ratio_flags"].split(";")[0]
(0.6, 'debt_to_equity:missing_input')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from finseg.features._flagging import NanReason, join_flags
from finseg.features._tokens import read_float

__all__ = [
    "RATIOS",
    "RATIO_BY_NAME",
    "Denominator",
    "Inputs",
    "NanReason",
    "Ratio",
    "RatioUnit",
    "compute_ratios",
    "ratios_markdown",
]

DAYS_PER_YEAR = 360.0  # banking convention in China; domain.md §4.2 asks to pick one and say so


class RatioUnit(StrEnum):
    """Unit of a ratio's value."""

    FRACTION = "fraction"
    TIMES = "times"
    DAYS = "days"

    def label(self, lang: str = "en") -> str:
        """``比例`` / ``fraction`` etc."""
        zh, en = {"fraction": ("比例", "fraction"), "times": ("倍", "times"),
                  "days": ("天", "days")}[self.value]  # fmt: skip
        return zh if lang == "zh" else en


class Denominator(StrEnum):
    """Which denominators give a meaningful ratio."""

    POSITIVE = "positive"  # > 0: a balance or flow that cannot sensibly be negative
    NONZERO = "nonzero"  # != 0: the sign is already handled (e.g. |prior| in growth)


class Inputs:
    """Float views of canonical columns, read once: NaN where missing, absent or non-finite.

    >>> f = Inputs(pd.DataFrame({"total_assets": [10.0], "total_assets_prev": [6.0]}))
    >>> float(f.avg("total_assets")[0]), bool(f.missing("cash")[0])
    (8.0, True)
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df
        self._cache: dict[str, np.ndarray] = {}
        self._missing: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            if name in self._df:
                values = read_float(self._df[name])
            else:
                values = np.full(len(self._df), np.nan)
            self._cache[name] = values
        return self._cache[name]

    def __len__(self) -> int:
        return len(self._df)

    def missing(self, name: str) -> np.ndarray:
        """True where ``name`` has no usable value."""
        if name not in self._missing:
            self._missing[name] = np.isnan(self[name])
        return self._missing[name]

    def avg(self, name: str) -> np.ndarray:
        """(opening + closing) / 2 where ``<name>_prev`` is present, else closing."""
        key = f"avg({name})"
        if key not in self._cache:
            closing, opening = self[name], self[name + "_prev"]
            # halves first: the sum of two huge balances must not overflow to inf
            average = closing * 0.5
            average += opening * 0.5
            np.copyto(average, closing, where=self.missing(name + "_prev"))
            self._cache[key] = average
        return self._cache[key]


def ebit(f: Inputs) -> np.ndarray:
    """EBIT = total profit (利润总额) + interest expense (利息费用)."""
    return f["total_profit"] + f["interest_expense"]


def interest_bearing_debt(f: Inputs) -> np.ndarray:
    """Short-term debt (短期借款) + long-term debt (长期借款)."""
    return f["short_term_debt"] + f["long_term_debt"]


def column(name: str) -> Callable[[Inputs], np.ndarray]:
    """The canonical field ``name`` as a ratio term."""
    return lambda f: f[name]


def _avg(name: str) -> Callable[[Inputs], np.ndarray]:
    return lambda f: f.avg(name)


def _growth(name: str) -> Callable[[Inputs], np.ndarray]:
    return lambda f: f[name] - f[name + "_prev"]


def _abs_prior(name: str) -> Callable[[Inputs], np.ndarray]:
    return lambda f: np.abs(f[name + "_prev"])


@dataclass(frozen=True)
class Ratio:
    """One ratio: labels, formula text, how to compute it and when it is undefined.

    Attributes
    ----------
    name, zh, en : str
        Column name and labels.
    formula : str
        The formula as printed in the docs.
    numerator, denominator : callable
        Vectorised functions of :class:`Inputs` returning float arrays.
    inputs : tuple of str
        Canonical fields that must be present (their absence is ``missing_input``).
    rule : Denominator
        ``POSITIVE`` (≤ 0 is undefined) or ``NONZERO``.
    unit : RatioUnit
        Unit of the value.
    prior : str, optional
        Prior-year field whose absence is ``no_prior_year`` (growth rates).
    nonpositive_reason : NanReason, optional
        Reason used for both a zero and a negative denominator (``negative_equity``).
    source, note : str
        Where the definition comes from; a remark for the docs.

    Examples
    --------
    >>> RATIO_BY_NAME["current_ratio"].zh
    '流动比率'
    """

    name: str
    zh: str
    en: str
    formula: str
    numerator: Callable[[Inputs], np.ndarray]
    denominator: Callable[[Inputs], np.ndarray]
    inputs: tuple[str, ...]
    rule: Denominator = Denominator.POSITIVE
    unit: RatioUnit = RatioUnit.FRACTION
    prior: str | None = None
    nonpositive_reason: NanReason | None = None
    source: str = "domain.md §4.2"
    note: str = ""

    def evaluate(self, f: Inputs, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Values (float64, NaN where undefined; written to ``out`` if given) and reason
        codes (uint8, 0 = none)."""
        with np.errstate(all="ignore"):  # overflow and 0/0 are caught below, by code
            num, den = self.numerator(f), self.denominator(f)
            value = np.divide(num, den, out=out)
        # later assignments win, so the reasons are written from weakest to strongest
        codes = np.zeros(len(f), dtype=np.uint8)
        codes[~np.isfinite(value)] = NanReason.OUT_OF_RANGE.code  # overflow of huge inputs
        if self.rule is Denominator.POSITIVE:
            codes[den < 0] = (self.nonpositive_reason or NanReason.NEGATIVE_DENOMINATOR).code
        codes[den == 0] = (self.nonpositive_reason or NanReason.ZERO_DENOMINATOR).code
        nothing = np.ones(len(f), dtype=bool)
        if self.prior:
            codes[f.missing(self.prior)] = NanReason.NO_PRIOR_YEAR.code
            nothing &= f.missing(self.prior)
        for name in self.inputs:
            codes[f.missing(name)] = NanReason.MISSING_INPUT.code
            nothing &= f.missing(name)
        codes[nothing] = 0  # no input at all: NaN, but nothing to report
        np.putmask(value, nothing | (codes > 0), np.nan)
        return value, codes

    def nan_when(self, lang: str = "en") -> str:
        """When the ratio is NaN, as a short phrase for the docs."""
        zh = lang == "zh"
        names = ", ".join(f"`{c}`" for c in self.inputs)
        parts = [f"任一输入缺失（{names}）" if zh else f"any of {names} missing"]
        if self.prior:
            parts.append(f"`{self.prior}` " + ("缺失（no_prior_year）" if zh else "missing"
                                               " (no_prior_year)"))  # fmt: skip
        den = "分母" if zh else "denominator"
        cond = "≤ 0" if self.rule is Denominator.POSITIVE else "= 0"
        reason = self.nonpositive_reason.value if self.nonpositive_reason else None
        parts.append(f"{den} {cond}" + (f" ({reason})" if reason else ""))
        return "; ".join(parts)


# fmt: off
RATIOS: tuple[Ratio, ...] = (
    Ratio("debt_to_assets", "资产负债率", "Debt-to-asset ratio",
          "total_liabilities / total_assets", column("total_liabilities"), column("total_assets"),
          ("total_liabilities", "total_assets")),
    Ratio("debt_to_equity", "产权比率", "Debt-to-equity ratio",
          "total_liabilities / owners_equity", column("total_liabilities"), column("owners_equity"),
          ("total_liabilities", "owners_equity"), nonpositive_reason=NanReason.NEGATIVE_EQUITY),
    Ratio("current_ratio", "流动比率", "Current ratio",
          "current_assets / current_liabilities", column("current_assets"),
          column("current_liabilities"), ("current_assets", "current_liabilities"),
          unit=RatioUnit.TIMES),
    Ratio("quick_ratio", "速动比率", "Quick ratio",
          "(current_assets − inventory) / current_liabilities",
          lambda f: f["current_assets"] - f["inventory"], column("current_liabilities"),
          ("current_assets", "inventory", "current_liabilities"), unit=RatioUnit.TIMES,
          note="Prepayments are not deducted (no such field)."),
    Ratio("cash_ratio", "现金比率", "Cash ratio", "cash / current_liabilities",
          column("cash"), column("current_liabilities"), ("cash", "current_liabilities"),
          unit=RatioUnit.TIMES, note="Cash only; trading financial assets are not in the schema."),
    Ratio("interest_coverage", "利息保障倍数", "Interest coverage",
          "EBIT / interest_expense", ebit, column("interest_expense"),
          ("total_profit", "interest_expense"), unit=RatioUnit.TIMES,
          note="Zero interest expense leaves it undefined (no cap is invented)."),
    Ratio("gross_margin", "毛利率", "Gross margin",
          "(operating_revenue − operating_cost) / operating_revenue",
          lambda f: f["operating_revenue"] - f["operating_cost"], column("operating_revenue"),
          ("operating_revenue", "operating_cost")),
    Ratio("net_margin", "销售净利率", "Net profit margin", "net_profit / operating_revenue",
          column("net_profit"), column("operating_revenue"), ("net_profit", "operating_revenue")),
    Ratio("roa", "总资产收益率", "Return on assets", "net_profit / avg(total_assets)",
          column("net_profit"), _avg("total_assets"), ("net_profit", "total_assets")),
    Ratio("roe", "净资产收益率", "Return on equity", "net_profit / owners_equity",
          column("net_profit"), column("owners_equity"), ("net_profit", "owners_equity"),
          nonpositive_reason=NanReason.NEGATIVE_EQUITY,
          note="Closing equity: the schema has no prior-year equity to average."),
    Ratio("cfo_to_debt", "现金流量负债比", "Operating cash flow to debt",
          "cfo / total_liabilities", column("cfo"), column("total_liabilities"),
          ("cfo", "total_liabilities"), note="Denominator: total liabilities."),
    Ratio("receivable_days", "应收账款周转天数", "Receivable days",
          "360 × avg(accounts_receivable) / operating_revenue",
          lambda f: DAYS_PER_YEAR * f.avg("accounts_receivable"), column("operating_revenue"),
          ("accounts_receivable", "operating_revenue"), unit=RatioUnit.DAYS),
    Ratio("inventory_days", "存货周转天数", "Inventory days",
          "360 × avg(inventory) / operating_cost",
          lambda f: DAYS_PER_YEAR * f.avg("inventory"), column("operating_cost"),
          ("inventory", "operating_cost"), unit=RatioUnit.DAYS),
    Ratio("asset_turnover", "总资产周转率", "Total asset turnover",
          "operating_revenue / avg(total_assets)", column("operating_revenue"),
          _avg("total_assets"), ("operating_revenue", "total_assets"), unit=RatioUnit.TIMES),
    Ratio("revenue_growth", "营业收入增长率", "Revenue growth",
          "(operating_revenue − operating_revenue_prev) / |operating_revenue_prev|",
          _growth("operating_revenue"), _abs_prior("operating_revenue"),
          ("operating_revenue",), rule=Denominator.NONZERO, prior="operating_revenue_prev"),
    Ratio("profit_growth", "净利润增长率", "Net profit growth",
          "(net_profit − net_profit_prev) / |net_profit_prev|",
          _growth("net_profit"), _abs_prior("net_profit"), ("net_profit",),
          rule=Denominator.NONZERO, prior="net_profit_prev"),
    Ratio("rd_intensity", "研发投入强度", "R&D intensity", "rd_expense / operating_revenue",
          column("rd_expense"), column("operating_revenue"), ("rd_expense", "operating_revenue"),
          source="finseg convention (R&D expense over revenue)"),
    Ratio("collateral_coverage", "抵质押覆盖率", "Collateral coverage",
          "collateral_value / requested_amount", column("collateral_value"),
          column("requested_amount"), ("collateral_value", "requested_amount"),
          unit=RatioUnit.TIMES, source="finseg convention (issue: customer dimensions)"),
    Ratio("leverage_multiple", "有息负债/EBITDA", "Interest-bearing debt to EBITDA",
          "(short_term_debt + long_term_debt) / EBIT", interest_bearing_debt, ebit,
          ("short_term_debt", "long_term_debt", "total_profit", "interest_expense"),
          unit=RatioUnit.TIMES, source="finseg convention (issue: customer dimensions)",
          note="EBITDA proxy = EBIT (no depreciation field); EBIT ≤ 0 leaves it undefined."),
)
# fmt: on
RATIO_BY_NAME: dict[str, Ratio] = {r.name: r for r in RATIOS}


def compute_table(df: pd.DataFrame, ratios: Sequence[Ratio], flags_column: str) -> pd.DataFrame:
    """Evaluate ``ratios`` on ``df``: one float64 column each plus ``flags_column``.

    Shared by :func:`compute_ratios` and the Altman inputs, so both follow one NaN rule.
    """
    f = Inputs(df)
    # column-major, so each ratio writes contiguous memory and pandas takes it without a copy
    block = np.empty((len(df), len(ratios)), dtype="float64", order="F")
    codes: list[np.ndarray] = []
    for j, ratio in enumerate(ratios):
        codes.append(ratio.evaluate(f, out=block[:, j])[1])
    out = pd.DataFrame(block, index=df.index, columns=[r.name for r in ratios], copy=False)
    out[flags_column] = pd.Series(join_flags([r.name for r in ratios], codes), index=df.index)
    return out


def compute_ratios(df: pd.DataFrame) -> pd.DataFrame:
    """Every ratio of :data:`RATIOS` plus ``ratio_flags``.

    Parameters
    ----------
    df : DataFrame
        Canonical fields (money in yuan); absent columns count as missing.

    Returns
    -------
    DataFrame
        Same index; one float64 column per ratio (finite or NaN, never inf) and
        ``ratio_flags``: ``;``-joined ``ratio:reason`` (:class:`NanReason`), "" when none.
        A ratio is flagged exactly when it is NaN although at least one of its inputs
        (or its prior-year field) is present; when all are absent it is NaN without a flag,
        since there is nothing to report beyond the data not being supplied.

    Examples
    --------
    >>> df = pd.DataFrame({"operating_revenue": [120.0], "operating_revenue_prev": [0.0]})
    >>> out = compute_ratios(df)
    >>> [f for f in out.loc[0, "ratio_flags"].split(";") if f.startswith("revenue")]
    ['revenue_growth:zero_denominator']
    """
    return compute_table(df, RATIOS, "ratio_flags")


CONVENTIONS: tuple[tuple[str, str], ...] = (
    ("平均余额 = （期初 + 期末）/ 2，上年数缺失时取期末数（不标记）",
     "Average balance = (opening + closing) / 2 when the `_prev` field is present, else the "
     "closing balance (not flagged as missing)"),
    ("EBIT = 利润总额 + 利息费用；EBITDA 近似取 EBIT（无折旧摊销字段）",
     "EBIT = total_profit + interest_expense; the EBITDA proxy is EBIT (the schema has no "
     "depreciation field)"),
    ("有息负债 = 短期借款 + 长期借款", "Interest-bearing debt = short_term_debt + long_term_debt"),
    ("周转天数按一年 360 天计", "Days use a 360-day year"),
    ("增长率以上年数的绝对值为分母", "Growth divides by the absolute prior-year value"),
    ("无穷大或非数字的输入视为缺失；结果溢出时为 NaN（out_of_range）",
     "An infinite input counts as missing; a result that overflows is NaN (out_of_range)"),
)  # fmt: skip


def ratios_markdown() -> str:
    """The ``## Financial ratios / 财务比率`` section of ``docs/features.md``.

    >>> ratios_markdown().splitlines()[0]
    '## Financial ratios / 财务比率'
    """
    lines = ["## Financial ratios / 财务比率", "",
             "Generated from `RATIOS` in `src/finseg/features/_ratios.py`.", "",
             "Conventions / 约定:", ""]  # fmt: skip
    lines += [f"- {en}. {zh}。" for zh, en in CONVENTIONS]
    lines += [
        "",
        "`ratio_flags` (比率标记 / ratio flags): `;`-joined `ratio:reason`, empty when none. A "
        "ratio is flagged exactly when it is NaN although at least one of its inputs (or its "
        "prior-year field) is present; with no input at all it is NaN without a flag. "
        "比率为 NaN 且至少有一项输入时记录原因；全部输入缺失时仅为 NaN，不记录。",
        "",
        "Flag reasons / 标记原因:",
        "",
    ]
    lines += [f"- `{r.value}`: {r.label('en')} / {r.label('zh')}" for r in NanReason]
    lines += ["", *markdown_table(RATIOS), ""]
    return "\n".join(lines)


def markdown_table(ratios: Sequence[Ratio]) -> list[str]:
    """Docs table rows (header included) of ``ratios``; one layout for every ratio family."""
    rows = [
        "| column | 中文 | English | formula | unit | NaN when… | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in ratios:
        note = f" — {r.note}" if r.note else ""
        formula = r.formula.replace("|", "\\|")  # a bare pipe would end the table cell
        rows.append(
            f"| `{r.name}` | {r.zh} | {r.en} | `{formula}`{note} "
            f"| {r.unit.label('en')} / {r.unit.label('zh')} | {r.nan_when()} | {r.source} |"
        )
    return rows
