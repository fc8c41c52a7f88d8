"""Reading a table for training or scoring a PD model.

Two kinds of table are accepted.  A **canonical portfolio** (any file ingest reads, with the
required fields) goes through ingest and the features stage, and the model sees the derived
ratios with their known risk directions.  **Any other table** (e.g. a research data set of
ratios) is used as it is: every column but the target and identifier-like columns, or the
columns named with ``features``.

>>> DIRECTIONS["debt_to_assets"], DIRECTIONS["interest_coverage"]
(1, -1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from finseg.exceptions import UserError
from finseg.pipeline import file_sha256

__all__ = ["DIRECTIONS", "TrainingTable", "load_table"]

#: Risk direction of the canonical characteristics: +1 risk rises with the value, −1 falls.
DIRECTIONS: dict[str, int] = {
    "debt_to_assets": 1,
    "debt_to_equity": 1,
    "leverage_multiple": 1,
    "current_ratio": -1,
    "quick_ratio": -1,
    "cash_ratio": -1,
    "interest_coverage": -1,
    "gross_margin": -1,
    "net_margin": -1,
    "roa": -1,
    "roe": -1,
    "cfo_to_debt": -1,
    "receivable_days": 1,
    "inventory_days": 1,
    "asset_turnover": -1,
    "revenue_growth": 0,
    "profit_growth": 0,
    "rd_intensity": 0,
    "collateral_coverage": -1,
    "altman_z2": -1,
    "altman_x1": -1,
    "altman_x2": -1,
    "altman_x3": -1,
    "altman_x4": -1,
    "overdue_count_24m": 1,
    "max_days_past_due_24m": 1,
    "credit_inquiries_6m": 1,
    "litigation_count": 1,
    "lender_count": 1,
    "employees": 0,
    "total_assets": 0,
}
_ID_LIKE = ("id", "customer_id", "company", "company_name", "name", "symbol", "code")


@dataclass
class TrainingTable:
    """Characteristics, outcome and provenance of a training (or scoring) table."""

    X: pd.DataFrame
    y: np.ndarray | None
    mode: str  # "canonical" or "generic"
    sha256: str
    target: str
    ids: pd.Series | None = None
    directions: dict[str, int] = field(default_factory=dict)
    time: pd.Series | None = None
    segment_by: str | None = None


def _canonical(path: Path) -> pd.DataFrame | None:
    """The features frame of a canonical portfolio, or ``None`` for another kind of table."""
    from finseg.features import compute_features
    from finseg.ingest import ingest

    try:
        result = ingest([path])
    except UserError as exc:
        if "missing required column" in exc.en or "no header row found" in exc.en:
            return None
        raise
    return compute_features(result.frame)


def _generic(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if suffix in (".csv", ".txt"):
        return pd.read_csv(path)
    if suffix == ".arff":
        from scipy.io import arff

        data, _ = arff.loadarff(path)
        frame = pd.DataFrame(data)
        for column in frame.columns:  # ARFF nominal values arrive as bytes
            if frame[column].map(type).eq(bytes).any():
                frame[column] = frame[column].str.decode("utf-8")
        return frame
    raise UserError(f"{path}: cannot read {suffix!r} as a table", f"{path}：无法读取 {suffix!r}")


def _target(frame: pd.DataFrame, target: str, path: Path) -> np.ndarray:
    if target not in frame:
        raise UserError(
            f"{path}: no column {target!r}; columns are {', '.join(map(str, frame.columns[:12]))}",
            f"{path}：没有列 {target!r}",
        )
    raw = frame[target]
    values = pd.to_numeric(raw.replace({"b'1'": 1, "b'0'": 0}), errors="coerce")
    if values.isna().any() or not set(values.unique()) <= {0, 1}:
        raise UserError(
            f"{path}: target {target!r} must be 0/1 (1 = default) in every row",
            f"{path}：目标列 {target!r} 必须每行为 0 或 1（1 = 违约）",
        )
    return values.to_numpy(dtype=int)


def _check_columns(path: Path, frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame]
    if missing:
        raise UserError(
            f"{path}: no {what} column(s) {', '.join(missing)}",
            f"{path}：缺少{_WHAT_ZH.get(what, '')}列 {'、'.join(missing)}",
        )


_WHAT_ZH = {"feature": "特征", "segment": "分群", "time": "时间"}


def load_table(
    path: Path,
    target: str | None,
    features: list[str] | None = None,
    *,
    segment_by: str | None = None,
    time_col: str | None = None,
    kind: str | None = None,
) -> TrainingTable:
    """Read ``path`` for training (with ``target``) or scoring (``target=None``).

    ``segment_by`` is kept in ``X`` (the segmented model routes on it) but is not a default
    characteristic; ``time_col`` goes to ``time`` only.  ``kind="expert"`` takes the expert
    model's inputs, which only a canonical portfolio has.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found", f"{path}：文件不存在")
    frame = _canonical(path) if path.suffix.lower() != ".arff" else None
    mode = "generic" if frame is None else "canonical"
    if frame is None:
        frame = _generic(path)
    name = target or "default_12m"
    y = _target(frame, name, path) if target is not None else None
    for column, what in ((segment_by, "segment"), (time_col, "time")):
        if column is not None:
            _check_columns(path, frame, [column], what)
    if kind == "expert":
        if mode != "canonical":
            raise UserError(
                f"{path}: the expert model needs a canonical portfolio (Altman Z'' and the "
                "credit record); this table is not one",
                f"{path}：专家模型需要标准客户数据（Altman Z'' 与信用记录），该表不是",
            )
        from finseg.risk import EXPERT_INPUTS

        columns = [c for c in EXPERT_INPUTS if c in frame]
    else:
        skip = {name, segment_by, time_col}
        columns = features or [c for c in _default_features(frame, name, mode) if c not in skip]
    _check_columns(path, frame, columns, "feature")
    if segment_by is not None and segment_by not in columns:
        columns = [*columns, segment_by]
    ids = frame.get("customer_id")
    directions = (
        {c: DIRECTIONS[c] for c in columns if c in DIRECTIONS} if mode == "canonical" else {}
    )
    time = frame[time_col].reset_index(drop=True) if time_col is not None else None
    return TrainingTable(
        frame[columns].copy(), y, mode, file_sha256(path), name, ids, directions, time, segment_by
    )


def _default_features(frame: pd.DataFrame, target: str, mode: str) -> list[str]:
    if mode == "canonical":
        return [c for c in DIRECTIONS if c in frame]
    return [
        c
        for c in frame.columns
        if c != target
        and str(c).lower() not in _ID_LIKE
        and (pd.api.types.is_numeric_dtype(frame[c]) or frame[c].nunique() <= 50)
    ]
