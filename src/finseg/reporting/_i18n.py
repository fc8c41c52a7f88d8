"""The report's UI strings in Chinese and English.

Every string a report shows that is not a field label (those come from :mod:`finseg.schema`)
or an industry name (:mod:`finseg.industry`) lives here, once, in both languages.

>>> t("section.quality.title", "zh")
'数据质量'
>>> t("portfolio.customers", "en", n="1,200")
'This run covers 1,200 customers.'
"""

from __future__ import annotations

from typing import Any

from finseg.reporting._i18n_allocation import ALLOCATION_STRINGS
from finseg.reporting._i18n_sections import MODEL_AND_SEGMENT_STRINGS
from finseg.reporting._i18n_strategy import STRATEGY_STRINGS

__all__ = ["CATALOGUE", "LANGS", "t", "t_or"]

#: Languages a report can be written in.
LANGS: tuple[str, ...] = ("zh", "en")

#: key -> (zh, en).  Placeholders use :meth:`str.format` syntax.
CATALOGUE: dict[str, tuple[str, str]] = {
    # report frame --------------------------------------------------------------------------
    "report.title": ("项目融资客户细分报告", "Project finance customer segmentation report"),
    "report.run": ("运行编号", "Run"),
    "report.generated": ("报告生成时间", "Report generated"),
    "report.contents": ("目录", "Contents"),
    "report.footer": (
        "由 finseg {version} 生成。图表使用 Apache ECharts {echarts}，已内嵌于本文件，可离线打开。",
        "Made by finseg {version}. Charts use Apache ECharts {echarts}, embedded in this file so "
        "it opens offline.",
    ),
    "report.noscript": (
        "图表需要启用 JavaScript 才能显示；表格不受影响。",
        "Charts need JavaScript; the tables do not.",
    ),
    "report.no_rows": ("（无数据）", "(no rows)"),
    # common words --------------------------------------------------------------------------
    "common.none_yet": ("尚无", "none yet"),
    "common.customers": ("客户数", "Customers"),
    "common.share": ("占比", "Share"),
    "common.other": ("其他", "Other"),
    "common.unknown": ("未填写", "Not given"),
    "common.item": ("项目", "Item"),
    "common.value": ("内容", "Value"),
    "unit.wan_yuan": ("万元", "CNY 10k"),
    "unit.seconds": ("秒", "s"),
    "moneyunit.yuan": ("元", "yuan"),
    "moneyunit.thousand": ("千元", "thousand yuan"),
    "moneyunit.wan": ("万元", "10k yuan"),
    "moneyunit.yi": ("亿元", "100m yuan"),
    "chart.skipped_missing": (
        "未绘制“{chart}”：数据中没有“{column}”列。",
        '"{chart}" is not drawn: the data has no column "{column}".',
    ),
    "chart.skipped_nodata": (
        "未绘制“{chart}”：本次运行没有记录这项数据。",
        '"{chart}" is not drawn: the run recorded no such data.',
    ),
    "chart.skipped_empty": (
        "未绘制“{chart}”：“{column}”列没有可用的数值。",
        '"{chart}" is not drawn: column "{column}" has no usable values.',
    ),
    # run metadata --------------------------------------------------------------------------
    "section.run.title": ("运行信息", "Run metadata"),
    "run.narrative": (
        "运行 {run_id} 的状态为“{status}”，处理 {rows} 行数据，共用时 {seconds} 秒。",
        "Run {run_id} is {status}; it processed {rows} rows in {seconds} seconds.",
    ),
    "run.run_id": ("运行编号", "Run ID"),
    "run.status": ("状态", "Status"),
    "run.created_at": ("开始时间", "Started"),
    "run.finished_at": ("完成时间", "Finished"),
    "run.finseg_version": ("finseg 版本", "finseg version"),
    "run.input_path": ("数据文件", "Data file"),
    "run.input_sha256": ("数据文件 SHA-256", "Data file SHA-256"),
    "run.policy_version": ("策略版本", "Policy version"),
    "run.policy_hash": ("策略哈希值", "Policy hash"),
    "run.model_ids": ("模型编号", "Model IDs"),
    "run.table.meta": ("运行概要", "Run summary"),
    "run.table.rows": ("行数统计", "Row counts"),
    "run.table.timings": ("各阶段耗时", "Time per stage"),
    "run.chart.timings": ("各阶段耗时（秒）", "Time per stage (seconds)"),
    "run.col.stage": ("阶段", "Stage"),
    "run.col.seconds": ("耗时（秒）", "Seconds"),
    "run.col.count": ("项目", "Count"),
    "run.col.rows": ("行数", "Rows"),
    "status.done": ("已完成", "done"),
    "status.finished": ("已完成", "finished"),
    "status.failed": ("失败", "failed"),
    "status.running": ("运行中", "running"),
    "status.partial": ("未完成", "partial"),
    "stage.ingest": ("数据导入", "Ingest"),
    "stage.features": ("客户维度", "Customer dimensions"),
    "stage.risk": ("风险评级", "Risk grading"),
    "stage.segments": ("客户分群", "Segmentation"),
    "stage.overrides": ("专家调整", "Expert adjustments"),
    "stage.strategy": ("融资策略", "Strategy"),
    "stage.allocation": ("额度配置", "Allocation"),
    "stage.store": ("结果保存", "Store"),
    "stage.report": ("报告生成", "Report"),
    "stage.total": ("合计", "Total"),
    "rows.input": ("读入行数", "Rows read"),
    "rows.rows_in": ("读入行数", "Rows read"),
    "rows.rows": ("结果行数", "Rows in results"),
    "rows.kept": ("保留行数", "Rows kept"),
    "rows.quarantined": ("隔离行数", "Rows quarantined"),
    "rows.output": ("输出行数", "Rows written"),
    "rows.customers": ("客户数", "Customers"),
    "rows.overrides": ("生效的专家调整", "Expert adjustments in force"),
    "rows.rating_full": ("评级输入完整", "Ratings on full inputs"),
    "rows.rating_partial": ("评级部分输入缺失", "Ratings on partial inputs"),
    "rows.rating_fallback": ("评级采用保守默认值", "Ratings on a fallback basis"),
    "rating_basis.warning": (
        "注意 — 评级依据：{fallback} 户客户的模型主要输入缺失，其 PD 为保守默认值而非测算结果"
        "（fallback）；{partial} 户部分输入缺失。最常缺失的输入：{top}。",
        "Warning — rating basis: {fallback} customer(s) rated on a fallback basis (their "
        "model's principal input was missing: the PD is a conservative default, not a "
        "measurement) and {partial} on partial inputs. Missing most often: {top}.",
    ),
    # data quality --------------------------------------------------------------------------
    "section.quality.title": ("数据质量", "Data quality"),
    "quality.narrative": (
        "从 {files} 个文件（工作表）读入 {rows_in} 行，保留 {rows_out} 行，隔离 {quarantined} 行；"
        "发现错误 {errors} 个、警告 {warnings} 个、提示 {notes} 个。",
        "Read {rows_in} rows from {files} file(s) or sheet(s); kept {rows_out} and quarantined "
        "{quarantined}; found {errors} error(s), {warnings} warning(s) and {notes} note(s).",
    ),
    "quality.empty": ("本次运行没有数据质量报告。", "This run has no data-quality report."),
    "quality.no_problems": ("未发现数据问题。", "No data problems were found."),
    "quality.truncated": (
        "共有 {total} 个问题，下表列出前 {n} 个；完整清单见运行目录中的数据质量文件。",
        "There are {total} problems; the table lists the first {n}, and the full list is in "
        "the run's data-quality file.",
    ),
    "quality.missing_optional": (
        "数据中缺少以下可选字段：{fields}。",
        "These optional fields are absent from the data: {fields}.",
    ),
    "quality.table.files": ("各文件读取情况", "Rows per file"),
    "quality.table.by_rule": ("按规则统计的问题", "Problems by rule"),
    "quality.table.problems": ("问题明细（前 {n} 个）", "Problems (first {n})"),
    "quality.table.problems_all": ("问题明细", "Problems"),
    "quality.table.unmapped": ("未识别的列", "Unrecognised columns"),
    "quality.chart.by_rule": ("按规则统计的问题数", "Problems by rule"),
    "quality.col.file": ("文件", "File"),
    "quality.col.sheet": ("工作表", "Sheet"),
    "quality.col.format": ("格式", "Format"),
    "quality.col.encoding": ("编码", "Encoding"),
    "quality.col.unit": ("金额单位", "Money unit"),
    "quality.col.rows_read": ("读入行数", "Rows read"),
    "quality.col.rows_kept": ("保留行数", "Rows kept"),
    "quality.col.rows_quarantined": ("隔离行数", "Quarantined"),
    "quality.col.rows_skipped_blank": ("跳过空行", "Blank rows skipped"),
    "quality.col.rows_skipped_total": ("跳过合计行", "Total rows skipped"),
    "quality.col.rule": ("规则", "Rule"),
    "quality.col.problems": ("问题数", "Problems"),
    "quality.col.row": ("行号", "Row"),
    "quality.col.column": ("列", "Column"),
    "quality.col.value": ("取值", "Value"),
    "quality.col.severity": ("级别", "Severity"),
    "quality.col.message": ("说明", "Message"),
    "severity.error": ("错误", "Error"),
    "severity.warning": ("警告", "Warning"),
    "severity.note": ("提示", "Note"),
    # portfolio overview --------------------------------------------------------------------
    "section.portfolio.title": ("组合概览", "Portfolio overview"),
    "portfolio.empty": ("本次运行没有客户数据。", "This run has no customer rows."),
    "portfolio.customers": ("本次运行共有 {n} 户客户。", "This run covers {n} customers."),
    "portfolio.breadth": (
        "客户分布在 {sections} 个行业门类、{regions} 个地区。",
        "They come from {sections} industry sections and {regions} regions.",
    ),
    "portfolio.requested": (
        "申请金额合计 {amount} 万元，户均 {mean} 万元。",
        "Requested amounts total {amount} (CNY 10k), {mean} per customer.",
    ),
    "portfolio.as_of_one": ("报表日期为 {date}。", "Statements are dated {date}."),
    "portfolio.as_of": (
        "报表日期从 {first} 到 {last}。",
        "Statement dates run from {first} to {last}.",
    ),
    "portfolio.region_rest": (
        "另有 {k} 个地区共 {n} 户客户未在图中列出。",
        "{k} more regions with {n} customers are not shown in the chart.",
    ),
    "portfolio.chart.industry": ("按行业门类的客户数", "Customers by industry section"),
    "portfolio.chart.size": ("按企业规模的客户数", "Customers by size class"),
    "portfolio.chart.region": ("客户数最多的 {n} 个地区", "Top {n} regions by customers"),
    "portfolio.chart.hist": (
        "{field}分布（万元，对数分组）",
        "{field}: distribution (CNY 10k, log-spaced bins)",
    ),
    "portfolio.table.industry": ("按行业门类", "By industry section"),
    "portfolio.table.size": ("按企业规模", "By size class"),
    "portfolio.table.region": ("按地区", "By region"),
    "portfolio.table.amounts": ("主要金额统计（万元）", "Key amounts (CNY 10k)"),
    "portfolio.col.section": ("门类", "Section"),
    "portfolio.col.section_name": ("门类名称", "Section name"),
    "portfolio.col.size_class": ("企业规模", "Size class"),
    "portfolio.col.amount": ("指标", "Amount"),
    "portfolio.col.requested": ("申请金额（万元）", "Requested (CNY 10k)"),
    "portfolio.col.count": ("有值客户数", "Customers with a value"),
    "portfolio.col.sum": ("合计", "Sum"),
    "portfolio.col.median": ("中位数", "Median"),
    "portfolio.col.p10": ("P10（10%分位数）", "P10"),
    "portfolio.col.p90": ("P90（90%分位数）", "P90"),
    "hist.nonpositive": ("≤0", "≤0"),
    # customer dimensions -------------------------------------------------------------------
    "section.features.title": ("客户维度", "Customer dimensions"),
    "features.narrative": (
        "本次共 {n} 户客户：财务状况为“强”的占 {strong}，“弱”或“困难”的占 {weak}。",
        "Of {n} customers, {strong} are in strong financial condition and {weak} weak or "
        "distressed.",
    ),
    "features.narrative_flags": (
        "科技型企业占 {tech}，新能源企业占 {energy}。",
        "Tech enterprises are {tech} and new-energy firms {energy} of the book.",
    ),
    "features.size_unknown": (
        "{n} 户因缺少划型指标而规模未知（见 size_flag）。",
        "{n} customers lack a size indicator the standard needs, so their size is unknown "
        "(see size_flag).",
    ),
    "features.chart.condition": ("财务状况分布", "Financial condition"),
    "features.chart.lifecycle": ("生命周期阶段", "Lifecycle stage"),
    "features.chart.altman": ("Altman Z'' 分区", "Altman Z'' zone"),
    "features.col.industry_section": ("行业门类", "Industry section"),
    "features.col.lifecycle_stage": ("生命周期阶段", "Lifecycle stage"),
    "features.col.ratio": ("指标", "Ratio"),
    "features.col.known": ("有值户数", "Known"),
    "features.col.p10": ("P10（10%分位数）", "P10"),
    "features.col.median": ("中位数", "Median"),
    "features.col.p90": ("P90（90%分位数）", "P90"),
    "features.table.industry_section_by_size": ("行业门类 × 企业规模", "Industry section × size"),
    "features.table.lifecycle_stage_by_size": ("生命周期 × 企业规模", "Lifecycle stage × size"),
    "features.table.flags": ("政策标识", "Policy flags"),
    "features.table.ratios": ("主要财务比率分布", "Key ratios"),
    "features.flag.tech_enterprise": ("科技型企业", "Tech enterprise"),
    "features.flag.new_energy": ("新能源", "New energy"),
    "features.flag.green_category": ("绿色产业", "Green industry"),
    "features.flag.strategic_emerging": ("战略性新兴产业", "Strategic emerging industry"),
    # risk grades ---------------------------------------------------------------------------
    "section.risk.title": ("风险评级", "Risk grades"),
    "risk.narrative": (
        "{n} 户客户由模型“{model}”评级，平均违约概率 {mean}。",
        "{n} customers were graded by the model '{model}'; their mean PD is {mean}.",
    ),
    "risk.chart.grades": ("各等级客户数", "Customers by grade"),
    "risk.col.grade": ("等级", "Grade"),
    "risk.col.mean_pd": ("平均违约概率", "Mean PD"),
    "risk.col.observed": ("实际违约率", "Observed default rate"),
    "risk.col.reason": ("首要原因", "First reason"),
    "risk.table.grades": ("等级分布", "Grade distribution"),
    "risk.table.reasons": ("最常见的首要原因", "Most frequent first reasons"),
    # Excel ---------------------------------------------------------------------------------
    "xlsx.summary": ("摘要", "Summary"),
    "xlsx.see_sheet": ("明细见工作表“{sheet}”", 'See sheet "{sheet}"'),
    "xlsx.language": ("报告语言", "Report language"),
    "xlsx.language_name": ("中文", "English"),
    **MODEL_AND_SEGMENT_STRINGS,
    **ALLOCATION_STRINGS,
    **STRATEGY_STRINGS,
}


def t(key: str, lang: str, **values: Any) -> str:
    """The string ``key`` in ``lang`` (``"zh"`` or ``"en"``), formatted with ``values``.

    Raises ``KeyError`` for an unknown key: a typo should fail a test, not reach a report.

    >>> t("common.share", "zh")
    '占比'
    """
    zh, en = CATALOGUE[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def t_or(key: str, lang: str, default: str) -> str:
    """``t(key, lang)`` when the catalogue has ``key``, else ``default``.

    For open vocabularies (stage names, run statuses) that a later stage may extend.

    >>> t_or("stage.spark", "en", "spark")
    'spark'
    """
    return t(key, lang) if key in CATALOGUE else default
