"""UI strings of the credit-allocation report section, in Chinese and English; merged into
:data:`finseg.reporting._i18n.CATALOGUE`."""

from __future__ import annotations

__all__ = ["ALLOCATION_STRINGS"]

#: key -> (zh, en).  Placeholders use :meth:`str.format` syntax.
ALLOCATION_STRINGS: dict[str, tuple[str, str]] = {
    "section.allocation.title": ("信贷额度分配", "Credit allocation"),
    "allocation.narrative": (
        "优化器（{mode}，{status}）在 {candidates} 户获批或待复核的候选客户中向 {funded} 户"
        "分配了 {total} 元，占 {budget} 元预算的 {used}；风险调整后收益 {objective} 元/年，"
        "预期损失 {el} 元/年，风险加权资产 {rwa} 元。",
        "The optimiser ({mode}, {status}) allocated {total} yuan, {used} of the {budget} "
        "yuan budget, to {funded} of the {candidates} approved or referred candidates; the "
        "risk-adjusted return is {objective} yuan a year, the expected loss {el} yuan a year "
        "and the RWA {rwa} yuan.",
    ),
    "allocation.beats": (
        "与拉格朗日贪心规则（最优 λ = {lam}）相比，优化器每年多获得 {diff} 元收益"
        "（占最优值的 {gap}）；与按边际收益贪心相比多 {greedy_diff} 元（{greedy_gap}），"
        "与先到先得相比多 {fcfs_diff} 元（{fcfs_gap}）。",
        "It beats the Lagrangian greedy rule (best λ = {lam}) by {diff} yuan a year ({gap} "
        "of the optimum), greedy by margin by {greedy_diff} yuan ({greedy_gap}) and "
        "first-come-first-served by {fcfs_diff} yuan ({fcfs_gap}).",
    ),
    "allocation.ties": (
        "拉格朗日贪心规则（最优 λ = {lam}）在本次分配中达到了最优值；按边际收益贪心比最优低 "
        "{greedy_diff} 元/年（{greedy_gap}），先到先得低 {fcfs_diff} 元/年（{fcfs_gap}）。",
        "The Lagrangian greedy rule (best λ = {lam}) reaches the optimum on this book; greedy "
        "by margin falls short by {greedy_diff} yuan a year ({greedy_gap}) and "
        "first-come-first-served by {fcfs_diff} yuan ({fcfs_gap}).",
    ),
    "allocation.behind": (
        "拉格朗日贪心规则（最优 λ = {lam}）的收益比优化器高 {diff} 元/年：该规则不遵守整数规划"
        "模式的最低投放额与全额或为零条件，而优化器遵守；按边际收益贪心比最优低 {greedy_diff} "
        "元/年（{greedy_gap}），先到先得低 {fcfs_diff} 元/年（{fcfs_gap}）。",
        "The Lagrangian greedy rule (best λ = {lam}) returns {diff} yuan a year more than the "
        "optimiser: it ignores the minimum ticket and all-or-nothing conditions of MILP mode, "
        "which the optimiser keeps; greedy by margin falls short by {greedy_diff} yuan a year "
        "({greedy_gap}) and first-come-first-served by {fcfs_diff} yuan ({fcfs_gap}).",
    ),
    "allocation.no_baselines": (
        "本次分配未计算基准规则。",
        "The rules of thumb were not computed for this allocation.",
    ),
    "allocation.quota_miss": (
        "未满足政策配额的基准规则：{names}（其收益不可直接比较）。",
        "Rules of thumb that miss a policy quota: {names} (their return is not comparable).",
    ),
    "allocation.binding": (
        "{k} 项约束为紧约束，其影子价格见下表：放宽一个单位可增加的年收益。",
        "{k} limit(s) bind; their shadow prices below are the return a year that one more "
        "unit of each would add.",
    ),
    "allocation.no_results": (
        "运行结果中没有逐户分配金额（allocated_amount），无法按客户细分与行业汇总。",
        "The run's results have no per-customer amounts (allocated_amount): no breakdown "
        "by segment or industry.",
    ),
    "allocation.frontier_note": (
        "前沿：对 {n} 个预期损失预算逐一求解线性规划，预算从无预期损失约束时最优解预期损失的"
        " 1/{n} 到其全额。",
        "Frontier: the LP solved for {n} expected-loss budgets, from 1/{n} of the expected "
        "loss of the optimum without an EL budget up to all of it.",
    ),
    "allocation.status.optimal": ("最优", "optimal"),
    # summary table ---------------------------------------------------------------------
    "allocation.table.summary": ("分配结果", "Allocation"),
    "allocation.col.measure": ("指标", "Measure"),
    "allocation.col.value": ("数值", "Value"),
    "allocation.row.status": ("求解状态", "Solver status"),
    "allocation.row.mode": ("求解模式", "Mode"),
    "allocation.row.budget": ("信贷预算（元）", "Budget (yuan)"),
    "allocation.row.total": ("已分配总额（元）", "Allocated total (yuan)"),
    "allocation.row.used": ("预算使用率", "Share of the budget used"),
    "allocation.row.candidates": ("候选客户数", "Candidates"),
    "allocation.row.funded": ("获分配客户数", "Customers funded"),
    "allocation.row.objective": ("风险调整后收益（元/年）", "Risk-adjusted return (yuan a year)"),
    "allocation.row.el": ("预期损失（元/年）", "Expected loss (yuan a year)"),
    "allocation.row.rwa": ("风险加权资产（元）", "RWA (yuan)"),
    "allocation.row.mip_gap": ("整数规划最优间隙", "MILP optimality gap"),
    "allocation.row.seconds": ("求解时间（秒）", "Solve time (seconds)"),
    # baselines -------------------------------------------------------------------------
    "allocation.table.baselines": ("与经验规则比较", "Against the rules of thumb"),
    "allocation.col.rule": ("规则", "Rule"),
    "allocation.col.objective": ("收益（元/年）", "Return (yuan a year)"),
    "allocation.col.advantage": ("优化器多得（元/年）", "Optimiser's advantage (yuan a year)"),
    "allocation.col.gap": ("低于最优", "Below the optimum"),
    "allocation.col.quotas": ("满足配额", "Meets the quotas"),
    "allocation.rule.optimiser": ("优化器", "Optimiser"),
    "allocation.rule.lagrangian": ("拉格朗日贪心（λ = {lam}）", "Lagrangian greedy (λ = {lam})"),
    "allocation.rule.greedy": ("按边际收益贪心", "Greedy by margin"),
    "allocation.rule.fcfs": ("先到先得", "First come, first served"),
    "allocation.yes": ("是", "yes"),
    "allocation.no": ("否", "no"),
    # shadow prices ---------------------------------------------------------------------
    "allocation.table.shadow": ("紧约束的影子价格", "Shadow prices of the binding limits"),
    "allocation.col.constraint": ("约束", "Limit"),
    "allocation.col.shadow_price": ("影子价格", "Shadow price"),
    "allocation.col.unit": ("含义", "Per"),
    "allocation.col.rhs": ("限额", "Limit value"),
    "allocation.col.activity": ("实际占用", "Used"),
    "allocation.unit.budget": ("元/年 每元预算", "yuan a year per yuan of budget"),
    "allocation.unit.el_budget": ("元/年 每元预期损失", "yuan a year per yuan of EL"),
    "allocation.unit.rwa_budget": ("元/年 每元风险加权资产", "yuan a year per yuan of RWA"),
    "allocation.unit.group_cap": ("元/年 每元集团限额", "yuan a year per yuan of group cap"),
    "allocation.unit.industry_cap": (
        "元/年 每元行业限额",
        "yuan a year per yuan of industry cap",
    ),
    "allocation.unit.quota": (
        "元/年 每元超出配额的配额内投放（负值 = 代价）",
        "yuan a year per yuan of quota lending required (negative: a cost)",
    ),
    # breakdowns ------------------------------------------------------------------------
    "allocation.table.segments": ("按客户细分的分配", "Allocation by segment"),
    "allocation.table.industries": ("按行业门类的分配", "Allocation by industry section"),
    "allocation.chart.segments": ("各客户细分分配金额", "Amount allocated by segment"),
    "allocation.chart.industries": ("各行业门类分配金额", "Amount allocated by industry section"),
    "allocation.col.segment": ("客户细分", "Segment"),
    "allocation.col.industry": ("行业门类", "Industry section"),
    "allocation.col.candidates": ("候选客户", "Candidates"),
    "allocation.col.funded": ("获分配客户", "Funded"),
    "allocation.col.amount": ("分配金额（元）", "Allocated (yuan)"),
    "allocation.col.share": ("占分配总额", "Share of the total"),
    "allocation.wan": ("万元", "CNY 10k"),
    "allocation.none": ("（无）", "(none)"),
    # frontier --------------------------------------------------------------------------
    "allocation.table.frontier": ("收益与预期损失前沿", "Return versus expected loss"),
    "allocation.chart.frontier": ("收益与预期损失前沿", "Return versus expected loss"),
    "allocation.chart.frontier_series": ("前沿（线性规划）", "Frontier (LP)"),
    "allocation.chart.this_allocation": ("本次分配", "This allocation"),
    "allocation.chart.el_axis": ("预期损失（万元/年）", "Expected loss (CNY 10k a year)"),
    "allocation.chart.return_axis": ("收益（万元/年）", "Return (CNY 10k a year)"),
    "allocation.col.el_budget": ("预期损失预算（元/年）", "EL budget (yuan a year)"),
    "allocation.col.el": ("预期损失（元/年）", "Expected loss (yuan a year)"),
    "allocation.col.allocated": ("分配总额（元）", "Allocated (yuan)"),
    "allocation.col.el_price": ("预期损失影子价格", "EL shadow price"),
}
