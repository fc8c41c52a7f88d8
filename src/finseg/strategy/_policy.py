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

from pydantic import Field, ValidationInfo, field_validator, model_validator

from finseg._config_base import _doc, _Section
from finseg.rules import check_rule
from finseg.strategy._levels import GRADES, CapacityBasis, CollateralLevel, ReviewLevel
from finseg.strategy._marketing_policy import MarketingPolicy
from finseg.strategy._pricing import PricingPolicy
from finseg.strategy._scenario import Scenario

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
        if value not in GRADES:
            raise ValueError(f"{value!r} is not a grade of the master scale {list(GRADES)}")
        return value


def _steps_valid(steps: list[CollateralStep], where: str) -> None:
    order = [GRADES.index(s.to) for s in steps]
    if order != sorted(set(order)) or order[-1] != len(GRADES) - 1:
        raise ValueError(
            f"{where}: collateral steps must run from the best to the worst grade and end at "
            f"{GRADES[-1]!r} / 担保要求须按等级由优到劣排列并以 {GRADES[-1]} 结尾"
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
        return next(s.level for s in self.collateral if GRADES.index(s.to) >= grade_index)


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
