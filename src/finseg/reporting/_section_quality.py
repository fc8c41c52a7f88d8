"""Report section: data quality — rows per file, problems by rule, the problems themselves."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from finseg.ingest import Problem, QualityReport, rule_label
from finseg.reporting._charts import bar_chart, bar_height
from finseg.reporting._context import ReportContext
from finseg.reporting._i18n import t_or
from finseg.reporting._rating_basis import rating_basis_warning
from finseg.reporting._sections import Chart, ExcelHint, NumFmt, Section, Table, register_section
from finseg.schema import label

__all__ = ["MAX_PROBLEMS", "quality_section"]

#: Problems listed one by one in a report; the full list stays in the run's quality file.
MAX_PROBLEMS = 200


@register_section("quality", order=20)
def quality_section(ctx: ReportContext) -> Section:
    """Data quality as ingest found it: files, rows kept and quarantined, every problem.

    Examples
    --------
    >>> from finseg.ingest import FileSummary, QualityReport
    >>> from finseg.reporting import ReportContext
    >>> report = QualityReport(files=[FileSummary("a.csv", "csv", rows_read=3, rows_kept=3)])
    >>> quality_section(ReportContext(quality=report, lang="en")).narrative.splitlines()[-1]
    'No data problems were found.'
    """
    section = Section.titled("quality", 20)
    report = ctx.quality
    if not report.files and not report.problems:
        section.narrative = ctx.t("quality.empty")
        return section
    section.narrative = _narrative(ctx, report)
    if warning := rating_basis_warning(ctx):
        section.narrative = warning + "\n\n" + section.narrative
    section.tables.append(_files_table(ctx, report))
    if report.problems:
        by_rule = _by_rule_table(ctx, report)
        section.tables.append(by_rule)
        section.charts.append(_by_rule_chart(ctx, by_rule))
        section.tables.append(_problems_table(ctx, report.problems))
        if len(report.problems) > MAX_PROBLEMS:
            section.notes.append(
                ctx.t("quality.truncated", total=_n(len(report.problems)), n=_n(MAX_PROBLEMS))
            )
    if any(f.columns_unmapped for f in report.files):
        section.tables.append(_unmapped_table(ctx, report))
    return section


def _n(value: int) -> str:
    return NumFmt.INT.format(value)


def _narrative(ctx: ReportContext, report: QualityReport) -> str:
    counts = report.to_dict(max_problems=0)
    lines = [ctx.t(
        "quality.narrative", files=_n(len(report.files)), rows_in=_n(report.rows_in),
        rows_out=_n(report.rows_out), quarantined=_n(report.rows_quarantined),
        errors=_n(counts["errors"]), warnings=_n(counts["warnings"]), notes=_n(counts["notes"]),
    )]  # fmt: skip
    if report.missing_optional_fields:
        sep = "、" if ctx.lang == "zh" else ", "
        fields = sep.join(label(name, ctx.lang) for name in report.missing_optional_fields)
        lines.append(ctx.t("quality.missing_optional", fields=fields))
    if not report.problems:
        lines.append(ctx.t("quality.no_problems"))
    return "\n\n".join(lines)


def _col(ctx: ReportContext, name: str) -> str:
    return ctx.t(f"quality.col.{name}")


def _files_table(ctx: ReportContext, report: QualityReport) -> Table:
    counts = ("rows_read", "rows_kept", "rows_quarantined", "rows_skipped_blank",
              "rows_skipped_total")  # fmt: skip
    records = [
        {
            _col(ctx, "file"): Path(f.path).name,
            _col(ctx, "sheet"): f.sheet or "",
            _col(ctx, "format"): f.format,
            _col(ctx, "encoding"): f.encoding or "",
            _col(ctx, "unit"): t_or(f"moneyunit.{f.unit}", ctx.lang, f.unit),
            **{_col(ctx, c): getattr(f, c) for c in counts},
        }
        for f in report.files
    ]
    frame = pd.DataFrame.from_records(records, columns=_file_columns(ctx, counts))
    return Table(ctx.t("quality.table.files"), frame, {_col(ctx, c): NumFmt.INT for c in counts})


def _file_columns(ctx: ReportContext, counts: tuple[str, ...]) -> list[str]:
    return [_col(ctx, c) for c in ("file", "sheet", "format", "encoding", "unit", *counts)]


def _by_rule_table(ctx: ReportContext, report: QualityReport) -> Table:
    by_rule = report.by_rule()
    total = sum(by_rule.values())
    rule, problems, share = _col(ctx, "rule"), _col(ctx, "problems"), ctx.t("common.share")
    frame = pd.DataFrame({
        rule: [rule_label(r, ctx.lang) for r in by_rule],
        problems: list(by_rule.values()),
        share: [n / total for n in by_rule.values()],
    })  # fmt: skip
    return Table(ctx.t("quality.table.by_rule"), frame, {problems: NumFmt.INT, share: NumFmt.SHARE})


def _by_rule_chart(ctx: ReportContext, table: Table) -> Chart:
    title = ctx.t("quality.chart.by_rule")
    rules = [str(r) for r in table.frame.iloc[:, 0]]
    counts = [int(n) for n in table.frame.iloc[:, 1]]
    name = _col(ctx, "problems")
    option = bar_chart(rules, counts, title, series_name=name, value_name=name)
    return Chart("by_rule", title, option, ExcelHint("bar", rules, counts, name),
                 bar_height(len(rules)))  # fmt: skip


def _problem_record(ctx: ReportContext, p: Problem) -> dict[str, object]:
    column = p.column or ""
    if column and p.column_letter:
        column = f"{column} ({p.column_letter})"
    return {
        _col(ctx, "file"): Path(p.file).name,
        _col(ctx, "sheet"): p.sheet or "",
        _col(ctx, "row"): p.row,
        _col(ctx, "column"): column,
        _col(ctx, "value"): "" if p.value is None else str(p.value),
        _col(ctx, "rule"): rule_label(p.rule, ctx.lang),
        _col(ctx, "severity"): t_or(f"severity.{p.severity}", ctx.lang, str(p.severity)),
        _col(ctx, "message"): p.message_zh if ctx.lang == "zh" else p.message_en,
    }


def _problems_table(ctx: ReportContext, problems: list[Problem]) -> Table:
    names = ("file", "sheet", "row", "column", "value", "rule", "severity", "message")
    frame = pd.DataFrame.from_records(
        [_problem_record(ctx, p) for p in problems[:MAX_PROBLEMS]],
        columns=[_col(ctx, c) for c in names],
    )
    frame[_col(ctx, "row")] = frame[_col(ctx, "row")].astype("Int64")
    if len(problems) > MAX_PROBLEMS:
        title = ctx.t("quality.table.problems", n=_n(MAX_PROBLEMS))
    else:
        title = ctx.t("quality.table.problems_all")
    return Table(title, frame, {_col(ctx, "row"): NumFmt.INT})


def _unmapped_table(ctx: ReportContext, report: QualityReport) -> Table:
    records = [
        {_col(ctx, "file"): Path(f.path).name, _col(ctx, "sheet"): f.sheet or "",
         _col(ctx, "column"): column}
        for f in report.files
        for column in f.columns_unmapped
    ]  # fmt: skip
    return Table(ctx.t("quality.table.unmapped"), pd.DataFrame.from_records(records))
