"""Every kind of source: SQL, Parquet, workbook sheets, encodings, delimiters, --as-of."""

from __future__ import annotations

import sqlite3
from datetime import date

import pandas as pd
import pytest
import xlsxwriter

from finseg.cli import main
from finseg.exceptions import IngestError
from finseg.ingest import Unit, ingest
from finseg.ingest._headers import column_letter
from finseg.ingest._units import split_header_unit, title_unit

ROWS = [
    ("C1", "2024-12-31", "C3825", 100.0, 60.0, 40.0),
    ("C2", "2024-12-31", "F5123", 50.0, 20.0, 30.0),
]
HEAD = ["客户编号", "报表日期", "行业代码", "资产总计", "负债合计", "所有者权益合计"]


def test_sql_query_against_a_database_url(tmp_path, capsys):
    db = tmp_path / "bank.db"
    with sqlite3.connect(db) as conn:
        conn.execute(f"create table cust ({', '.join(f'{h!r}' for h in HEAD)})")
        conn.executemany("insert into cust values (?,?,?,?,?,?)", ROWS)
    out = tmp_path / "o.parquet"
    args = [
        "ingest",
        "--sql",
        "select * from cust",
        "--db",
        f"sqlite:///{db}",
        "--out",
        str(out),
        "--unit",
        "wan",
    ]
    assert main(args) == 0
    frame = pd.read_parquet(out)
    assert frame["total_assets"].tolist() == [1_000_000.0, 500_000.0]
    assert frame["source_row"].tolist() == [2, 3]
    assert (
        main(
            ["ingest", "--sql", "select * from nope", "--db", f"sqlite:///{db}", "--out", str(out)]
        )
        == 2
    )
    assert "query failed" in capsys.readouterr().err
    assert main(["ingest", "--sql", "select 1", "--out", str(out)]) == 2  # --db missing


def test_parquet_with_typed_columns(tmp_path):
    path = tmp_path / "in.parquet"
    frame = pd.DataFrame(ROWS, columns=HEAD)
    frame["报表日期"] = pd.to_datetime(frame["报表日期"])
    frame["从业人员"] = [10, None]
    frame.to_parquet(path)
    result = ingest([path])
    assert result.frame["as_of_date"].tolist() == [pd.Timestamp("2024-12-31")] * 2
    assert result.frame["employees"].tolist()[0] == 10 and pd.isna(
        result.frame["employees"].tolist()[1]
    )
    assert result.frame["total_assets"].tolist() == [100.0, 50.0]


def test_all_sheets_or_one(tmp_path):
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, rows in (("一月", ROWS[:1]), ("二月", ROWS[1:]), ("说明", [])):
        sheet = book.add_worksheet(name)
        if rows:
            sheet.write_row(0, 0, HEAD)
            for i, row in enumerate(rows):
                sheet.write_row(i + 1, 0, row)
        else:
            sheet.write(0, 0, "本表为说明")
    book.close()
    whole = ingest([path])  # the notes sheet has no header: skipped, and the report says so
    assert whole.frame["customer_id"].tolist() == ["C1", "C2"]
    assert [p.sheet for p in whole.report.problems if p.rule == "sheet_skipped"] == ["说明"]
    assert ingest([path], sheet="二月").frame["customer_id"].tolist() == ["C2"]
    with pytest.raises(IngestError, match="no header row found"):
        ingest([path], sheet="说明")  # asked for by name: an error
    with pytest.raises(IngestError, match="no sheet named"):
        ingest([path], sheet="三月")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_encodings_and_delimiters(tmp_path, encoding, delimiter):
    path = tmp_path / "in.csv"
    lines = [delimiter.join(HEAD)] + [delimiter.join(str(c) for c in row) for row in ROWS]
    path.write_bytes("\n".join(lines).encode(encoding))
    result = ingest([path])
    assert result.frame["customer_id"].tolist() == ["C1", "C2"]
    assert result.report.files[0].encoding in (encoding, "gb18030", "utf-8")


def test_as_of_fills_a_missing_statement_date(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("客户编号,行业代码,资产总计,负债合计\nC1,C38,10,5\n", encoding="utf-8")
    with pytest.raises(IngestError, match="--as-of"):
        ingest([path])
    result = ingest([path], as_of=date(2024, 12, 31))
    assert result.frame["as_of_date"].tolist() == [pd.Timestamp("2024-12-31")]


def test_rows_with_the_wrong_number_of_cells_are_reported(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("客户编号,报表日期,行业代码,资产总计,负债合计\nC1,2024-12-31,C38,10,5\nC2,2024-12-31,C38,10,5,9,9\n"
                    "C3,2024-12-31,C38,10,5\n", encoding="utf-8")  # fmt: skip
    result = ingest([path])
    assert result.frame["source_row"].tolist() == [2, 4]
    (problem,) = [p for p in result.report.problems if p.rule == "cell_count"]
    assert problem.row == 3 and "C2" in problem.value


@pytest.mark.parametrize(
    ("header", "unit"),
    [
        ("营业收入（万元）", Unit.WAN),
        ("营业收入(千元)", Unit.THOUSAND),
        ("Revenue (CNY mn)", Unit.MILLION),
        ("资产总计[亿元]", Unit.YI),
        ("资产总计万元", Unit.WAN),
        ("营业收入(上年)", None),
        ("营业收入", None),
    ],
)
def test_header_units(header, unit):
    assert split_header_unit(header)[1] is unit


def test_title_units():
    assert title_unit("金额单位：人民币万元") is Unit.WAN
    assert title_unit("Amounts in CNY thousand") is Unit.THOUSAND
    assert title_unit("对公客户数据导出") is None


def test_header_unit_wins_over_title_and_option(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "单位：万元\n客户编号,报表日期,行业代码,资产总计(元),负债合计\nC1,2024-12-31,C38,10,5\n",
        encoding="utf-8",
    )
    frame = ingest([path], unit=Unit.YI).frame
    assert frame["total_assets"].tolist() == [10.0] and frame["total_liabilities"].tolist() == [
        50_000.0
    ]


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_large_string_columns_from_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    codes = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T"] * 2
    table = pa.table({
        "客户编号": pa.array([f"C{i}" for i in range(6)], pa.large_string()),
        "报表日期": pa.array(["2024-12-31"] * 6, pa.large_string()),
        "行业代码": pa.array(["C38"] * 6, pa.large_string()),
        "资产总计": [1.0] * 6, "负债合计": [0.5] * 6,
        "统一社会信用代码": pa.array(codes, pa.large_string()),
    })  # fmt: skip
    pq.write_table(table, tmp_path / "l.parquet")
    result = ingest([tmp_path / "l.parquet"])
    assert result.frame["credit_code"].tolist() == codes and not result.report.problems
