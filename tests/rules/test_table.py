from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finseg.rules import (
    ColumnKind,
    DecisionTable,
    DecisionTableError,
    HitPolicy,
    TableRow,
    compile_rule,
)

COLS = {"pd": ColumnKind.NUMERIC, "grade": ColumnKind.TEXT, "debt_to_assets": ColumnKind.NUMERIC}


def rule(name: str, text: str):
    return compile_rule(name, text, COLS)


@pytest.fixture
def df() -> pd.DataFrame:
    return pd.DataFrame(
        {"pd": [0.2, 0.01, None, 0.05], "debt_to_assets": [0.9, 0.8, 0.1, None]},
        index=["a", "b", "c", "d"],
    )


def watch_table(policy: str = "first") -> DecisionTable:
    rows = [
        ("high_risk", rule("high_risk", "pd >= 0.15"), {"review": "committee", "limit": 0.0}),
        ("leveraged", rule("leveraged", "debt_to_assets > 0.7"), {"review": "senior"}),
        ("other", rule("other", ""), {"review": "standard", "limit": 1.0}),
    ]
    return DecisionTable("watch", policy, rows)


def test_first_hit_wins_and_the_catch_all_takes_the_rest(df):
    out = watch_table().evaluate(df)
    assert out.index.equals(df.index)
    assert out["row"].tolist() == ["high_risk", "leveraged", "other", "other"]
    assert out["rule"].tolist() == ["high_risk", "leveraged", "other", "other"]
    assert out["review"].tolist() == ["committee", "senior", "standard", "standard"]
    assert out["limit"].tolist() == [0.0, None, 1.0, 1.0]  # missing outputs are None


def test_collect_lists_every_match_in_table_order(df):
    out = watch_table("collect").evaluate(df)
    assert out["rows"].tolist() == [
        ["high_risk", "leveraged", "other"],
        ["leveraged", "other"],
        ["other"],
        ["other"],
    ]


def test_collect_without_catch_all_may_match_nothing(df):
    table = DecisionTable("t", HitPolicy.COLLECT, [TableRow("r", rule("x", "pd > 0.1"))])
    assert table.evaluate(df)["rows"].tolist() == [["r"], [], [], []]
    assert table.evaluate(df)["rules"].tolist() == [["x"], [], [], []]
    assert table.evaluate(df.iloc[:0]).shape == (0, 2)


def test_rows_may_share_a_rule_name(df):
    same = rule("same", "pd > 0.1")
    table = DecisionTable("t", "first", [("a", same, {}), ("b", rule("same", "TRUE"), {})])
    assert table.evaluate(df)["row"].tolist() == ["a", "b", "b", "b"]
    assert list(table.matches(df).columns) == ["a", "b"]


def test_first_requires_a_catch_all_last_row():
    rows = [("high_risk", rule("high_risk", "pd >= 0.15"), {})]
    with pytest.raises(DecisionTableError, match="needs a catch-all last row") as caught:
        DecisionTable("watch", "first", rows)
    assert "兜底行" in caught.value.zh
    DecisionTable("watch", "collect", rows)  # collect does not


def test_a_catch_all_before_the_last_row_is_refused():
    rows = [("all", rule("all", "TRUE"), {}), ("rest", rule("rest", ""), {})]
    with pytest.raises(DecisionTableError, match="row 'all' matches every customer"):
        DecisionTable("t", "first", rows)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "has no rows"),
        ([("a", rule("a", "TRUE"), {}), ("a", rule("b", "TRUE"), {})], "duplicate row id"),
    ],
)
def test_malformed_tables(rows, message):
    with pytest.raises(DecisionTableError, match=message):
        DecisionTable("t", "collect", rows)


def test_unknown_hit_policy():
    with pytest.raises(DecisionTableError, match="hit policy must be 'first' or 'collect'"):
        DecisionTable("t", "unique", [("a", rule("a", "TRUE"), {})])


def test_first_is_vectorised_on_a_large_frame():
    n = 300_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"pd": rng.random(n), "debt_to_assets": rng.random(n)})
    out = watch_table().evaluate(df)
    expected = np.select(
        [df["pd"] >= 0.15, df["debt_to_assets"] > 0.7], ["high_risk", "leveraged"], "other"
    )
    assert (out["row"].to_numpy() == expected).all()
