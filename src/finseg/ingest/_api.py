"""Ingest: files in, one canonical table out, every problem reported where the user sees it.

>>> from finseg.ingest import ingest  # doctest: +SKIP
>>> result = ingest([Path("export.xlsx")], unit=Unit.WAN)  # doctest: +SKIP
>>> result.frame.shape, result.report.rows_quarantined  # doctest: +SKIP
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from finseg.exceptions import IngestError
from finseg.ingest._cells import MISSING_TOKENS, parse_column
from finseg.ingest._formulas import NO_VALUE
from finseg.ingest._headers import HeaderLayout, column_letter, find_header
from finseg.ingest._quality import FileSummary, Problem, QualityReport, Severity
from finseg.ingest._readers import RawSheet, read_sheets, read_sql
from finseg.ingest._units import Unit, split_header_unit
from finseg.ingest._validate import duplicate_rows, row_issues
from finseg.schema import FIELD_BY_NAME, FIELDS, REQUIRED

__all__ = ["PROVENANCE", "IngestResult", "ingest", "ingest_sheet"]

#: Longest cell accepted, in characters (Excel's own limit); a row with a longer one is
#: quarantined.
MAX_CELL_CHARS = 32_767
#: Columns added to the canonical fields: where each row came from.
PROVENANCE = ("source_file", "source_sheet", "source_row")
# RE2's \b only knows ASCII words, so the Chinese words need no boundary and the English ones
# an explicit one.
_TOTAL_WORDS = r"^(合\s*计|总\s*计|小\s*计|共\s*计|累\s*计|(grand\s+)?total|sum|subtotal)($|[^a-z])"


@dataclass
class IngestResult:
    """The canonical frame, the quarantined rows (as written in the file) and the report."""

    frame: pd.DataFrame
    quarantine: pd.DataFrame
    report: QualityReport


@dataclass
class _Part:
    """One sheet after parsing, before rows from all sheets are pooled."""

    frame: pd.DataFrame
    raw: pa.Table
    layout: HeaderLayout
    summary: FileSummary
    reasons: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, raw text)

    def error_rows(self) -> np.ndarray:
        mask = np.zeros(len(self.frame), dtype=bool)
        mask[list(self.reasons)] = True
        return mask


def _empty(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    if not pa.types.is_string(col.type):
        col = pc.cast(col, pa.string())
    text = pc.utf8_trim_whitespace(col.fill_null(""))
    return pc.is_in(text, value_set=pa.array(MISSING_TOKENS)).to_numpy(zero_copy_only=False)


def _blank_and_total(raw: pa.Table, layout: HeaderLayout) -> tuple[np.ndarray, np.ndarray]:
    """Rows with no value at all, and totals rows (合计/总计/Total in an identifying cell)."""
    blank = np.zeros(raw.num_rows, dtype=bool)
    if raw.num_columns:
        candidates = np.flatnonzero(_empty(raw.column(0)))
        for j in range(1, raw.num_columns):  # narrow down: usually no row survives the first
            if not len(candidates):
                break
            candidates = candidates[_empty(raw.column(j).take(pa.array(candidates)))]
        blank[candidates] = True
    probe = {c.index for c in layout.columns if c.field in ("customer_id", "customer_name")}
    probe |= set(range(min(3, raw.num_columns)))
    total = np.zeros(raw.num_rows, dtype=bool)
    for j in sorted(probe):
        col = raw.column(j)
        col = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
        text = pc.utf8_lower(pc.utf8_trim_whitespace(col.fill_null("")))
        total |= pc.match_substring_regex(text, _TOTAL_WORDS).to_numpy(zero_copy_only=False)
    return blank, total & ~blank


def _summary(sheet: RawSheet, layout: HeaderLayout, unit: Unit | None) -> FileSummary:
    if layout.title_unit:
        chosen, source = layout.title_unit, "title"
    elif unit:
        chosen, source = unit, "option"
    else:
        chosen, source = Unit.YUAN, "default"
    return FileSummary(
        path=sheet.path,
        format=sheet.format,
        sheet=sheet.sheet,
        encoding=sheet.encoding,
        header_row=None if sheet.typed_header else layout.last_row + 1,
        unit=chosen.value,
        unit_source=source,
        columns_mapped={c.header: c.field for c in layout.columns},
        columns_unmapped=[h for _, h in layout.unmapped] + [h for _, h, _ in layout.duplicates],
    )


def _check_required(sheet: RawSheet, layout: HeaderLayout, as_of: date | None) -> None:
    have = {c.field for c in layout.columns} | ({"as_of_date"} if as_of else set())
    missing = [name for name in REQUIRED if name not in have]
    if not missing:
        return
    where = sheet.path + (f" [{sheet.sheet}]" if sheet.sheet else "")
    zh = "；".join(
        f"{FIELD_BY_NAME[m].zh}（可用表头：{'、'.join(FIELD_BY_NAME[m].aliases[:4])}）"
        for m in missing
    )
    en = "; ".join(
        f"{m} (headers accepted: {', '.join(FIELD_BY_NAME[m].aliases[:4])})" for m in missing
    )
    hint_zh = "；报表日期也可用 --as-of 指定" if "as_of_date" in missing else ""
    hint_en = (
        "; the statement date can also be given with --as-of" if "as_of_date" in missing else ""
    )
    raise IngestError(
        f"{where}: missing required column(s): {en}{hint_en}", f"{where}：缺少必填列：{zh}{hint_zh}"
    )


class _Reporter:
    """Turns masks into located problems and per-row quarantine reasons."""

    def __init__(self, part: _Part, rows: np.ndarray, report: QualityReport) -> None:
        self.part, self.rows, self.report = part, rows, report
        self.by_field = {c.field: c for c in part.layout.columns}
        self.failed: set[tuple[int, str]] = set()  # (row, field) cells already in error

    def add(self, mask, field_name, rule, zh, en, error=True, values=None) -> None:
        column = self.by_field.get(field_name)
        header = column.header if column else FIELD_BY_NAME[field_name].zh
        letter = (
            column_letter(column.index) if column and self.part.summary.format == "xlsx" else None
        )
        raw = self.part.raw.column(column.index) if column else None
        severity = Severity.ERROR if error else Severity.WARNING
        for pos in np.flatnonzero(mask):
            if rule == "required" and (int(pos), field_name) in self.failed:
                continue  # the cell was there but unreadable; that error says it already
            value = (
                values[pos]
                if values is not None
                else (raw[int(pos)].as_py() if raw is not None else None)
            )
            self.report.add(
                Problem(
                    self.part.summary.path,
                    int(self.rows[pos]),
                    header,
                    None if value is None else str(value),
                    rule,
                    severity,
                    zh,
                    en,
                    self.part.summary.sheet,
                    field_name,
                    letter,
                )
            )
            if error:
                self.failed.add((int(pos), field_name))
                self.part.reasons[int(pos)].append(f"{header}: {zh} / {en}")


def _same_values(
    part: _Part, j: int, shown: str, name: str, factor: float, rows: np.ndarray, report
) -> None:
    """A second column mapped to the field ``name``: fine (with a note) when its values agree
    with the first one's in every row, else an error naming both headers."""
    first = next(c for c in part.layout.columns if c.field == name)
    unit = split_header_unit(shown)[1]
    values = parse_column(
        part.raw.column(j), FIELD_BY_NAME[name], unit.factor if unit else factor
    ).values
    kept = part.frame[name]
    differ = ~((kept.isna() & values.isna()) | (kept == values).fillna(False)).to_numpy(bool)
    fmt = part.summary.format
    where = part.summary.path + (f" [{part.summary.sheet}]" if part.summary.sheet else "")
    a, b = (
        (f"{h} ({column_letter(i)})" if fmt == "xlsx" else h)
        for h, i in ((first.header, first.index), (shown, j))
    )
    if not differ.any():
        report.add(Problem(
            part.summary.path, None, shown, None, "duplicate_column", Severity.NOTE,
            f"列“{b}”与“{a}”同为字段 {name}，取值一致，只读一次",
            f"columns {b!r} and {a!r} both map to {name} and agree in every row; read once",
            part.summary.sheet, name,
        ))  # fmt: skip
        return
    pos = int(np.flatnonzero(differ)[0])
    x, y = part.raw.column(first.index)[pos].as_py(), part.raw.column(j)[pos].as_py()
    raise IngestError(
        f"{where}: columns {a!r} and {b!r} both map to the field {name}, and their values "
        f"differ in {int(differ.sum())} row(s), first in row {int(rows[pos])} ({x!r} vs {y!r}); "
        "remove or rename one of them",
        f"{where}：列“{a}”和“{b}”都对应字段 {name}，但有 {int(differ.sum())} 行取值不同"
        f"（首个在第 {int(rows[pos])} 行：{x!r} 与 {y!r}）；请删除或重命名其中一列",
    )


def _fill_as_of(frame: pd.DataFrame, as_of: date | None, reporter: _Reporter) -> None:
    if as_of is None:
        return
    if "as_of_date" not in reporter.by_field:
        frame["as_of_date"] = pd.Series(np.datetime64(as_of, "ms"), index=frame.index)
        return
    empty = frame["as_of_date"].isna().to_numpy()
    if empty.any():
        frame.loc[empty, "as_of_date"] = np.datetime64(as_of, "ms")
        reporter.add(
            empty,
            "as_of_date",
            "as_of_filled",
            f"报表日期为空，按 --as-of 填为 {as_of}",
            f"empty statement date filled from --as-of: {as_of}",
            error=False,
        )


def ingest_sheet(
    sheet: RawSheet,
    report: QualityReport,
    *,
    unit: Unit | None = None,
    as_of: date | None = None,
    tolerance: float = 0.01,
    today: date | None = None,
) -> _Part:
    """Parse and check one raw sheet; problems go into ``report``."""
    layout = find_header(sheet)
    _check_required(sheet, layout, as_of)
    summary = _summary(sheet, layout, unit)
    body = sheet.body(layout.last_row + 1, layout.width)
    raw, rows, rejected = body.table, body.rows, body.rejected
    summary.rows_read = int(len(rows) + len(rejected))
    blank, total = _blank_and_total(raw, layout)
    undecodable = np.zeros(len(rows), dtype=bool)
    undecodable[list(body.undecodable)] = True
    blank &= ~undecodable  # a garbled row is never taken for a blank or totals row
    total &= ~undecodable
    formulas, formula_values = _formula_cells(sheet, layout.last_row + 1, len(rows))
    if formulas.size:
        blank &= ~formulas.any(axis=1)  # a row of formula errors is not a blank row
    keep = ~(blank | total)
    summary.rows_skipped_blank, summary.rows_skipped_total = int(blank.sum()), int(total.sum())
    for pos in np.flatnonzero(total):
        report.add(
            Problem(
                sheet.path,
                int(rows[pos]),
                None,
                None,
                "totals_row",
                Severity.NOTE,
                "合计行，已跳过",
                "totals row skipped",
                sheet.sheet,
            )
        )
    lost = {int(p): t for p, t in body.undecodable.items()}
    if not keep.all():  # filtering copies every column: only when a row goes
        raw, rows, undecodable = raw.filter(pa.array(keep)), rows[keep], undecodable[keep]
    part = _Part(pd.DataFrame(index=pd.RangeIndex(raw.num_rows)), raw, layout, summary)
    part.rejected = rejected
    reporter = _Reporter(part, rows, report)
    _undecodable_rows(part, undecodable, [lost[k] for k in sorted(lost)], rows, report)
    if formulas.size:
        _report_formulas(layout, formulas[keep], formula_values, reporter)
    oversized = _oversized(part, rows, report, reporter)
    factor = Unit(summary.unit).factor
    for column in layout.columns:
        f = FIELD_BY_NAME[column.field]
        cells = raw.column(column.index)
        if column.index in oversized:  # reported once as too large, not again as unreadable
            cells = pc.if_else(pa.array(oversized[column.index]), "", cells)
        parsed = parse_column(cells, f, (column.unit.factor if column.unit else factor))
        part.frame[f.name] = parsed.values
        for issue in parsed.issues:
            reporter.add(issue.mask, f.name, issue.rule, issue.zh, issue.en, issue.error)
    for j, shown, name in layout.duplicates:
        _same_values(part, j, shown, name, factor, rows, report)
    _fill_as_of(part.frame, as_of, reporter)
    for issue in row_issues(part.frame, tolerance, today):
        reporter.add(
            issue.mask, issue.field, issue.rule, issue.zh, issue.en, issue.error, issue.values
        )
    for line, text in rejected:
        report.add(
            Problem(
                sheet.path,
                line,
                None,
                text[:200],
                "cell_count",
                Severity.ERROR,
                *_cell_count_message(layout.width),
                sheet.sheet,
            )
        )
    part.frame["source_file"] = Path(sheet.path).name
    part.frame["source_sheet"] = sheet.sheet
    part.frame["source_row"] = rows
    summary.rows_quarantined = len(rejected)
    return part


def _cell_count_message(width: int) -> tuple[str, str]:
    return (
        f"本行单元格数与表头（{width} 列）不符，整行未读入，原文见隔离文件",
        f"row does not have the header's {width} cells; not read (its text is in the "
        "quarantine file)",
    )


def _formula_cells(sheet: RawSheet, start: int, n: int) -> tuple[np.ndarray, list[str]]:
    """Body rows × columns where a workbook formula left no value, as codes (1 + the index
    into the values returned with them); an empty array when there is none."""
    cells = {(r - start, c): v for (r, c), v in sheet.formula_cells.items() if 0 <= r - start < n}
    if not cells:
        return np.zeros((0, 0), dtype=np.int32), []
    width = max(c for _, c in cells) + 1
    out = np.zeros((n, width), dtype=np.int32)
    values = sorted(set(cells.values()))
    for (pos, c), v in cells.items():
        out[pos, c] = 1 + values.index(v)
    return out, values


def _report_formulas(layout: HeaderLayout, codes: np.ndarray, shown: list[str],
                     reporter: _Reporter) -> None:  # fmt: skip
    """Each formula cell without a value: an error for a required field, else a warning."""
    values = np.array([None, *shown], dtype=object)
    for column in layout.columns:
        if column.index >= codes.shape[1] or not codes[:, column.index].any():
            continue
        code = codes[:, column.index]
        required = FIELD_BY_NAME[column.field].required
        blank = "" if required else "，按空值处理"
        blank_en = "" if required else "; taken as empty"
        no_value = values[code] == NO_VALUE
        if (mask := no_value & (code > 0)).any():
            reporter.add(
                mask, column.field, "formula_no_value",
                f"公式没有计算结果（文件未经 Excel 计算并保存）{blank}",
                f"formula without a calculated value (the file was not calculated and saved "
                f"in Excel){blank_en}", required, values[code],
            )  # fmt: skip
        if (mask := ~no_value & (code > 0)).any():
            reporter.add(
                mask, column.field, "formula_error", f"公式结果为错误值{blank}",
                f"formula result is an error value{blank_en}", required, values[code],
            )  # fmt: skip


def _undecodable_rows(part: _Part, mask: np.ndarray, texts: list[str], rows: np.ndarray,
                      report: QualityReport) -> None:  # fmt: skip
    """Rows holding a line not in the file's encoding: errors, their raw bytes shown."""
    enc = part.summary.encoding or "utf-8"
    zh = f"本行不是文件的编码（{enc}），未读入以免乱码；请统一另存为 UTF-8"
    en = f"row is not in the file's encoding ({enc}); not read, to avoid garbled text"
    for pos, text in zip(np.flatnonzero(mask), texts, strict=True):
        report.add(Problem(
            part.summary.path, int(rows[pos]), None, text[:200], "encoding", Severity.ERROR,
            zh, en, part.summary.sheet,
        ))  # fmt: skip
        part.reasons[int(pos)].append(f"{zh} / {en}")


def _oversized(part: _Part, rows: np.ndarray, report: QualityReport,
               reporter: _Reporter) -> dict[int, np.ndarray]:  # fmt: skip
    """Cells longer than :data:`MAX_CELL_CHARS`: errors that quarantine their row."""
    found: dict[int, np.ndarray] = {}
    by_index = {c.index: c for c in part.layout.columns}
    zh = f"单元格过长（超过 {MAX_CELL_CHARS:,} 个字符），本行未读入"
    en = f"cell longer than {MAX_CELL_CHARS:,} characters; row not read"
    for j in range(part.raw.num_columns):
        col = part.raw.column(j)
        if not pa.types.is_string(col.type) or not len(col):
            continue
        longest = pc.max(pc.binary_length(col)).as_py()  # None: every cell is empty
        if longest is None or longest <= MAX_CELL_CHARS:  # bytes >= characters
            continue
        big = pc.greater(pc.utf8_length(col), MAX_CELL_CHARS)
        big = big.fill_null(False).to_numpy(zero_copy_only=False)
        if not big.any():
            continue
        found[j] = big
        column = by_index.get(j)
        header = part.layout.header_text(j)
        letter = column_letter(j) if part.summary.format == "xlsx" else None
        for pos in np.flatnonzero(big):
            value = col[int(pos)].as_py()
            shown = f"{value[:50]}… ({len(value):,} characters)"
            report.add(Problem(
                part.summary.path, int(rows[pos]), header, shown, "cell_too_large",
                Severity.ERROR, zh, en, part.summary.sheet,
                column.field if column else None, letter,
            ))  # fmt: skip
            part.reasons[int(pos)].append(f"{header}: {zh} / {en}")
            if column:
                reporter.failed.add((int(pos), column.field))
    return found


def _skippable(source: RawSheet, sheet: str | None, exc: IngestError) -> bool:
    """A workbook read whole may hold notes or summary sheets: those without any header row
    are skipped with a note rather than failing the file.  A sheet asked for by name, and
    a sheet whose header lacks a required column, still fail."""
    return source.format == "xlsx" and sheet is None and "no header row found" in exc.en


def _note_skipped(source: RawSheet, exc: IngestError, report: QualityReport) -> None:
    report.add(Problem(
        source.path, None, None, None, "sheet_skipped", Severity.NOTE,
        f"工作表“{source.sheet}”没有可识别的表头，已跳过", f"sheet {source.sheet!r} has no header "
        "row naming known fields; skipped", source.sheet,
    ))  # fmt: skip


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Every catalogue field, in catalogue order and dtype, then the provenance columns."""
    out = {}
    for f in FIELDS:
        if f.name in frame:
            out[f.name] = frame[f.name].astype(f.dtype)
        else:
            out[f.name] = pd.Series(index=frame.index, dtype=f.dtype)
    for name in PROVENANCE:
        out[name] = frame[name]
    result = pd.DataFrame(out)
    result["source_sheet"] = result["source_sheet"].astype("string")
    result["source_file"] = result["source_file"].astype("string")
    result["source_row"] = result["source_row"].astype("int64")
    return result


def _duplicates(parts: list[_Part], report: QualityReport, rule: str) -> None:
    keys = pd.concat([p.frame[["customer_id", "as_of_date"]] for p in parts], ignore_index=True)
    dup, first = duplicate_rows(keys, rule)
    if not dup.any():
        return
    owners = [(i, pos) for i, p in enumerate(parts) for pos in range(len(p.frame))]
    for g in np.flatnonzero(dup):
        (i, pos), (j, fpos) = owners[g], owners[first[g]]
        part, origin = parts[i], parts[j]
        where = f"{Path(origin.summary.path).name} row {int(origin.frame['source_row'].iat[fpos])}"
        zh, en = (
            f"与 {where} 的客户编号和报表日期重复",
            f"same customer and statement date as {where}",
        )
        column = next(c for c in part.layout.columns if c.field == "customer_id")
        letter = column_letter(column.index) if part.summary.format == "xlsx" else None
        report.add(
            Problem(
                part.summary.path,
                int(part.frame["source_row"].iat[pos]),
                column.header,
                str(part.frame["customer_id"].iat[pos]),
                "duplicate",
                Severity.ERROR,
                zh,
                en,
                part.summary.sheet,
                "customer_id",
                letter,
            )
        )
        part.reasons[pos].append(f"{column.header}: {zh} / {en}")


def _quarantine(parts: list[_Part]) -> pd.DataFrame:
    frames = []
    for p in parts:
        bad = p.error_rows()
        if not bad.any():
            continue
        idx = np.flatnonzero(bad)
        cols = {
            "file": Path(p.summary.path).name,
            "sheet": p.summary.sheet,
            "row": p.frame["source_row"].to_numpy()[idx],
            "reasons": ["; ".join(p.reasons[int(i)]) for i in idx],
        }
        taken = p.raw.take(pa.array(idx))
        for j in range(p.layout.width):
            cols[p.layout.header_text(j)] = taken.column(j).to_pylist()
        frames.append(pd.DataFrame(cols))
    for p in parts:
        if p.rejected:
            frames.append(pd.DataFrame({
                "file": Path(p.summary.path).name,
                "sheet": p.summary.sheet,
                "row": [line for line, _ in p.rejected],
                "reasons": " / ".join(_cell_count_message(p.layout.width)),
                "raw_text": [text for _, text in p.rejected],
            }))  # fmt: skip
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["file", "sheet", "row", "reasons"])
    )


def ingest(
    paths: Sequence[Path] = (),
    *,
    unit: Unit | None = None,
    sheet: str | None = None,
    as_of: date | None = None,
    sql: tuple[str, str] | None = None,
    tolerance: float = 0.01,
    duplicates: str = "keep_first",
    today: date | None = None,
) -> IngestResult:
    """Read files (and/or one SQL query ``(url, query)``) into the canonical frame.

    ``tolerance`` bounds the accounting identities (0.01 = 1 %); ``duplicates`` says which
    rows of a repeated (customer, statement date) are quarantined: ``keep_first``,
    ``keep_last`` or ``reject`` (all of them).
    """
    report = QualityReport()
    sources = [s for p in paths for s in read_sheets(Path(p), sheet)]
    if sql:
        sources.append(read_sql(*sql))
    if not sources:
        raise IngestError(
            "nothing to read: no file and no query given, or only empty sheets",
            "没有可读取的数据：未指定文件或查询，或工作表为空",
        )
    parts = []
    for source in sources:
        try:
            part = ingest_sheet(
                source, report, unit=unit, as_of=as_of, tolerance=tolerance, today=today
            )
        except IngestError as exc:
            if not _skippable(source, sheet, exc):
                raise
            _note_skipped(source, exc, report)
            continue
        parts.append(part)
        report.files.append(part.summary)
    if not parts:
        raise IngestError(
            "no sheet has a header row that names at least two known fields: "
            + "; ".join(p.message_en for p in report.problems if p.rule == "sheet_skipped"),
            "没有任何工作表含可识别的表头："
            + "；".join(p.message_zh for p in report.problems if p.rule == "sheet_skipped"),
        )
    _duplicates(parts, report, duplicates)
    kept = []
    for p in parts:
        bad = p.error_rows()
        p.summary.rows_quarantined += int(bad.sum())
        p.summary.rows_kept = int((~bad).sum())
        kept.append(p.frame[~bad])
    frame = _canonical(pd.concat(kept, ignore_index=True))
    report.rows_out = len(frame)
    present = {c.field for p in parts for c in p.layout.columns}
    report.missing_optional_fields = [
        f.name for f in FIELDS if f.name not in present and not f.required
    ]
    return IngestResult(frame, _quarantine(parts), report)
