"""The messy bank export (tests/data): exact yuan values, every bad cell located, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from finseg.cli import main
from finseg.ingest import Severity, ingest

DATA = Path(__file__).parents[1] / "data"
XLSX = DATA / "messy_export.xlsx"
CSV = DATA / "messy_export_gbk.csv"

# (row as the user sees it, column header, rule); the same in the xlsx and its GBK twin.
EXPECTED_ERRORS = {
    (8, "营业收入 / 本期", "percent_amount"),
    (10, "统一社会信用代码", "credit_code"),
    (11, "报表日期", "not_a_date"),
    (12, "资产总计", "required"),
    (13, "资产总计", "balance_identity"),
    (14, "资产总计", "bounds"),
    (14, "资产总计", "balance_identity"),
    (14, "流动资产合计", "current_assets_bound"),
    (15, "行业代码", "industry_code"),
    (16, "客户编号", "duplicate"),
    (17, "从业人员", "not_whole"),
    (18, "负债合计", "not_a_number"),
    (19, "五级分类", "unknown_category"),
    (20, "是否高新技术企业", "not_a_flag"),
    (21, "流动资产合计", "current_assets_bound"),
    (22, "营业收入 / 本期", "thousands_separator"),
}


@pytest.fixture(scope="module", params=[XLSX, CSV], ids=["xlsx", "gbk-csv"])
def result(request):
    return ingest([request.param])


def test_valid_rows_have_exact_yuan_values(result):
    f = result.frame.set_index("customer_id")
    assert list(f.index) == ["C001", "C002", "C004"]
    assert f.loc["C001", "operating_revenue"] == 12_345_600.00  # "1,234.56" 万元
    assert (
        f.loc["C001", "operating_revenue_prev"] == 10_000_000.00
    )  # "上期" under a merged 营业收入
    assert f.loc["C001", "total_assets"] == 50_000_000.00
    assert f.loc["C001", "net_profit"] == -12.5  # "(12.5)" under a header that says 元
    assert f.loc["C001", "employees"] == 120  # a count: never scaled by the money unit
    assert f.loc["C001", "credit_code"] == "91350100M000100Y43"
    assert f.loc["C001", "loan_classification"] == "pass"
    assert bool(f.loc["C001", "high_tech"]) is True
    assert f.loc["C002", "operating_revenue"] == 12_340_000.00  # full-width digits
    assert f.loc["C002", "total_assets"] == 80_000_000.00
    assert f.loc["C002", "net_profit"] == 12_345.00
    assert f.loc["C002", "industry_code"] == "C3825"  # section letter restored
    assert f.loc["C002", "as_of_date"] == pd.Timestamp("2024-12-31")
    assert f.loc["C002", "loan_classification"] == "special_mention"
    assert pd.isna(f.loc["C002", "operating_revenue_prev"])  # "—" is missing, not zero
    assert pd.isna(f.loc["C004", "operating_revenue"]) and pd.isna(f.loc["C004", "net_profit"])
    assert list(f["source_row"]) == [5, 6, 9]


def test_every_bad_cell_is_reported_with_row_and_column(result):
    errors = {
        (p.row, p.column, p.rule) for p in result.report.problems if p.severity is Severity.ERROR
    }
    assert errors == EXPECTED_ERRORS


def test_bad_values_are_quoted_as_written(result):
    by_rule = {p.rule: p.value for p in result.report.problems}
    assert by_rule["percent_amount"] == "15%"
    assert by_rule["thousands_separator"] == "1,23,4"
    assert by_rule["not_a_date"] == "2024-13-45"
    assert by_rule["credit_code"] == "91350100M000100Y44"


def test_counts_blank_totals_and_header(result):
    (summary,) = result.report.files
    assert summary.header_row == 4 and summary.unit == "wan" and summary.unit_source == "title"
    assert (summary.rows_read, summary.rows_kept, summary.rows_quarantined) == (20, 3, 14)
    assert (summary.rows_skipped_blank, summary.rows_skipped_total) == (2, 1)
    assert summary.columns_unmapped == ["备注"]
    assert [p.row for p in result.report.problems if p.rule == "totals_row"] == [24]


def test_quarantine_keeps_rows_as_written_with_reasons(result):
    q = result.quarantine
    assert len(q) == 14
    assert set(q["row"]) == {row for row, _, _ in EXPECTED_ERRORS}
    c009 = q[q["客户编号"] == "C009"].iloc[0]
    assert c009["资产总计"] == "(100)"
    assert "bounds" not in c009["reasons"] and "至少" not in c009["reasons"]
    assert "must be at least 0" in c009["reasons"] and "不能小于" in c009["reasons"]


def test_xlsx_problems_name_the_excel_column_letter():
    report = ingest([XLSX]).report
    letters = {p.column: p.column_letter for p in report.problems if p.column}
    assert letters["营业收入 / 本期"] == "G" and letters["客户编号"] == "A"


def test_cli_writes_output_quarantine_and_report(tmp_path, capsys):
    out, report = tmp_path / "clean.parquet", tmp_path / "quality.json"
    assert main(["ingest", str(XLSX), "--out", str(out), "--report", str(report)]) == 0
    assert len(pd.read_parquet(out)) == 3
    assert len(pd.read_csv(tmp_path / "clean.quarantine.csv")) == 14
    data = json.loads(report.read_text())
    assert data["rows_out"] == 3 and data["rows_quarantined"] == 14 and data["errors"] == 16
    assert "14" in capsys.readouterr().out


def test_strict_fails_and_writes_no_output(tmp_path, capsys):
    out, report = tmp_path / "clean.csv", tmp_path / "quality.json"
    assert main(["ingest", str(CSV), "--out", str(out), "--strict", "--report", str(report)]) == 2
    assert not out.exists() and not (tmp_path / "clean.quarantine.csv").exists()
    assert report.exists()  # the diagnosis is still written
    assert "--strict" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["quality.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("客户编号,客户名称\nC1,甲\n", "missing required column"),
        ("a,b,c\n1,2,3\n", "no header row found"),
        ("", "the file is empty"),
    ],
)
def test_user_errors_exit_2_without_traceback(tmp_path, capsys, content, message):
    src = tmp_path / "in.csv"
    src.write_text(content, encoding="utf-8")
    assert main(["ingest", str(src), "--out", str(tmp_path / "o.parquet")]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "o.parquet").exists()


def test_no_usable_rows_exits_2(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("客户编号,报表日期,行业代码,资产总计,负债合计\nC1,2024-12-31,C38,abc,1\n")
    assert main(["ingest", str(src), "--out", str(tmp_path / "o.parquet")]) == 2
    assert "no usable rows" in capsys.readouterr().err
    assert not (tmp_path / "o.parquet").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", "missing.csv", "--out", "o.parquet"],
        ["ingest", str(CSV), "--out", "o.txt"],
        ["ingest", str(XLSX), "--sheet", "nope", "--out", "o.parquet"],
        ["ingest", str(CSV), "--out", "o.parquet", "--as-of", "31/12/2024"],
        ["ingest", str(CSV), "--out", "o.parquet", "--unit", "pounds"],
        ["ingest", "--out", "o.parquet"],
    ],
)
def test_bad_invocations_exit_2(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert not (tmp_path / "o.parquet").exists()


def test_internal_error_exits_1(tmp_path, monkeypatch, capsys):
    import finseg.cli._ingest as mod

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(mod, "ingest", boom)
    assert main(["ingest", str(CSV), "--out", str(tmp_path / "o.parquet")]) == 1
    assert "kaboom" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("rule", "kept_rows", "quarantined_rows"),
    [("keep_first", [2, 4], [3, 5]), ("keep_last", [3, 5], [2, 4]), ("reject", [], [2, 3, 4, 5])],
)
def test_duplicate_rules(tmp_path, rule, kept_rows, quarantined_rows):
    src = tmp_path / "d.csv"
    src.write_text(
        "客户编号,报表日期,行业代码,资产总计,负债合计\n"
        "C1,2024-12-31,C38,10,5\nC1,2024-12-31,C38,11,5\nC1,2023-12-31,C38,9,5\n"
        "C1,2023-12-31,C38,8,4\nC2,2024-12-31,C38,1,1\n"
    )
    result = ingest([src], duplicates=rule)
    assert sorted(result.frame["source_row"]) == sorted([*kept_rows, 6])
    assert sorted(result.quarantine["row"]) == quarantined_rows
