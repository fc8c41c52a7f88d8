"""Property tests: garbage never crashes ingest, valid rows pass unchanged, units round-trip."""

from __future__ import annotations

import csv
import re
import string
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finseg.creditcode import ALPHABET, make_code
from finseg.exceptions import UserError
from finseg.ingest import Unit, ingest
from finseg.ingest._api import _TOTAL_WORDS
from finseg.ingest._cells import parse_column
from finseg.schema import FIELDS

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
HEADER = [
    "客户编号",
    "报表日期",
    "行业代码",
    "资产总计",
    "负债合计",
    "所有者权益合计",
    "营业收入",
    "从业人员",
    "是否高新技术企业",
    "五级分类",
    "统一社会信用代码",
    "成立日期",
]
FIELDS_OF_HEADER = [
    "customer_id",
    "as_of_date",
    "industry_code",
    "total_assets",
    "total_liabilities",
    "owners_equity",
    "operating_revenue",
    "employees",
    "high_tech",
    "loan_classification",
    "credit_code",
    "founded_date",
]
CODES = ["C3825", "F5123", "I6510", "K7010", "A0111", "E4811", "G5430", "L7211", "C13", "M"]

garbage = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12
) | st.sampled_from(
    [
        "-",
        "—",
        "(1,2,3)",
        "1e999",
        "nan",
        "inf",
        "12%%",
        "合计",
        "",
        "--",
        "NaT",
        "9" * 40,
        "(",
        ")",
        "1,,2",
        ".",
        "+",
        "2024-02-30",
        "０.５",
        "¥",
        "万",
    ]
)


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@SETTINGS
@given(rows=st.lists(st.lists(garbage, min_size=len(HEADER), max_size=len(HEADER)), max_size=6))
def test_garbage_cells_never_crash(tmp_path_factory, rows):
    path = _write(tmp_path_factory.mktemp("g") / "g.csv", rows)
    try:
        result = ingest([path])
    except UserError:
        return  # a user error with a message is the right answer, a traceback is not
    assert result.report.rows_out + result.report.rows_quarantined <= len(rows)
    assert len(result.frame) == result.report.rows_out


@SETTINGS
@given(cells=st.lists(garbage, min_size=1, max_size=20))
def test_every_field_parser_survives_garbage(cells):
    arr = pa.array(cells, pa.string())
    for f in FIELDS:
        parsed = parse_column(arr, f, 1e4)
        assert len(parsed.values) == len(cells)
        for issue in parsed.issues:
            assert issue.mask.shape == (len(cells),) and issue.zh and issue.en


cents = st.integers(min_value=0, max_value=10**13)


@st.composite
def valid_rows(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    ids = draw(
        st.lists(
            # an id such as TOTAL or SUM marks a totals row, which ingest skips by design
            st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=10).filter(
                lambda t: not re.search(_TOTAL_WORDS, t.lower())
            ),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    rows = []
    for cid in ids:
        ta = draw(cents)
        tl = draw(st.integers(min_value=0, max_value=ta))
        as_of = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2025, 12, 31)))
        body = draw(st.text(ALPHABET, min_size=17, max_size=17))
        rows.append(
            {
                "customer_id": cid,
                "as_of_date": as_of,
                "industry_code": draw(st.sampled_from(CODES)),
                "total_assets": ta / 100,
                "total_liabilities": tl / 100,
                "owners_equity": (ta - tl) / 100,
                "operating_revenue": draw(cents) / 100,
                "employees": draw(st.integers(0, 10**6)),
                "high_tech": draw(st.booleans()),
                "loan_classification": draw(st.sampled_from(["pass", "special_mention", "loss"])),
                "credit_code": make_code(body),
                "founded_date": draw(st.dates(min_value=date(1950, 1, 1), max_value=as_of)),
            }
        )
    return rows


@SETTINGS
@given(rows=valid_rows())
def test_valid_rows_are_never_dropped_or_changed(tmp_path_factory, rows):
    flag = {True: "是", False: "否"}
    text = [
        [
            r["customer_id"],
            r["as_of_date"].isoformat(),
            r["industry_code"],
            repr(r["total_assets"]),
            repr(r["total_liabilities"]),
            repr(r["owners_equity"]),
            repr(r["operating_revenue"]),
            str(r["employees"]),
            flag[r["high_tech"]],
            r["loan_classification"],
            r["credit_code"],
            r["founded_date"].strftime("%Y/%m/%d"),
        ]
        for r in rows
    ]
    path = _write(tmp_path_factory.mktemp("v") / "v.csv", text)
    result = ingest([path], today=date(2026, 1, 1))
    errors = [p for p in result.report.problems if p.severity.value == "error"]
    assert errors == []
    assert result.report.rows_out == len(rows)
    got = result.frame[FIELDS_OF_HEADER]
    want = pd.DataFrame(rows)[FIELDS_OF_HEADER]
    for name in FIELDS_OF_HEADER:
        g, w = got[name].tolist(), want[name].tolist()
        if name in ("as_of_date", "founded_date"):
            g = [x.date() for x in g]
        assert g == w, name


@SETTINGS
@given(
    amount=cents,
    unit=st.sampled_from(list(Unit)),
    where=st.sampled_from(["header", "option", "title"]),
    grouped=st.booleans(),
)
def test_units_round_trip(tmp_path_factory, amount, unit, where, grouped):
    yuan = amount / 100
    scaled = yuan / unit.factor
    text = f"{scaled:,.12f}".rstrip("0").rstrip(".") if grouped else repr(scaled)
    label = {
        Unit.YUAN: "元",
        Unit.THOUSAND: "千元",
        Unit.WAN: "万元",
        Unit.MILLION: "百万元",
        Unit.YI: "亿元",
    }[unit]
    header = [
        "客户编号",
        "报表日期",
        "行业代码",
        f"资产总计({label})" if where == "header" else "资产总计",
        "负债合计(元)",
    ]
    path = tmp_path_factory.mktemp("u") / "u.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        if where == "title":
            fh.write(f"单位：{label}\n")
        csv.writer(fh).writerows([header, ["C1", "2024-12-31", "C38", text, "0"]])
    result = ingest([path], unit=unit if where == "option" else None)
    assert result.frame["total_assets"].tolist() == [yuan]


@SETTINGS
@given(
    content=st.binary(max_size=2000),
    suffix=st.sampled_from([".csv", ".xlsx", ".xls", ".parquet", ".tsv"]),
)
def test_junk_files_are_user_errors_never_tracebacks(tmp_path_factory, content, suffix):
    path = tmp_path_factory.mktemp("j") / f"junk{suffix}"
    path.write_bytes(content)
    try:
        ingest([path])
    except UserError as exc:
        assert exc.en and exc.zh
