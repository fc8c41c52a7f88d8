"""Random expressions either compile and give the same answer as a pure-Python reference
evaluator of SQL's three-valued logic, or are rejected — and they are rejected exactly when
they hold a forbidden construct or an unknown column.

Numbers in the generated data and literals stay small (|x| <= 1000, depth <= 3), so no
result overflows a double; text uses ASCII and Chinese letters only, where DuckDB's and
Python's ``lower``/``upper`` agree.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import cache

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finseg.rules import ColumnKind, RuleError, compile_rule, evaluate

COLS = {
    "x": ColumnKind.NUMERIC,
    "y": ColumnKind.NUMERIC,
    "s": ColumnKind.TEXT,
    "t": ColumnKind.TEXT,
    "b": ColumnKind.BOOL,
    "d": ColumnKind.DATE,
}
NUMBERS = ["0", "1", "2", "3", "0.5", "1.5", "0.1", "1000", "-1", "-2.5", "-0.25"]
TEXTS = ["a", "b", "C", "企业", "it's", ""]
DATES = ["2019-12-31", "2020-01-01", "2023-06-30"]
PATTERNS = ["a%", "%b", "_", "%", "企%", "C", "%'%", "it_s", ""]
BAD = {
    "num": [
        "read_csv('f.csv')", "CAST(x AS INT)", "x::INT", "(SELECT 1)", "q.x", "power(x, 2)",
        "random()", "@x", "log(x)", "round(x, y)", "zz", "debt_to_assets",
    ],
    "text": ["s || 'a'", "concat(s, 'a')", "substr(s, 1)", '"S"', "S[1]", "INTERVAL '1' DAY"],
    "bool": [
        "EXISTS (SELECT 1)", "x IS TRUE", "s ILIKE 'a'", "x IN (SELECT 1)", "x IN (y)",
        "x <=> y", "b IS DISTINCT FROM b", "s LIKE t", "s LIKE 'a' ESCAPE '!'",
    ],
}  # fmt: skip

# -- expression trees: tuples, rendered to SQL and evaluated by the reference ----------------


def lit_num(text: str, in_list: bool = False) -> tuple:
    return ("num", text if in_list or not text.startswith("-") else f"({text})", float(text))


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


num_lits = st.sampled_from(NUMBERS).map(lit_num)
text_lits = st.sampled_from(TEXTS).map(lambda v: ("str", sql_str(v), v))
null = st.just(("null",))


def _col(name: str) -> st.SearchStrategy:
    return st.sampled_from([name, name.upper(), f'"{name}"']).map(lambda s: ("col", s, name))


def _bad(kind: str) -> st.SearchStrategy:
    return st.sampled_from(BAD[kind]).map(lambda s: ("bad", s))


def _fn(name: str, *args: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.just("func"), st.just(name), st.tuples(*args))


def _variadic(name: str, sub: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.just("func"), st.just(name), st.lists(sub, min_size=1, max_size=3))


def _case(cond: st.SearchStrategy, res: st.SearchStrategy) -> st.SearchStrategy:
    whens = st.lists(st.tuples(cond, res), min_size=1, max_size=2)
    return st.tuples(st.just("case"), whens, st.none() | res)


@cache
def num(depth: int, bad: bool) -> st.SearchStrategy:
    leaves = _col("x") | _col("y") | num_lits | null
    if bad:
        leaves |= _bad("num")
    if depth == 0:
        return leaves
    sub = num(depth - 1, bad)
    return st.one_of(
        leaves,
        st.tuples(st.just("arith"), st.sampled_from(["+", "-", "*", "/", "%"]), sub, sub),
        st.tuples(st.just("neg"), sub),
        _fn("abs", sub) | _fn("ln", sub) | _fn("log10", sub),
        st.tuples(st.just("round"), sub, st.none() | st.integers(0, 3)),
        _variadic("coalesce", sub) | _variadic("greatest", sub) | _variadic("least", sub),
        _fn("nullif", sub, sub),
        _case(boolean(depth - 1, bad), sub),
    )


@cache
def text(depth: int, bad: bool) -> st.SearchStrategy:
    leaves = _col("s") | _col("t") | text_lits | null
    if bad:
        leaves |= _bad("text")
    if depth == 0:
        return leaves
    sub = text(depth - 1, bad)
    return st.one_of(
        leaves,
        _fn("lower", sub) | _fn("upper", sub),
        _variadic("coalesce", sub) | _variadic("greatest", sub) | _variadic("least", sub),
        _fn("nullif", sub, sub),
        _case(boolean(depth - 1, bad), sub),
    )


def _compare(operand: st.SearchStrategy) -> st.SearchStrategy:
    ops = st.sampled_from(["=", "<>", "!=", "<", "<=", ">", ">="])
    return st.tuples(st.just("cmp"), ops, operand, operand)


dates = _col("d") | st.sampled_from(DATES).map(
    lambda v: ("date", sql_str(v), date.fromisoformat(v))
)


@cache
def boolean(depth: int, bad: bool) -> st.SearchStrategy:
    leaves = _col("b") | st.sampled_from([("bool", "TRUE", True), ("bool", "FALSE", False)]) | null
    if bad:
        leaves |= _bad("bool")
    if depth == 0:
        return leaves
    sub, n, s = boolean(depth - 1, bad), num(depth - 1, bad), text(depth - 1, bad)
    neg = st.booleans()
    in_nums = st.lists(
        st.sampled_from(NUMBERS).map(lambda v: lit_num(v, True)) | null, min_size=1, max_size=3
    )
    in_texts = st.lists(text_lits | null, min_size=1, max_size=3)
    in_dates = st.lists(
        st.sampled_from(DATES).map(lambda v: ("date", sql_str(v), date.fromisoformat(v))),
        min_size=1,
        max_size=2,
    )
    return st.one_of(
        leaves,
        _compare(n) | _compare(s) | _compare(sub),
        st.tuples(st.just("cmp"), st.sampled_from(["=", "<", ">="]), _col("d"), dates),
        st.tuples(st.sampled_from(["and", "or"]), sub, sub),
        st.tuples(st.just("not"), sub),
        st.tuples(st.just("in"), n, in_nums, neg) | st.tuples(st.just("in"), s, in_texts, neg),
        st.tuples(st.just("in"), _col("d"), in_dates, neg),
        st.tuples(st.just("between"), n, n, n, neg) | st.tuples(st.just("between"), s, s, s, neg),
        st.tuples(st.just("isnull"), n | s | sub, neg),
        st.tuples(st.just("like"), s, st.sampled_from(PATTERNS), neg),
        _case(sub, sub),
        _variadic("coalesce", sub),
    )  # fmt: skip


def render(node: tuple) -> str:
    tag = node[0]
    if tag in ("col", "num", "str", "date", "bool", "bad"):
        return node[1]
    if tag == "null":
        return "NULL"
    if tag == "arith" or tag == "cmp":
        return f"({render(node[2])} {node[1]} {render(node[3])})"
    if tag in ("and", "or"):
        return f"({render(node[1])} {tag.upper()} {render(node[2])})"
    if tag == "not":
        return f"(NOT {render(node[1])})"
    if tag == "neg":
        return f"(-{render(node[1])})"
    if tag == "func":
        return f"{node[1]}({', '.join(render(a) for a in node[2])})"
    if tag == "round":
        return f"round({render(node[1])}{'' if node[2] is None else f', {node[2]}'})"
    if tag == "case":
        whens = " ".join(f"WHEN {render(c)} THEN {render(r)}" for c, r in node[1])
        default = "" if node[2] is None else f" ELSE {render(node[2])}"
        return f"(CASE {whens}{default} END)"
    not_ = "NOT " if node[-1] else ""
    if tag == "in":
        return f"({render(node[1])} {not_}IN ({', '.join(render(i) for i in node[2])}))"
    if tag == "between":
        e, lo, hi = (render(n) for n in node[1:4])
        return f"({e} {not_}BETWEEN {lo} AND {hi})"
    if tag == "isnull":
        return f"({render(node[1])} IS {not_}NULL)"
    if tag == "like":
        return f"({render(node[1])} {not_}LIKE {sql_str(node[2])})"
    raise AssertionError(node)


def has_bad(node: object) -> bool:
    if isinstance(node, tuple) and node and node[0] == "bad":
        return True
    return isinstance(node, tuple | list) and any(has_bad(c) for c in node)


# -- the reference evaluator: one row at a time, None is NULL --------------------------------


def _and(a, b):
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a, b):
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _not(a):
    return None if a is None else not a


def _cmp(op, a, b):
    if a is None or b is None:
        return None
    return {"=": a == b, "<>": a != b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b,
            ">=": a >= b}[op]  # fmt: skip


def _arith(op, a, b):
    if a is None or b is None:
        return None
    if op in "/%" and b == 0:
        return None  # DuckDB with ieee_floating_point_ops off
    return (
        {"+": a + b, "-": a - b, "*": a * b}[op]
        if op in "+-*"
        else (a / b if op == "/" else math.fmod(a, b))
    )


def _cround(v: float) -> float:  # std::round: half away from zero
    whole = float(math.trunc(v))
    return whole + math.copysign(1.0, v) if abs(v - whole) >= 0.5 else whole


def _round(v, digits):
    if v is None:
        return None
    if digits is None:
        return _cround(v)
    modifier = 10.0**digits
    out = _cround(v * modifier) / modifier
    return v if math.isinf(out) or math.isnan(out) else out


def _like(v, pattern):
    if v is None:
        return None
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, v, re.DOTALL) is not None


def _in(v, items):
    if v is None:
        return None
    if any(i is not None and i == v for i in items):
        return True
    return None if any(i is None for i in items) else False


FUNCS = {
    "abs": lambda a: None if a is None else abs(a),
    "ln": lambda a: None if a is None or a <= 0 else math.log(a),
    "log10": lambda a: None if a is None or a <= 0 else math.log10(a),
    "lower": lambda a: None if a is None else a.lower(),
    "upper": lambda a: None if a is None else a.upper(),
    "coalesce": lambda *a: next((v for v in a if v is not None), None),
    "greatest": lambda *a: max((v for v in a if v is not None), default=None),
    "least": lambda *a: min((v for v in a if v is not None), default=None),
    "nullif": lambda a, b: None if a is not None and b is not None and a == b else a,
}


def ref(node: tuple, row: dict):
    tag = node[0]
    if tag == "col":
        return row[node[2]]
    if tag in ("num", "str", "date", "bool"):
        return node[2]
    if tag == "null":
        return None
    if tag == "arith":
        return _arith(node[1], ref(node[2], row), ref(node[3], row))
    if tag == "cmp":
        return _cmp(node[1], ref(node[2], row), ref(node[3], row))
    if tag == "and":
        return _and(ref(node[1], row), ref(node[2], row))
    if tag == "or":
        return _or(ref(node[1], row), ref(node[2], row))
    if tag == "not":
        return _not(ref(node[1], row))
    if tag == "neg":
        v = ref(node[1], row)
        return None if v is None else -v
    if tag == "func":
        return FUNCS[node[1]](*(ref(a, row) for a in node[2]))
    if tag == "round":
        return _round(ref(node[1], row), node[2])
    if tag == "case":
        for cond, res in node[1]:
            if ref(cond, row) is True:
                return ref(res, row)
        return None if node[2] is None else ref(node[2], row)
    flip = _not if node[-1] else (lambda v: v)
    if tag == "in":
        return flip(_in(ref(node[1], row), [ref(i, row) for i in node[2]]))
    if tag == "between":
        v, lo, hi = (ref(n, row) for n in node[1:4])
        return flip(_and(_cmp(">=", v, lo), _cmp("<=", v, hi)))
    if tag == "isnull":
        return flip(ref(node[1], row) is None)
    if tag == "like":
        return flip(_like(ref(node[1], row), node[2]))
    raise AssertionError(node)


# -- data ------------------------------------------------------------------------------------

rows = st.fixed_dictionaries({
    "x": st.sampled_from([None, 0.0, -1.5, 2.0, 0.25, 1000.0, 7.0, 0.1]),
    "y": st.sampled_from([None, 0, 3, -2, 10, 1]),
    "s": st.sampled_from([None, *TEXTS]),
    "t": st.sampled_from([None, *TEXTS, "企业集团"]),
    "b": st.sampled_from([None, True, False]),
    "d": st.sampled_from([None, *(date.fromisoformat(v) for v in DATES), date(2021, 3, 15)]),
})  # fmt: skip


def frame(records: list[dict]) -> pd.DataFrame:
    """Extension dtypes on purpose: Float64, Int64, categorical, string, boolean."""
    cols = {k: [r[k] for r in records] for k in COLS}
    return pd.DataFrame(
        {
            "x": pd.array(cols["x"], dtype="Float64"),
            "y": pd.array(cols["y"], dtype="Int64"),
            "s": pd.Categorical(cols["s"]),
            "t": pd.array(cols["t"], dtype="string"),
            "b": pd.array(cols["b"], dtype="boolean"),
            "d": pd.to_datetime(pd.Series(cols["d"], dtype=object)).to_numpy(),
        },
        index=pd.RangeIndex(100, 100 + len(records)),
    )


def expected(tree: tuple, records: list[dict]) -> list[bool]:
    clean = [{k: (float(v) if k in "xy" and v is not None else v) for k, v in r.items()}
             for r in records]  # fmt: skip
    return [ref(tree, r) is True for r in clean]


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(tree=boolean(3, False), records=st.lists(rows, min_size=1, max_size=12))
def test_valid_expressions_agree_with_the_reference(tree, records):
    text = render(tree)
    rule = compile_rule("r", text, COLS)
    got = evaluate([rule], frame(records))["r"].tolist()
    assert got == expected(tree, records), (text, rule.sql)


@SETTINGS
@given(
    tree=boolean(3, True),
    tail=st.sampled_from(["", "", "", "; DROP TABLE customers", " -- ;"]),
    records=st.lists(rows, min_size=1, max_size=6),
)
def test_expressions_are_rejected_only_for_forbidden_parts(tree, tail, records):
    text = render(tree) + tail
    if has_bad(tree) or tail.startswith(";"):
        with pytest.raises(RuleError):
            compile_rule("r", text, COLS)
        return
    rule = compile_rule("r", text, COLS)
    assert evaluate([rule], frame(records))["r"].tolist() == expected(tree, records)
