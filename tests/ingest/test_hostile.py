"""Hostile and careless inputs (issue 15): nothing lost, nothing silently wrong.

Each test is a case that lost data or changed it without a word before: impossible dates
rolled over, rows with the wrong cell count vanished, mixed encodings turned into mojibake,
a repeated header was ignored, Excel formula errors became blanks, one big cell rejected a file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from finseg.cli import main
from finseg.ingest import ingest

HEAD = "客户编号,报表日期,行业代码,资产总计,负债合计,所有者权益合计"
TODAY = date(2026, 1, 1)


def _csv(tmp_path: Path, lines: list[str], name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([HEAD, *lines]) + "\n").encode(encoding))
    return path


def _rows(n: int, start: int = 1) -> list[str]:
    return [f"C{i},2024-12-31,C3825,100,60,40" for i in range(start, start + n)]


def _problems(result, rule: str) -> list:
    return [p for p in result.report.problems if p.rule == rule]


# -- 1. impossible dates ------------------------------------------------------------------------

IMPOSSIBLE = ["2024-02-30", "2023-02-29", "2019-06-31", "2024/02/30", "2024年6月31日", "20230229"]


def test_impossible_dates_are_errors_never_rolled_over(tmp_path: Path) -> None:
    lines = [f"D{i},{d},C3825,100,60,40" for i, d in enumerate(IMPOSSIBLE)] + _rows(3)
    lines.append("D9,2024-12-32,C3825,100,60,40")  # no day 32 in any month: not a date
    result = ingest([_csv(tmp_path, lines)], today=TODAY)
    assert sorted(result.frame["customer_id"]) == ["C1", "C2", "C3"]
    assert set(result.frame["as_of_date"]) == {pd.Timestamp("2024-12-31")}
    bad = _problems(result, "invalid_date")
    assert [(p.row, p.value) for p in bad] == [(i + 2, d) for i, d in enumerate(IMPOSSIBLE)]
    assert all(p.severity.value == "error" and "30 February" in p.message_en for p in bad)
    assert [p.value for p in _problems(result, "not_a_date")] == ["2024-12-32"]
    assert sorted(result.quarantine["row"]) == [*range(2, 2 + len(IMPOSSIBLE)), len(lines) + 1]
    assert result.report.rows_quarantined == len(IMPOSSIBLE) + 1


def test_real_leap_days_and_month_ends_still_pass(tmp_path: Path) -> None:
    dates = ["2024-02-29", "2024-3-1", "2023-02-28", "2019-06-30", "2024-12-31", "2024-03-03"]
    lines = [f"D{i},{d},C3825,100,60,40" for i, d in enumerate(dates)]
    result = ingest([_csv(tmp_path, lines)], today=TODAY)
    assert result.report.rows_quarantined == 0
    got = [t.date().isoformat() for t in result.frame["as_of_date"]]
    assert got == [
        "2024-02-29",
        "2024-03-01",
        "2023-02-28",
        "2019-06-30",
        "2024-12-31",
        "2024-03-03",
    ]


def test_impossible_dates_in_a_workbook_and_in_optional_date_fields(tmp_path: Path) -> None:
    path = tmp_path / "in.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("客户")
    sheet.write_row(0, 0, [*HEAD.split(","), "成立日期"])
    sheet.write_row(1, 0, ["C1", "2024-02-30", "C3825", 100, 60, 40, "2010-01-01"])
    sheet.write_row(2, 0, ["C2", "2024-12-31", "C3825", 100, 60, 40, "2019-06-31"])
    sheet.write_row(3, 0, ["C3", "2024-12-31", "C3825", 100, 60, 40, "2010-01-01"])
    book.close()
    result = ingest([path], today=TODAY)
    assert result.frame["customer_id"].tolist() == ["C3"]
    assert [(p.row, p.column_letter) for p in _problems(result, "invalid_date")] == [
        (2, "B"),
        (3, "G"),
    ]


# -- 4. two columns for one field ---------------------------------------------------------------


@pytest.mark.parametrize("second", ["资产总计", "total_assets"])
def test_two_columns_for_one_field_that_disagree_are_an_error(tmp_path, capsys, second) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        f"{HEAD},{second}\nC1,2024-12-31,C3825,100,60,40,100\nC2,2024-12-31,C3825,100,60,40,90\n",
        encoding="utf-8",
    )
    assert main(["ingest", str(path), "--out", str(tmp_path / "o.parquet")]) == 2
    err = capsys.readouterr().err
    assert "'资产总计'" in err and f"'{second}'" in err and "total_assets" in err
    assert "row 3" in err and "第 3 行" in err
    assert not (tmp_path / "o.parquet").exists()


def test_two_columns_for_one_field_that_agree_are_read_once(tmp_path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        f"{HEAD},total_assets(万元)\nC1,2024-12-31,C3825,10000,6000,4000,1\n"
        "C2,2024-12-31,C3825,,60,40,\n",
        encoding="utf-8",
    )
    result = ingest([path], today=TODAY)
    assert result.frame["customer_id"].tolist() == ["C1"]  # C2: total assets empty in both
    notes = _problems(result, "duplicate_column")
    assert [(n.column, n.severity.value) for n in notes] == [("total_assets(万元)", "note")]
