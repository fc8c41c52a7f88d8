from __future__ import annotations

import pytest

from finseg.rules import FUNCTIONS, ColumnKind, RuleError, compile_rule
from finseg.rules._errors import _line_col

COLS = {
    "debt_to_assets": ColumnKind.NUMERIC,
    "total_assets": ColumnKind.NUMERIC,
    "employees": ColumnKind.NUMERIC,
    "lifecycle_stage": ColumnKind.TEXT,
    "industry_section": ColumnKind.TEXT,
    "grade": ColumnKind.TEXT,
    "listed": ColumnKind.BOOL,
    "founded_date": ColumnKind.DATE,
}

ACCEPTED = {
    # columns, literals, comparison and boolean operators
    "columns": "debt_to_assets > 0.7 AND lifecycle_stage = 'growth'",
    "unquoted names fold to lower case": "DEBT_TO_ASSETS >= 0.7",
    "quoted names": '"debt_to_assets" <= 1',
    "bool column": "listed",
    "literals": "TRUE OR FALSE OR NULL OR 1 = 1.5 OR 'a' <> 'b'",
    "comparisons": "total_assets = 1 OR total_assets <> 1 OR total_assets != 1 OR "
    "total_assets < 1 OR total_assets <= 1 OR total_assets > 1 OR total_assets >= 1",
    "not": "NOT listed AND NOT (debt_to_assets > 0.7)",
    "arithmetic": "(total_assets - 1) * 2 / 3 + 4 % 5 > -debt_to_assets",
    "in": "industry_section IN ('C', 'D') AND employees NOT IN (-1, 2, NULL)",
    "between": "debt_to_assets BETWEEN 0.5 AND 0.9 AND employees NOT BETWEEN 1 AND 10",
    "is null": "debt_to_assets IS NULL OR lifecycle_stage IS NOT NULL",
    "like": "lifecycle_stage LIKE 'gr%' AND industry_section NOT LIKE '_'",
    "case": "CASE WHEN listed THEN debt_to_assets ELSE 0 END > 0.5",
    "simple case": "CASE grade WHEN 'AAA' THEN TRUE WHEN 'AA' THEN TRUE ELSE FALSE END",
    "dates": "founded_date >= '2020-01-01' AND founded_date IN ('2021-06-30')",
    "comments and lines": "debt_to_assets > 0.7 -- leveraged\n  AND listed",
    "functions": "abs(debt_to_assets) > 0 AND coalesce(employees, 0) >= 0 "
    "AND greatest(debt_to_assets, 0) < least(1, 2) AND ln(total_assets) > 1 "
    "AND log10(total_assets) > 1 AND lower(grade) = upper(grade) "
    "AND nullif(employees, 0) > 1 AND round(debt_to_assets, 2) = 0.7 AND round(employees) > 0",
}  # fmt: skip


@pytest.mark.parametrize("text", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_whitelisted_constructs_compile(text):
    rule = compile_rule("r", text, COLS)
    assert rule.sql and not rule.catch_all
    assert set(rule.columns) <= set(COLS)


def test_every_documented_function_is_exercised():
    assert set(FUNCTIONS) == {
        "abs", "coalesce", "greatest", "least", "ln", "log10", "lower", "nullif", "round", "upper"
    }  # fmt: skip
    for name in FUNCTIONS:
        assert f"{name}(" in ACCEPTED["functions"]


def test_the_sql_is_generated_from_the_tree():
    rule = compile_rule("r", "DEBT_TO_ASSETS > 0.7 AND ln(total_assets) > 1", COLS)
    assert rule.columns == ("debt_to_assets", "total_assets")
    assert rule.kinds == {"debt_to_assets": "numeric", "total_assets": "numeric"}
    assert rule.sql == (  # every operation in parentheses: DuckDB reads the checked tree
        '(("debt_to_assets" > CAST(0.7 AS DOUBLE)) AND (LN(NULLIF(GREATEST("total_assets", '
        "CAST(0 AS DOUBLE)), CAST(0 AS DOUBLE))) > CAST(1 AS DOUBLE)))"
    )


@pytest.mark.parametrize("text", ["", "  ", "TRUE", "(TRUE)"])
def test_catch_all(text):
    assert compile_rule("r", text, COLS).catch_all


def test_labels():
    rule = compile_rule("r", "listed", COLS, zh="上市", en="Listed")
    assert (rule.label("zh"), rule.label("en")) == ("上市", "Listed")
    assert compile_rule("r", "listed", COLS).label() == "r"


# (text, 1-based position, token, reason) — every rejection names its place
REJECTED = [
    ("debt_to_asset > 0.7", 1, "debt_to_asset", "unknown column 'debt_to_asset' — did you mean 'debt_to_assets'"),  # noqa: E501
    ("listed AND\n  lifecyle_stage = 'x'", 14, "lifecyle_stage", "did you mean 'lifecycle_stage'"),
    ("zzz > 1", 1, "zzz", r"unknown column 'zzz'$"),
    ('"Listed"', 1, '"Listed"', "unknown column 'Listed'"),
    ("t.listed", 1, "t.listed", "table qualifiers are not allowed"),
    ("read_csv('x.csv') IS NULL", 1, "read_csv", "function 'read_csv' is not allowed"),
    ("power(employees, 2) > 1", 1, "power", "function 'power' is not allowed"),
    ("listed AND my_macro(1)", 12, "my_macro", "function 'my_macro' is not allowed"),
    ("log(total_assets) > 1", 1, "log", r"only ln\(x\) and log10\(x\)"),
    ("round(debt_to_assets, employees) > 1", 23, "employees", "0-10 decimals"),
    ("debt_to_assets > (SELECT 1)", 19, "SELECT", "subqueries are not allowed"),
    ("employees IN (SELECT 1)", 15, "SELECT", "subqueries are not allowed"),
    ("EXISTS (SELECT 1)", 1, "EXISTS", "subqueries are not allowed"),
    ("listed; DROP TABLE customers", 7, ";", "only one expression"),
    ("listed FROM customers", 8, "FROM", "FROM is not allowed"),
    ("CAST(employees AS INT) > 1", 1, "CAST", "CAST is not allowed"),
    ("employees::INT > 1", 10, "::", "CAST is not allowed"),
    ("*", 1, "*", "'\\*' is not allowed"),
    ("lifecycle_stage || 'x' = 'a'", 17, "||", "operator '||' is not allowed"),
    ("grade ILIKE 'a'", 7, "ILIKE", "ILIKE is not allowed"),
    ("@employees > 1", 1, "@", "a parameter is not allowed"),
    ("listed IS TRUE", 8, "IS", "only IS NULL and IS NOT NULL"),
    ("employees IN (total_assets)", 11, "IN", "IN takes a non-empty list of literals"),
    ("grade LIKE lifecycle_stage", 12, "lifecycle_stage", "LIKE needs a text literal pattern"),
    ("debt_to_assets + 1", 16, "+", "expression is not boolean"),
    ("grade", 1, "grade", "expression is not boolean"),
    ("debt_to_assets > 'high'", 18, "'high'", "cannot mix numeric and text"),
    ("1 < employees < 3", 17, "3", "cannot mix bool and numeric"),
    ("listed + 1 > 0", 1, "listed", "expected a numeric value, got bool"),
    ("NOT employees", 5, "employees", "expected a bool value, got numeric"),
    ("lower(employees) = 'a'", 7, "employees", "expected a text value, got numeric"),
    ("founded_date > '2020-13-01'", 16, "'2020-13-01'", "a date compares only with"),
    ("founded_date > 2020", 16, "2020", "cannot mix date and numeric"),
    ("CASE WHEN listed THEN 'a' ELSE 1 END = 'a'", 32, "1", "CASE: cannot mix text and numeric"),
    ("debt_to_assets > 1e400", 18, "1e400", "out of range"),
    ("debt_to_assets >", 16, ">", "syntax error: the expression is incomplete"),
    ("(debt_to_assets > 1", 19, "1", "syntax error"),
    ("debt_to_assets 1", 16, "1", "syntax error: unexpected token"),
    ("grade = 'AAA", 9, "'", "unclosed quote"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "position", "token", "reason"), REJECTED)
def test_rejections_name_the_rule_the_position_and_the_reason(text, position, token, reason):
    with pytest.raises(RuleError, match=reason) as caught:
        compile_rule("segment_rule", text, COLS)
    err = caught.value
    assert (err.rule, err.position, err.token) == ("segment_rule", position, token)
    assert err.en.startswith(f"rule 'segment_rule', position {position} (line {err.line}")
    assert err.zh.startswith(f"规则“segment_rule”第 {position} 个字符")
    assert err.reason_zh and err.reason_zh != err.reason_en


def test_position_on_a_later_line():
    with pytest.raises(RuleError) as caught:
        compile_rule("r", "listed\n  AND zzz > 1", COLS)
    assert (caught.value.position, caught.value.line, caught.value.column) == (14, 2, 7)


def test_line_and_column():
    assert _line_col("ab\ncd", 1) == (1, 1)
    assert _line_col("ab\ncd", 4) == (2, 1)
    assert _line_col("ab\ncd", 5) == (2, 2)


def test_rule_error_is_a_user_error_and_a_value_error():
    from finseg.exceptions import UserError

    with pytest.raises(RuleError) as caught:
        compile_rule("r", "zzz", COLS)
    assert isinstance(caught.value, UserError)
    assert isinstance(caught.value, ValueError)


def test_a_very_long_rule_is_refused():
    with pytest.raises(RuleError, match="too long"):
        compile_rule("r", " OR ".join(["listed"] * 3000), COLS)


def test_known_columns_are_the_default():
    rule = compile_rule("r", "debt_to_assets > 0.7 AND grade IN ('CCC') AND listed")
    assert rule.kinds == {"debt_to_assets": "numeric", "grade": "text", "listed": "bool"}
