"""Altman Z'' score (Altman Z'' 评分), domain.md §4.1: the model for non-manufacturers and
emerging markets, the usual choice for Chinese unlisted borrowers.

The five inputs are :class:`~finseg.features._ratios.Ratio` declarations, so they follow the
same NaN rule and flags as every other ratio (in ``altman_flags``).  The zone cut-offs are
configuration (:class:`AltmanBands`), not literals in the code.

>>> import pandas as pd
>>> df = pd.DataFrame({"current_assets": [500.0], "current_liabilities": [250.0],
...     "total_assets": [1000.0], "retained_earnings": [150.0], "total_profit": [80.0],
...     "interest_expense": [20.0], "owners_equity": [400.0], "total_liabilities": [600.0],
...     "operating_revenue": [1200.0]})
>>> out = compute_altman(df)
>>> round(float(out.loc[0, "altman_z2"]), 3), out.loc[0, "altman_zone"]
(3.501, 'safe')
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from finseg._config_base import _doc, _Section
from finseg._vocab import LabelledEnum
from finseg.features._ratios import (
    Ratio,
    RatioUnit,
    column,
    compute_table,
    ebit,
    markdown_table,
)
from finseg.features._tokens import take_strings

__all__ = [
    "ALTMAN_INPUTS",
    "Z2_COEFFICIENTS",
    "AltmanBands",
    "AltmanZone",
    "altman_markdown",
    "compute_altman",
]

_SOURCE = "domain.md §4.1"


class AltmanZone(LabelledEnum):
    """Zone of the Z'' score."""

    SAFE = ("safe", "安全", "Safe")
    GREY = ("grey", "灰色", "Grey")
    DISTRESS = ("distress", "困境", "Distress")


class AltmanBands(_Section):
    """Zone cut-offs of the Z'' score (Altman: 1.10 / 2.60).

    >>> AltmanBands().safe_above
    2.6
    """

    distress_below: float = Field(
        1.10,
        description=_doc(
            "Z'' 低于此值为困境区（Altman 原值 1.10）",
            "Z'' below this is the distress zone (Altman's value 1.10)",
        ),
    )
    safe_above: float = Field(
        2.60,
        description=_doc(
            "Z'' 高于此值为安全区；两者之间（含端点）为灰色区（Altman 原值 2.60）",
            "Z'' above this is the safe zone; in between (inclusive) is grey (Altman's 2.60)",
        ),
    )

    @model_validator(mode="after")
    def _ordered(self) -> AltmanBands:
        if not self.distress_below < self.safe_above:
            raise ValueError(
                f"distress_below ({self.distress_below}) must be below safe_above "
                f"({self.safe_above})"
            )
        return self


# fmt: off
ALTMAN_INPUTS: tuple[Ratio, ...] = (
    Ratio("altman_x1", "营运资金/资产总计", "X1: working capital / total assets",
          "(current_assets − current_liabilities) / total_assets",
          lambda f: f["current_assets"] - f["current_liabilities"], column("total_assets"),
          ("current_assets", "current_liabilities", "total_assets"), source=_SOURCE),
    Ratio("altman_x2", "留存收益/资产总计", "X2: retained earnings / total assets",
          "retained_earnings / total_assets", column("retained_earnings"), column("total_assets"),
          ("retained_earnings", "total_assets"), source=_SOURCE,
          note="Retained earnings = surplus reserve + undistributed profit."),
    Ratio("altman_x3", "息税前利润/资产总计", "X3: EBIT / total assets",
          "(total_profit + interest_expense) / total_assets", ebit, column("total_assets"),
          ("total_profit", "interest_expense", "total_assets"), source=_SOURCE),
    Ratio("altman_x4", "所有者权益/负债合计", "X4: book equity / total liabilities",
          "owners_equity / total_liabilities", column("owners_equity"),
          column("total_liabilities"), ("owners_equity", "total_liabilities"),
          unit=RatioUnit.TIMES, source=_SOURCE, note="Book value, as Z'' prescribes."),
    Ratio("altman_x5", "营业收入/资产总计", "X5: sales / total assets",
          "operating_revenue / total_assets", column("operating_revenue"), column("total_assets"),
          ("operating_revenue", "total_assets"), unit=RatioUnit.TIMES, source=_SOURCE,
          note="Not part of Z''; kept for the Z and Z' variants."),
)
# fmt: on

#: Published Z'' weights of X1..X4 (Altman); a model, not a policy choice, so not config.
Z2_COEFFICIENTS: dict[str, float] = {
    "altman_x1": 6.56,
    "altman_x2": 3.26,
    "altman_x3": 6.72,
    "altman_x4": 1.05,
}


def compute_altman(df: pd.DataFrame, bands: AltmanBands | None = None) -> pd.DataFrame:
    """Altman inputs X1..X5, the Z'' score and its zone.

    Parameters
    ----------
    df : DataFrame
        Canonical fields (money in yuan).
    bands : AltmanBands, optional
        Zone cut-offs; Altman's 1.10 / 2.60 by default.

    Returns
    -------
    DataFrame
        Same index; ``altman_x1`` … ``altman_x5`` (float64, NaN when undefined),
        ``altman_z2`` = 6.56·X1 + 3.26·X2 + 6.72·X3 + 1.05·X4 (NaN when any of X1..X4 is),
        ``altman_zone`` (an :class:`AltmanZone` value; missing when Z'' is NaN) and
        ``altman_flags`` (same format and rule as ``ratio_flags``).

    Examples
    --------
    >>> compute_altman(pd.DataFrame({"total_assets": [0.0]}))["altman_zone"].isna().all()
    np.True_
    """
    bands = bands or AltmanBands()
    table = compute_table(df, ALTMAN_INPUTS, "altman_flags")
    z = np.zeros(len(df))
    with np.errstate(all="ignore"):
        for name, weight in Z2_COEFFICIENTS.items():
            z += weight * table[name].to_numpy()
    z[~np.isfinite(z)] = np.nan  # a sum of huge finite terms can overflow
    out = table.drop(columns="altman_flags")
    out["altman_z2"] = z
    out["altman_zone"] = pd.Series(zone_of(z, bands), index=df.index)
    out["altman_flags"] = table["altman_flags"]
    return out


def zone_of(z: np.ndarray, bands: AltmanBands) -> pd.api.extensions.ExtensionArray:
    """Zone per score: > ``safe_above`` safe, ≥ ``distress_below`` grey, else distress.

    >>> zone_of(np.array([2.61, 2.6, 1.1, 1.09, np.nan]), AltmanBands()).tolist()
    ['safe', 'grey', 'grey', 'distress', nan]
    """
    index = np.full(len(z), 2, dtype=np.int8)  # distress unless a higher band is reached
    with np.errstate(invalid="ignore"):
        index[z >= bands.distress_below] = 1
        index[z > bands.safe_above] = 0
    index[np.isnan(z)] = -1
    # missing rather than a zone where an input of Z'' is undefined
    return take_strings([zone.value for zone in AltmanZone], index)


def altman_markdown(bands: AltmanBands | None = None) -> str:
    """The ``## Altman Z'' / Altman Z'' 评分`` section of ``docs/features.md``.

    >>> altman_markdown().splitlines()[0]
    "## Altman Z'' / Altman Z'' 评分"
    """
    bands = bands or AltmanBands()
    weights = " + ".join(f"{w}·X{k[-1]}" for k, w in Z2_COEFFICIENTS.items())
    lines = [
        "## Altman Z'' / Altman Z'' 评分", "",
        "Generated from `ALTMAN_INPUTS` in `src/finseg/features/_altman.py`. Z'' is Altman's "
        "model for non-manufacturers and emerging markets, the usual choice for Chinese unlisted "
        "borrowers; zones are indicative, not PDs. Z'' 适用于非制造业与新兴市场企业，"
        "是国内非上市借款人的常用模型；区间仅供参考，不代表违约概率。", "",
        *markdown_table(ALTMAN_INPUTS),
        f"| `altman_z2` | Altman Z'' 评分 | Altman Z'' score | `{weights}` | score / 分值 "
        f"| any of X1..X4 NaN; sum overflows | {_SOURCE} |",
        f"| `altman_zone` | Altman 区间 | Altman zone | safe 安全 if Z'' > {bands.safe_above:.2f}; "
        f"grey 灰色 if {bands.distress_below:.2f} ≤ Z'' ≤ {bands.safe_above:.2f}; distress 困境 "
        f"if Z'' < {bands.distress_below:.2f} | category / 类别 | missing when Z'' is NaN "
        f"| {_SOURCE}; cut-offs in policy `AltmanBands` |",
        "| `altman_flags` | Altman 标记 | Altman flags | `;`-joined `altman_xN:reason`, as "
        "`ratio_flags` | text / 文本 | — | finseg |",
        "",
    ]  # fmt: skip
    return "\n".join(lines)
