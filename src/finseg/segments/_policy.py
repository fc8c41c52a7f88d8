"""The segment taxonomy in ``policy.yaml``: ordered segments, each a SQL rule; the first rule a
customer matches is its segment, and the last segment must match everyone.

The default taxonomy follows the seed document (客户细分): high-risk customers first, so that
the strict treatment they need is never masked by a friendlier segment, then policy-supported
green and new-energy firms, technology start-ups, highly leveraged firms, fast-expanding
firms, large groups, mature manufacturers, micro and small firms, and everyone else.  Every
threshold in the rules is a business assumption ([R]) to set per bank.

>>> policy = SegmentsPolicy()
>>> [s.id for s in policy.taxonomy][:3], policy.taxonomy[-1].when
(['high_risk', 'green_energy', 'tech_startup'], 'TRUE')
>>> policy.table().hit_policy.value
'first'
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, model_validator

from finseg._config_base import _doc, _Section
from finseg.rules import DecisionTable, check_rule

__all__ = ["DEFAULT_TAXONOMY", "SegmentDef", "SegmentsPolicy"]

_ID = r"^[a-z][a-z0-9_]*$"


class SegmentDef(_Section):
    """One segment of the taxonomy."""

    id: str = Field(pattern=_ID, description=_doc("分群编号", "Segment id (a-z, 0-9, _)"))
    zh: str = Field(description=_doc("中文名称", "Chinese name"))
    en: str = Field(description=_doc("英文名称", "English name"))
    description: str | None = Field(
        None, description=_doc("说明（中英文）", "Description (zh and en)")
    )
    when: str = Field(
        description=_doc(
            "SQL 布尔表达式（语法见 docs/rules.md）；最后一个分群须为 TRUE",
            "SQL boolean expression (docs/rules.md); the last segment's must be TRUE",
        )
    )
    strategy: str = Field(
        pattern=_ID,
        description=_doc("该分群使用的策略键（差异化策略）", "Strategy key the segment uses"),
    )

    @model_validator(mode="after")
    def _compiles(self, info: ValidationInfo) -> SegmentDef:
        check_rule(f"segments.{self.id}", self.when, info, zh=self.zh, en=self.en)
        return self

    def label(self, lang: str) -> str:
        """The segment's name in ``lang``."""
        return self.zh if lang == "zh" else self.en


def _seg(id_: str, zh: str, en: str, when: str, description: str, strategy: str | None = None):
    return SegmentDef(id=id_, zh=zh, en=en, when=when, description=description,
                      strategy=strategy or id_)  # fmt: skip


#: The seed's segments, in priority order (the first matching rule wins).
DEFAULT_TAXONOMY: tuple[SegmentDef, ...] = (
    _seg("high_risk", "高风险关注", "High-risk watch",
         "grade IN ('CCC', 'CC', 'C', 'D') OR loan_classification IN ('substandard', "
         "'doubtful', 'loss') OR max_days_past_due_24m > 90",
         "更严格审查、更高抵押要求 / stricter review and more collateral"),
    _seg("green_energy", "绿色与新能源企业", "Green and new-energy firms",
         "green_category IS NOT NULL OR new_energy",
         "政策支持行业，专属产品 / policy-supported, dedicated products"),
    _seg("tech_startup", "科技型初创企业", "Technology start-ups",
         "tech_enterprise AND lifecycle_stage IN ('startup', 'growth')",
         "侧重成长潜力，知识产权质押 / judged on potential, IP-pledge loans"),
    _seg("high_leverage", "高负债企业", "Highly leveraged firms",
         "debt_to_assets > 0.7",
         "设定严格财务指标筛选 / strict financial screening [R: 0.7]"),
    _seg("fast_expanding", "快速扩张企业", "Fast-expanding firms",
         "lifecycle_stage = 'expansion'",
         "关注现金流与应收账款 / cash-flow and receivables scrutiny"),
    _seg("large_group", "大型企业集团", "Large groups",
         "size_class = 'large' AND (group_id IS NOT NULL OR listed)",
         "定制化综合金融方案 / tailored, integrated solutions"),
    _seg("mature_manufacturer", "成熟制造企业", "Mature manufacturers",
         "industry_section = 'C' AND lifecycle_stage = 'mature'",
         "侧重财务稳定性，设备融资租赁 / financial stability, equipment leases"),
    _seg("micro_small", "小微企业", "Micro and small firms",
         "size_class IN ('micro', 'small')",
         "普惠金融与金融知识培训 / inclusive finance and training"),
    _seg("other", "其他", "Others", "TRUE", "标准流程 / standard process"),
)  # fmt: skip


class SegmentsPolicy(_Section):
    """The ``segments`` section of ``policy.yaml``."""

    taxonomy: list[SegmentDef] = Field(
        default_factory=lambda: list(DEFAULT_TAXONOMY),
        min_length=1,
        description=_doc(
            "分群（按优先级排序，客户归入第一个命中的分群；最后一个须为兜底 TRUE）",
            "Segments in priority order (a customer gets the first that matches; the last "
            "must be the catch-all TRUE)",
        ),
    )
    min_segment_size: int = Field(
        30,
        ge=1,
        description=_doc(
            "分群验证：客户数少于此值的分群被标记过小 [R]",
            "Segment validation: segments with fewer customers are flagged too small [R]",
        ),
    )

    @model_validator(mode="after")
    def _valid(self, info: ValidationInfo) -> SegmentsPolicy:
        self._build(info)
        return self

    def _build(self, info: ValidationInfo | None = None) -> DecisionTable:
        rows = [
            (s.id, check_rule(f"segments.{s.id}", s.when, info, zh=s.zh, en=s.en), {})
            for s in self.taxonomy
        ]
        return DecisionTable("segments", "first", rows)

    def table(self) -> DecisionTable:
        """The taxonomy as a first-hit decision table (rules checked against known columns)."""
        return self._build()

    def segment(self, id_: str) -> SegmentDef:
        """The definition of segment ``id_``."""
        return next(s for s in self.taxonomy if s.id == id_)
