from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finseg.exceptions import UserError
from finseg.rules import ColumnKind, RuleError, compile_rule, evaluate

NUM, TEXT, BOOL, DATE = ColumnKind.NUMERIC, ColumnKind.TEXT, ColumnKind.BOOL, ColumnKind.DATE
COLS = {"x": NUM, "n": NUM, "s": TEXT, "c": TEXT, "b": BOOL, "d": DATE}


@pytest.fixture
def df() -> pd.DataFrame:
    """Every column in a pandas extension dtype, with missing values, on a shuffled index."""
    return pd.DataFrame(
        {
            "x": pd.array([0.8, None, 0.3, 0.9, 0.0], dtype="Float64"),
            "n": pd.array([10, None, 300, 5, 0], dtype="Int64"),
            "s": pd.array(["C", "D", None, "C", "企业"], dtype="string"),
            "c": pd.Categorical(["growth", None, "mature", "growth", "start_up"]),
            "b": pd.array([True, None, False, True, False], dtype="boolean"),
            "d": pd.to_datetime(["2020-01-01", None, "2010-05-05", "2023-01-01", "2019-12-31"]),
        },
        index=[42, 7, 3, 99, 0],
    )


def run(text: str, df: pd.DataFrame) -> list[bool]:
    return evaluate([compile_rule("r", text, COLS)], df)["r"].tolist()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x > 0.7 AND c = 'growth'", [True, False, False, True, False]),
        ("x > 0.7", [True, False, False, True, False]),  # NULL > 0.7 is NULL: no match
        ("NOT (x > 0.7)", [False, False, True, False, True]),  # NOT NULL is NULL too
        ("x > 0.7 OR TRUE", [True] * 5),  # NULL OR TRUE is TRUE
        ("x IS NULL", [False, True, False, False, False]),
        ("n / 0 IS NULL", [True] * 5),  # division by zero is NULL
        ("n % 0 IS NULL", [True] * 5),
        ("n / 4 = 2.5", [True, False, False, False, False]),  # numbers are doubles: no int division
        ("ln(n) IS NULL", [False, True, False, False, True]),  # ln(0) is NULL, not an error
        ("log10(n) = 2", [False, False, False, False, False]),
        ("round(log10(n), 6) = 1", [True, False, False, False, False]),
        ("s IN ('C', NULL)", [True, False, False, True, False]),  # no match against NULL
        ("s NOT IN ('C', NULL)", [False] * 5),
        ("n BETWEEN 5 AND 10", [True, False, False, True, False]),
        ("s LIKE '企%' OR c LIKE '%_up'", [False, False, False, False, True]),
        ("c = 'nonexistent'", [False] * 5),  # a value missing from the categories
        ("NOT b", [False, False, True, False, True]),
        ("b = TRUE", [True, False, False, True, False]),
        ("d >= '2020-01-01'", [True, False, False, True, False]),
        ("d IN ('2019-12-31', '2010-05-05')", [False, False, True, False, True]),
        ("coalesce(x, 1) > 0.5", [True, True, False, True, False]),
        ("CASE WHEN b THEN x ELSE n END > 0.5", [True, False, True, True, False]),
        (
            "CASE c WHEN 'growth' THEN 1 WHEN 'mature' THEN 2 END = 2",
            [False, False, True, False, False],
        ),
        ("greatest(x, 0.85) = 0.9", [False, False, False, True, False]),
        ("upper(c) = 'GROWTH'", [True, False, False, True, False]),
        ("CASE WHEN b THEN NULL END", [False] * 5),  # a rule that is only NULL
        ("NULL", [False] * 5),
        ("TRUE", [True] * 5),
    ],
)
def test_three_valued_logic_and_extension_dtypes(df, text, expected):
    assert run(text, df) == expected


def test_one_query_many_rules_keeps_index_and_order(df):
    rules = [compile_rule(name, text, COLS) for name, text in
             [("a", "x > 0.7"), ("b", "TRUE"), ("c", "s = 'C'")]]  # fmt: skip
    out = evaluate(rules, df)
    assert list(out.columns) == ["a", "b", "c"]
    assert out.index.equals(df.index)
    assert all(pd.api.types.is_bool_dtype(t) for t in out.dtypes)
    assert out["c"].tolist() == [True, False, False, True, False]


def test_plain_numpy_and_object_dtypes(df):
    plain = pd.DataFrame(
        {
            "x": df["x"].astype("float64"),  # NaN
            "n": np.array([10, 2, 300, 5, 0]),
            "s": df["s"].astype(object),
            "b": np.array([True, False, False, True, False]),
            "d": df["d"].dt.strftime("%Y-%m-%d"),  # dates as text are parsed
        },
        index=df.index,
    )
    rule = compile_rule("r", "x > 0.7 AND n > 1 AND s = 'C' AND b AND d > '2019-01-01'", COLS)
    assert evaluate([rule], plain)["r"].tolist() == [True, False, False, True, False]


def test_infinities_are_null():
    df = pd.DataFrame({"x": [np.inf, -np.inf, 1.0]})
    assert run("x IS NULL", df) == [True, True, False]


def test_row_order_of_a_large_frame():
    n = 200_000
    df = pd.DataFrame({"n": np.arange(n)[::-1]})
    out = evaluate([compile_rule("r", "n % 3 = 0", COLS)], df)["r"].to_numpy()
    assert np.array_equal(out, df["n"].to_numpy() % 3 == 0)


def test_empty_frame_and_no_rules(df):
    assert evaluate([compile_rule("r", "x > 1", COLS)], df.iloc[:0])["r"].tolist() == []
    assert evaluate([], df).shape == (5, 0)
    assert evaluate([compile_rule("r", "TRUE", COLS)], df.iloc[:0]).shape == (0, 1)


def test_missing_column(df):
    with pytest.raises(UserError, match="rule 'r' reads column 'x', which the data does not have"):
        evaluate([compile_rule("r", "x > 1", COLS)], df.drop(columns="x"))


def test_column_of_the_wrong_kind(df):
    bad = df.assign(x=["a", "b", "c", "d", "e"])
    with pytest.raises(UserError, match="column 'x' cannot be read as numeric"):
        evaluate([compile_rule("r", "x > 1", COLS)], bad)


def test_rule_names_must_be_unique(df):
    rule = compile_rule("r", "x > 1", COLS)
    with pytest.raises(UserError, match="two rules are named 'r'"):
        evaluate([rule, rule], df)


def test_conflicting_kinds(df):
    a = compile_rule("a", "x > 1", COLS)
    b = compile_rule("b", "x = 'a'", {"x": TEXT})
    with pytest.raises(UserError, match="reads 'x' as text"):
        evaluate([a, b], df)


def test_the_connection_cannot_reach_files(df, tmp_path):
    from finseg.rules._evaluate import _connection

    (tmp_path / "secret.csv").write_text("a\n1\n")
    with pytest.raises(Exception, match=r"(?i)disabled|permission"):
        _connection().sql(f"SELECT * FROM read_csv('{tmp_path / 'secret.csv'}')").fetchall()


def test_a_rule_duckdb_refuses_is_named(df):
    from dataclasses import replace

    good = compile_rule("good", "x > 1", COLS)
    sql = "read_csv('no_such_file.csv') IS NULL"
    forged = replace(compile_rule("forged", "x > 1", COLS), sql=sql)
    with pytest.raises(RuleError, match=r"rule 'forged'.*cannot be evaluated"):
        evaluate([good, forged], df)


def test_rules_and_errors_cross_process_boundaries():
    import pickle

    rule = compile_rule("r", "x > 1", COLS)
    assert pickle.loads(pickle.dumps(rule)) == rule
    assert hash(rule) == hash(pickle.loads(pickle.dumps(rule)))
    with pytest.raises(RuleError) as caught:
        compile_rule("r", "zz > 1", COLS)
    again = pickle.loads(pickle.dumps(caught.value))
    assert (again.en, again.zh, again.position) == (
        caught.value.en, caught.value.zh, caught.value.position
    )  # fmt: skip
