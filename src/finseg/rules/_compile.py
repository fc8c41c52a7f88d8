"""Compiling a rule: parse the SQL text with sqlglot, check it against the whitelist, keep the
DuckDB SQL that will run.

>>> rule = compile_rule("leveraged", "debt_to_assets > 0.7 AND lifecycle_stage = 'growth'")
>>> rule.columns
('debt_to_assets', 'lifecycle_stage')
>>> print(rule.sql)
(("debt_to_assets" > CAST(0.7 AS DOUBLE)) AND ("lifecycle_stage" = 'growth'))
>>> try:
...     compile_rule("bad", "total_asset > 1e8 OR debt_to_asets > 0.7")
... except RuleError as err:
...     print(err.position, err.token, err.reason_en)
1 total_asset unknown column 'total_asset' — did you mean 'total_assets' or ...?
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, Tokenizer, TokenType

from finseg.rules._check import ZH_KIND, Checker, Reject
from finseg.rules._columns import ColumnKind, known_columns
from finseg.rules._errors import RuleError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Rule", "RuleLiteral", "compile_rule"]

# Tokens that start a statement or subquery: refused before parsing, at their exact place.
_STATEMENT_TOKENS = {
    TokenType.SELECT: ("subqueries are not allowed", "不允许使用子查询"),
    TokenType.WITH: ("subqueries are not allowed", "不允许使用子查询"),
    TokenType.FROM: ("FROM is not allowed: a rule is one expression",
                     "不允许使用 FROM：规则只是一个表达式"),
    TokenType.EXISTS: ("subqueries are not allowed", "不允许使用子查询"),
    TokenType.SEMICOLON: (
        "only one expression is allowed (no ';')",
        "只允许一个表达式（不能使用 ';'）",
    ),
}  # fmt: skip
_MAX_LENGTH = 10_000
#: Compiled rules by (name, text, labels) for the default columns: a policy is validated
#: twice (the second time with its own vocabularies) and its rules are compiled again by the
#: stages, so the parse is done once per process.  Rules are immutable.
_CACHE: dict[tuple[str, str, str | None, str | None], Rule] = {}
_CACHE_SIZE = 4096


@dataclass(frozen=True)
class RuleLiteral:
    """A text literal compared with a column (``lifecycle_stage = 'growth'``): the column,
    the value, and the 1-based position and token of the literal in the rule's text."""

    column: str
    value: str
    position: int
    token: str


@dataclass(frozen=True)
class Rule:
    """A compiled rule: its name, its text and the DuckDB SQL generated from the checked tree.

    Make one with :func:`compile_rule`.  ``columns`` are the columns it reads, in order of
    first use, and ``kinds`` their kinds.  ``catch_all`` is true for an empty rule or
    ``TRUE``: it matches every customer.
    """

    name: str
    text: str
    sql: str
    columns: tuple[str, ...]
    kinds: Mapping[str, ColumnKind] = field(repr=False, compare=False)
    zh: str | None = None
    en: str | None = None
    catch_all: bool = False
    literals: tuple[RuleLiteral, ...] = field(default=(), repr=False, compare=False)

    def label(self, lang: str = "en") -> str:
        """The label in ``lang``, else the other language's, else the name."""
        first, second = (self.zh, self.en) if lang == "zh" else (self.en, self.zh)
        return first or second or self.name


def compile_rule(
    name: str,
    text: str,
    columns: Mapping[str, ColumnKind] | None = None,
    *,
    zh: str | None = None,
    en: str | None = None,
) -> Rule:
    """Parse and check one rule; ``columns`` defaults to :func:`known_columns`.

    An empty text (or only whitespace and comments) matches every customer, like ``TRUE``.

    Raises
    ------
    RuleError
        With the rule's name, the 1-based position, the offending token and the reason.
    """
    default = known_columns()
    if columns is None or columns is default:
        key = (name, text, zh, en)
        rule = _CACHE.get(key)
        if rule is None:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.clear()
            rule = _CACHE[key] = _compile(name, text, default, zh, en)
        return rule
    return _compile(name, text, columns, zh, en)


def _compile(
    name: str, text: str, columns: Mapping[str, ColumnKind], zh: str | None, en: str | None
) -> Rule:
    if not text.strip():
        return Rule(name, text, "TRUE", (), {}, zh, en, catch_all=True)
    if len(text) > _MAX_LENGTH:
        raise RuleError(name, text, 1, "", "the rule is too long", "规则过长")
    tree, tokens = _parse(name, text)
    checker = Checker(columns)
    try:
        kind, out = checker.check(tree)
    except Reject as reject:
        start, token = _locate(reject.node, tokens, text)
        raise RuleError(name, text, start + 1, token, reject.en, reject.zh) from None
    if kind not in (ColumnKind.BOOL, None):
        start, token = _locate(tree, tokens, text)
        raise RuleError(
            name,
            text,
            start + 1,
            token,
            f"expression is not boolean (it gives a {kind} value)",
            f"表达式的结果不是布尔值（而是{ZH_KIND[kind]}）",
        )
    sql = out.sql(dialect="duckdb")
    catch_all = isinstance(tree.unnest(), exp.Boolean) and tree.unnest().this is True
    used = dict(checker.used)
    literals = tuple(
        RuleLiteral(column, value, start + 1, token)
        for column, value, node in checker.literals
        for start, token in [_locate(node, tokens, text)]
    )
    return Rule(name, text, sql, tuple(used), used, zh, en, catch_all, literals)


def _parse(name: str, text: str) -> tuple[exp.Expression, list[Token]]:
    try:
        tokens = Tokenizer().tokenize(text)
    except TokenError:
        start = _unclosed_quote(text)
        raise RuleError(
            name,
            text,
            start + 1,
            text[start : start + 1],
            "cannot read the expression (unclosed quote?)",
            "无法读取表达式（引号未闭合？）",
        ) from None
    for token in tokens:
        if token.token_type in _STATEMENT_TOKENS:
            en, zh = _STATEMENT_TOKENS[token.token_type]
            raise RuleError(name, text, token.start + 1, token.text, en, zh)
    try:
        trees = sqlglot.parse(text)
    except ParseError as err:
        start, token, (en, zh) = _parse_error_at(err, text)
        raise RuleError(
            name, text, start + 1, token, f"syntax error: {en}", f"语法错误：{zh}"
        ) from None
    if len(trees) != 1 or trees[0] is None:
        raise RuleError(name, text, 1, "", "expected one expression", "应为一个表达式")
    return trees[0], tokens


def _parse_error_at(err: ParseError, text: str) -> tuple[int, str, tuple[str, str]]:
    """0-based start, token and reason (en, zh) of sqlglot's first parse error."""
    info = err.errors[0] if err.errors else {}
    line, col = info.get("line") or 1, info.get("col") or 1
    token = info.get("highlight") or ""
    offsets = [0]
    for piece in text.split("\n")[:-1]:
        offsets.append(offsets[-1] + len(piece) + 1)
    end = offsets[min(line, len(offsets)) - 1] + col - 1  # sqlglot's col is the token's last
    start = max(min(end - len(token) + 1, len(text) - 1), 0)
    description = str(info.get("description") or err)
    if description.startswith("Required keyword"):
        return start, token, ("the expression is incomplete", "表达式不完整")
    if "Unexpected token" in description or "Invalid expression" in description:
        return start, token, ("unexpected token", "此处不应出现该符号")
    return start, token, (description, description)


def _unclosed_quote(text: str) -> int:
    quote, start = "", 0
    for i, ch in enumerate(text):
        if quote and ch == quote:
            quote = ""
        elif not quote and ch in "'\"`":
            quote, start = ch, i
    return start if quote else 0


def _span(node: exp.Expression) -> tuple[int, int] | None:
    """0-based first and last character of ``node`` in the text, from sqlglot's token meta."""
    starts, ends = [], []
    for n in node.walk():
        meta = n.meta if n._meta else {}
        if "start" in meta:
            starts.append(meta["start"])
            ends.append(meta["end"])
    return (min(starts), max(ends)) if starts else None


def _locate(node: exp.Expression, tokens: list[Token], text: str) -> tuple[int, str]:
    """0-based position and text of the token that best names ``node``."""
    meta = node.meta if node._meta else {}
    if "start" in meta:
        return meta["start"], text[meta["start"] : meta["end"] + 1]
    left = node.this if isinstance(node, exp.Binary | exp.In | exp.Between | exp.Is) else None
    left_span = _span(left) if isinstance(left, exp.Expression) else None
    if left_span:  # the operator: the first token after the left operand
        after = [t for t in tokens if t.start > left_span[1]]
        if after:
            return after[0].start, after[0].text
    if isinstance(node, exp.Cast) and left_span is None and (inner := _span(node.this)):
        after = [t for t in tokens if t.start > inner[1]]
        if after and after[0].token_type is TokenType.DCOLON:  # x::INT
            return after[0].start, after[0].text
    span = _span(node)
    if span is None:
        return tokens[0].start, tokens[0].text
    index = next(i for i, t in enumerate(tokens) if t.start >= span[0])
    if (
        isinstance(node, exp.Func)
        and index >= 2
        and tokens[index - 1].token_type is TokenType.L_PAREN
    ):
        return tokens[index - 2].start, tokens[index - 2].text  # a call: CAST(x AS INT)
    return span[0], text[span[0] : span[1] + 1][:30]
