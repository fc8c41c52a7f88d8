"""UI strings of the strategy report section, in Chinese and English; merged into
:data:`finseg.reporting._i18n.CATALOGUE`.  Products, programmes, rules and scenarios are
named by the run's policy (:attr:`ReportContext.strategy_labels`), and the codes the strategy
stage adds on its own (``decline:no_product`` …) by :data:`finseg.strategy._reasons.BUILT_IN`."""

from __future__ import annotations

__all__ = ["STRATEGY_STRINGS"]

#: key -> (zh, en).  Placeholders use :meth:`str.format` syntax.
STRATEGY_STRINGS: dict[str, tuple[str, str]] = {
    "section.strategy.title": ("差异化融资策略", "Financing strategy"),
    "strategy.narrative": (
        "宏观情景：{scenario}。{n} 户客户中批准 {approve} 户（{approve_share}），"
        "转人工审批 {refer} 户（{refer_share}），拒绝 {decline} 户（{decline_share}）。",
        "Macro scenario: {scenario}. Of {n} customers, {approve} are approved "
        "({approve_share}), {refer} referred to a person ({refer_share}) and {decline} "
        "declined ({decline_share}).",
    ),
    "strategy.amounts": (
        "批准额度合计 {granted} 万元（申请金额 {requested} 万元的 {ratio}）；另有转人工客户的"
        "拟议额度 {proposed} 万元，尚未批准。预期损失 {el} 万元，风险加权资产 {rwa} 万元，"
        "额度加权平均利率 {price}（均含拟议额度）。",
        "Granted limits total {granted} (CNY 10k), {ratio} of the {requested} requested; a "
        "further {proposed} is proposed for referred customers and not yet granted. The "
        "expected loss is {el}, the RWA {rwa} (CNY 10k) and the limit-weighted price {price} "
        "(proposed limits included).",
    ),
    "strategy.amounts_no_request": (
        "批准额度合计 {granted} 万元；另有转人工客户的拟议额度 {proposed} 万元，尚未批准。"
        "预期损失 {el} 万元，风险加权资产 {rwa} 万元，额度加权平均利率 {price}（均含拟议额度）。",
        "Granted limits total {granted} (CNY 10k); a further {proposed} is proposed for "
        "referred customers and not yet granted. The expected loss is {el}, the RWA {rwa} "
        "(CNY 10k) and the limit-weighted price {price} (proposed limits included).",
    ),
    "strategy.top_decline": (
        "最常见的拒绝原因：“{reason}”（{n} 户）。",
        "The most frequent decline reason: '{reason}' ({n} customers).",
    ),
    "strategy.top_refer": (
        "最常见的转人工原因：“{reason}”（{n} 户）。",
        "The most frequent referral reason: '{reason}' ({n} customers).",
    ),
    "strategy.baseline_capped": (
        "收紧情景下有 {n} 户的额度被压至基准情景额度（限额因素“不高于基准”）。",
        "In this tightening scenario {n} limits were held down to their baseline limit "
        "(binding cap 'baseline').",
    ),
    "strategy.reasons_truncated": (
        "共 {total} 种原因，表中列出最常见的 {n} 种。",
        "There are {total} reasons; the table lists the {n} most frequent.",
    ),
    "strategy.reasons_multiple": (
        "一户客户可能有多个原因，占比之和可超过 100%。",
        "A customer may have several reasons, so the shares can add up to more than 100%.",
    ),
    "strategy.no_segment": (
        "结果中没有客户分群列，未按分群统计。",
        "The results have no segment column, so there is no breakdown by segment.",
    ),
    # tables ---------------------------------------------------------------------------------
    "strategy.table.decisions": ("审批决策汇总（金额：万元）", "Decisions (amounts in CNY 10k)"),
    "strategy.table.segments": (
        "各分群的策略结果（金额：万元）",
        "By segment (amounts in CNY 10k)",
    ),
    "strategy.table.products": (
        "各产品的推荐与授信（金额：万元）",
        "By product (amounts in CNY 10k)",
    ),
    "strategy.table.binding": ("额度的约束因素", "Which cap sets the limit"),
    "strategy.table.review": ("审批层级分布", "Review levels"),
    "strategy.table.collateral": ("担保要求分布", "Security required"),
    "strategy.table.decline": ("最常见的拒绝原因（拒绝客户）", "Most frequent decline reasons"),
    "strategy.table.refer": ("最常见的转人工原因（转人工客户）", "Most frequent referral reasons"),
    "strategy.table.programmes": (
        "政策支持计划（金额：万元）",
        "Policy programmes (amounts in CNY 10k)",
    ),
    # charts ---------------------------------------------------------------------------------
    "strategy.chart.decisions": ("各分群的审批决策", "Decisions by segment"),
    "strategy.chart.limits": ("各产品批准额度（万元）", "Granted limits by product (CNY 10k)"),
    # columns --------------------------------------------------------------------------------
    "strategy.col.decision": ("决策", "Decision"),
    "strategy.col.segment": ("分群", "Segment"),
    "strategy.col.product": ("产品", "Product"),
    "strategy.col.cap": ("约束因素", "Binding cap"),
    "strategy.col.level": ("层级", "Level"),
    "strategy.col.security": ("担保要求", "Security required"),
    "strategy.col.short": ("担保不足户数", "Security missing"),
    "strategy.col.reason": ("原因", "Reason"),
    "strategy.col.code": ("代码", "Code"),
    "strategy.col.share_declined": ("占拒绝客户比例", "Share of declined"),
    "strategy.col.share_referred": ("占转人工客户比例", "Share of referred"),
    "strategy.col.programme": ("政策计划", "Programme"),
    "strategy.col.members": ("计划内客户", "Members"),
    "strategy.col.recommended": ("推荐客户数", "Recommended"),
    "strategy.col.approved": ("批准户数", "Approved"),
    "strategy.col.approval_rate": ("批准率", "Approval rate"),
    "strategy.col.referred": ("转人工户数", "Referred"),
    "strategy.col.declined": ("拒绝户数", "Declined"),
    "strategy.col.limit": ("授信额度", "Total limit"),
    "strategy.col.granted": ("批准额度", "Granted limit"),
    "strategy.col.proposed": ("转人工拟议额度", "Proposed (referred)"),
    "strategy.col.requested": ("申请金额", "Requested"),
    "strategy.col.el": ("预期损失", "Expected loss"),
    "strategy.col.rwa": ("风险加权资产", "RWA"),
    "strategy.col.price": ("额度加权利率", "Limit-weighted price"),
    "strategy.col.mean_pd": ("平均违约概率", "Mean PD"),
    "strategy.col.mean_scenario_pd": ("平均情景违约概率", "Mean scenario PD"),
    "strategy.col.top_product": ("最常推荐的产品", "Most recommended product"),
    # vocabularies ---------------------------------------------------------------------------
    "strategy.decision.approve": ("批准", "Approve"),
    "strategy.decision.refer": ("转人工审批", "Refer"),
    "strategy.decision.decline": ("拒绝", "Decline"),
    "strategy.decision.total": ("合计", "Total"),
}
