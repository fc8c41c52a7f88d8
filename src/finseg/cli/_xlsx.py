"""Small Excel workbooks of summary tables (``scenarios compare``, ``policy replay``): one
table per sheet under a title and a few facts, headers in Chinese and English, written
atomically (a temporary file in the same folder, renamed when complete)."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from finseg._safe import check_output

__all__ = ["Sheet", "check_json_path", "check_xlsx_path", "write_json", "write_workbook"]

#: Excel number formats by column kind.
_NUMBER_FORMATS = {"money": "#,##0", "count": "#,##0", "rate": "0.00%", "signed": "+#,##0;-#,##0;0"}


@dataclass
class Sheet:
    """One sheet: ``frame`` under ``title``; ``headers`` (column → (zh, en)) and ``kinds``
    (column → ``money`` / ``count`` / ``rate`` / ``signed``)."""

    name: tuple[str, str]
    title: str
    frame: pd.DataFrame
    headers: dict[str, tuple[str, str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)


def check_xlsx_path(
    path: Path | None, option: str = "--out", inputs: tuple[Path | None, ...] = ()
) -> None:
    """A user error unless ``path`` may be written as an ``.xlsx`` file
    (:func:`finseg._safe.check_output`)."""
    if path is not None:
        check_output(path, option=option, suffixes=(".xlsx",), inputs=inputs)


def check_json_path(
    path: Path | None, option: str = "--json", inputs: tuple[Path | None, ...] = ()
) -> None:
    """A user error unless ``path`` may be written as a ``.json`` file
    (:func:`finseg._safe.check_output`)."""
    if path is not None:
        check_output(path, option=option, suffixes=(".json",), inputs=inputs)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """``payload`` as strict JSON (no NaN or infinity), written atomically."""
    from finseg._files import atomic_target

    text = json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False)
    with atomic_target(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")


def _width(value: Any) -> int:
    """Display width in Excel columns: CJK characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def _write_sheet(wb: Any, formats: dict[str, Any], sheet: Sheet, facts: list, n: int) -> None:
    ws = wb.add_worksheet(f"{sheet.name[0]} {sheet.name[1]}"[:31])
    ws.write_string(0, 0, sheet.title, formats["title"])
    row = 2
    for label, value in facts:
        ws.write_string(row, 0, label, formats["bold"])
        ws.write_string(row, 1, value, formats["text"])
        row += 1
    row += bool(facts)
    frame = sheet.frame
    headers = [" / ".join(sheet.headers.get(c, (c, c))) for c in frame.columns]
    if frame.empty:
        ws.write_row(row, 0, headers, formats["header"])
        ws.write_string(row + 1, 0, "无记录 / No rows", formats["text"])
    else:
        data = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
        columns = [{"header": h, "header_format": formats["header"],
                    "format": formats[sheet.kinds.get(c, "text")]}
                   for h, c in zip(headers, frame.columns, strict=True)]  # fmt: skip
        ws.add_table(row, 0, row + len(data), len(headers) - 1, {
            "name": f"Table_{n}", "data": data, "columns": columns,
            "style": "Table Style Light 9"})  # fmt: skip
    for col, (header, column) in enumerate(zip(headers, frame.columns, strict=True)):
        sample = frame[column].head(200).dropna()
        width = max([min(_width(header), 24), *map(_width, sample)], default=8)
        ws.set_column(col, col, min(60, max(8, width + 2)))
    ws.freeze_panes(row + 1, 0)


def write_workbook(
    path: Path, title: str, facts: list[tuple[str, str]], sheets: list[Sheet]
) -> Path:
    """Write ``sheets`` (the first under the ``facts``) as an Excel workbook at ``path``."""
    from finseg._safe import safe_workbook

    base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top"}
    with safe_workbook(path) as wb:
        wb.set_properties({"title": title})
        formats = {
            "title": wb.add_format(base | {"bold": True, "font_size": 14, "font_color": "#12365F"}),
            "bold": wb.add_format(base | {"bold": True}),
            "text": wb.add_format(base),
            "header": wb.add_format(
                base | {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True}
            ),
        } | {k: wb.add_format(base | {"num_format": v}) for k, v in _NUMBER_FORMATS.items()}
        for n, sheet in enumerate(sheets, start=1):
            _write_sheet(wb, formats, sheet, facts if n == 1 else [], n)
    return path
