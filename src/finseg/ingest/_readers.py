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

from finseg.exceptions import IngestError

__all__ = ["HEAD_ROWS", "RawSheet", "read_sheets", "read_sql"]

#: How many rows from the top are searched for the header.
HEAD_ROWS = 30
_SNIFF_BYTES = 1 << 20


@dataclass
class RawSheet:
    """One table of raw cells.

    ``head`` holds the first rows as strings (row ``i`` of it is file row ``i + 1``);
    ``merged`` the merged ranges as ``(first_row, first_col, last_row, last_col)``, 0-based;
    ``body(start)`` returns the rows from 0-based row ``start`` on as an Arrow table of
    columns ``c0, c1, …`` and their 1-based row numbers.
    """

    path: str
    format: str
    body: Callable[[int, int], tuple[pa.Table, np.ndarray, list[tuple[int, str]]]]
    head: list[list[str]]
    sheet: str | None = None
    encoding: str | None = None
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    typed_header: bool = False  # Parquet/SQL: the header is the column names, row 0


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


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        sample = fh.read(_SNIFF_BYTES)
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return encoding
        except UnicodeDecodeError as exc:
            if len(sample) == _SNIFF_BYTES and exc.start > len(sample) - 4:
                return encoding  # the sample cut a character in two
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise IngestError(
            f"{path}: cannot tell the text encoding; save it as UTF-8 or GBK",
            f"{path}：无法识别文件编码，请另存为 UTF-8 或 GBK",
        )
    return best.encoding


def _read_csv(path: Path) -> RawSheet:
    encoding = _detect_encoding(path)
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        text = "".join(line for _, line in zip(range(HEAD_ROWS + 5), fh, strict=False))
    delimiter = _sniff_delimiter(text, path)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        head = [row for _, row in zip(range(HEAD_ROWS), rows, strict=False)]
    except csv.Error as exc:  # e.g. a lone carriage return inside a field
        raise IngestError(
            f"{path}: cannot be read as CSV: {exc}", f"{path}：无法按 CSV 读取：{exc}"
        ) from exc

    def body(start: int, width: int) -> tuple[pa.Table, np.ndarray, list[tuple[int, str]]]:
        return _csv_body(path, encoding, delimiter, start, width)

    return RawSheet(str(path), "csv", body, head, encoding=encoding)


def _sniff_delimiter(text: str, path: Path) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    counts = {d: text.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","


def _read_arrow_csv(path: Path, encoding: str, delimiter: str, start: int, width: int,
                    threads: bool, on_invalid) -> pa.Table:  # fmt: skip
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(
            use_threads=threads, skip_rows=start, column_names=names,
            encoding=_arrow_enc(encoding), block_size=1 << 24,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, invalid_row_handler=on_invalid, ignore_empty_lines=False,
            newlines_in_values=False,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )  # fmt: skip


def _csv_body(path: Path, encoding: str, delimiter: str, start: int, width: int):
    """Read with threads; only when a row has the wrong number of cells, read again on one
    thread, the only way pyarrow tells each rejected row's line number."""
    rejected: list[tuple[int, str]] = []

    def on_invalid(row) -> str:
        rejected.append((row.number, row.text))
        return "skip"

    try:
        table = _read_arrow_csv(path, encoding, delimiter, start, width, True, on_invalid)
        if rejected:
            rejected.clear()
            table = _read_arrow_csv(path, encoding, delimiter, start, width, False, on_invalid)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise IngestError(
            f"{path}: cannot be read as CSV: {exc}", f"{path}：无法按 CSV 读取：{exc}"
        ) from exc
    # pyarrow numbers rejected rows by their line in the whole file (skipped rows counted)
    lines = np.setdiff1d(
        np.arange(start + 1, start + 1 + table.num_rows + len(rejected)),
        np.array([n for n, _ in rejected], dtype=np.int64),
    )
    return table, lines, rejected


def _arrow_enc(encoding: str) -> str:
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


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
        yield RawSheet(str(path), "xlsx", _rows_body(rows), rows[:HEAD_ROWS], name, merged=merged)


def _rows_body(rows: list[list[str]]):
    def body(start: int, width: int) -> tuple[pa.Table, np.ndarray, list[tuple[int, str]]]:
        part = rows[start:]
        columns = {
            f"c{j}": pa.array([r[j] if j < len(r) else "" for r in part], pa.string())
            for j in range(width)
        }
        return pa.table(columns), np.arange(start + 1, start + 1 + len(part)), []

    return body


# -- typed sources ------------------------------------------------------------------------------


def _typed_sheet(table: pa.Table, path: str, fmt: str) -> RawSheet:
    header = [str(c) for c in table.column_names]
    renamed = table.rename_columns([f"c{i}" for i in range(table.num_columns)])

    def body(start: int, width: int) -> tuple[pa.Table, np.ndarray, list[tuple[int, str]]]:
        return renamed, np.arange(2, 2 + renamed.num_rows), []

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
