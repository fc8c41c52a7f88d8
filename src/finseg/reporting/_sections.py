"""The section registry: each pipeline stage contributes a report section.

A section is data — title, narrative, tables and charts — made by a builder function from a
:class:`~finseg.reporting.ReportContext`.  The HTML and Excel renderers know nothing about
any particular section; a later stage adds its part of the report with one decorated
function::

    @register_section("risk", order=40)
    def risk_section(ctx: ReportContext) -> Section | None:
        ...
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal

import pandas as pd

from finseg.reporting._context import ReportContext
from finseg.reporting._i18n import CATALOGUE

__all__ = [
    "Chart",
    "ExcelHint",
    "NumFmt",
    "Section",
    "SectionBuilder",
    "Table",
    "build_sections",
    "register_section",
    "registered_sections",
    "unregister_section",
]


class NumFmt(StrEnum):
    """How a table column's values are shown (the same in HTML and Excel).

    >>> NumFmt.AMOUNT.format(1234567.891), NumFmt.SHARE.format(0.1234), NumFmt.INT.format(None)
    ('1,234,567.89', '12.34%', '—')
    """

    TEXT = "text"
    INT = "int"
    AMOUNT = "amount"
    SHARE = "share"
    DECIMAL = "decimal"

    @property
    def excel(self) -> str | None:
        """The Excel number format, ``None`` for text."""
        return {"int": "#,##0", "amount": "#,##0.00", "share": "0.00%",
                "decimal": "#,##0.000"}.get(self.value)  # fmt: skip

    def format(self, value: Any) -> str:
        """The value as text with thousands separators; ``—`` when missing."""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return "—"
        if self is NumFmt.TEXT or isinstance(value, str):
            return str(value)
        number = float(value)
        if not math.isfinite(number):
            return "—"
        pattern = {"int": "{:,.0f}", "amount": "{:,.2f}", "share": "{:.2%}", "decimal": "{:,.3f}"}
        return pattern[self.value].format(number)


@dataclass
class Table:
    """A titled table whose column headers are already in the report's language.

    ``formats`` maps a header to its :class:`NumFmt`; unlisted columns are text.

    >>> tbl = Table("Rows", pd.DataFrame({"File": ["a.csv"], "Rows": [3]}), {"Rows": NumFmt.INT})
    >>> tbl.fmt("Rows"), tbl.fmt("File")
    (<NumFmt.INT: 'int'>, <NumFmt.TEXT: 'text'>)
    """

    title: str
    frame: pd.DataFrame
    formats: dict[str, NumFmt] = field(default_factory=dict)
    note: str = ""

    def fmt(self, column: str) -> NumFmt:
        """The format of ``column``."""
        return self.formats.get(column, NumFmt.TEXT)


@dataclass(frozen=True)
class ExcelHint:
    """How to draw a chart natively in Excel: chart type plus its single data series."""

    kind: Literal["bar", "column", "pie"]
    categories: list[str]
    values: list[float]
    series_name: str = ""


@dataclass
class Chart:
    """An ECharts chart: ``option`` is the JSON-serialisable option dict.

    ``id`` is unique within its section; ``height`` is the container height in pixels.
    """

    id: str
    title: str
    option: dict[str, Any]
    excel: ExcelHint | None = None
    height: int = 320


@dataclass
class Section:
    """One part of the report, in the language it was built for.

    ``notes`` say what could not be shown and why (a missing column, an empty table).

    >>> s = Section("demo", 99, "演示", "Demo", "One paragraph.")
    >>> s.title("en"), s.paragraphs
    ('Demo', ['One paragraph.'])
    """

    key: str
    order: int
    title_zh: str
    title_en: str
    narrative: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def titled(cls, key: str, order: int, **fields: Any) -> Section:
        """A section titled by the catalogue entry ``section.<key>.title``.

        >>> Section.titled("quality", 20).title_zh
        '数据质量'
        """
        zh, en = CATALOGUE[f"section.{key}.title"]
        return cls(key, order, zh, en, **fields)

    def title(self, lang: str) -> str:
        """The title in ``lang``."""
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def paragraphs(self) -> list[str]:
        """The narrative split at blank lines."""
        return [p.strip() for p in self.narrative.split("\n\n") if p.strip()]


SectionBuilder = Callable[[ReportContext], "Section | None"]
_REGISTRY: dict[str, tuple[int, SectionBuilder]] = {}


def register_section(key: str, order: int) -> Callable[[SectionBuilder], SectionBuilder]:
    """Register a section builder under ``key``; sections appear sorted by ``order``.

    A builder returns ``None`` to leave its section out of a report.  Registering another
    function under a taken key raises ``ValueError``.

    >>> @register_section("doc_example", order=999)
    ... def _example(ctx):
    ...     return None
    >>> "doc_example" in dict(registered_sections())
    True
    >>> unregister_section("doc_example")
    """

    def decorator(builder: SectionBuilder) -> SectionBuilder:
        taken = _REGISTRY.get(key)
        if taken and _qualname(taken[1]) != _qualname(builder):
            raise ValueError(f"section key {key!r} is already registered by {_qualname(taken[1])}")
        _REGISTRY[key] = (order, builder)
        return builder

    return decorator


def _qualname(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def unregister_section(key: str) -> None:
    """Remove a registered section (no error when absent)."""
    _REGISTRY.pop(key, None)


def registered_sections() -> list[tuple[str, int]]:
    """``(key, order)`` of every registered section, in report order."""
    return sorted(((k, o) for k, (o, _) in _REGISTRY.items()), key=lambda ko: (ko[1], ko[0]))


def build_sections(ctx: ReportContext) -> list[Section]:
    """Run every registered builder on ``ctx``; the sections in report order.

    The registry's key and order win over what a builder put in its section.

    >>> from finseg.reporting import ReportContext
    >>> [s.key for s in build_sections(ReportContext(lang="en"))]
    ['run', 'quality', 'portfolio']
    """
    sections = []
    for key, order in registered_sections():
        section = _REGISTRY[key][1](ctx)
        if section is not None:
            sections.append(replace(section, key=key, order=order))
    return sections
