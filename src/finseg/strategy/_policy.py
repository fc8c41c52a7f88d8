"""The ``strategy`` section of ``policy.yaml``: the product catalogue, limits, collateral,
review levels, pricing, covenants, decision rules, policy programmes and macro scenarios.

Every rule is a SQL boolean expression checked by the rule engine when the policy loads
(``docs/rules.md``); every threshold in the defaults is a business assumption ([R]) to set
per bank.  The defaults themselves live in :mod:`finseg.strategy._defaults`.

>>> policy = StrategyPolicy()
>>> [p.id for p in policy.ranked_products()][:3]
['syndicated', 'green_credit', 'ip_pledge']
>>> policy.scenario("downturn").tighten, policy.scenario("baseline").pd_multiplier
(True, {})
"""

from __future__ import annotations

from enum import StrEnum
from itertools import pairwise

from pydantic import Field, ValidationInfo, field_validator, model_validator

from finseg._config_base import _doc, _Section
from finseg.industry import check_section_keys
from finseg.risk._master_scale import default_master_scale
from finseg.rules import check_rule
from finseg.strategy._marketing import MarketingPolicy

__all__ = [
    "CapacityBasis",
    "CapacityRule",
    "CollateralLevel",
    "CollateralStep",
    "LabelledRule",
    "PricingPolicy",
    "ProductDef",
    "Programme",
    "ReviewLevel",
    "ReviewRule",
    "Scenario",
    "StrategyPolicy",
]

_ID = r"^[a-z][a-z0-9_]*$"
_GRADES = tuple(default_master_scale().labels)


class ReviewLevel(StrEnum):
    """Who approves, from the lightest to the heaviest review (审批层级)."""

    AUTO = "auto"
    STANDARD = "standard"
    ENHANCED = "enhanced"
    COMMITTEE = "committee"

    @property
    def rank(self) -> int:
        return list(ReviewLevel).index(self)

    def label(self, lang: str = "en") -> str:
        zh = {
            "auto": "自动审批",
            "standard": "标准审批",
            "enhanced": "加强审查",
            "committee": "贷审会审议",
        }
        en = {
            "auto": "Automatic",
            "standard": "Standard",
            "enhanced": "Enhanced",
            "committee": "Credit committee",
        }
        return (zh if lang == "zh" else en)[self.value]


class CollateralLevel(StrEnum):
    """What security a product asks for, weakest first (担保要求)."""

    NONE = "none"
    GUARANTEE = "guarantee"
    SECURED = "secured"

    @property
    def rank(self) -> int:
        return list(CollateralLevel).index(self)

    def label(self, lang: str = "en") -> str:
        zh = {"none": "信用（无需担保）", "guarantee": "保证担保", "secured": "抵质押担保"}
        en = {"none": "Unsecured", "guarantee": "Guarantee", "secured": "Pledge or mortgage"}
        return (zh if lang == "zh" else en)[self.value]


class CapacityBasis(StrEnum):
    """How a product sizes what the customer can carry (the capacity cap)."""

    REVENUE = "revenue"
    WORKING_CAPITAL = "working_capital"
    CASH_FLOW = "cash_flow"
    RECEIVABLES = "receivables"
    TOTAL_ASSETS = "total_assets"
    COLLATERAL = "collateral"


class CapacityRule(_Section):
    """The capacity cap of a product.

    ``revenue``: multiple × operating revenue.  ``working_capital``: the working-capital need
    of the CBIRC working-capital loan guideline, revenue × (1 − net margin) × (1 + growth) ÷
    turnover, less existing short-term debt.  ``cash_flow``: multiple × operating cash flow
    (years of debt service).  ``receivables``: multiple × accounts receivable.
    ``total_assets``: multiple × total assets.  ``collateral``: no capacity cap; the
    collateral cap sizes the loan.
    """

    basis: CapacityBasis = Field(
        description=_doc(
            "额度测算基础：revenue 营业收入 / working_capital 营运资金需求 / "
            "cash_flow 经营现金流 / receivables 应收账款 / total_assets 资产总额 / "
            "collateral 仅按押品",
            "Capacity basis: revenue / working_capital / cash_flow / receivables / total_assets / "
            "collateral",
        )
    )
    multiple: float = Field(
        1.0,
        gt=0,
        description=_doc(
            "倍数（working_capital 不使用）[R]",
            "Multiple of the basis (not used by working_capital) [R]",
        ),
    )
    turnover: float = Field(
        4.0,
        gt=0,
        description=_doc(
            "working_capital：营运资金年周转次数 [R]",
            "working_capital: turns of working capital per year [R]",
        ),
    )
    max_growth: float = Field(
        0.3,
        ge=0,
        description=_doc(
            "working_capital：计入的营收增长率上限 [R]",
            "working_capital: highest revenue growth counted [R]",
        ),
    )
    net_of_outstanding: bool = Field(
        False,
        description=_doc("是否扣除客户现有全部贷款余额", "Deduct the customer's outstanding loans"),
    )


class CollateralStep(_Section):
    """Grades from the previous step's down to ``to`` (inclusive) need ``level``."""

    to: str = Field(description=_doc("截至等级（含）", "Down to this grade (inclusive)"))
    level: CollateralLevel = Field(description=_doc("担保要求", "Security required"))

    @field_validator("to")
    @classmethod
    def _grade(cls, value: str) -> str:
        if value not in _GRADES:
            raise ValueError(f"{value!r} is not a grade of the master scale {list(_GRADES)}")
        return value


def _steps_valid(steps: list[CollateralStep], where: str) -> None:
    order = [_GRADES.index(s.to) for s in steps]
    if order != sorted(set(order)) or order[-1] != len(_GRADES) - 1:
        raise ValueError(
            f"{where}: collateral steps must run from the best to the worst grade and end at "
            f"{_GRADES[-1]!r} / 担保要求须按等级由优到劣排列并以 {_GRADES[-1]} 结尾"
        )
    levels = [s.level.rank for s in steps]
    if levels != sorted(levels):
        raise ValueError(
            f"{where}: a worse grade must never need less security / 等级越差担保要求不得越低"
        )


class ProductDef(_Section):
    """One product of the catalogue."""

    id: str = Field(pattern=_ID, description=_doc("产品编号", "Product id"))
    zh: str = Field(description=_doc("中文名称", "Chinese name"))
    en: str = Field(description=_doc("英文名称", "English name"))
    when: str = Field(
        description=_doc(
            "准入规则（SQL 布尔表达式，见 docs/rules.md）", "Eligibility rule (SQL, docs/rules.md)"
        )
    )
    segments: list[str] = Field(
        default_factory=list,
        description=_doc("面向的客户细分（空 = 全部）", "Segments it is offered to (empty = all)"),
    )
    priority: int = Field(
        description=_doc(
            "推荐优先级：多个产品可用时数字小者优先", "Rank among eligible products: lower first"
        )
    )
    capacity: CapacityRule = Field(description=_doc("额度测算", "Capacity cap"))
    min_amount: float = Field(
        0.0,
        ge=0,
        description=_doc(
            "最低授信金额（元）；额度低于此值则拒绝", "Smallest amount (yuan); below it, decline"
        ),
    )
    max_amount: float | None = Field(
        None,
        gt=0,
        description=_doc(
            "产品单户上限（元）；空 = 无", "Product cap per customer (yuan); null = none"
        ),
    )
    tenor_months: tuple[int, int] = Field(
        description=_doc("期限范围（月）[最短, 最长]", "Tenor range in months [min, max]")
    )
    collateral: list[CollateralStep] = Field(
        min_length=1,
        description=_doc("各等级的担保要求（由优到劣）", "Security required by grade (best first)"),
    )
    spread: float = Field(
        0.0,
        ge=-0.1,
        le=0.1,
        description=_doc(
            "产品利差（加在定价上，比例）[R]", "Product spread added to the price (fraction) [R]"
        ),
    )

    @model_validator(mode="after")
    def _valid(self, info: ValidationInfo) -> ProductDef:
        check_rule(f"strategy.products.{self.id}", self.when, info, zh=self.zh, en=self.en)
        lo, hi = self.tenor_months
        if not 1 <= lo <= hi <= 600:
            raise ValueError(f"tenor_months must satisfy 1 ≤ min ≤ max ≤ 600, got {[lo, hi]}")
        if self.max_amount is not None and self.max_amount < self.min_amount:
            raise ValueError("max_amount must not be below min_amount")
        _steps_valid(self.collateral, f"product {self.id}")
        return self

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en

    def required(self, grade_index: int) -> CollateralLevel:
        """The security required at the grade of position ``grade_index`` (0 = best)."""
        return next(s.level for s in self.collateral if _GRADES.index(s.to) >= grade_index)


class LabelledRule(_Section):
    """A named SQL rule with bilingual labels (decision, covenant and programme rules)."""

    id: str = Field(pattern=_ID, description=_doc("规则编号", "Rule id"))
    zh: str = Field(description=_doc("中文说明", "Chinese label"))
    en: str = Field(description=_doc("英文说明", "English label"))
    when: str = Field(description=_doc("SQL 布尔表达式", "SQL boolean expression"))

    @model_validator(mode="after")
    def _compiles(self, info: ValidationInfo) -> LabelledRule:
        check_rule(f"strategy.{self.id}", self.when, info, zh=self.zh, en=self.en)
        return self

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


class ReviewRule(LabelledRule):
    """A rule that raises the review level to ``level`` when it matches."""

    level: ReviewLevel = Field(description=_doc("审批层级", "Review level"))


class Programme(LabelledRule):
    """A policy programme (green, new energy, strategic emerging, technology)."""

    price_discount: float = Field(
        0.0,
        ge=0,
        le=0.05,
        description=_doc(
            "利率优惠（比例，从定价中扣减）[R]", "Price discount (fraction off the price) [R]"
        ),
    )
    products: list[str] = Field(
        default_factory=list,
        description=_doc(
            "专属产品：对计划内客户优先推荐", "Dedicated products, ranked first for members"
        ),
    )


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
        if value is not None and value not in _GRADES:
            raise ValueError(f"{value!r} is not a grade of the master scale {list(_GRADES)}")
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
        missing = [g for g in _GRADES if g not in self.ltv_grade_factor]
        if missing:
            raise ValueError(f"ltv_grade_factor lacks grades {missing}")
        factors = [self.ltv_grade_factor[g] for g in _GRADES]
        if any(b > a for a, b in pairwise(factors)):
            raise ValueError(
                "ltv_grade_factor must not rise for a worse grade / 等级越差系数不得越高"
            )
        return self


def _defaults(name: str):  # the catalogue is data; kept in its own module
    from finseg.strategy import _defaults as d

    return getattr(d, name)


class StrategyPolicy(_Section):
    """The ``strategy`` section of ``policy.yaml`` (``docs/strategy.md``)."""

    products: list[ProductDef] = Field(
        default_factory=lambda: list(_defaults("PRODUCTS")),
        min_length=1,
        description=_doc("产品目录", "Product catalogue"),
    )
    pricing: PricingPolicy = Field(
        default_factory=PricingPolicy,
        description=_doc("定价、LGD 与抵质押率", "Pricing, LGD and loan-to-value"),
    )
    review: list[ReviewRule] = Field(
        default_factory=lambda: list(_defaults("REVIEW")),
        description=_doc(
            "审批层级规则：命中规则中最高的层级生效（默认自动审批）",
            "Review rules: the highest level among matching rules applies (else automatic)",
        ),
    )
    decline: list[LabelledRule] = Field(
        default_factory=lambda: list(_defaults("DECLINE")),
        description=_doc("拒绝规则（任一命中即拒绝）", "Decline rules (any match declines)"),
    )
    refer: list[LabelledRule] = Field(
        default_factory=lambda: list(_defaults("REFER")),
        description=_doc(
            "转人工规则（任一命中即转人工审批）", "Refer rules (any match refers to a person)"
        ),
    )
    refer_at: ReviewLevel = Field(
        ReviewLevel.COMMITTEE,
        description=_doc("审批层级达到此级别时转人工", "Refer when the review level reaches this"),
    )
    covenants: list[LabelledRule] = Field(
        default_factory=lambda: list(_defaults("COVENANTS")),
        description=_doc(
            "贷后约束条款（命中即附加）", "Covenants (attached when the rule matches)"
        ),
    )
    programmes: list[Programme] = Field(
        default_factory=lambda: list(_defaults("PROGRAMMES")),
        description=_doc(
            "政策支持计划（绿色、新能源、战略性新兴、科技）；配额见 allocation.quotas",
            "Policy programmes (green, new energy, strategic emerging, technology); their quotas "
            "are allocation.quotas",
        ),
    )
    scenarios: dict[str, Scenario] = Field(
        default_factory=lambda: dict(_defaults("SCENARIOS")),
        description=_doc(
            "宏观情景（须含 baseline）；finseg run --scenario 选择",
            "Macro scenarios (must include baseline); chosen with finseg run --scenario",
        ),
    )
    default_scenario: str = Field(
        "baseline",
        description=_doc("未指定 --scenario 时使用的情景", "Scenario used without --scenario"),
    )
    marketing: MarketingPolicy = Field(
        default_factory=MarketingPolicy,
        description=_doc(
            "营销与服务清单、高潜力客户", "Marketing and service lists, high-potential customers"
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> StrategyPolicy:
        ids = [p.id for p in self.products]
        for what, seq in (
            ("product", ids),
            ("programme", [p.id for p in self.programmes]),
            ("review rule", [r.id for r in self.review]),
            ("decline rule", [r.id for r in self.decline]),
            ("refer rule", [r.id for r in self.refer]),
            ("covenant", [r.id for r in self.covenants]),
        ):
            dupes = sorted({i for i in seq if seq.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {what} id(s) {dupes} / {what} 编号重复：{dupes}")
        for prog in self.programmes:
            unknown = [p for p in prog.products if p not in ids]
            if unknown:
                raise ValueError(
                    f"programme {prog.id}: unknown product(s) {unknown}; the catalogue has {ids}"
                )
        if "baseline" not in self.scenarios:
            raise ValueError("scenarios must include 'baseline' / 情景须包含 baseline")
        if self.default_scenario not in self.scenarios:
            raise ValueError(
                f"default_scenario {self.default_scenario!r} is not one of {sorted(self.scenarios)}"
            )
        return self

    def ranked_products(self) -> list[ProductDef]:
        """The catalogue by priority (stable for equal priorities)."""
        return sorted(self.products, key=lambda p: p.priority)

    def product(self, id_: str) -> ProductDef:
        return next(p for p in self.products if p.id == id_)

    def scenario(self, id_: str | None = None) -> Scenario:
        """Scenario ``id_`` (default: ``default_scenario``); a user error when unknown."""
        key = id_ or self.default_scenario
        if key not in self.scenarios:
            from finseg.exceptions import UserError

            known = ", ".join(sorted(self.scenarios))
            raise UserError(
                f"unknown scenario {key!r}; the policy defines {known}",
                f"未知情景 {key!r}；策略中定义的情景为 {known}",
            )
        return self.scenarios[key]
