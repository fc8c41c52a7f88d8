"""The Excel report: a summary sheet, one sheet per section, native Excel charts."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from finseg._safe import safe_workbook
from finseg.reporting._context import ReportContext
from finseg.reporting._section_run import run_meta_table
from finseg.reporting._sections import Chart, ExcelHint, NumFmt, Section, Table, build_sections

__all__ = ["render_xlsx", "sheet_name"]

#: Tables longer than this get a sheet of their own (frozen header, full-height filter).
BIG_TABLE_ROWS = 40
_MAX_WIDTH = 60
_ROW_PX = 20
_INVALID = re.compile(r"[\[\]:*?/\\]")
_PARENS = re.compile(r"\s*[（(][^）)]*[）)]")


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unused worksheet name for ``title`` (≤ 31 chars, no ``[]:*?/\\``).

    ``taken`` holds the lower-cased names already used and is updated.

    >>> taken = set()
    >>> sheet_name("Data quality: problems [first 200]", taken), sheet_name("数据质量", taken)
    ('Data quality- problems -first 2', '数据质量')
    >>> sheet_name("数据质量", taken)
    '数据质量 (2)'
    """
    base = _INVALID.sub("-", title).strip().strip("'")[:31].strip() or "Sheet"
    if base.lower() == "history":  # reserved by Excel
        base = "History-"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
    taken.add(name.lower())
    return name


def _value_format(hint: ExcelHint) -> NumFmt:
    """Whole numbers (counts) without decimals, anything else with three."""
    whole = all(v is None or float(v).is_integer() for v in hint.values)
    return NumFmt.INT if whole else NumFmt.DECIMAL


def _text_width(text: str) -> int:
    """Display width in Excel columns: CJK characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: Any) -> Any:
    """A value XlsxWriter writes as it is: numbers, booleans, text, or ``None`` (blank)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return None
    return int(number) if isinstance(value, int) or number.is_integer() else number


class _Sheet:
    """One worksheet being written: a cursor, column widths and its Excel tables."""

    def __init__(self, book: _Book, title: str, heading: str | None = None) -> None:
        self.book = book
        self.name = sheet_name(title, book.taken)
        self.ws: Worksheet = book.wb.add_worksheet(self.name)
        self.row = 0
        self.widths: dict[int, int] = {}
        self.header_rows: list[int] = []
        self.ws.write_string(0, 0, heading or title, book.formats["title"])
        self.row = 2

    def fit(self, col: int, text: str) -> None:
        width = min(_MAX_WIDTH, _text_width(text) + 2)
        self.widths[col] = max(self.widths.get(col, 8), width)

    def line(self, text: str, style: str = "text", col: int = 0) -> None:
        self.ws.write_string(self.row, col, text, self.book.formats[style])
        self.row += 1

    def finish(self) -> None:
        for col, width in self.widths.items():
            self.ws.set_column(col, col, width)
        frozen = self.header_rows[0] + 1 if len(self.header_rows) == 1 else 1
        self.ws.freeze_panes(frozen, 0)


class _Book:
    """The workbook, its cell formats and the names used so far."""

    def __init__(self, wb: Workbook, ctx: ReportContext) -> None:
        self.wb, self.ctx, self.taken, self.n_tables = wb, ctx, set[str](), 0
        font = "Microsoft YaHei" if ctx.lang == "zh" else "Calibri"
        base = {"font_name": font, "font_size": 10, "valign": "top"}
        self.formats = {
            "title": wb.add_format(base | {"bold": True, "font_size": 14, "font_color": "#12365F"}),
            "h3": wb.add_format(base | {"bold": True, "font_size": 11}),
            "text": wb.add_format(base),
            "note": wb.add_format(base | {"italic": True, "font_color": "#8A5A00"}),
            "link": wb.add_format(base | {"font_color": "#1F5FA8", "underline": 1}),
            "header": wb.add_format(
                base | {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True}
            ),
        }
        for fmt in NumFmt:
            spec = base | ({"num_format": fmt.excel} if fmt.excel else {})
            self.formats[f"num:{fmt.value}"] = wb.add_format(spec)

    def table(self, sheet: _Sheet, table: Table) -> None:
        """Write ``table`` (title, then an Excel table with filter buttons) at the cursor."""
        sheet.line(table.title, "h3")
        if table.note:
            sheet.line(table.note, "note")
        headers, top = [str(c) for c in table.frame.columns], sheet.row
        if table.frame.empty or not headers:
            sheet.ws.write_row(top, 0, headers, self.formats["header"])
            sheet.row = top + 1 + bool(headers)
            sheet.line(self.ctx.t("report.no_rows"), "note")
            sheet.row += 1
            return
        data = [[_cell(v) for v in row] for row in table.frame.itertuples(index=False, name=None)]
        _fit_columns(sheet, table)
        self.n_tables += 1
        header = self.formats["header"]
        columns = [
            {"header": h, "header_format": header, "format": self.formats[f"num:{table.fmt(h)}"]}
            for h in headers
        ]
        sheet.ws.add_table(top, 0, top + len(data), len(headers) - 1, {
            "name": f"Table_{self.n_tables}", "data": data, "columns": columns,
            "style": "Table Style Light 9",
        })  # fmt: skip
        sheet.header_rows.append(top)
        sheet.row = top + len(data) + 2

    def chart(self, sheet: _Sheet, chart: Chart, row: int, col: int) -> int:
        """Write a chart's data at (row, col), the native chart beside it; the next free row."""
        hint = chart.excel
        if hint is None or not hint.categories:
            return row
        n, fmt = len(hint.categories), _value_format(hint)
        sheet.ws.write_string(row, col, chart.title, self.formats["h3"])
        sheet.ws.write_row(row + 1, col, ["", hint.series_name], self.formats["header"])
        for i, (category, value) in enumerate(zip(hint.categories, hint.values, strict=True)):
            sheet.ws.write_string(row + 2 + i, col, str(category), self.formats["text"])
            sheet.ws.write(row + 2 + i, col + 1, _cell(value), self.formats[f"num:{fmt.value}"])
            sheet.fit(col, str(category))
        sheet.fit(col + 1, hint.series_name)
        height = max(300, 24 * n + 90) if hint.kind == "bar" else 300
        excel_chart = self._native_chart(chart.title, hint, sheet.name, row + 2, col)
        excel_chart.set_size({"width": 560, "height": height})
        sheet.ws.insert_chart(row, col + 3, excel_chart)
        return row + max(n + 3, math.ceil(height / _ROW_PX) + 2)

    def _native_chart(self, title: str, hint: ExcelHint, sheet: str, first: int, col: int) -> Any:
        n = len(hint.categories)
        excel_chart = self.wb.add_chart({"type": hint.kind})
        series: dict[str, Any] = {
            "name": hint.series_name,
            "categories": [sheet, first, col, first + n - 1, col],
            "values": [sheet, first, col + 1, first + n - 1, col + 1],
        }
        if hint.kind == "pie":
            series["data_labels"] = {"percentage": True, "category": True, "separator": "\n"}
        else:
            series["data_labels"] = {"value": True, "num_format": _value_format(hint).excel}
            series["gap"] = 8 if hint.kind == "column" else 60
            excel_chart.set_legend({"none": True})
        excel_chart.add_series(series)
        excel_chart.set_title({"name": title, "name_font": {"size": 11, "bold": True}})
        if hint.kind == "bar":  # XlsxWriter's x axis is a bar chart's value axis
            excel_chart.set_x_axis({"min": 0})
            excel_chart.set_y_axis({"reverse": True})  # first category on top, as in the HTML
        elif hint.kind == "column":
            excel_chart.set_y_axis({"min": 0})
        return excel_chart


def _fit_columns(sheet: _Sheet, table: Table) -> None:
    """Widen the sheet's columns to the table's header and formatted values."""
    for col, header in enumerate(str(c) for c in table.frame.columns):
        sheet.fit(col, header)
        for value in table.frame.iloc[:, col]:
            sheet.fit(col, table.fmt(header).format(value))


def _link(sheet: _Sheet, row: int, col: int, target: str, text: str) -> None:
    quoted = target.replace("'", "''")
    sheet.ws.write_url(row, col, f"internal:'{quoted}'!A1", sheet.book.formats["link"],
                       string=text)  # fmt: skip


def _write_section(book: _Book, section: Section) -> _Sheet:
    """The section's sheet: narrative, notes, tables on the left, charts on the right."""
    title = section.title(book.ctx.lang)
    sheet = _Sheet(book, title)
    for paragraph in section.paragraphs:
        sheet.line(paragraph)
    for note in section.notes:
        sheet.line(note, "note")
    sheet.row += 1
    top = sheet.row
    for table in section.tables:
        if len(table.frame) <= BIG_TABLE_ROWS:
            book.table(sheet, table)
            continue
        detail = _Sheet(book, f"{title}-{_PARENS.sub('', table.title).strip()}")
        book.table(detail, table)
        detail.finish()
        sheet.line(table.title, "h3")
        _link(sheet, sheet.row, 0, detail.name, book.ctx.t("xlsx.see_sheet", sheet=detail.name))
        sheet.row += 2
    row, col = top, max(sheet.widths, default=-1) + 2
    for chart in section.charts:
        row = book.chart(sheet, chart, row, col)
    sheet.finish()
    return sheet


def _write_summary(book: _Book, sheet: _Sheet, sections: list[tuple[Section, str]]) -> None:
    """Report title, run facts, then a linked table of contents with each section's summary."""
    ctx = book.ctx
    if ctx.draft_banner:
        sheet.line(ctx.draft_banner, "h3")
        sheet.row += 1
    facts = [(ctx.t("report.run"), ctx.run_id or "—"),
             (ctx.t("report.generated"), datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")),
             (ctx.t("xlsx.language"), ctx.t("xlsx.language_name"))]  # fmt: skip
    for label, value in facts:
        sheet.ws.write_string(sheet.row, 0, label, book.formats["h3"])
        sheet.ws.write_string(sheet.row, 1, value, book.formats["text"])
        sheet.fit(0, label)
        sheet.row += 1
    sheet.row += 1
    book.table(sheet, run_meta_table(ctx))
    sheet.line(ctx.t("report.contents"), "h3")
    for section, name in sections:
        _link(sheet, sheet.row, 0, name, section.title(ctx.lang))
        sheet.ws.write_string(sheet.row, 1, " ".join(section.paragraphs[:1]), book.formats["text"])
        sheet.row += 1
    sheet.finish()


def render_xlsx(
    ctx: ReportContext, path: str | Path, sections: list[Section] | None = None
) -> Path:
    """Write the report as an Excel workbook and return its path.

    A summary sheet comes first, then one sheet per section: its tables as Excel tables
    (formatted header, filter buttons, number formats) and a native Excel chart for each
    chart that carries an :class:`ExcelHint`.  Cells are written as values, never as
    formulas.  The write is atomic.  ``sections`` are those of :func:`build_sections` for
    ``ctx`` when already built (both formats share them).

    Examples
    --------
    >>> import tempfile
    >>> from finseg.reporting import ReportContext
    >>> out = render_xlsx(ReportContext(lang="en"), Path(tempfile.mkdtemp()) / "report.xlsx")
    >>> out.suffix
    '.xlsx'
    """
    path = Path(path)
    sections = build_sections(ctx) if sections is None else sections
    with safe_workbook(path) as wb:
        wb.set_properties({"title": ctx.t("report.title"), "comments": ctx.run_id})
        book = _Book(wb, ctx)
        summary = _Sheet(book, ctx.t("xlsx.summary"), heading=ctx.t("report.title"))
        written = [(s, _write_section(book, s).name) for s in sections]
        _write_summary(book, summary, written)
    return path
