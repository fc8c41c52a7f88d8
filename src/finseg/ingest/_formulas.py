"""Formula cells of an ``.xlsx`` sheet that hold no usable value.

calamine reads the value Excel cached with each formula; a formula with no cached value (a
file written by a program that does not calculate, never opened and saved in Excel) and an
error value (``#DIV/0!``, ``#N/A``, ``#REF!``, ``#VALUE!``, …) both come back as empty cells.
This module finds them in the sheet's XML so that ingest can report each one instead of
taking it for a blank.  Only the cells with a formula or an error are looked at: a sheet
without either is skipped after one search of its bytes.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import PurePosixPath

__all__ = ["NO_VALUE", "formula_problems"]

#: Marker for a formula cell without a cached value.
NO_VALUE = "(no cached value)"

_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_ERROR_TYPE = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>([^<]*)</(?:\w+:)?v>")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_ID_FIRST = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_TARGET_FIRST = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


def _column(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1


def _unescape(name: bytes) -> str:
    text = name.decode("utf-8")
    for ent, ch in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(ent, ch)
    return text


def _sheet_paths(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> path of its XML inside the archive."""
    workbook = book.read("xl/workbook.xml")
    rels = book.read("xl/_rels/workbook.xml.rels")
    targets = {rid: t for rid, t in _REL.findall(rels)}
    targets.update({rid: t for t, rid in _REL_TARGET_FIRST.findall(rels)})
    sheets = {name: rid for name, rid in _SHEET.findall(workbook)}
    sheets.update({name: rid for rid, name in _SHEET_ID_FIRST.findall(workbook)})
    paths = {}
    for name, rid in sheets.items():
        target = targets.get(rid, b"").decode("utf-8")
        if target:
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            paths[_unescape(name)] = str(PurePosixPath(path))
    return paths


def _cells(xml: bytes, marks: list[int]) -> dict[tuple[int, int], str]:
    """The cells around ``marks`` (positions of a formula or an error type)."""
    found: dict[tuple[int, int], str] = {}
    done_until = -1
    for mark in marks:
        if mark < done_until:
            continue  # the same cell's formula and error type
        start = max(xml.rfind(b"<c ", 0, mark), xml.rfind(b":c ", 0, mark))
        head_end = xml.find(b">", start)
        if start < 0 or head_end < 0:
            continue
        if xml[head_end - 1 : head_end] == b"/":
            end = head_end + 1
        else:
            close = _CELL_END.search(xml, head_end)
            end = close.end() if close else len(xml)
        if not start < mark < end:
            continue  # not inside a cell
        done_until = end
        ref = _REF.search(xml, start, head_end)
        if ref is None:
            continue
        where = (int(ref.group(2)) - 1, _column(ref.group(1)))
        value = _VALUE.search(xml, head_end, end)
        text = value.group(1).decode("utf-8", errors="replace").strip() if value else ""
        if _ERROR_TYPE.search(xml, start, head_end):
            found[where] = text or "#ERROR"
        elif _FORMULA.search(xml, head_end, end) and not text:
            found[where] = NO_VALUE
    return found


_TOKENS = (b"<f>", b"<f ", b"<f/", b":f", b't="e"')


def _mentions_formulas(book: zipfile.ZipFile, member: str) -> bool:
    """Whether the sheet's XML holds a formula or an error value: a byte search over it,
    streamed in blocks so that the usual sheet (neither) is never held in memory whole."""
    tail = b""
    with book.open(member) as fh:
        while block := fh.read(1 << 24):
            window = tail + block
            if any(token in window for token in _TOKENS):
                return True
            tail = window[-8:]
    return False


def formula_problems(path: str, sheet: str) -> dict[tuple[int, int], str]:
    """``(row, column)`` (0-based) -> the error value (``#DIV/0!``) or :data:`NO_VALUE`, for
    every cell of ``sheet`` whose formula left no value; empty for other workbook formats."""
    if not path.lower().endswith((".xlsx", ".xlsm")):
        return {}
    try:
        with zipfile.ZipFile(path) as book:
            member = _sheet_paths(book).get(sheet)
            if member is None or not _mentions_formulas(book, member):
                return {}
            xml = book.read(member)
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}  # calamine opened it; it reports what it can read
    marks = [m.start() for m in _FORMULA.finditer(xml)]
    marks += [m.start() for m in _ERROR_TYPE.finditer(xml)]
    return _cells(xml, sorted(marks)) if marks else {}
