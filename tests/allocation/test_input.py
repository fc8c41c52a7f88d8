"""Reading the ``--input`` table: every bad cell named, Parquet rows counted from 1."""

from __future__ import annotations

import pytest

from finseg.allocation import read_book, synthetic_book
from finseg.exceptions import IngestError


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "book.parquet"
    synthetic_book(20, seed=1).to_parquet(path, index=False)
    book = read_book(path)
    assert len(book) == 20
    assert book["limit"].dtype == float


def test_every_bad_cell_is_listed(tmp_path):
    frame = synthetic_book(10, seed=1)
    frame["lgd"] = frame["lgd"].astype(object)
    frame.loc[2, "lgd"] = "high"
    frame.loc[4, "customer_id"] = frame.loc[3, "customer_id"]
    frame.loc[5, "industry_section"] = "Z"
    path = tmp_path / "book.parquet"
    frame.astype(str).to_parquet(path, index=False)
    with pytest.raises(IngestError) as info:
        read_book(path)
    text = info.value.en
    assert "row 3, column lgd: got 'high'" in text
    assert "row 5, column customer_id" in text
    assert "row 6, column industry_section" in text
    assert "第 3 行，lgd 列" in info.value.zh


def test_missing_column(tmp_path):
    path = tmp_path / "book.csv"
    synthetic_book(5, seed=1).drop(columns=["pd"]).to_csv(path, index=False)
    with pytest.raises(IngestError, match="missing column\\(s\\) pd"):
        read_book(path)


def test_optional_columns_may_be_absent(tmp_path):
    path = tmp_path / "book.csv"
    keep = ["customer_id", "limit", "price", "pd", "lgd", "maturity_years"]
    synthetic_book(5, seed=1)[keep].to_csv(path, index=False)
    book = read_book(path)
    assert (book["group_id"] == "").all()
    assert book["operating_revenue"].isna().all()


def test_gb18030_csv_and_thousands_separators(tmp_path):
    frame = synthetic_book(6, seed=2)
    frame["segment"] = "普惠小微"  # (not valid UTF-8 in GB18030, unlike "小微" alone)
    frame["limit"] = [f"{v:,.0f}" for v in frame["limit"]]
    path = tmp_path / "book.csv"
    frame.to_csv(path, index=False, encoding="gb18030")
    book = read_book(path)
    assert (book["segment"] == "普惠小微").all()
    assert book["limit"].iloc[0] == float(frame["limit"].iloc[0].replace(",", ""))
