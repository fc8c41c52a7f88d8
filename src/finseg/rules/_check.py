"""The whitelist: walk a parsed expression, check every node and its type, and build the
DuckDB expression that will run.

The DuckDB tree is built node by node from the checked one (never from the text), so only
whitelisted constructs can reach the database.  Numbers become ``DOUBLE``; ``ln`` and
``log10`` of a non-positive number become NULL; a date column compares with an ISO date
literal (``'2024-12-31'``).
"""

from __future__ import annotations

import difflib
import math
import re
from datetime import date
from typing import TYPE_CHECKING

from sqlglot import exp

from finseg.rules._columns import ColumnKind

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["FUNCTIONS", "ZH_KIND", "Checker", "Reject"]

#: The functions a rule may call, with what they do (``docs/rules.md``).
FUNCTIONS: dict[str, str] = {
    "abs": "absolute value",
    "coalesce": "first non-NULL argument",
    "greatest": "largest non-NULL argument",
    "least": "smallest non-NULL argument",
    "ln": "natural logarithm (NULL for zero or negative numbers)",
    "log10": "base-10 logarithm (NULL for zero or negative numbers)",
    "lower": "text in lower case",
    "nullif": "NULL when both arguments are equal, else the first",
    "round": "round half away from zero, to 0-10 decimals given as a whole number",
    "upper": "text in upper case",
}

_NUM, _TEXT, _BOOL, _DATE = ColumnKind.NUMERIC, ColumnKind.TEXT, ColumnKind.BOOL, ColumnKind.DATE
ZH_KIND = {_NUM: "数值", _TEXT: "文本", _BOOL: "布尔值", _DATE: "日期", None: "NULL"}
_NAMES = {
    exp.Cast: ("CAST", "CAST"), exp.TryCast: ("TRY_CAST", "TRY_CAST"), exp.Star: ("'*'", "'*'"),
    exp.Subquery: ("a subquery", "子查询"), exp.DPipe: ("operator '||'", "运算符 '||'"),
    exp.NullSafeEQ: ("operator '<=>'", "运算符 '<=>'"), exp.ILike: ("ILIKE", "ILIKE"),
    exp.Parameter: ("a parameter", "参数"), exp.Placeholder: ("a parameter", "参数"),
    exp.Bracket: ("'[...]'", "'[...]'"), exp.Escape: ("LIKE ... ESCAPE", "LIKE ... ESCAPE"),
    exp.Interval: ("INTERVAL", "INTERVAL"), exp.SimilarTo: ("SIMILAR TO", "SIMILAR TO"),
}  # fmt: skip
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
Kind = ColumnKind | None  # None: the NULL literal, compatible with every kind
Typed = tuple[Kind, exp.Expression]


class Reject(Exception):
    """Internal: ``node`` breaks the whitelist; :func:`compile_rule` adds the position."""

    def __init__(self, node: exp.Expression, en: str, zh: str) -> None:
        super().__init__(en)
        self.node, self.en, self.zh = node, en, zh


def _double(value: str) -> exp.Expression:
    return exp.Cast(this=exp.Literal.number(value), to=exp.DataType.build("DOUBLE"))


def _positive(out: exp.Expression) -> exp.Expression:
    """``out`` where it is positive, else NULL (DuckDB raises on the log of 0 or less)."""
    zero = _double("0")
    return exp.Nullif(
        this=exp.Greatest(this=out, expressions=[zero], ignore_nulls=True),
        expression=zero.copy(),
    )


def _is_date_literal(node: exp.Expression) -> bool:
    if not (isinstance(node, exp.Literal) and node.is_string and _ISO_DATE.fullmatch(node.this)):
        return False
    try:
        date.fromisoformat(node.this)
    except ValueError:
        return False
    return True


class Checker:
    """Checks one expression against the whitelist and ``columns``; records the columns used."""

    def __init__(self, columns: Mapping[str, ColumnKind]) -> None:
        self.columns = columns
        self.used: dict[str, ColumnKind] = {}
        #: ``(column, text, literal node)`` of every text literal compared with a bare column,
        #: so that a closed vocabulary can check it (``rules.check_literals``).
        self.literals: list[tuple[str, str, exp.Expression]] = []

    def check(self, node: exp.Expression) -> Typed:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise self._forbidden(node)
        allowed = _ARGS.get(type(node), _BINARY)
        extra = [k for k, v in node.args.items() if _set(v) and k not in allowed]
        if extra:  # a variant the DuckDB tree would silently drop (e.g. Div(typed=True))
            en = f"this form of {node.key.upper()} is not allowed ({', '.join(extra)})"
            raise Reject(node, en, f"不允许使用这种形式的 {node.key.upper()}（{', '.join(extra)}）")
        kind, out = handler(self, node)
        return kind, _grouped(out)

    # -- helpers ----------------------------------------------------------------------------
    def _forbidden(self, node: exp.Expression) -> Reject:
        if isinstance(node, exp.Anonymous | exp.Func) and not isinstance(node, exp.Cast):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            allowed = ", ".join(FUNCTIONS)
            return Reject(
                node,
                f"function {name!r} is not allowed (allowed: {allowed})",
                f"不允许使用函数 {name!r}（允许：{allowed}）",
            )
        other = f"{node.key.upper()} ({node.sql()[:30]!r})"
        en, zh = _NAMES.get(type(node), (other, other))
        return Reject(node, f"{en} is not allowed in a rule", f"规则中不允许使用{zh}")

    def _want(self, node: exp.Expression, kind: Kind, *allowed: ColumnKind) -> None:
        if kind is not None and kind not in allowed:
            names = " or ".join(allowed)
            raise Reject(
                node,
                f"expected a {names} value, got {kind}",
                f"此处应为{'或'.join(ZH_KIND[a] for a in allowed)}，实际为{ZH_KIND[kind]}",
            )

    def _typed(self, node: exp.Expression, *allowed: ColumnKind) -> exp.Expression:
        kind, out = self.check(node)
        self._want(node, kind, *allowed)
        return out

    def _common(self, nodes: list[exp.Expression], what: str) -> tuple[Kind, list[exp.Expression]]:
        """The one kind of ``nodes`` (compared or combined), and their DuckDB trees."""
        typed = [self.check(n) for n in nodes]
        self._note_literals(nodes)
        kinds = {k for k, _ in typed if k is not None}
        outs = [o for _, o in typed]
        if kinds == {_DATE, _TEXT}:  # a date column against ISO date literals
            for i, (node, (kind, _)) in enumerate(zip(nodes, typed, strict=True)):
                if kind is _TEXT and not _is_date_literal(node):
                    raise Reject(
                        node,
                        f"{what}: a date compares only with a date or a literal 'YYYY-MM-DD'",
                        f"{what}：日期只能与日期或 'YYYY-MM-DD' 形式的日期常量比较",
                    )
                if kind is _TEXT:
                    outs[i] = exp.Cast(this=outs[i], to=exp.DataType.build("TIMESTAMP"))
            return _DATE, outs
        if len(kinds) > 1:
            first = next(k for k, _ in typed if k is not None)
            node, kind = next(
                (n, k) for n, (k, _) in zip(nodes, typed, strict=True) if k not in (first, None)
            )
            raise Reject(
                node,
                f"{what}: cannot mix {first} and {kind} values",
                f"{what}：不能混用{ZH_KIND[first]}与{ZH_KIND[kind]}",
            )
        return (kinds.pop() if kinds else None), outs

    def _note_literals(self, nodes: list[exp.Expression]) -> None:
        """Record the text literals compared with exactly one bare column (``x = 'a'``,
        ``x IN ('a', 'b')``, ``CASE x WHEN 'a' ...``)."""
        bare = [n.unnest() for n in nodes]
        columns = [n for n in bare if isinstance(n, exp.Column)]
        if len(columns) != 1:
            return
        name = _column_name(columns[0])
        self.literals += [
            (name, n.this, n) for n in bare if isinstance(n, exp.Literal) and n.is_string
        ]

    # -- leaves -----------------------------------------------------------------------------
    def _column(self, node: exp.Column) -> Typed:
        if node.args.get("table") is not None:
            raise Reject(node, "table qualifiers are not allowed", "不允许使用表名限定列名")
        ident = node.this
        if isinstance(ident, exp.Star):
            raise Reject(node, "'*' is not allowed; name the column", "不允许使用 '*'，请写明列名")
        name = _column_name(node)
        if name not in self.columns:
            raise Reject(node, *_unknown(name, list(self.columns)))
        self.used[name] = self.columns[name]
        return self.columns[name], exp.column(name, quoted=True)

    def _literal(self, node: exp.Literal) -> Typed:
        if node.is_string:
            return _TEXT, exp.Literal.string(node.this)
        try:
            value = float(node.this)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise Reject(node, f"number {node.this} is out of range", f"数值 {node.this} 超出范围")
        return _NUM, _double(node.this)

    def _boolean(self, node: exp.Boolean) -> Typed:
        return _BOOL, exp.Boolean(this=node.this)

    def _null(self, node: exp.Null) -> Typed:
        return None, exp.Null()

    # -- operators --------------------------------------------------------------------------
    def _paren(self, node: exp.Paren) -> Typed:
        kind, out = self.check(node.this)
        return kind, out if isinstance(out, exp.Paren) else exp.Paren(this=out)

    def _neg(self, node: exp.Neg) -> Typed:
        inner = self._typed(node.this, _NUM)
        return _NUM, exp.Neg(this=inner if isinstance(inner, exp.Paren) else exp.Paren(this=inner))

    def _not(self, node: exp.Not) -> Typed:
        return _BOOL, exp.Not(this=self._typed(node.this, _BOOL))

    def _connector(self, node: exp.And | exp.Or) -> Typed:
        left, right = self._typed(node.this, _BOOL), self._typed(node.expression, _BOOL)
        return _BOOL, type(node)(this=left, expression=right)

    def _arithmetic(self, node: exp.Binary) -> Typed:
        left, right = self._typed(node.this, _NUM), self._typed(node.expression, _NUM)
        return _NUM, type(node)(this=left, expression=right)

    def _compare(self, node: exp.Binary) -> Typed:
        _, (left, right) = self._common([node.this, node.expression], _op(node))
        return _BOOL, type(node)(this=left, expression=right)

    def _in(self, node: exp.In) -> Typed:
        extra = [k for k in ("query", "unnest", "field") if node.args.get(k) is not None]
        items = node.expressions
        if extra or not items or not all(_is_literal(i) for i in items):
            raise Reject(
                node,
                "IN takes a non-empty list of literals, e.g. IN ('C', 'D')",
                "IN 只接受非空的常量列表，如 IN ('C', 'D')",
            )
        _, (this, *outs) = self._common([node.this, *items], "IN")
        return _BOOL, exp.In(this=this, expressions=outs)

    def _between(self, node: exp.Between) -> Typed:
        if node.args.get("symmetric"):
            raise Reject(node, "BETWEEN SYMMETRIC is not allowed", "不允许使用 BETWEEN SYMMETRIC")
        _, (this, low, high) = self._common(
            [node.this, node.args["low"], node.args["high"]], "BETWEEN"
        )
        return _BOOL, exp.Between(this=this, low=low, high=high)

    def _is(self, node: exp.Is) -> Typed:
        if not isinstance(node.expression, exp.Null):
            raise Reject(
                node, "only IS NULL and IS NOT NULL are allowed", "只允许 IS NULL 与 IS NOT NULL"
            )
        _, this = self.check(node.this)
        return _BOOL, exp.Is(this=this, expression=exp.Null())

    def _like(self, node: exp.Like) -> Typed:
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise Reject(pattern, "LIKE needs a text literal pattern", "LIKE 的模式必须是文本常量")
        out = exp.Like(
            this=self._typed(node.this, _TEXT), expression=exp.Literal.string(pattern.this)
        )
        return _BOOL, exp.Not(this=exp.Paren(this=out)) if node.args.get("negate") else out

    def _case(self, node: exp.Case) -> Typed:
        ifs = node.args.get("ifs") or []
        operand = node.args.get("this")
        if operand is not None:  # CASE x WHEN v THEN ...: x and every v compare
            _, (operand, *whens) = self._common([operand, *(i.this for i in ifs)], "CASE")
        else:
            whens = [self._typed(i.this, _BOOL) for i in ifs]
        results = [i.args["true"] for i in ifs]
        default = node.args.get("default")
        kind, outs = self._common(results + ([default] if default is not None else []), "CASE")
        new_ifs = [exp.If(this=w, true=o) for w, o in zip(whens, outs, strict=False)]
        out = exp.Case(this=operand, ifs=new_ifs, default=outs[-1] if default is not None else None)
        return kind, out

    # -- functions --------------------------------------------------------------------------
    def _abs(self, node: exp.Abs) -> Typed:
        return _NUM, exp.Abs(this=self._typed(node.this, _NUM))

    def _round(self, node: exp.Round) -> Typed:
        digits = node.args.get("decimals")
        extra = [k for k, v in node.args.items() if v is not None and k not in ("this", "decimals")]
        if extra or (digits is not None and not _whole(digits, 0, 10)):
            raise Reject(
                digits or node,
                "round takes a number and 0-10 decimals written as a whole number",
                "round 的小数位数必须是 0 到 10 的整数常量",
            )
        out = exp.Round(this=self._typed(node.this, _NUM))
        if digits is not None:
            out.set("decimals", exp.Literal.number(int(digits.this)))
        return _NUM, out

    def _ln(self, node: exp.Ln) -> Typed:
        return _NUM, exp.Ln(this=_positive(self._typed(node.this, _NUM)))

    def _log(self, node: exp.Log) -> Typed:
        base, arg = node.this, node.expression
        if arg is None or not _whole(base, 10, 10):
            raise Reject(
                node,
                "only ln(x) and log10(x) are allowed (log(x) means different things in SQL"
                " dialects)",
                "只允许 ln(x) 与 log10(x)（log(x) 在不同 SQL 方言中含义不同）",
            )
        out = _positive(self._typed(arg, _NUM))
        return _NUM, exp.Anonymous(this="log10", expressions=[out])

    def _variadic(self, node: exp.Func) -> Typed:
        kind, outs = self._common([node.this, *node.expressions], node.sql_name().lower())
        if isinstance(node, exp.Greatest | exp.Least):
            self._want(node, kind, _NUM, _TEXT)
            return kind, type(node)(this=outs[0], expressions=outs[1:], ignore_nulls=True)
        return kind, exp.Coalesce(this=outs[0], expressions=outs[1:])

    def _nullif(self, node: exp.Nullif) -> Typed:
        kind, (this, other) = self._common([node.this, node.expression], "nullif")
        return kind, exp.Nullif(this=this, expression=other)

    def _case_fn(self, node: exp.Lower | exp.Upper) -> Typed:
        return _TEXT, type(node)(this=self._typed(node.this, _TEXT))


def _grouped(out: exp.Expression) -> exp.Expression:
    """``out`` in parentheses when it is an operation: DuckDB then reads the generated SQL as
    exactly the checked tree, whatever its operator precedence."""
    operation = isinstance(out, exp.Binary | exp.Unary | exp.In | exp.Between)
    return exp.Paren(this=out) if operation and not isinstance(out, exp.Paren) else out


def _column_name(node: exp.Column) -> str:
    """A column's name as rules spell it: case-insensitive unless quoted."""
    ident = node.this
    return ident.name if ident.args.get("quoted") else ident.name.lower()


def _set(value: object) -> bool:
    return not (value is None or value is False or (isinstance(value, list) and not value))


def _op(node: exp.Expression) -> str:
    return {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}[
        type(node)
    ]


def _is_literal(node: exp.Expression) -> bool:
    if isinstance(node, exp.Neg):
        return isinstance(node.this, exp.Literal) and not node.this.is_string
    return isinstance(node, exp.Literal | exp.Null | exp.Boolean)


def _whole(node: exp.Expression | None, lo: int, hi: int) -> bool:
    ok = isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit()
    return ok and lo <= int(node.this) <= hi


def _unknown(name: str, known: list[str]) -> tuple[str, str]:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if not close:
        return f"unknown column {name!r}", f"未知的列 {name!r}"
    return (
        f"unknown column {name!r} — did you mean {' or '.join(map(repr, close))}?",
        f"未知的列 {name!r}，是否应为 {'或'.join(map(repr, close))}？",
    )


# The arguments each node may carry (default: this and expression); the handlers refuse the
# unsafe ones they name (a table qualifier, an IN subquery, ...).
_BINARY = frozenset({"this", "expression"})
_ARGS: dict[type, frozenset[str]] = {
    exp.Literal: frozenset({"this", "is_string"}),
    exp.Column: frozenset({"this", "table"}),
    exp.In: frozenset({"this", "expressions", "query", "unnest", "field"}),
    exp.Between: frozenset({"this", "low", "high", "symmetric"}),
    exp.Like: frozenset({"this", "expression", "negate"}),
    exp.Case: frozenset({"this", "ifs", "default"}),
    exp.Round: frozenset({"this", "decimals"}),
    exp.Coalesce: frozenset({"this", "expressions", "is_nvl", "is_null"}),
    exp.Greatest: frozenset({"this", "expressions", "ignore_nulls"}),
    exp.Least: frozenset({"this", "expressions", "ignore_nulls"}),
}

_HANDLERS: dict[type, Callable[[Checker, exp.Expression], Typed]] = {
    exp.Column: Checker._column,
    exp.Literal: Checker._literal,
    exp.Boolean: Checker._boolean,
    exp.Null: Checker._null,
    exp.Paren: Checker._paren,
    exp.Neg: Checker._neg,
    exp.Not: Checker._not,
    exp.And: Checker._connector,
    exp.Or: Checker._connector,
    **dict.fromkeys((exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod), Checker._arithmetic),
    **dict.fromkeys((exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE), Checker._compare),
    exp.In: Checker._in,
    exp.Between: Checker._between,
    exp.Is: Checker._is,
    exp.Like: Checker._like,
    exp.Case: Checker._case,
    exp.Abs: Checker._abs,
    exp.Round: Checker._round,
    exp.Ln: Checker._ln,
    exp.Log: Checker._log,
    **dict.fromkeys((exp.Coalesce, exp.Greatest, exp.Least), Checker._variadic),
    exp.Nullif: Checker._nullif,
    exp.Lower: Checker._case_fn,
    exp.Upper: Checker._case_fn,
}  # type: ignore[dict-item]
