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


# -- 1. impossible dates -----------------------------------------------------------------------

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


# -- 4. two columns for one field --------------------------------------------------------------


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


# -- 2. RFC 4180 and the cell count ------------------------------------------------------------

NAMED = "客户编号,客户名称,报表日期,行业代码,资产总计,负债合计,所有者权益合计"


def test_quoted_cells_with_line_breaks_quotes_and_delimiters(tmp_path) -> None:
    path = tmp_path / "in.csv"
    body = [
        'C1,"Line1\nLine2 Co",2024-12-31,C3825,100,60,40',
        "C2,Acme,2024-12-31,C3825,100,60,40",
        'C3,"A ""q"", b\r\nc",2024-12-31,C3825,100,60,40',
        "C4,Plain,2024-12-31,C3825,100,60,40",
    ]
    path.write_bytes(("\r\n".join([NAMED, *body]) + "\r\n").encode("utf-8"))
    result = ingest([path], today=TODAY)
    frame = result.frame
    assert frame["customer_name"].tolist() == ["Line1\nLine2 Co", "Acme", 'A "q", b\r\nc', "Plain"]
    assert frame["source_row"].tolist() == [2, 4, 5, 7]  # the line each record starts on
    assert result.report.rows_quarantined == 0


def test_rows_with_the_wrong_cell_count_go_to_the_quarantine_file(tmp_path) -> None:
    path = tmp_path / "in.csv"
    body = [
        "C1,A,2024-12-31,C3825,100,60,40",
        'C2,"two\nlines",2024-12-31,C3825',
        "C3,B,2024-12-31,C3825,100,60,40,extra",
        "C4,D,2024-12-31,C3825,100,60,40",
    ]
    path.write_text("\n".join([NAMED, *body]) + "\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    assert main(["ingest", str(path), "--out", str(out)]) == 0
    kept = pd.read_csv(out, encoding="utf-8-sig")
    assert kept["customer_id"].tolist() == ["C1", "C4"]
    assert kept["source_row"].tolist() == [2, 6]
    quarantine = pd.read_csv(tmp_path / "o.quarantine.csv", encoding="utf-8-sig")
    assert quarantine["row"].tolist() == [3, 5]
    assert quarantine["raw_text"].tolist() == [
        'C2,"two\nlines",2024-12-31,C3825',
        "C3,B,2024-12-31,C3825,100,60,40,extra",
    ]
    result = ingest([path], today=TODAY)
    report = result.report
    assert report.rows_in == report.rows_out + report.rows_quarantined == 4


def test_one_oversized_cell_quarantines_its_row_not_the_file(tmp_path) -> None:
    path = tmp_path / "in.csv"
    big = "x" * 1_000_000
    lines = [f"C{i},N{i},2024-12-31,C3825,100,60,40" for i in range(1, 20)]
    lines.insert(9, f"B1,{big},2024-12-31,C3825,100,60,40")
    path.write_text("\n".join([NAMED, *lines]) + "\n", encoding="utf-8")
    result = ingest([path], today=TODAY)
    assert len(result.frame) == 19 and "B1" not in set(result.frame["customer_id"])
    [problem] = _problems(result, "cell_too_large")
    assert problem.row == 11 and problem.column == "客户名称"
    assert "1,000,000 characters" in problem.value and len(problem.value) < 100
    assert result.quarantine["row"].tolist() == [11]
    assert result.quarantine["客户名称"].tolist() == [big]  # nothing lost


# -- 3. encodings ------------------------------------------------------------------------------

NAMES = ["华为技术", "中国石化", "招商银行", "比亚迪", "宁德时代"]


def _mixed(tmp_path: Path, main_encoding: str, odd_encoding: str, odd_line: int) -> Path:
    path = tmp_path / "mixed.csv"
    lines = [NAMED.encode(main_encoding)]
    for i in range(20):
        enc = odd_encoding if i + 2 == odd_line else main_encoding
        lines.append(f"C{i},{NAMES[i % 5]}{i},2024-12-31,C3825,100,60,40".encode(enc))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.parametrize(("main_enc", "odd_enc"), [("utf-8", "gbk"), ("gbk", "utf-8")])
def test_a_row_in_another_encoding_is_quarantined_never_garbled(tmp_path, main_enc, odd_enc):
    path = _mixed(tmp_path, main_enc, odd_enc, odd_line=8)
    result = ingest([path], today=TODAY)
    assert result.report.files[0].encoding in ("utf-8", "gb18030")
    names = dict(zip(result.frame["customer_id"], result.frame["customer_name"], strict=True))
    assert len(names) == 19 and "C6" not in names
    assert all(names[f"C{i}"] == f"{NAMES[i % 5]}{i}" for i in range(20) if i != 6)
    [problem] = _problems(result, "encoding")
    assert problem.row == 8 and problem.severity.value == "error"
    assert "\\x" in problem.value  # the raw bytes, shown escaped
    assert result.quarantine["row"].tolist() == [8]


def test_a_large_utf8_file_with_a_gbk_row_is_quarantined_too(tmp_path) -> None:
    path = tmp_path / "big.csv"
    row = "C{},{}有限公司,2024-12-31,C3825,100,60,40\n"
    with path.open("wb") as fh:
        fh.write((NAMED + "\n").encode())
        for i in range(60_000):  # beyond the 1 MiB sample
            fh.write(row.format(i, NAMES[i % 5]).encode("gbk" if i == 50_000 else "utf-8"))
    result = ingest([path], today=TODAY)
    assert result.report.files[0].encoding == "utf-8"
    assert len(result.frame) == 59_999
    assert [p.row for p in _problems(result, "encoding")] == [50_002]


def test_a_file_in_neither_utf8_nor_gbk_is_refused(tmp_path, capsys) -> None:
    path = tmp_path / "latin.csv"
    rows = [f"C{i},Café Müller {i},2024-12-31,C3825,100,60,40" for i in range(20)]
    path.write_bytes("\n".join([NAMED, *rows]).encode("utf-8") .replace(b"Caf\xc3\xa9 M\xc3\xbc",
                     b"Caf\xe9 M\xfc"))  # fmt: skip
    assert main(["ingest", str(path), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "UTF-8" in err and "GBK" in err


def test_plain_gbk_and_utf8_files_are_read_in_their_encoding(tmp_path) -> None:
    for enc, expected in (("gbk", "gb18030"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig")):
        path = _mixed(tmp_path, enc.replace("-sig", ""), enc.replace("-sig", ""), odd_line=0)
        if enc == "utf-8-sig":
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        result = ingest([path], today=TODAY)
        assert result.report.files[0].encoding == expected
        assert result.frame["customer_name"].tolist() == [f"{NAMES[i % 5]}{i}" for i in range(20)]


# -- 5. Excel formulas without a value --------------------------------------------------------


def _formula_book(path: Path) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("客户")
    sheet.write_row(0, 0, [*HEAD.split(","), "营业收入", "净利润"])
    for r in range(1, 7):
        sheet.write_row(r, 0, [f"C{r}", "2024-12-31", "C3825", 100, 60, 40, 10, 1])
    sheet.write_formula(1, 6, "=1/0", None, "#DIV/0!")  # optional field: a warning
    sheet.write_formula(2, 3, "=A1+1", None, "")  # required, no cached value: an error
    sheet.write_formula(3, 4, "=NA()", None, "#N/A")  # required: an error
    sheet.write_formula(4, 7, "=H9", None, "#REF!")  # optional
    sheet.write_formula(5, 6, "=G2*2", None, 20)  # a cached value: read as is
    sheet.write_formula(6, 7, '="a"+1', None, "#VALUE!")
    book.close()
    return path


def test_formula_errors_and_missing_values_are_reported_per_cell(tmp_path) -> None:
    result = ingest([_formula_book(tmp_path / "f.xlsx")], today=TODAY)
    found = sorted(
        (p.row, p.column_letter, p.rule, p.severity.value, p.value)
        for p in result.report.problems
        if p.rule.startswith("formula")
    )
    assert found == [
        (2, "G", "formula_error", "warning", "#DIV/0!"),
        (3, "D", "formula_no_value", "error", "(no cached value)"),
        (4, "E", "formula_error", "error", "#N/A"),
        (5, "H", "formula_error", "warning", "#REF!"),
        (7, "H", "formula_error", "warning", "#VALUE!"),
    ]
    assert not _problems(result, "required")  # the formula error says it already
    assert result.frame["customer_id"].tolist() == ["C1", "C4", "C5", "C6"]
    assert pd.isna(result.frame["operating_revenue"].iloc[0])  # #DIV/0!: empty, with a warning
    assert result.frame.loc[result.frame["customer_id"] == "C5", "operating_revenue"].item() == 20


def test_a_formula_with_no_value_element_at_all(tmp_path) -> None:
    import zipfile

    src = _formula_book(tmp_path / "f.xlsx")
    out = tmp_path / "g.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                data = data.replace(b"<v></v>", b"")
            zout.writestr(item, data)
    result = ingest([out], today=TODAY)
    assert [(p.row, p.column_letter) for p in _problems(result, "formula_no_value")] == [(3, "D")]


def test_the_limits_are_documented() -> None:
    from finseg.ingest import RULES
    from finseg.ingest._api import MAX_CELL_CHARS

    docs = (Path(__file__).parents[2] / "docs" / "ingest.md").read_text(encoding="utf-8")
    assert f"{MAX_CELL_CHARS:,} characters" in docs
    for rule in ("invalid_date", "cell_count", "cell_too_large", "encoding", "duplicate_column",
                 "formula_error", "formula_no_value", "other_statement_date"):  # fmt: skip
        assert f"`{rule}`" in docs and rule in RULES


def test_a_title_row_with_a_line_break_above_the_header(tmp_path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        '"Bank export\nDecember"\n' + NAMED + '\nC0,"N\nQ",2024-12-31,C3825,100,60,40\n'
        "C1,x,2024-12-31,C3825,100,60,40,9\nC2,y,2024-12-31,C3825,100,60,40\n",
        encoding="utf-8",
    )
    result = ingest([path], today=TODAY)
    assert result.frame[["customer_id", "source_row"]].values.tolist() == [["C0", 4], ["C2", 7]]
    assert [(p.row, p.rule) for p in result.report.problems] == [(6, "cell_count")]


def test_a_text_column_with_no_value_at_all_is_read(tmp_path) -> None:
    """An all-empty text column (every cell NULL) has no longest cell: nothing is oversized."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from finseg.ingest import ingest
    from finseg.sample import generate_portfolio

    frame = generate_portfolio(5, seed=1)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    empty = pa.array([None] * len(frame), type=pa.string())
    table = table.set_column(table.schema.get_field_index("region"), "region", empty)
    path = tmp_path / "book.parquet"
    pq.write_table(table, path)
    result = ingest([path])
    assert len(result.frame) == 5 and result.frame["region"].isna().all()
