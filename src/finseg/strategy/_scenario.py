"""Macro scenarios (``policy.yaml → strategy.scenarios``): overlays on PD, grades, collateral,
limits and review levels under which the strategy stage decides.

>>> Scenario(zh="下行", en="Down", pd_multiplier={"default": 1.5, "C": 2.0}).multiplier("C")
2.0
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from finseg._config_base import _doc, _Section
from finseg.industry import check_section_keys
from finseg.strategy._levels import GRADES, ReviewLevel

__all__ = ["Scenario"]


class Scenario(_Section):
    """A macro scenario: overlays on PD, grades, collateral and limits."""

    zh: str = Field(description=_doc("中文名称", "Chinese name"))
    en: str = Field(description=_doc("英文名称", "English name"))
    pd_multiplier: dict[str, float] = Field(
        default_factory=dict,
        description=_doc(
            "按行业门类的 PD 乘数；default 适用于未列出的门类",
            "PD multiplier by industry section; `default` for sections not listed",
        ),
    )
    min_grade: str | None = Field(
        None,
        description=_doc(
            "可接受的最差情景等级；更差则拒绝（空 = 不限）",
            "Worst acceptable scenario grade; worse is declined (null = none)",
        ),
    )
    ltv_haircut: float = Field(
        0.0,
        ge=0,
        lt=1,
        description=_doc("押品价值折扣（比例）", "Haircut on collateral values (fraction)"),
    )
    limit_scale: float = Field(
        1.0,
        gt=0,
        le=3,
        description=_doc("额度测算（capacity）缩放系数", "Scaling of the capacity cap"),
    )
    collateral_notches: int = Field(
        0,
        ge=0,
        le=5,
        description=_doc(
            "担保要求按更差若干级确定",
            "Collateral required as if the grade were this many notches worse",
        ),
    )
    min_review_level: ReviewLevel = Field(
        ReviewLevel.AUTO, description=_doc("最低审批层级", "Lowest review level")
    )
    tighten: bool = Field(
        False,
        description=_doc(
            "收紧情景：任何客户的额度不高于基准、审批层级与决策不宽于基准",
            "A tightening scenario: no customer's limit above baseline, no review level or "
            "decision more lenient than baseline",
        ),
    )

    @field_validator("pd_multiplier")
    @classmethod
    def _multipliers(cls, value: dict[str, float]) -> dict[str, float]:
        return check_section_keys(value, "PD multiplier", 0, 20, open_low=True)

    @field_validator("min_grade")
    @classmethod
    def _grade(cls, value: str | None) -> str | None:
        if value is not None and value not in GRADES:
            raise ValueError(f"{value!r} is not a grade of the master scale {list(GRADES)}")
        return value

    @model_validator(mode="after")
    def _tightening(self) -> Scenario:
        if self.tighten and (
            any(m < 1 for m in self.pd_multiplier.values()) or self.limit_scale > 1
        ):
            raise ValueError(
                "a tightening scenario cannot lower PDs or scale limits up / "
                "收紧情景不得降低 PD 或放大额度"
            )
        return self

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en

    def multiplier(self, section: str | None) -> float:
        return self.pd_multiplier.get(section or "", self.pd_multiplier.get("default", 1.0))
