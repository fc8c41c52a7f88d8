"""``finseg ingest``: files in, the canonical table out, with a data-quality report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from finseg._safe import check_output as _check
from finseg.cli._app import LangOption, app, check_lang, err, out, parse_date
from finseg.exceptions import IngestError, UserError
from finseg.ingest import (
    IngestResult,
    QualityReport,
    Severity,
    Unit,
    ingest,
    rule_label,
    write_outputs,
)
from finseg.ingest._write import check_output, quarantine_path

__all__ = ["ingest_command", "print_quality"]


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def print_quality(report: QualityReport, lang: str, limit: int = 10) -> None:
    """Per-file counts, problems by rule and the first problems, as Rich tables."""
    files = Table(title=_t(lang, "读取情况", "Files read"))
    for zh, en in (
        ("文件", "file"),
        ("表头行", "header row"),
        ("单位", "unit"),
        ("读取", "read"),
        ("保留", "kept"),
        ("隔离", "quarantined"),
        ("空行", "blank"),
        ("合计行", "totals"),
    ):
        files.add_column(_t(lang, zh, en))
    for f in report.files:
        name = Path(f.path).name + (f" [{f.sheet}]" if f.sheet else "")
        files.add_row(
            name,
            str(f.header_row or ""),
            f"{Unit(f.unit).label(lang)} ({f.unit_source})",
            f"{f.rows_read:,}",
            f"{f.rows_kept:,}",
            f"{f.rows_quarantined:,}",
            f"{f.rows_skipped_blank:,}",
            f"{f.rows_skipped_total:,}",
        )
    out.print(files)
    shown = [p for p in report.problems if p.severity is not Severity.NOTE][:limit]
    if not shown:
        return
    problems = Table(
        title=_t(lang, f"问题（前 {len(shown)} 条）", f"Problems (first {len(shown)})")
    )
    for zh, en in (("位置", "where"), ("值", "value"), ("规则", "rule"), ("说明", "message")):
        problems.add_column(_t(lang, zh, en))
    for p in shown:
        style = "red" if p.severity is Severity.ERROR else "yellow"
        message = p.message_zh if lang == "zh" else p.message_en
        problems.add_row(
            Text(p.where(lang)),
            Text(p.value or ""),
            Text(rule_label(p.rule, lang), style),
            Text(message),
        )
    out.print(problems)
    rules = ", ".join(f"{rule_label(rule, lang)} {n:,}" for rule, n in report.by_rule().items())
    out.print(_t(lang, "按规则统计：", "By rule: ") + rules)


def _finish(
    result: IngestResult, out_path: Path, report_path: Path | None, strict: bool, lang: str
) -> None:
    report = result.report
    errors = report.count(Severity.ERROR)
    if strict and errors:
        write_outputs(result, None, report_path)
        raise UserError(
            f"--strict: {errors:,} error(s) found; nothing written to {out_path}",
            f"--strict：发现 {errors:,} 个错误；未写入 {out_path}",
        )
    if report.rows_out == 0:
        write_outputs(result, None, report_path)
        raise IngestError(
            f"no usable rows: all {report.rows_in:,} rows were quarantined or skipped; see "
            f"the problems above{' and ' + str(report_path) if report_path else ''}",
            f"没有可用的数据行：全部 {report.rows_in:,} 行被隔离或跳过，原因见上表",
        )
    written = write_outputs(result, out_path, report_path)
    out.print(
        _t(
            lang,
            f"已写入 {report.rows_out:,} 行 → {written['out']}",
            f"Wrote {report.rows_out:,} rows → {written['out']}",
        )
    )
    if "quarantine" in written:
        n = report.rows_quarantined
        out.print(
            _t(
                lang,
                f"[yellow]{n:,} 行有错误，已隔离 → {written['quarantine']}[/]",
                f"[yellow]{n:,} rows with errors quarantined → {written['quarantine']}[/]",
            )
        )
    if "report" in written:
        out.print(
            _t(lang, f"质量报告 → {written['report']}", f"Quality report → {written['report']}")
        )


@app.command("ingest")
def ingest_command(
    files: Annotated[
        list[Path] | None, typer.Argument(help="CSV, XLSX or Parquet files / 数据文件")
    ] = None,
    out_path: Annotated[
        Path, typer.Option("--out", help="Output .parquet or .csv / 输出文件")
    ] = ...,  # type: ignore[assignment]
    unit: Annotated[
        Unit | None,
        typer.Option(
            help="Money unit of the files when neither a header nor a title row says / 金额单位"
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Read only this sheet of a workbook / 只读取该工作表")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Statement date for rows that have none (YYYY-MM-DD) / 报表日期"
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Fail on any error instead of quarantining rows / 有错误即失败")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write the data-quality report as JSON / 质量报告 JSON")
    ] = None,
    sql: Annotated[
        str | None, typer.Option(help="SQL query to read (with --db) / SQL 查询")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(help="Database URL for --sql, e.g. postgresql+psycopg://… / 数据库连接"),
    ] = None,
    lang: LangOption = None,
) -> None:
    """Read bank exports into the canonical table / 读取并标准化客户数据.

    Headers are matched in Chinese or English, amounts converted to yuan, and every bad cell
    reported with its file, row and column.  Rows with errors are written to
    OUT.quarantine.csv with the reasons; warnings keep the row.
    """
    lang = check_lang(lang)
    check_output(out_path, files or [])
    if report is not None:  # neither an input nor the table it reports on
        _check(report, option="--report", suffixes=(".json",), existing_folder=False,
               inputs=[*(files or []), out_path, quarantine_path(out_path)])  # fmt: skip
    if bool(sql) != bool(db):
        raise UserError("--sql and --db go together", "--sql 与 --db 需同时指定")
    if not files and not sql:
        raise UserError(
            "give at least one file (or --sql with --db)", "请至少指定一个文件（或 --sql 与 --db）"
        )
    with err.status(_t(lang, "读取中…", "Reading…")):
        result = ingest(
            files or [],
            unit=unit,
            sheet=sheet,
            as_of=parse_date(as_of, "--as-of"),
            sql=(db, sql) if sql and db else None,
        )
    print_quality(result.report, lang)
    _finish(result, out_path, report, strict, lang)
