"""Benchmark inputs: large seeded bank exports, generated once and reused.

``generate_portfolio`` is accurate but too slow to call for a million customers, so a base
book of at most :data:`BASE_CUSTOMERS` firms is generated once and tiled: every copy gets new
customer ids and its own per-row scale factor on all amounts (one factor per row keeps the
accounting identities intact).  Generation is not what is measured; it only has to be
reproducible — a file is reused when its sidecar ``.meta.json`` records the same rows, seed
and generator version.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from finseg.sample import generate_portfolio, write_sample
from finseg.sample._write import TITLE, header
from finseg.schema import FIELDS, Field, Kind

__all__ = [
    "BASE_CUSTOMERS",
    "canonical_parquet",
    "ensure_input",
    "gbk_csv",
    "plain_csv",
    "xlsx_export",
]

#: Size of the generated base book that larger inputs are tiled from.
BASE_CUSTOMERS = 100_000
#: Bump when the way inputs are made changes, so stale files are regenerated.
GENERATOR_VERSION = 1
_WAN = 10_000.0
_MONEY = [f.name for f in FIELDS if f.kind is Kind.MONEY]


def ensure_input(
    path: Path, rows: int, seed: int, make: Callable[[Path, int, int], None]
) -> tuple[Path, bool]:
    """Return ``(path, reused)``: the file is made only if its metadata differs."""
    meta_path = path.with_name(path.name + ".meta.json")
    wanted = {"rows": rows, "seed": seed, "version": GENERATOR_VERSION}
    if path.exists() and meta_path.exists():
        try:
            if json.loads(meta_path.read_text()) == wanted:
                return path, True
        except json.JSONDecodeError:
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")  # keeps the suffix for writers
    make(tmp, rows, seed)
    tmp.replace(path)
    meta_path.write_text(json.dumps(wanted))
    return path, False


def _copies(rows: int, seed: int) -> Iterator[pd.DataFrame]:
    """``rows`` portfolio rows with unique customer ids, in copies of the base book."""
    base = generate_portfolio(min(rows, BASE_CUSTOMERS), seed=seed)
    rng = np.random.default_rng(seed + 1)
    copies = math.ceil(rows / len(base))
    for k in range(copies):
        part = base.iloc[: min(len(base), rows - k * len(base))].copy()
        if copies > 1:  # C000001 becomes C0000001, C1000001, ... C9000001
            part["customer_id"] = f"C{k:0{len(str(copies - 1))}d}" + part["customer_id"].str[1:]
        if k:  # copy 0 is the generated book itself
            scale = rng.uniform(0.8, 1.25, len(part))
            for name in _MONEY:
                part[name] = (part[name] * scale).round(2)
        yield part


def _arrow(df: pd.DataFrame) -> pa.Table:
    """The frame as Arrow with dates as plain ``YYYY-MM-DD`` days, as banks export them."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    for i, name in enumerate(table.column_names):
        if pa.types.is_timestamp(table.schema.field(name).type):
            table = table.set_column(i, name, table.column(name).cast(pa.date32()))
    return table


def plain_csv(path: Path, rows: int, seed: int) -> None:
    """UTF-8 CSV, canonical English headers, amounts in yuan (the clean case)."""
    writer = None
    try:
        for part in _copies(rows, seed):
            table = _arrow(part)
            if writer is None:
                writer = pacsv.CSVWriter(str(path), table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def canonical_parquet(path: Path, rows: int, seed: int) -> None:
    """The canonical table as ingest writes it (Parquet, yuan): the features stage's input."""
    pd.concat(list(_copies(rows, seed)), ignore_index=True).to_parquet(path, index=False)


def _export_column(s: pd.Series, f: Field) -> pd.Series:
    """One column as a Chinese bank exports it: 万元, 是/否 and Chinese category labels."""
    if f.kind is Kind.MONEY:
        return s / _WAN
    if f.kind is Kind.FLAG:
        return s.astype("object").map({True: "是", False: "否"})  # 1 == True: Int8 flags too
    if f.choice_labels:
        labels = {k: v[0] for k, v in f.choice_labels.items()}
        return s.astype("object").map(lambda v: labels.get(v, v), na_action="ignore")
    return s


def _export_frame(part: pd.DataFrame) -> pd.DataFrame:
    by_name = {f.name: f for f in FIELDS}
    return pd.DataFrame({header(by_name[c]): _export_column(part[c], by_name[c]) for c in part})


def gbk_csv(path: Path, rows: int, seed: int) -> None:
    """GBK CSV with a title row and a unit row, Chinese headers, amounts in 万元.

    Arrow writes UTF-8 only, so each copy is written to memory and re-encoded by Python.
    """
    with path.open("wb") as fh:
        fh.write(f"{TITLE}\n单位：万元\n".encode("gbk", errors="replace"))
        for k, part in enumerate(_copies(rows, seed)):
            sink = pa.BufferOutputStream()
            options = pacsv.WriteOptions(include_header=k == 0)
            pacsv.write_csv(_arrow(_export_frame(part)), sink, write_options=options)
            text = sink.getvalue().to_pybytes().decode("utf-8")
            fh.write(text.encode("gbk", errors="replace"))


def xlsx_export(path: Path, rows: int, seed: int) -> None:
    """The ``write_sample`` workbook: title rows, Chinese headers, 万元 (sheet 客户数据)."""
    write_sample(pd.concat(list(_copies(rows, seed)), ignore_index=True), path)
