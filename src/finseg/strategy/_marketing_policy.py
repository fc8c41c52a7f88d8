"""The marketing part of the policy (``policy.yaml → strategy.marketing``): the services and
content offered per segment, and the criteria of the high-potential list.

>>> policy = MarketingPolicy()
>>> [o.id for o in policy.offerings("micro_small")][:2]
['finance_training', 'online_finance_content']
>>> policy.high_potential.worst_grade, policy.high_potential.min_revenue_growth
('BB', 0.2)
"""

from __future__ import annotations

from pydantic import Field, field_validator

from finseg._config_base import _doc, _Section
from finseg._vocab import LabelledEnum

__all__ = ["DEFAULT_SERVICES", "Channel", "HighPotentialPolicy", "MarketingPolicy", "Offering"]

_ID = r"^[a-z][a-z0-9_]*$"


class Channel(LabelledEnum):
    """How an offering reaches the customer."""

    RELATIONSHIP_MANAGER = ("relationship_manager", "客户经理", "Relationship manager")
    ONLINE = ("online", "线上", "Online")
    TRAINING = ("training", "培训", "Training")
    EVENT = ("event", "活动", "Event")


class Offering(_Section):
    """One service, product promotion or content offered to a segment."""

    id: str = Field(pattern=_ID, description=_doc("服务编号", "Offering id (a-z, 0-9, _)"))
    zh: str = Field(description=_doc("中文名称", "Chinese name"))
    en: str = Field(description=_doc("英文名称", "English name"))
    channel: Channel = Field(
        description=_doc(
            "渠道：relationship_manager 客户经理、online 线上、training 培训、event 活动",
            "Channel: relationship_manager, online, training or event",
        )
    )

    def label(self, lang: str) -> str:
        """The offering's name in ``lang``."""
        return self.zh if lang == "zh" else self.en


def _o(id_: str, zh: str, en: str, channel: str = "relationship_manager") -> Offering:
    return Offering(id=id_, zh=zh, en=en, channel=Channel(channel))


#: The seed's offerings per default segment (every one a business assumption [R]).
DEFAULT_SERVICES: dict[str, tuple[Offering, ...]] = {
    "high_risk": (  # not marketing: contacts that reduce the risk
        _o("risk_mitigation_contact", "风险缓释沟通：贷后回访、追加担保、还款计划协商",
           "Risk-mitigation contact: post-loan visit, extra security, repayment plan"),
        _o("early_warning_follow_up", "预警信号跟踪与财务改善辅导",
           "Early-warning follow-up and financial-improvement guidance"),
    ),
    "green_energy": (
        _o("green_credit", "绿色信贷推介（可申请碳减排支持工具）",
           "Green-credit offer (eligible for carbon-reduction relending)"),
        _o("carbon_finance_advice", "碳金融咨询：碳排放权质押、碳核算",
           "Carbon-finance advice: emission-allowance pledge, carbon accounting"),
        _o("green_policy_seminar", "绿色产业政策与认定讲座",
           "Seminar on green-industry policy and certification", "event"),
    ),
    "tech_startup": (
        _o("ip_pledge_loan", "知识产权质押贷款推介", "IP-pledge loan offer"),
        _o("tech_loan_online", "科技贷线上申请", "Technology loan, applied for online", "online"),
        _o("investment_linked", "投贷联动：对接股权投资机构",
           "Investment-linked lending (投贷联动): meetings with equity investors", "event"),
    ),
    "high_leverage": (
        _o("debt_advisory", "财务重组与债务结构优化咨询",
           "Financial-restructuring and debt-structure advisory"),
        _o("refinancing_review", "存量债务再融资评估", "Refinancing review of existing debt"),
    ),
    "fast_expanding": (
        _o("cash_flow_management", "现金流管理服务（资金归集、收付款）",
           "Cash-flow management (cash pooling, payments and collections)"),
        _o("receivables_finance", "应收账款融资与保理", "Receivables financing and factoring"),
        _o("receivables_training", "应收账款管理培训", "Receivables-management training",
           "training"),
    ),
    "large_group": (
        _o("integrated_solution", "定制化综合金融服务方案",
           "Tailored, integrated financial-services solution"),
        _o("cash_management", "集团现金管理", "Group cash management"),
        _o("syndicated_loan", "银团贷款安排", "Syndicated-loan arrangement"),
        _o("supply_chain_finance", "上下游供应链金融",
           "Supply-chain finance for suppliers and dealers"),
    ),
    "mature_manufacturer": (
        _o("equipment_leasing", "设备融资租赁（直租、售后回租）",
           "Equipment finance lease (direct lease, sale-and-leaseback)"),
        _o("supply_chain_finance", "供应链金融（核心企业上下游）",
           "Supply-chain finance around the firm as core enterprise"),
    ),
    "micro_small": (
        _o("finance_training", "金融知识培训课程", "Financial-knowledge training course",
           "training"),
        _o("online_finance_content", "线上金融知识内容（图文、短视频）",
           "Online financial-knowledge content (articles, short videos)", "online"),
        _o("inclusive_loan_online", "普惠小微线上信用贷", "Online inclusive small-business loan",
           "online"),
    ),
    "other": (
        _o("standard_package", "标准服务包：结算、存款、流动资金贷款",
           "Standard package: settlement, deposits, working-capital loan"),
    ),
}  # fmt: skip


def _live_default_labels() -> list[str]:
    from finseg.risk._master_scale import default_master_scale

    return default_master_scale().labels[:-1]  # the default grade D is never acceptable


class HighPotentialPolicy(_Section):
    """Who is a high-potential customer (精准识别高潜力客户)."""

    min_revenue_growth: float = Field(
        0.20,
        description=_doc(
            "营业收入增长率不低于此值（小数，0.20 = 20%）[R]",
            "Revenue growth at least this (a fraction, 0.20 = 20%) [R]",
        ),
    )
    worst_grade: str = Field(
        "BB",
        description=_doc(
            "可接受的最差等级：主标尺上等于或优于此等级的客户方可入选 [R]",
            "Worst acceptable grade: customers graded at or better than it on the master "
            "scale qualify [R]",
        ),
    )
    max_list: int = Field(
        500,
        ge=1,
        description=_doc("名单最多列出的客户数", "Most customers the list shows"),
    )
    exclude_segments: list[str] = Field(
        default_factory=lambda: ["high_risk"],
        description=_doc("不参与高潜力名单的分群", "Segments never on the high-potential list"),
    )

    @field_validator("worst_grade")
    @classmethod
    def _known_grade(cls, value: str) -> str:
        labels = _live_default_labels()
        if value not in labels:
            raise ValueError(
                f"未知等级 {value!r}，应为 {'、'.join(labels)} 之一 / unknown grade {value!r}; "
                f"expected one of {', '.join(labels)}"
            )
        return value


class MarketingPolicy(_Section):
    """The ``strategy.marketing`` section of ``policy.yaml``.

    >>> MarketingPolicy(high_potential={"worst_grade": "BBB+"})
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for MarketingPolicy
    ...
    """

    services: dict[str, list[Offering]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_SERVICES.items()},
        description=_doc(
            "各分群的营销与服务内容：分群编号 → 服务列表（id、zh、en、channel）；"
            "未列出的分群没有服务内容",
            "Marketing and service offerings per segment: segment id → offerings (id, zh, "
            "en, channel); a segment not listed has none",
        ),
    )
    high_potential: HighPotentialPolicy = Field(
        default_factory=HighPotentialPolicy,
        description=_doc("高潜力客户的识别标准", "Criteria of the high-potential list"),
    )

    @field_validator("services")
    @classmethod
    def _unique_ids(cls, value: dict[str, list[Offering]]) -> dict[str, list[Offering]]:
        for segment, offerings in value.items():
            ids = [o.id for o in offerings]
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                raise ValueError(
                    f"分群 {segment} 的服务编号重复：{'、'.join(twice)} / segment {segment}: "
                    f"offering id(s) listed twice: {', '.join(twice)}"
                )
        return value

    def offerings(self, segment: str) -> list[Offering]:
        """The offerings of ``segment`` (none when the policy does not list it)."""
        return list(self.services.get(segment, ()))

    def offering_text(self, segment: str, lang: str) -> str:
        """The offerings of ``segment`` as one line, e.g. for a list column."""
        return ("；" if lang == "zh" else "; ").join(o.label(lang) for o in self.offerings(segment))
