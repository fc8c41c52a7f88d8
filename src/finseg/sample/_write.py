"""Write a sample portfolio to CSV, Parquet or an Excel file shaped like a bank export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from finseg._files import atomic_target
from finseg._safe import safe_workbook
from finseg.exceptions import UserError
from finseg.schema import FIELD_BY_NAME, Field, Kind

__all__ = ["SHEET_NAME", "SUFFIXES", "write_sample"]

SHEET_NAME = "客户数据"
TITLE = "对公客户财务及信用数据导出 Corporate customer financial and credit data export"
SUFFIXES = (".csv", ".parquet", ".xlsx")
_WAN = 10_000.0


def write_sample(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` to ``path``; the suffix picks the format.

    ``.csv`` (UTF-8, canonical field names, yuan) and ``.parquet`` hold the frame as is;
    ``.xlsx`` looks like a Chinese bank's export: a title row, a ``单位：万元`` row, Chinese
    headers on row 3, money in 万元, 是/否 flags and Chinese category labels.  The file is
    written to a temporary name beside ``path`` and renamed, so a reader never sees half a
    file.

    Raises
    ------
    UserError
        If the suffix is not one of ``.csv``, ``.parquet``, ``.xlsx``.
    """
    path = Path(path)
    writers: dict[str, Callable[[pd.DataFrame, Path], None]] = {
        ".csv": lambda d, p: d.to_csv(p, index=False, encoding="utf-8"),
        ".parquet": lambda d, p: d.to_parquet(p, index=False),
        ".xlsx": _write_xlsx,
    }
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise UserError(
            f"Cannot write {path.name}: the file name must end in .csv, .parquet or .xlsx",
            f"无法写入 {path.name}：文件名须以 .csv、.parquet 或 .xlsx 结尾",
        )
    with atomic_target(path) as tmp:
        writer(df, tmp)
    return path


def header(f: Field) -> str:
    """The Chinese header of a field in the Excel export, e.g. ``营业收入(万元)``."""
    return f"{f.zh}(万元)" if f.kind is Kind.MONEY else f.zh


def _export_values(s: pd.Series, f: Field | None) -> list[object]:
    """A column as the cells of a bank export: 万元, dates, 是/否, Chinese labels, blanks."""
    missing = s.isna().to_numpy()
    if f is None:
        values = s.astype(object).tolist()
    elif f.kind is Kind.MONEY:
        values = (s.astype("float64") / _WAN).tolist()
    elif f.kind is Kind.DATE:
        values = [None if m else v.to_pydatetime() for v, m in zip(s, missing, strict=True)]
    elif f.kind is Kind.FLAG:
        values = ["是" if v else "否" for v in s.fillna(False).astype(bool)]
    elif f.choice_labels:
        values = [f.choice_labels.get(v, (v,))[0] for v in s.astype(object)]
    else:
        values = s.astype(object).tolist()
    return [None if m else v for v, m in zip(values, missing, strict=True)]


def _write_xlsx(df: pd.DataFrame, path: Path) -> None:
    as_of = _as_of(df)
    with safe_workbook(path) as wb:
        ws = wb.add_worksheet(SHEET_NAME)
        title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        formats = {
            Kind.MONEY: wb.add_format({"num_format": "#,##0.00"}),
            Kind.DATE: wb.add_format({"num_format": "yyyy-mm-dd"}),
        }
        last = max(len(df.columns) - 1, 0)
        ws.merge_range(0, 0, 0, last, TITLE, title)
        ws.merge_range(1, 0, 1, last, f"单位：万元　导出日期：{as_of}", None)
        for j, name in enumerate(df.columns):
            f = FIELD_BY_NAME.get(name)
            ws.write_string(2, j, header(f) if f else str(name), bold)
            fmt = formats.get(f.kind) if f else None
            ws.write_column(3, j, _export_values(df[name], f), fmt)
            ws.set_column(j, j, _width(f, name))
        ws.freeze_panes(3, 0)


def _as_of(df: pd.DataFrame) -> str:
    """Export date shown in the unit row: the latest statement date, else today."""
    if "as_of_date" in df and df["as_of_date"].notna().any():
        return pd.Timestamp(df["as_of_date"].max()).date().isoformat()
    return dt.date.today().isoformat()


def _width(f: Field | None, name: str) -> float:
    if f is None:
        return max(10, len(str(name)) + 2)
    if f.kind is Kind.MONEY:
        return max(14, 2 * len(f.zh) + 8)
    if f.name in ("customer_name", "credit_code"):
        return 30 if f.name == "customer_name" else 22
    return max(10, 2 * len(f.zh) + 2)
