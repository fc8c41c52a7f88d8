"""The default strategy: the product catalogue of ``domain.md`` §10, review, decline and
refer rules, covenants, policy programmes and three macro scenarios.

Every amount, multiple, rate and threshold here is a business assumption ([R]) — a sensible
starting point for a Chinese commercial bank, to be replaced by the bank's own credit policy.
Amounts are yuan.  The shipped ``policy.yaml`` spells the same values out (a test keeps them
equal).
"""

from __future__ import annotations

from finseg.strategy._policy import (
    CapacityRule,
    CollateralStep,
    LabelledRule,
    ProductDef,
    Programme,
    ReviewRule,
    Scenario,
)

__all__ = ["COVENANTS", "DECLINE", "PRODUCTS", "PROGRAMMES", "REFER", "REVIEW", "SCENARIOS"]

_WAN = 10_000.0
_NOT_HIGH_RISK = ["green_energy", "tech_startup", "high_leverage", "fast_expanding",
                  "large_group", "mature_manufacturer", "micro_small", "other"]  # fmt: skip


def _steps(*pairs: tuple[str, str]) -> list[CollateralStep]:
    return [CollateralStep(to=g, level=lv) for g, lv in pairs]


#: The usual ladder: unsecured for strong grades, a guarantee in the middle, a pledge below.
_LADDER = _steps(("A", "none"), ("BB", "guarantee"), ("D", "secured"))

PRODUCTS: tuple[ProductDef, ...] = (
    ProductDef(
        id="syndicated", zh="银团贷款", en="Syndicated loan",
        when="size_class = 'large' AND requested_amount >= 200000000",
        segments=["large_group", "mature_manufacturer", "green_energy", "other"], priority=5,
        capacity=CapacityRule(basis="cash_flow", multiple=6.0), min_amount=5_000 * _WAN,
        tenor_months=(12, 180), collateral=_steps(("AA", "none"), ("BBB", "guarantee"),
                                                  ("D", "secured")), spread=-0.002),
    ProductDef(
        id="green_credit", zh="绿色信贷", en="Green credit",
        when="green_category IS NOT NULL OR new_energy", segments=_NOT_HIGH_RISK, priority=10,
        capacity=CapacityRule(basis="revenue", multiple=0.5), tenor_months=(12, 180),
        collateral=_LADDER),
    ProductDef(
        id="ip_pledge", zh="知识产权质押贷款", en="IP pledge loan",
        when="patents >= 1 AND (tech_enterprise OR high_tech OR specialized_sme)",
        segments=_NOT_HIGH_RISK, priority=20,
        capacity=CapacityRule(basis="revenue", multiple=0.3), max_amount=3_000 * _WAN,
        tenor_months=(6, 36), collateral=_steps(("BB", "guarantee"), ("D", "secured")),
        spread=0.002),
    ProductDef(
        id="equipment_lease", zh="设备融资租赁", en="Equipment finance lease",
        when="industry_section IN ('C', 'D', 'G', 'Q') AND (loan_purpose = 'fixed_asset' "
             "OR collateral_type = 'equipment')",
        priority=30, capacity=CapacityRule(basis="revenue", multiple=0.5),
        tenor_months=(12, 84), collateral=_steps(("BBB", "none"), ("D", "guarantee")),
        spread=0.003),
    ProductDef(
        id="supply_chain", zh="供应链金融（应收账款融资）", en="Supply-chain / receivables finance",
        when="collateral_type = 'receivables' OR loan_purpose = 'trade'",
        priority=40, capacity=CapacityRule(basis="receivables", multiple=0.8),
        tenor_months=(3, 12), collateral=_steps(("BBB", "none"), ("D", "guarantee"))),
    ProductDef(
        id="tech_loan", zh="科技贷", en="Technology loan",
        when="tech_enterprise OR high_tech OR specialized_sme", segments=_NOT_HIGH_RISK,
        priority=50, capacity=CapacityRule(basis="revenue", multiple=0.3),
        max_amount=5_000 * _WAN, tenor_months=(6, 36), collateral=_LADDER),
    ProductDef(
        id="project_loan", zh="项目贷款", en="Project loan",
        when="loan_purpose = 'project' OR (loan_purpose = 'fixed_asset' "
             "AND requested_term_months >= 36)",
        priority=60, capacity=CapacityRule(basis="cash_flow", multiple=5.0),
        tenor_months=(36, 180), collateral=_steps(("AA", "none"), ("A", "guarantee"),
                                                  ("D", "secured")), spread=0.002),
    ProductDef(
        id="inclusive_micro", zh="普惠小微贷款", en="Inclusive small/micro loan",
        when="size_class IN ('micro', 'small')", priority=70,
        capacity=CapacityRule(basis="revenue", multiple=0.3), max_amount=1_000 * _WAN,
        tenor_months=(3, 36), collateral=_steps(("BBB", "none"), ("B", "guarantee"),
                                                ("D", "secured")), spread=-0.003),
    ProductDef(
        id="working_capital", zh="流动资金贷款", en="Working-capital loan", when="TRUE",
        priority=90, capacity=CapacityRule(basis="working_capital", turnover=4.0),
        tenor_months=(3, 36), collateral=_LADDER),
)  # fmt: skip

REVIEW: tuple[ReviewRule, ...] = (
    ReviewRule(id="large_request", zh="申请金额达到 1 亿元", en="Request of CNY 100m or more",
               when="requested_amount >= 100000000", level="committee"),
    ReviewRule(id="weak_grade", zh="情景等级为 CCC 及以下", en="Scenario grade CCC or worse",
               when="scenario_grade IN ('CCC', 'CC', 'C', 'D')", level="committee"),
    ReviewRule(id="high_risk_segment", zh="高风险关注客户", en="High-risk watch segment",
               when="segment = 'high_risk'", level="committee"),
    ReviewRule(id="mid_request", zh="申请金额达到 3000 万元", en="Request of CNY 30m or more",
               when="requested_amount >= 30000000", level="enhanced"),
    ReviewRule(id="leveraged", zh="高负债企业", en="Highly leveraged firm",
               when="segment = 'high_leverage' OR debt_to_assets > 0.7", level="enhanced"),
    ReviewRule(id="grade_b", zh="情景等级为 B", en="Scenario grade B",
               when="scenario_grade = 'B'", level="enhanced"),
    ReviewRule(id="mid_grade", zh="情景等级为 BBB 或 BB", en="Scenario grade BBB or BB",
               when="scenario_grade IN ('BBB', 'BB')", level="standard"),
    ReviewRule(id="small_request", zh="申请金额达到 500 万元", en="Request of CNY 5m or more",
               when="requested_amount >= 5000000", level="standard"),
)  # fmt: skip

DECLINE: tuple[LabelledRule, ...] = (
    LabelledRule(id="in_default", zh="违约等级（D）", en="Graded in default (D)",
                 when="grade = 'D' OR scenario_grade = 'D'"),
    LabelledRule(id="impaired", zh="五级分类为可疑或损失", en="Classified doubtful or loss",
                 when="loan_classification IN ('doubtful', 'loss')"),
    LabelledRule(id="long_overdue", zh="近 24 个月最长逾期超过 90 天",
                 en="Over 90 days past due in 24 months", when="max_days_past_due_24m > 90"),
    LabelledRule(id="tax_rating_d", zh="纳税信用等级 D", en="Tax credit rating D",
                 when="tax_credit_rating = 'D'"),
)  # fmt: skip

REFER: tuple[LabelledRule, ...] = (
    LabelledRule(id="special_mention", zh="五级分类为关注或次级",
                 en="Classified special mention or substandard",
                 when="loan_classification IN ('special_mention', 'substandard')"),
    LabelledRule(id="litigation", zh="涉诉 3 次及以上", en="Three or more lawsuits",
                 when="litigation_count >= 3"),
    LabelledRule(id="many_inquiries", zh="近 6 个月征信查询 10 次及以上",
                 en="Ten or more credit inquiries in 6 months", when="credit_inquiries_6m >= 10"),
    LabelledRule(id="negative_cash_flow", zh="经营现金流为负且亏损",
                 en="Negative operating cash flow and a loss", when="cfo < 0 AND net_profit < 0"),
)  # fmt: skip

COVENANTS: tuple[LabelledRule, ...] = (
    LabelledRule(id="debt_ceiling", zh="资产负债率不高于 75%", en="Debt-to-assets at most 75%",
                 when="segment = 'high_leverage' OR debt_to_assets > 0.6"),
    LabelledRule(id="receivable_days", zh="按季监测应收账款周转天数，增加超过 30 天预警",
                 en="Quarterly receivable-days monitoring; warn on a rise of more than 30 days",
                 when="segment = 'fast_expanding' OR receivable_days > 120"),
    LabelledRule(id="cash_flow_report", zh="按月报送经营现金流",
                 en="Monthly operating cash-flow reporting",
                 when="segment IN ('fast_expanding', 'tech_startup') OR cfo < 0"),
    LabelledRule(id="project_capital", zh="项目资本金足额到位后放款",
                 en="Disburse after the project capital is fully paid in",
                 when="loan_purpose = 'project'"),
    LabelledRule(id="green_use", zh="资金专用于绿色项目，按年披露环境效益",
                 en="Proceeds used for green projects; yearly environmental-benefit report",
                 when="green_category IS NOT NULL OR new_energy"),
    LabelledRule(id="cross_default", zh="交叉违约与集团担保条款",
                 en="Cross-default and group-guarantee clauses",
                 when="group_id IS NOT NULL AND size_class = 'large'"),
)  # fmt: skip

PROGRAMMES: tuple[Programme, ...] = (
    Programme(id="green", zh="绿色金融", en="Green finance",
              when="green_category IS NOT NULL", price_discount=0.003,
              products=["green_credit"]),
    Programme(id="new_energy", zh="新能源", en="New energy", when="new_energy",
              price_discount=0.003, products=["green_credit"]),
    Programme(id="strategic_emerging", zh="战略性新兴产业", en="Strategic emerging industries",
              when="strategic_emerging IS NOT NULL", price_discount=0.002, products=[]),
    Programme(id="tech", zh="科技金融", en="Technology finance",
              when="tech_enterprise OR high_tech OR specialized_sme", price_discount=0.002,
              products=["ip_pledge", "tech_loan"]),
    Programme(id="inclusive", zh="普惠金融", en="Inclusive finance",
              when="size_class IN ('micro', 'small')", price_discount=0.0),
)  # fmt: skip

SCENARIOS: dict[str, Scenario] = {
    "baseline": Scenario(zh="基准情景", en="Baseline"),
    "downturn": Scenario(
        zh="经济下行", en="Downturn",
        pd_multiplier={"default": 1.5, "C": 1.8, "F": 2.0, "K": 2.0, "G": 1.7},
        min_grade="B", ltv_haircut=0.2, limit_scale=0.8, collateral_notches=1,
        min_review_level="standard", tighten=True),
    "upturn": Scenario(zh="经济上行", en="Upturn", pd_multiplier={"default": 0.8},
                       limit_scale=1.1),
}  # fmt: skip
