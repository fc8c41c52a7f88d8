"""Find the header row below title rows and map its cells to canonical fields.

Bank exports put one or two title rows above the header, split headers over two rows with
merged cells (``营业收入`` over ``本期 | 上期``), and carry units in header cells or in a
``单位：万元`` title row.  The header is the row — or pair of rows — whose cells name the
most distinct canonical fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from finseg.exceptions import IngestError
from finseg.ingest._readers import RawSheet
from finseg.ingest._units import Unit, split_header_unit, title_unit
from finseg.schema import FIELD_BY_NAME, match_header

__all__ = ["Column", "HeaderLayout", "column_letter", "find_header"]

# Words that mark the current or the prior period in a two-row header.
_CURRENT = {
    "本期",
    "本年",
    "本期数",
    "本年数",
    "期末",
    "期末数",
    "期末余额",
    "本期金额",
    "本年金额",
    "当期",
    "current",
    "current year",
    "this year",
}
_PRIOR = {
    "上期",
    "上年",
    "上期数",
    "上年数",
    "期初",
    "上年同期",
    "上期金额",
    "上年金额",
    "上年年末",
    "期初余额",
    "prior",
    "prior year",
    "previous",
    "last year",
}


@dataclass(frozen=True)
class Column:
    """A file column mapped to a canonical field."""

    index: int
    field: str
    header: str  # as written in the file ("营业收入 / 上期" for two-row headers)
    unit: Unit | None  # unit written in the header cell


@dataclass
class HeaderLayout:
    """Where the header is and what each column holds."""

    first_row: int  # 0-based index of the (first) header row
    last_row: int  # 0-based index of the last header row; data starts below it
    columns: list[Column]
    unmapped: list[tuple[int, str]] = field(default_factory=list)
    duplicates: list[tuple[int, str, str]] = field(default_factory=list)  # (index, header, field)
    title_unit: Unit | None = None
    width: int = 0

    def header_text(self, index: int) -> str:
        for c in self.columns:
            if c.index == index:
                return c.header
        return next((h for i, h in self.unmapped if i == index), f"#{index + 1}")


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index.

    >>> column_letter(0), column_letter(27)
    ('A', 'AB')
    """
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _filled(sheet: RawSheet, r: int) -> list[str]:
    """Row ``r`` of the head with merged cells' text copied into every cell they cover."""
    row = list(sheet.head[r])
    for r0, c0, r1, c1 in sheet.merged:
        if r0 <= r <= r1 and r0 < len(sheet.head) and c0 < len(sheet.head[r0]):
            value = sheet.head[r0][c0]
            row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = value
    return row


def _candidate(cell: str) -> tuple[str | None, str, Unit | None]:
    name, unit = split_header_unit(cell)
    return match_header(name), name, unit


def _pair(parent: str, child: str) -> tuple[str | None, str, Unit | None]:
    """Resolve a column of a two-row header."""
    p_field, p_name, p_unit = _candidate(parent)
    c_field, c_name, c_unit = _candidate(child)
    unit = c_unit or p_unit
    shown = f"{parent} / {child}" if parent and child and parent != child else (child or parent)
    folded = c_name.strip().lower()
    if p_field and folded in _PRIOR:
        prev = p_field + "_prev"
        return (prev if prev in FIELD_BY_NAME else None), shown, unit
    if p_field and folded in _CURRENT:
        return p_field, shown, unit
    combined = match_header(p_name + c_name)
    if combined:
        return combined, shown, unit
    if c_field:
        return c_field, shown, unit
    if not child or child == parent:
        return p_field, shown, unit
    return None, shown, unit


def _layout(rows: list[list[str]], first: int, last: int) -> HeaderLayout:
    width = max(len(r) for r in rows)
    parent = rows[0] + [""] * (width - len(rows[0]))
    child = rows[-1] + [""] * (width - len(rows[-1]))
    if len(rows) == 2:  # a parent cell spans the empty cells to its right (CSV has no merges)
        for j in range(1, width):
            if not parent[j] and child[j] and child[j].strip().lower() in _CURRENT | _PRIOR:
                parent[j] = parent[j - 1]
    layout = HeaderLayout(first, last, [], width=width)
    seen: dict[str, int] = {}
    for j in range(width):
        name, shown, unit = _pair(parent[j], child[j]) if len(rows) == 2 else _candidate(child[j])
        shown = shown if len(rows) == 2 else child[j]
        if name is None:
            if shown.strip():
                layout.unmapped.append((j, shown.strip()))
        elif name in seen:
            layout.duplicates.append((j, shown, name))
        else:
            seen[name] = j
            layout.columns.append(Column(j, name, shown.strip(), unit))
    return layout


def find_header(sheet: RawSheet) -> HeaderLayout:
    """The header layout of a sheet, or an :class:`IngestError` when none names two fields."""
    if sheet.typed_header:
        return _layout([sheet.head[0]], 0, 0)
    where = sheet.path + (f" [{sheet.sheet}]" if sheet.sheet else "")
    if not any(any(cell.strip() for cell in row) for row in sheet.head):
        raise IngestError(f"{where}: the file is empty", f"{where}：文件为空")
    filled = [_filled(sheet, r) for r in range(len(sheet.head))]
    # Single rows first: a pair must name strictly more fields to win, so that a title row
    # merged across the sheet is never taken for the parent of a one-row header.
    candidates = [([filled[r]], r) for r in range(len(filled))]
    candidates += [([filled[r], filled[r + 1]], r) for r in range(len(filled) - 1)]
    best: HeaderLayout | None = None
    for rows, first in candidates:
        layout = _layout(rows, first, first + len(rows) - 1)
        if best is None or len(layout.columns) > len(best.columns):
            best = layout
    if best is None or len(best.columns) < 2:
        raise IngestError(
            f"{where}: no header row found — none of the first {len(filled)} rows names at least "
            "two known fields (e.g. 客户编号 / customer_id, 资产总计 / total_assets); see "
            "docs/schema.md for accepted headers",
            f"{where}：未找到表头——前 {len(filled)} 行中没有一行包含至少两个可识别的字段"
            "（如 客户编号、资产总计）；可识别的表头见 docs/schema.md",
        )
    for r in range(best.first_row):
        unit = next((u for cell in filled[r] if (u := title_unit(cell))), None)
        best.title_unit = unit or best.title_unit
    return best
