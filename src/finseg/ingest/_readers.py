"""Readers: CSV (UTF-8, UTF-8 BOM, GBK/GB18030), XLSX, Parquet and SQL into raw sheets.

A reader does not interpret headers or cells.  It yields :class:`RawSheet` objects: the first
rows as text (to find the header), the merged cell ranges, and a way to get the body below
the header as an Arrow table plus the row number of every body row as the user sees it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from finseg.exceptions import IngestError
from finseg.ingest._formulas import formula_problems

__all__ = ["HEAD_ROWS", "Body", "RawSheet", "read_sheets", "read_sql"]

#: How many rows from the top are searched for the header.
HEAD_ROWS = 30
_SNIFF_BYTES = 1 << 20
#: Arrow's block: a CSV record longer than this (16 MiB) cannot be read.
_BLOCK = 1 << 24
_CHUNK = 1 << 26  # bytes decoded at a time when a file is transcoded


@dataclass
class Body:
    """The rows below the header.

    ``table`` holds columns ``c0, c1, …`` as read; ``rows`` the 1-based row number of each
    table row as the user sees it (the Excel row, or the CSV line where the record starts);
    ``rejected`` the ``(line, raw text)`` of CSV records whose cell count differs from the
    header's; ``undecodable`` maps a table position to the raw text of a line in it that is
    not in the file's encoding.
    """

    table: pa.Table
    rows: np.ndarray
    rejected: list[tuple[int, str]] = field(default_factory=list)
    undecodable: dict[int, str] = field(default_factory=dict)


@dataclass
class RawSheet:
    """One table of raw cells.

    ``head`` holds the first rows as strings (row ``i`` of it is file row ``i + 1``);
    ``merged`` the merged ranges as ``(first_row, first_col, last_row, last_col)``, 0-based;
    ``body(start, width)`` returns the rows from 0-based row ``start`` on as a :class:`Body`.
    """

    path: str
    format: str
    body: Callable[[int, int], Body]
    head: list[list[str]]
    sheet: str | None = None
    encoding: str | None = None
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    typed_header: bool = False  # Parquet/SQL: the header is the column names, row 0
    #: Workbook cells whose formula left no value: (row, column), 0-based -> the error value
    #: (``#DIV/0!``) or ``NO_VALUE`` (see :mod:`finseg.ingest._formulas`).
    formula_cells: dict[tuple[int, int], str] = field(default_factory=dict)


def read_sheets(path: Path, sheet: str | None = None) -> Iterator[RawSheet]:
    """Yield the raw sheets of a file, choosing the reader by its extension."""
    if not path.exists():
        raise IngestError(f"{path}: file not found", f"{path}：文件不存在")
    if path.is_dir():
        raise IngestError(f"{path}: is a directory, expected a file", f"{path}：是目录，应为文件")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        yield _read_csv(path)
    elif suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        yield from _read_workbook(path, sheet)
    elif suffix in (".parquet", ".pq"):
        yield _read_parquet(path)
    else:
        raise IngestError(
            f"{path}: unsupported file type {suffix!r}; expected .csv, .xlsx, .xls or .parquet",
            f"{path}：不支持的文件类型 {suffix!r}，应为 .csv、.xlsx、.xls 或 .parquet",
        )


# -- CSV ----------------------------------------------------------------------------------------


def _decodes(data: bytes, encoding: str, truncated: bool = False) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return truncated and exc.start > len(data) - 4  # the sample cut a character in two
    return True


def _utf8_line(line: bytes) -> bool:
    """A line with non-ASCII text that is valid UTF-8: in a GBK file, a line saved as UTF-8
    (GBK text is almost never valid UTF-8)."""
    return not line.isascii() and _decodes(line, "utf-8")


def _kind(line: bytes) -> str | None:
    """``ascii``, ``utf-8``, ``gb18030`` or ``None`` (neither) for one line."""
    if line.isascii():
        return "ascii"
    if _decodes(line, "utf-8"):
        return "utf-8"
    return "gb18030" if _decodes(line, "gb18030") else None


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030 (a superset of GBK): the
    encoding most non-ASCII lines of the first MiB are written in.  Never a guess among
    single-byte code pages: a file in neither is refused."""
    with path.open("rb") as fh:
        sample = fh.read(_SNIFF_BYTES)
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    truncated = len(sample) == _SNIFF_BYTES
    if _decodes(sample, "utf-8", truncated):
        return "utf-8"
    lines = sample.split(b"\n")[: -1 if truncated else None]
    kinds = [_kind(line) for line in lines]
    utf8, gbk, neither = (kinds.count(k) for k in ("utf-8", "gb18030", None))
    if neither >= utf8 + gbk:  # mostly in some other encoding: refuse rather than guess
        first = kinds.index(None) + 1
        raise IngestError(
            f"{path}: line {first} is neither UTF-8 nor GBK/GB18030 (nor are {neither} of the "
            f"{utf8 + gbk + neither} lines with non-ASCII text); save the file as UTF-8",
            f"{path}：第 {first} 行既不是 UTF-8 也不是 GBK/GB18030 编码（含非 ASCII 字符的 "
            f"{utf8 + gbk + neither} 行中有 {neither} 行如此）；请另存为 UTF-8",
        )
    return "utf-8" if utf8 >= gbk else "gb18030"


def _read_csv(path: Path) -> RawSheet:
    encoding = _detect_encoding(path)
    csv.field_size_limit(max(csv.field_size_limit(), _BLOCK))  # big cells: quarantined later
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        text = "".join(line for _, line in zip(range(HEAD_ROWS + 5), fh, strict=False))
    delimiter = _sniff_delimiter(text, path)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    head: list[list[str]] = []
    starts = [1]  # the line each record of the head starts on
    try:
        for row in rows:
            if len(head) == HEAD_ROWS:
                break
            head.append(row)
            starts.append(rows.line_num + 1)
    except csv.Error as exc:  # e.g. a lone carriage return inside a field
        raise IngestError(
            f"{path}: cannot be read as CSV: {exc}", f"{path}：无法按 CSV 读取：{exc}"
        ) from exc

    def body(start: int, width: int) -> Body:
        # pyarrow skips physical lines, not records: skip the lines before record ``start``
        first = starts[min(start, len(starts) - 1)]
        return _csv_body(path, encoding, delimiter, first - 1, width, first)

    return RawSheet(str(path), "csv", body, head, encoding=encoding)


def _sniff_delimiter(text: str, path: Path) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    counts = {d: text.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","


def _read_arrow_csv(source, delimiter: str, start: int, width: int, threads: bool,
                    on_invalid) -> pa.Table:  # fmt: skip
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]
    return pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(
            use_threads=threads, skip_rows=start, column_names=names, encoding="utf8",
            block_size=_BLOCK,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, invalid_row_handler=on_invalid, ignore_empty_lines=False,
            newlines_in_values=True,  # RFC 4180: a quoted cell may hold line breaks
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )  # fmt: skip


def _arrow_body(source_of, delimiter: str, start: int, width: int):
    """Read with threads; only when a record has the wrong number of cells, read again on one
    thread, the only way pyarrow tells each rejected record's number."""
    rejected: list[tuple[int, str]] = []

    def on_invalid(row) -> str:
        rejected.append((row.number, row.text))
        return "skip"

    table = _read_arrow_csv(source_of(), delimiter, start, width, True, on_invalid)
    if rejected:
        rejected.clear()
        table = _read_arrow_csv(source_of(), delimiter, start, width, False, on_invalid)
    return table, rejected


def _has_byte(text: pa.Array | pa.ChunkedArray, byte: int) -> bool:
    """Whether any cell may hold ``byte``: one pass over the raw character buffers (a yes
    may come from bytes outside a sliced array; the exact count follows)."""
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    for chunk in chunks:
        data = chunk.buffers()[2] if chunk.type in (pa.string(), pa.large_string()) else None
        if data is not None and (np.frombuffer(data, dtype=np.uint8) == byte).any():
            return True
    return False


def _line_breaks(text: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Line breaks (CRLF, LF or CR) inside each cell."""
    if not (_has_byte(text, 10) or _has_byte(text, 13)):
        return np.zeros(len(text), dtype=np.int64)

    def count(pattern: str) -> np.ndarray:
        counted = pc.count_substring(text, pattern).fill_null(0)
        return counted.to_numpy(zero_copy_only=False).astype(np.int64)

    return count("\n") + count("\r") - count("\r\n")


def _record_lines(table: pa.Table, rejected: list[tuple[int, str]], start: int,
                  first_line: int) -> tuple[np.ndarray, list[tuple[int, str]]]:  # fmt: skip
    """The line each record starts on, from pyarrow's record numbers and the line breaks
    inside quoted cells; returned for the table rows and for the rejected records."""
    n = table.num_rows + len(rejected)
    number = np.arange(start + 1, start + 1 + n)  # pyarrow numbers records from 1
    is_rejected = np.isin(number, np.array([k for k, _ in rejected], dtype=np.int64))
    extra = np.zeros(n, dtype=np.int64)
    for col in table.columns:
        extra[~is_rejected] += _line_breaks(col)
    text = pa.array([t for _, t in rejected], pa.string())
    extra[is_rejected] = _line_breaks(text) if len(text) else 0
    lines = first_line + np.arange(n) + np.concatenate([[0], np.cumsum(extra)[:-1]])
    bad = lines[is_rejected]
    return lines[~is_rejected], [(int(b), t) for b, (_, t) in zip(bad, rejected, strict=True)]


def _lines_of(chunk: bytes, codec: str, gbk: bool, first: int,
              bad: list[tuple[int, bytes]]) -> str:  # fmt: skip
    """Decode ``chunk`` line by line; lines not in ``codec`` (and, in a GBK file, lines
    written in UTF-8) go to ``bad`` with their line number and are kept with replacement
    characters (their rows are quarantined)."""
    parts = []
    for k, line in enumerate(io.BytesIO(chunk)):
        if (gbk and _utf8_line(line)) or not _decodes(line, codec):
            bad.append((first + k, line.rstrip(b"\r\n")))
        parts.append(line.decode(codec, errors="replace"))
    return "".join(parts)


def _transcode(data: bytes, encoding: str) -> tuple[pa.Buffer, list[tuple[int, bytes]]]:
    """The file as UTF-8 for Arrow, decoded in chunks of whole lines (so that memory stays
    near the file's size), and the ``(line, raw bytes)`` of lines not in ``encoding``."""
    if encoding == "utf-16":
        return pa.py_buffer(data.decode("utf-16").encode("utf-8")), []
    codec, gbk = ("gb18030", True) if encoding == "gb18030" else ("utf-8", False)
    pos = 3 if encoding == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf") else 0
    sink, bad, line = pa.BufferOutputStream(), [], 1
    while pos < len(data):
        end = data.find(b"\n", min(pos + _CHUNK, len(data)))
        end = len(data) if end < 0 else end + 1
        chunk = data[pos:end]
        try:
            text = chunk.decode(codec)
            if gbk and not chunk.isascii():  # a GBK file may hold lines saved as UTF-8
                bad += [(line + k, t.rstrip(b"\r\n"))
                        for k, t in enumerate(io.BytesIO(chunk)) if _utf8_line(t)]  # fmt: skip
        except UnicodeDecodeError:
            text = _lines_of(chunk, codec, gbk, line, bad)
        sink.write(text.encode("utf-8"))
        line += chunk.count(b"\n")
        pos = end
    return sink.getvalue(), bad


def _csv_body(path: Path, encoding: str, delimiter: str, start: int, width: int,
              first_line: int) -> Body:  # fmt: skip
    """Arrow reads a UTF-8 file straight from disk; any other encoding, or a UTF-8 file with
    a line that is not, is decoded line by line in memory first."""
    bad: list[tuple[int, bytes]] = []
    try:
        if encoding in ("utf-8", "utf-8-sig"):
            try:
                table, rejected = _arrow_body(lambda: str(path), delimiter, start, width)
            except pa.ArrowInvalid:  # a line not in UTF-8, or a record beyond one block
                table = None
        else:
            table = None
        if table is None:
            data, bad = _transcode(path.read_bytes(), encoding)
            table, rejected = _arrow_body(lambda: pa.BufferReader(data), delimiter, start, width)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise IngestError(
            f"{path}: cannot be read as CSV: {exc}", f"{path}：无法按 CSV 读取：{exc}"
        ) from exc
    lines, rejected = _record_lines(table, rejected, start, first_line)
    return Body(table, lines, rejected, _undecodable(bad, lines, rejected))


def _undecodable(bad: list[tuple[int, bytes]], lines: np.ndarray,
                 rejected: list[tuple[int, str]]) -> dict[int, str]:  # fmt: skip
    """Table positions of the records that hold a line not in the file's encoding, with
    that line's raw text (bytes beyond ASCII written as ``\\xNN``)."""
    starts = np.concatenate([lines, np.array([n for n, _ in rejected], dtype=np.int64)])
    order = np.argsort(starts, kind="stable")
    found: dict[int, str] = {}
    for line, raw in bad:
        k = int(np.searchsorted(starts[order], line, side="right")) - 1
        if k < 0 or order[k] >= len(lines):  # in the header, or a rejected record
            continue
        text = raw.decode("ascii", errors="backslashreplace").rstrip("\r")
        found.setdefault(int(order[k]), text)
    return found


# -- workbooks ----------------------------------------------------------------------------------


def _cell_text(v: object) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time(0) else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _read_workbook(path: Path, wanted: str | None) -> Iterator[RawSheet]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise IngestError(
            f"{path}: cannot be opened as a workbook: {exc}",
            f"{path}：无法作为 Excel 工作簿打开：{exc}",
        ) from exc
    names = book.sheet_names
    if wanted is not None and wanted not in names:
        raise IngestError(
            f"{path}: no sheet named {wanted!r}; sheets are {', '.join(names)}",
            f"{path}：没有名为 {wanted!r} 的工作表；现有工作表：{'、'.join(names)}",
        )
    for name in [wanted] if wanted else names:
        sheet = book.get_sheet_by_name(name)
        rows = [[_cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
        if not any(any(c for c in row) for row in rows):
            continue
        merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
        yield RawSheet(
            str(path), "xlsx", _rows_body(rows), rows[:HEAD_ROWS], name, merged=merged,
            formula_cells=formula_problems(str(path), name),
        )  # fmt: skip


def _rows_body(rows: list[list[str]]):
    def body(start: int, width: int) -> Body:
        part = rows[start:]
        columns = {
            f"c{j}": pa.array([r[j] if j < len(r) else "" for r in part], pa.string())
            for j in range(width)
        }
        return Body(pa.table(columns), np.arange(start + 1, start + 1 + len(part)))

    return body


# -- typed sources ------------------------------------------------------------------------------


def _typed_sheet(table: pa.Table, path: str, fmt: str) -> RawSheet:
    header = [str(c) for c in table.column_names]
    renamed = table.rename_columns([f"c{i}" for i in range(table.num_columns)])

    def body(start: int, width: int) -> Body:
        return Body(renamed, np.arange(2, 2 + renamed.num_rows))

    return RawSheet(path, fmt, body, [header], typed_header=True)


def _read_parquet(path: Path) -> RawSheet:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise IngestError(
            f"{path}: cannot be read as Parquet: {exc}", f"{path}：无法按 Parquet 读取：{exc}"
        ) from exc
    return _typed_sheet(table, str(path), "parquet")


_PASSWORD = re.compile(r"(://[^:/@]+:)[^@]+@")


def read_sql(url: str, query: str) -> RawSheet:
    """Run ``query`` against the database at ``url`` (an SQLAlchemy URL)."""
    import pandas as pd
    import sqlalchemy as sa

    shown = _PASSWORD.sub(r"\1***@", url)
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            frame = pd.read_sql_query(sa.text(query), conn)
    except Exception as exc:  # driver errors vary by database; all are the user's to fix
        raise IngestError(f"{shown}: query failed: {exc}", f"{shown}：查询失败：{exc}") from exc
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return _typed_sheet(table, shown, "sql")
