"""UI strings of the model-validation and segments report sections, in Chinese and English;
merged into :data:`finseg.reporting._i18n.CATALOGUE` (kept apart so that neither file grows
past a readable length)."""

from __future__ import annotations

__all__ = ["MODEL_AND_SEGMENT_STRINGS"]

#: key -> (zh, en).  Placeholders use :meth:`str.format` syntax.
MODEL_AND_SEGMENT_STRINGS: dict[str, tuple[str, str]] = {
    # model validation ----------------------------------------------------------------------
    "section.validation.title": ("模型验证", "Model validation"),
    "validation.narrative": (
        "模型“{model}”（{kind}）以 {rows} 个样本训练，样本违约率 {rate}，训练时间 {at}，"
        "训练数据 SHA-256 {sha}。",
        "Model '{model}' ({kind}) was trained on {rows} rows with a default rate of {rate} "
        "at {at}; training data SHA-256 {sha}.",
    ),
    "validation.out_of_sample": (
        "下列指标均为 {k} 折{scheme}交叉验证的样本外结果。",
        "The figures below are out of sample, from {k}-fold {scheme} cross-validation.",
    ),
    "validation.hosmer_lemeshow": (
        "Hosmer–Lemeshow 检验：统计量 {statistic}，自由度 {df}，p 值 {p}；等级集中度（HHI）{hhi}。",
        "Hosmer–Lemeshow test: statistic {statistic} with {df} degrees of freedom, p-value "
        "{p}; grade concentration (HHI) {hhi}.",
    ),
    "validation.central_tendency": (
        "样本违约率 {sample} 与长期平均违约率 {target} 不同，违约概率已校准至长期平均"
        "（对数几率偏移 {offset}）。",
        "The sample default rate {sample} differs from the long-run central tendency "
        "{target}; PDs were calibrated to it (log-odds offset {offset}).",
    ),
    "validation.segments": (
        "分群模型按“{column}”划分；违约数少于 {min_defaults} 的分群使用合并模型。",
        "Segment models are split by '{column}'; segments with fewer than {min_defaults} "
        "defaults use the pooled model.",
    ),
    "validation.selection": (
        "模型类型选择“{kind}”：{reason}",
        "Model kind chosen: {kind}. {reason}",
    ),
    "validation.for_model": ("{title}（模型 {model}）", "{title} (model {model})"),
    "validation.table.headline": ("区分能力与稳定性", "Discrimination and stability"),
    "validation.table.folds": ("交叉验证各折", "Cross-validation folds"),
    "validation.table.calibration": (
        "校准曲线（按预测违约概率十等分）",
        "Calibration curve (deciles of predicted PD)",
    ),
    "validation.table.grades": ("分等级回测", "Back-test by grade"),
    "validation.table.segments": ("分群模型与合并模型比较", "Segment versus pooled models"),
    "validation.table.selection": ("模型类型比较", "Model kinds compared"),
    "validation.chart.calibration": ("校准曲线", "Calibration curve"),
    "validation.chart.diagonal": ("完全校准线", "Perfect calibration"),
    "validation.chart.mean_pd": ("平均预测违约概率（%）", "Mean predicted PD (%)"),
    "validation.chart.odr": ("实际违约率（%）", "Observed default rate (%)"),
    "validation.metric.auc": ("AUC（ROC 曲线下面积）", "AUC"),
    "validation.metric.gini": ("基尼系数", "Gini"),
    "validation.metric.ks": ("KS 统计量", "KS"),
    "validation.metric.brier": ("Brier 分数", "Brier score"),
    "validation.metric.log_loss": ("对数损失", "Log-loss"),
    "validation.metric.cv_auc": ("交叉验证 AUC 均值", "CV AUC mean"),
    "validation.metric.psi_mean": ("PSI（训练与测试）均值", "PSI train vs test, mean"),
    "validation.metric.psi_max": ("PSI（训练与测试）最大值", "PSI train vs test, max"),
    "validation.note.cv": ("标准差 {std}，{k} 折{scheme}", "± {std}, {k}-fold {scheme}"),
    "validation.scheme.stratified": ("分层", "stratified"),
    "validation.scheme.time": ("按时间", "time-ordered"),
    "validation.col.metric": ("指标", "Metric"),
    "validation.col.value": ("数值", "Value"),
    "validation.col.note": ("说明", "Note"),
    "validation.col.fold": ("折", "Fold"),
    "validation.col.auc": ("测试集 AUC", "Test AUC"),
    "validation.col.psi": ("PSI（训练与测试）", "PSI train vs test"),
    "validation.col.bin": ("分组", "Bin"),
    "validation.col.mean_pd": ("平均预测违约概率", "Mean predicted PD"),
    "validation.col.odr": ("实际违约率", "Observed default rate"),
    "validation.col.grade": ("等级", "Grade"),
    "validation.col.defaults": ("违约数", "Defaults"),
    "validation.col.binomial_p": ("二项检验 p 值", "Binomial p-value"),
    "validation.col.jeffreys_p": ("Jeffreys 检验 p 值", "Jeffreys p-value"),
    "validation.col.light": ("信号灯", "Traffic light"),
    "validation.col.segment": ("分群", "Segment"),
    "validation.col.pooled_auc": ("合并模型 AUC", "Pooled AUC"),
    "validation.col.segment_auc": ("分群模型 AUC", "Segment AUC"),
    "validation.col.chosen": ("采用模型", "Model used"),
    "validation.col.reason": ("原因", "Reason"),
    "validation.col.kind": ("模型类型", "Model kind"),
    "validation.col.cv_auc": ("交叉验证 AUC 均值", "CV AUC mean"),
    "validation.chosen.segment": ("分群模型", "Segment model"),
    "validation.chosen.pooled": ("合并模型", "Pooled model"),
    "validation.chosen.yes": ("✓ 采用", "✓ chosen"),
    "validation.light.green": ("绿", "Green"),
    "validation.light.amber": ("黄", "Amber"),
    "validation.light.red": ("红", "Red"),
    "validation.kind.scorecard": ("评分卡", "scorecard"),
    "validation.kind.gbm": ("梯度提升树", "gradient boosting"),
    "validation.kind.expert": ("专家模型", "expert model"),
    "validation.kind.auto": ("自动选择", "automatic choice"),
    # customer segments ---------------------------------------------------------------------
    "section.segments.title": ("客户细分", "Customer segments"),
    "segments.narrative": (
        "{n} 户客户分为 {k} 个分群；最大的分群是“{largest}”，{size} 户（{share}）。",
        "{n} customers fall into {k} segments; the largest is '{largest}' with {size} ({share}).",
    ),
    "segments.empty": (
        "注意：{k} 个分群没有任何客户：{names}。请检查其规则（取值拼写、条件是否可能成立）。",
        "Warning: {k} segment(s) match no customer: {names}. Check their rules (misspelt "
        "values, conditions that cannot hold).",
    ),
    "segments.riskiest_odr": (
        "实际违约率最高的分群：“{name}”（{odr}）。",
        "Riskiest by observed default rate: '{name}' ({odr}).",
    ),
    "segments.riskiest_pd": (
        "平均违约概率最高的分群：“{name}”（{pd}）。",
        "Riskiest by mean PD: '{name}' ({pd}).",
    ),
    "segments.chi_square": (
        "卡方检验：{verdict}（χ² = {stat}，自由度 {df}，p 值 {p}）。",
        "Chi-square test: {verdict} (statistic {stat}, {df} degrees of freedom, p-value {p}).",
    ),
    "segments.chi.differ": (
        "各分群违约率差异显著",
        "default rates differ significantly across segments",
    ),
    "segments.chi.same": ("各分群违约率无显著差异", "no significant difference in default rates"),
    "segments.no_outcomes": (
        "已知违约结果不足，未检验分群间违约率差异。",
        "Too few known outcomes to test default rates.",
    ),
    "segments.adjacent": (
        "按平均违约概率排序，{pairs} 对相邻分群中有 {sig} 对违约率差异显著"
        "（Fisher 精确检验，p < 0.05）。",
        "Ordered by mean PD, {sig} of {pairs} neighbouring pairs differ significantly in default "
        "rate (Fisher's exact test, p < 0.05).",
    ),
    "segments.eta2": (
        "分群解释了违约概率方差的 {share}（η²）。",
        "The segments explain {share} of the variance of PD (η²).",
    ),
    "segments.too_small": (
        "以下分群少于 {min} 户，统计结论不可靠：{names}。",
        "Segments with fewer than {min} customers, too few for reliable figures: {names}.",
    ),
    "segments.table.segments": ("分群概况", "Segments"),
    "segments.table.pd": ("各分群违约概率分布", "PD distribution per segment"),
    "segments.table.grades": ("分群 × 等级（客户数）", "Segment × grade (customers)"),
    "segments.table.adjacent": (
        "相邻分群违约率比较（Fisher 精确检验）",
        "Neighbouring segments (Fisher's exact test)",
    ),
    "segments.chart.sizes": ("各分群客户数", "Customers per segment"),
    "segments.chart.rates": ("各分群违约率（%）", "Default rates per segment (%)"),
    "segments.chart.pd": (
        "各分群违约概率分布（须 P10–P90，箱 P25–P75）",
        "PD per segment (whiskers P10–P90, box P25–P75)",
    ),
    "segments.chart.log_pct": ("违约概率（%，对数刻度）", "PD (%, log scale)"),
    "segments.chart.pct": ("违约概率（%）", "PD (%)"),
    "segments.chart.grades": ("各分群的等级构成", "Grades within each segment"),
    "segments.col.id": ("编号", "ID"),
    "segments.col.pd_std": ("违约概率标准差", "PD std. dev."),
    "segments.col.exposure": ("敞口（万元）", "Exposure (CNY 10k)"),
    "segments.col.too_small": ("过小", "Too small"),
    "segments.col.lower": ("平均违约概率较低的分群", "Segment with the lower mean PD"),
    "segments.col.higher": ("平均违约概率较高的分群", "Segment with the higher mean PD"),
    "segments.col.odr_lower": ("实际违约率（前者）", "Default rate (lower PD)"),
    "segments.col.odr_higher": ("实际违约率（后者）", "Default rate (higher PD)"),
    "segments.col.p_value": ("p 值", "p-value"),
    "segments.col.significant": ("显著（p < 0.05）", "Significant (p < 0.05)"),
    "segments.yes": ("是", "yes"),
}
