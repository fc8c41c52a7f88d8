"""The ``allocation`` section of ``policy.yaml``: margins, concentration limits, quotas, budgets.

Money is in yuan, rates and shares are fractions.  ``null`` means "no limit".  Numbers tagged
[R] in a description are business assumptions that have not been verified against a source;
set them to your bank's own values.

>>> AllocationPolicy().single_cap
0.1
>>> AllocationPolicy(industry_max_share={"C": 0.3, "default": 0.2}).industry_share("F")
0.2
>>> AllocationPolicy(budget=5e9, mode="milp").mode
<AllocationMode.MILP: 'milp'>
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from finseg._config_base import _doc, _Section
from finseg.industry import check_section_keys

__all__ = ["AllocationMode", "AllocationPolicy"]


class AllocationMode(StrEnum):
    """How the allocation is solved: a linear programme, or a mixed-integer one (minimum
    ticket, all-or-nothing)."""

    LP = "lp"
    MILP = "milp"


class AllocationPolicy(_Section):
    """How ``finseg allocate`` and the allocation stage of ``finseg run`` turn a budget into
    amounts per customer."""

    budget: float | None = Field(
        None,
        ge=0,
        description=_doc(
            "信贷预算（元）；设置后 finseg run 执行额度分配阶段（空 = 不分配；"
            "finseg allocate --budget 可覆盖）",
            "Credit budget in yuan; when set, `finseg run` runs the allocation stage "
            "(null = no allocation; `finseg allocate --budget` overrides it)",
        ),
    )
    mode: AllocationMode = Field(
        AllocationMode.LP,
        description=_doc(
            "求解模式：lp 线性规划 / milp 混合整数规划（最低投放额、全额或为零）",
            "Solver mode: lp (linear programme) or milp (mixed-integer: minimum ticket, "
            "all-or-nothing)",
        ),
    )
    frontier_points: int = Field(
        8,
        ge=0,
        le=50,
        description=_doc(
            "报告中“收益—预期损失”前沿的点数（0 = 不计算；否则至少 2）",
            "Points of the return-versus-expected-loss frontier computed for the report "
            "(0 = none; otherwise at least 2)",
        ),
    )

    funding_cost: float = Field(
        0.02,
        ge=-0.1,
        le=1,
        description=_doc(
            "资金成本（年化，比例）[R]", "Funding cost, annual rate as a fraction [R]"
        ),
    )
    opex_rate: float = Field(
        0.01,
        ge=0,
        le=1,
        description=_doc(
            "运营成本率（年化，占贷款金额比例）[R]",
            "Operating cost per yuan lent, annual fraction [R]",
        ),
    )
    hurdle_rate: float = Field(
        0.10,
        ge=0,
        le=1,
        description=_doc(
            "资本门槛回报率（股本成本），乘以 IRB 资本要求 K 计入资本成本 [R]",
            "Hurdle rate (cost of equity) charged on the IRB capital requirement K [R]",
        ),
    )
    pd_floor: float = Field(
        0.0005,
        ge=0,
        le=0.1,
        description=_doc(
            "计算预期损失与资本要求时的 PD 下限（巴塞尔 III / 2023 年资本办法：0.05%）",
            "PD floor for expected loss and capital (Basel III / China 2023: 0.05%)",
        ),
    )
    cny_per_eur: float = Field(
        7.8,
        gt=0,
        description=_doc(
            "IRB 中小企业规模调整所用汇率：营业收入（元）换算为欧元 [R]",
            "Exchange rate used to convert operating revenue (yuan) to EUR for the IRB SME "
            "size adjustment [R]",
        ),
    )
    net_capital: float | None = Field(
        None,
        gt=0,
        description=_doc(
            "资本净额（元）；单一客户与集团客户限额以其为分母（空 = 不设这两项限额）",
            "Net capital in yuan, the base of the single-customer and group caps "
            "(null = neither cap applies)",
        ),
    )
    single_cap: float | None = Field(
        0.10,
        gt=0,
        le=1,
        description=_doc(
            "单一客户贷款余额上限，占资本净额比例（商业银行法第 39 条：10%）",
            "Single-customer cap as a fraction of net capital (Commercial Banking Law "
            "Art. 39: 10%)",
        ),
    )
    group_cap: float | None = Field(
        0.15,
        gt=0,
        le=1,
        description=_doc(
            "单一集团客户授信上限，占资本净额比例（2003 年集团客户指引第 12 条：15%）",
            "Cap per group of connected customers (group_id) as a fraction of net capital "
            "(2003 group-customer guideline Art. 12: 15%)",
        ),
    )
    industry_max_share: dict[str, float] = Field(
        default_factory=dict,
        description=_doc(
            "各行业门类（GB/T 4754 字母）投放上限，占预算比例；default 适用于未列出的门类"
            "（空 = 不限）[R]",
            "Cap per industry section (GB/T 4754 letter) as a share of the budget; `default` "
            "applies to sections not listed (empty = no industry caps) [R]",
        ),
    )
    quotas: dict[str, float] = Field(
        default_factory=dict,
        description=_doc(
            "政策配额：客户细分（segment）或专项计划（programmes）编号 → 占已分配总额的最低比例"
            "，如普惠小微、绿色信贷 [R]",
            "Policy quotas: segment or programme id → minimum share of the allocated total, "
            "e.g. inclusive small/micro, green [R]",
        ),
    )
    el_budget: float | None = Field(
        None,
        ge=0,
        description=_doc(
            "预期损失预算（元/年，Σ 金额·PD·LGD）；空 = 不限",
            "Expected-loss budget in yuan per year (Σ amount·PD·LGD); null = no limit",
        ),
    )
    rwa_budget: float | None = Field(
        None,
        ge=0,
        description=_doc(
            "风险加权资产预算（元，Σ 金额·12.5·K）；空 = 不限",
            "Risk-weighted-asset budget in yuan (Σ amount·12.5·K); null = no limit",
        ),
    )
    min_ticket: float | None = Field(
        None,
        ge=0,
        description=_doc(
            "MILP 模式：获批客户的最低投放金额（元）；空 = 无下限",
            "MILP mode: smallest amount a funded customer receives, yuan (null = none)",
        ),
    )
    all_or_nothing: bool = Field(
        False,
        description=_doc(
            "MILP 模式：客户要么获得全部可用额度，要么为零",
            "MILP mode: a customer receives its whole available amount or nothing",
        ),
    )
    mip_gap: float = Field(
        0.001,
        gt=0,
        le=0.5,
        description=_doc(
            "MILP 模式：求解停止的相对最优间隙", "MILP mode: relative optimality gap to stop at"
        ),
    )
    time_limit: float = Field(
        60.0,
        gt=0,
        description=_doc("求解时间上限（秒）", "Solver time limit in seconds"),
    )

    @field_validator("industry_max_share")
    @classmethod
    def _sections(cls, value: dict[str, float]) -> dict[str, float]:
        return check_section_keys(value, "share", 0, 1)

    @field_validator("frontier_points")
    @classmethod
    def _points(cls, value: int) -> int:
        if value == 1:
            raise ValueError("frontier_points must be 0 (no frontier) or at least 2, got 1")
        return value

    @field_validator("quotas")
    @classmethod
    def _shares(cls, value: dict[str, float]) -> dict[str, float]:
        for key, share in value.items():
            if not 0 <= share <= 1:
                raise ValueError(f"quota of {key!r} must lie in [0, 1], got {share}")
        return value

    def industry_share(self, section: str) -> float | None:
        """The cap share of ``section`` (its own, else ``default``, else ``None``)."""
        return self.industry_max_share.get(section, self.industry_max_share.get("default"))
