"""Money units: yuan, thousand, wan (万元), million (百万元), yi (亿元).

A unit written in a header cell (``营业收入(万元)``) wins over a unit in a title row
(``单位：万元``), which wins over the ``--unit`` option; without any, amounts are yuan.
"""

from __future__ import annotations

import re
import unicodedata

from finseg._vocab import Unit

__all__ = ["Unit", "split_header_unit", "title_unit"]


# Spellings of each unit, longest first so that 万元 is tried before 元.
_SPELLINGS: list[tuple[str, Unit]] = sorted(
    [
        ("元", Unit.YUAN),
        ("人民币元", Unit.YUAN),
        ("yuan", Unit.YUAN),
        ("cny", Unit.YUAN),
        ("rmb", Unit.YUAN),
        ("千元", Unit.THOUSAND),
        ("cny thousand", Unit.THOUSAND),
        ("cny 000", Unit.THOUSAND),
        ("rmb thousand", Unit.THOUSAND),
        ("thousand", Unit.THOUSAND),
        ("万元", Unit.WAN),
        ("万", Unit.WAN),
        ("cny 10k", Unit.WAN),
        ("rmb 10k", Unit.WAN),
        ("cny 10 thousand", Unit.WAN),
        ("cny 10,000", Unit.WAN),
        ("rmb 10,000", Unit.WAN),
        ("10k cny", Unit.WAN),
        ("wan", Unit.WAN),
        ("百万元", Unit.MILLION),
        ("cny million", Unit.MILLION),
        ("rmb million", Unit.MILLION),
        ("million", Unit.MILLION),
        ("cny mn", Unit.MILLION),
        ("亿元", Unit.YI),
        ("亿", Unit.YI),
        ("cny 100 million", Unit.YI),
        ("rmb 100 million", Unit.YI),
        ("yi", Unit.YI),
    ],
    key=lambda s: -len(s[0]),
)
_BY_SPELLING = dict(_SPELLINGS)
_ALTERNATION = "|".join(re.escape(s) for s, _ in _SPELLINGS)
# "营业收入(万元)", "营业收入（单位：万元）", "营业收入[万元]", "Revenue (CNY 10k)"
_BRACKETED = re.compile(
    rf"[(\[]\s*(?:单位\s*[:：]?\s*|unit\s*[:：]?\s*|in\s+)?(?:人民币\s*)?({_ALTERNATION})\s*[)\]]\s*$",
    re.IGNORECASE,
)
# "营业收入万元", "营业收入_万元", "营业收入/万元" — only the unambiguous Chinese money units
_SUFFIX = re.compile(r"[_/\-\s]?(千元|万元|百万元|亿元)$")
_TITLE = re.compile(
    rf"(?:单位|\bunit|\bamounts? in|\bin)\s*[:：]?\s*(?:人民币\s*)?({_ALTERNATION})(?![a-z])",
    re.IGNORECASE,
)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def split_header_unit(header: str) -> tuple[str, Unit | None]:
    """Split a unit off a header cell.

    >>> split_header_unit("营业收入（万元）")
    ('营业收入', <Unit.WAN: 'wan'>)
    >>> split_header_unit("Revenue (CNY 10k)")
    ('Revenue', <Unit.WAN: 'wan'>)
    >>> split_header_unit("营业收入(上年)")
    ('营业收入(上年)', None)
    """
    text = _fold(header)
    m = _BRACKETED.search(text)
    if m:
        return text[: m.start()].strip(), _BY_SPELLING[m.group(1).lower()]
    m = _SUFFIX.search(text)
    if m and m.start() > 0:
        return text[: m.start()].strip(), _BY_SPELLING[m.group(1)]
    return text, None


def title_unit(text: str) -> Unit | None:
    """The unit a title row declares for the whole sheet (``单位：万元``), if any.

    >>> title_unit("单位：万元　导出日期：2025-12-31")
    <Unit.WAN: 'wan'>
    """
    m = _TITLE.search(_fold(text))
    return _BY_SPELLING[m.group(1).lower()] if m else None
