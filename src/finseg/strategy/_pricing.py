"""Pricing, LGD and loan-to-value (``policy.yaml → strategy.pricing``).

>>> PricingPolicy().ltv["real_estate"], PricingPolicy().lgd_unsecured
(0.7, 0.45)
"""

from __future__ import annotations

from itertools import pairwise

from pydantic import Field, model_validator

from finseg._config_base import _doc, _Section
from finseg.strategy._levels import GRADES

__all__ = ["PricingPolicy"]


class PricingPolicy(_Section):
    """Price = base rate + PD·LGD + hurdle × K + opex + margin + product spread − discount."""

    base_rate: float = Field(
        0.031,
        ge=0,
        le=0.3,
        description=_doc("基准利率（1 年期 LPR，比例）[R]", "Base rate (1-year LPR, fraction) [R]"),
    )
    margin: float = Field(
        0.005,
        ge=-0.1,
        le=0.2,
        description=_doc("目标利润加点（比例）[R]", "Target margin (fraction) [R]"),
    )
    min_rate: float = Field(
        0.025, ge=0, le=1, description=_doc("利率下限（比例）[R]", "Lowest price (fraction) [R]")
    )
    max_rate: float = Field(
        0.18, gt=0, le=1, description=_doc("利率上限（比例）[R]", "Highest price (fraction) [R]")
    )
    lgd_unsecured: float = Field(
        0.45,
        gt=0,
        le=1,
        description=_doc(
            "无担保 LGD（巴塞尔 F-IRB 高级无担保 45%）", "Unsecured LGD (Basel F-IRB senior 45%)"
        ),
    )
    lgd_secured: dict[str, float] = Field(
        default_factory=lambda: {
            "real_estate": 0.35,
            "receivables": 0.35,
            "equipment": 0.40,
            "deposit": 0.0,
            "equity": 0.40,
            "ip": 0.40,
        },
        description=_doc(
            "押品覆盖部分的 LGD（按担保方式）[R]",
            "LGD of the collateralised part, by collateral type [R]",
        ),
    )
    ltv: dict[str, float] = Field(
        default_factory=lambda: {
            "real_estate": 0.7,
            "receivables": 0.8,
            "equipment": 0.5,
            "deposit": 0.9,
            "equity": 0.5,
            "ip": 0.3,
        },
        description=_doc(
            "抵质押率（按担保方式；未列出的方式不计押品额度）[R]",
            "Loan-to-value by collateral type (types not listed give no collateral cap) [R]",
        ),
    )
    ltv_grade_factor: dict[str, float] = Field(
        default_factory=lambda: {
            "AAA": 1.0,
            "AA": 1.0,
            "A": 1.0,
            "BBB": 1.0,
            "BB": 0.95,
            "B": 0.9,
            "CCC": 0.8,
            "CC": 0.7,
            "C": 0.6,
            "D": 0.0,
        },
        description=_doc(
            "抵质押率按等级的调整系数（等级越差不得越高）[R]",
            "LTV factor by grade (never higher for a worse grade) [R]",
        ),
    )
    rounding: float = Field(
        10_000.0,
        gt=0,
        description=_doc(
            "额度向下取整单位（元）", "Limits are rounded down to a multiple of this (yuan)"
        ),
    )

    @model_validator(mode="after")
    def _valid(self) -> PricingPolicy:
        if self.min_rate > self.max_rate:
            raise ValueError("min_rate must not exceed max_rate")
        for name, table in (("lgd_secured", self.lgd_secured), ("ltv", self.ltv)):
            for key, v in table.items():
                if not 0 <= v <= 1:
                    raise ValueError(f"{name}.{key} must lie in [0, 1], got {v}")
        missing = [g for g in GRADES if g not in self.ltv_grade_factor]
        if missing:
            raise ValueError(f"ltv_grade_factor lacks grades {missing}")
        factors = [self.ltv_grade_factor[g] for g in GRADES]
        if any(b > a for a, b in pairwise(factors)):
            raise ValueError(
                "ltv_grade_factor must not rise for a worse grade / 等级越差系数不得越高"
            )
        return self
