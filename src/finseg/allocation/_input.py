"""Read and check the ``--input`` table of ``finseg allocate`` (CSV or Parquet).

Every bad cell is reported with the file, the row as the user sees it (CSV: the line number,
header = line 1; Parquet: the 1-based record), the column, the value and what was expected.

>>> import io, tempfile, pathlib
>>> from finseg.allocation._synthetic import synthetic_book
>>> path = pathlib.Path(tempfile.mkdtemp()) / "book.csv"
>>> synthetic_book(3).to_csv(path, index=False)
>>> len(read_book(path))
3
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from finseg.exceptions import IngestError

__all__ = ["COLUMNS", "check_book", "read_book"]

#: column → (numeric?, required?, low, high, what is expected, zh)
COLUMNS: dict[str, tuple[bool, bool, float, float, str, str]] = {
    "customer_id": (False, True, 0, 0, "a non-empty, unique id", "非空且唯一的编号"),
    "limit": (True, True, 0, np.inf, "an amount ≥ 0 in yuan", "不小于 0 的金额（元）"),
    "price": (True, True, -1, 1, "an annual rate as a fraction in [-1, 1]",
              "年化利率（比例），在 [-1, 1] 之间"),
    "pd": (True, True, 0, 1, "a probability in [0, 1]", "[0, 1] 之间的概率"),
    "lgd": (True, True, 0, 1, "a fraction in [0, 1]", "[0, 1] 之间的比例"),
    "maturity_years": (True, True, 0, 30, "years in [0, 30]", "[0, 30] 之间的年数"),
    "operating_revenue": (True, False, 0, np.inf, "an amount ≥ 0 in yuan, or empty",
                          "不小于 0 的金额（元）或留空"),
    "group_id": (False, False, 0, 0, "text (empty: no group)", "文本（留空表示无集团）"),
    "industry_section": (False, False, 0, 0, "a GB/T 4754 section letter A–T, or empty",
                         "国标行业门类字母 A–T 或留空"),
    "segment": (False, False, 0, 0, "text", "文本"),
    "programmes": (False, False, 0, 0, "comma-separated programme ids", "逗号分隔的专项计划编号"),
}  # fmt: skip
_OPTIONAL = ("operating_revenue", "group_id", "industry_section", "segment", "programmes")
_SHOWN = 20


def _read(path: Path) -> tuple[pd.DataFrame, int]:
    """The raw table (text cells for CSV) and the offset from index to the row users see."""
    if not path.is_file():
        raise IngestError(f"{path}: no such file", f"{path}：文件不存在")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path), 2
        if suffix == ".parquet":
            return pd.read_parquet(path), 1
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise IngestError(f"{path}: cannot read: {exc}", f"{path}：无法读取：{exc}") from exc
    raise IngestError(
        f"{path}: expected a .csv or .parquet file, not {suffix or '(none)'!r}",
        f"{path}：应为 .csv 或 .parquet 文件，而不是 {suffix or '（无）'!r}",
    )


def _read_csv(path: Path) -> pd.DataFrame:
    """Text columns as text (ids keep leading zeros); numbers typed by the fast pyarrow
    reader, a column with a bad cell stays text and is checked cell by cell."""
    text = {c: str for c, spec in COLUMNS.items() if not spec[0]}
    try:
        path.read_bytes().decode("utf-8")  # pyarrow would not say if it is not UTF-8
        return pd.read_csv(path, dtype=text, keep_default_na=False, encoding="utf-8-sig",
                           engine="pyarrow")  # fmt: skip
    except (UnicodeDecodeError, ValueError, TypeError):
        pass  # not UTF-8, or a shape pyarrow refuses: the C reader, text everywhere
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(f"{path}: not UTF-8 or GB18030 text", f"{path}：编码无法识别")


def _shown(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else (
        str(value).strip())  # fmt: skip


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.strip()


def _numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Values (NaN where not a number) and which cells are empty; "1,000" reads as 1000."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype=float, na_value=np.nan)
        return values, np.isnan(values)
    text = _text(raw)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    empty = (text == "").to_numpy()
    retry = np.flatnonzero(np.isnan(values) & ~empty)  # few: thousands separators, typos
    if len(retry):
        again = text.iloc[retry].str.replace(",", "", regex=False)
        values[retry] = pd.to_numeric(again, errors="coerce").to_numpy(float, na_value=np.nan)
    return values, empty


def _check_text(name: str, required: bool, raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    text = _text(raw)
    bad = (text == "").to_numpy() if required else np.zeros(len(text), dtype=bool)
    if name == "customer_id":
        bad |= (text.duplicated(keep="first") & (text != "")).to_numpy()
    if name == "industry_section":
        bad |= (~text.isin(list("ABCDEFGHIJKLMNOPQRST")) & (text != "")).to_numpy()
    return text.to_numpy(dtype=object), bad


def _problems_of(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    out: dict[str, object] = {}
    problems: list[tuple[int, str, str]] = []
    for name, (numeric, required, low, high, _, _) in COLUMNS.items():
        raw = frame[name] if name in frame else pd.Series([""] * len(frame), index=frame.index)
        if not numeric:
            out[name], bad = _check_text(name, required, raw)
        else:
            values, empty = _numbers(raw)
            with np.errstate(invalid="ignore"):
                ok = np.isfinite(values) & (values >= low) & (values <= high)
            bad = ~ok & (~empty | required)
            out[name] = np.where(ok, values, np.nan)
        problems += [(int(i), name, _shown(raw.iloc[i])) for i in np.flatnonzero(bad)]
    return pd.DataFrame(out), problems


def check_book(
    frame: pd.DataFrame, source: str = "input", offset: int = 1, by_customer: bool = False
) -> pd.DataFrame:
    """The checked book with typed columns, or :class:`~finseg.exceptions.IngestError` listing
    every bad cell (``offset`` turns a 0-based index into the row number users see; with
    ``by_customer`` a cell is located by its ``customer_id`` instead, for tables such as a
    run's results whose row numbers mean nothing to the user)."""
    missing = [c for c in COLUMNS if c not in frame.columns and c not in _OPTIONAL]
    if missing:
        raise IngestError(
            f"{source}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}",
            f"{source}：缺少列 {', '.join(missing)}；应有 {', '.join(COLUMNS)}",
        )
    frame = frame.reset_index(drop=True)
    book, problems = _problems_of(frame)
    if problems:
        problems.sort()
        ids = _text(frame["customer_id"]) if by_customer and "customer_id" in frame else None
        lines_en, lines_zh = [], []
        for i, col, val in problems[:_SHOWN]:
            en, zh = (
                (f"customer {ids.iloc[i]}", f"客户 {ids.iloc[i]}")
                if ids is not None
                else (f"row {i + offset}", f"第 {i + offset} 行")
            )
            expected_en, expected_zh = COLUMNS[col][4:]
            lines_en.append(f"{source}: {en}, column {col}: got {val!r}, expected {expected_en}")
            lines_zh.append(f"{source}：{zh}，{col} 列：值为 {val!r}，应为{expected_zh}")
        more = len(problems) - _SHOWN
        if more > 0:
            lines_en.append(f"… and {more} more bad cell(s)")
            lines_zh.append(f"……另有 {more} 个错误单元格")
        raise IngestError("\n".join(lines_en), "\n".join(lines_zh))
    return book


def read_book(path: Path | str) -> pd.DataFrame:
    """Read and check an allocation input table; see :data:`COLUMNS`."""
    path = Path(path)
    frame, offset = _read(path)
    if not len(frame):
        raise IngestError(f"{path}: no rows", f"{path}：没有数据行")
    return check_book(frame, str(path), offset)
