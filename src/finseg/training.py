"""Training and scoring PD models: the service behind ``finseg train`` and ``finseg predict``.

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
from typing import Any

import numpy as np
import pandas as pd

from finseg.exceptions import InsufficientDataError, UserError
from finseg.pipeline import file_sha256

__all__ = [
    "DIRECTIONS",
    "MODEL_KINDS",
    "TrainingTable",
    "cross_validate",
    "grade_validation",
    "load_table",
    "make_model",
]

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
MODEL_KINDS = ("scorecard", "gbm")
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


def load_table(path: Path, target: str | None, features: list[str] | None = None) -> TrainingTable:
    """Read ``path`` for training (with ``target``) or scoring (``target=None``)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found", f"{path}：文件不存在")
    frame = _canonical(path) if path.suffix.lower() != ".arff" else None
    mode = "generic" if frame is None else "canonical"
    if frame is None:
        frame = _generic(path)
    name = target or "default_12m"
    y = _target(frame, name, path) if target is not None else None
    columns = features or _default_features(frame, name, mode)
    missing = [c for c in columns if c not in frame]
    if missing:
        raise UserError(
            f"{path}: no column(s) {', '.join(missing)}", f"{path}：缺少列 {'、'.join(missing)}"
        )
    ids = frame.get("customer_id")
    directions = (
        {c: DIRECTIONS[c] for c in columns if c in DIRECTIONS} if mode == "canonical" else {}
    )
    return TrainingTable(frame[columns].copy(), y, mode, file_sha256(path), name, ids, directions)


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


def make_model(kind: str, directions: dict[str, int], n_jobs: int = 1) -> Any:
    """A fresh estimator of ``kind`` with the monotone directions known for its inputs."""
    from finseg.risk import ScorecardModel

    if kind == "scorecard":
        trend = {1: "ascending", -1: "descending"}
        return ScorecardModel(monotonic={k: trend[v] for k, v in directions.items() if v} or None)
    if kind == "gbm":
        from finseg.risk import GBMModel

        return GBMModel(monotonic=directions or None, n_jobs=n_jobs)
    raise UserError(
        f"--model: expected one of {', '.join(MODEL_KINDS)}, got {kind!r}",
        f"--model：应为 {'、'.join(MODEL_KINDS)} 之一，实际为 {kind!r}",
    )


def grade_validation(y: np.ndarray, pd_: np.ndarray, scale: Any = None) -> dict[str, Any]:
    """Out-of-sample PDs checked per master-scale grade: counts, mean PD, observed default
    rate, binomial and Jeffreys p-values with a traffic light, Hosmer–Lemeshow over the
    grades and the grade concentration (HHI).

    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.001, 0.2, 4000)
    >>> v = grade_validation((rng.random(4000) < p).astype(int), p)
    >>> v["hosmer_lemeshow"]["p_value"] > 0.01, 0 < v["hhi"] <= 1
    (True, True)
    """
    from finseg.risk import default_master_scale, grade_tests, hhi, hosmer_lemeshow

    scale = scale or default_master_scale()
    frame = pd.DataFrame({"grade": scale.grade(pd_), "pd": pd_, "d": y})
    by = frame.groupby("grade", sort=False).agg(n=("pd", "size"), pd=("pd", "mean"), d=("d", "sum"))
    by = by.loc[[g for g in scale.labels if g in by.index]]
    tests = grade_tests(by)
    hl = hosmer_lemeshow(by["n"], by["pd"].clip(1e-6, 1 - 1e-6), by["d"])
    return {
        "per_grade": {
            g: {
                "n": int(r.n),
                "mean_pd": float(r.pd),
                "defaults": int(r.d),
                "odr": float(r.odr),
                "binomial_p": float(r.binomial_p),
                "jeffreys_p": float(r.jeffreys_p),
                "traffic_light": str(r.traffic_light),
            }
            for g, r in tests.iterrows()
        },
        "hosmer_lemeshow": {
            "statistic": float(hl.statistic),
            "p_value": float(hl.p_value),
            "df": int(hl.df),
        },
        "hhi": float(hhi(by["n"].to_numpy())),
    }


def cross_validate(
    kind: str, table: TrainingTable, folds: int = 5, seed: int = 0
) -> dict[str, Any]:
    """Stratified K-fold out-of-sample AUC, Gini, KS and Brier of a fresh model per fold."""
    from sklearn.model_selection import StratifiedKFold

    from finseg.risk import auc, brier, gini, ks, log_loss

    y = table.y
    if y is None or min(np.bincount(y, minlength=2)) < folds:
        raise InsufficientDataError(
            f"need at least {folds} defaults and {folds} non-defaults for {folds}-fold CV",
            f"{folds} 折交叉验证至少需要 {folds} 个违约与 {folds} 个非违约样本",
        )
    oof, aucs = np.zeros(len(y)), []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(table.X, y):
        model = make_model(kind, table.directions).fit(table.X.iloc[train], y[train])
        oof[test] = model.predict_proba(table.X.iloc[test])[:, 1]
        aucs.append(auc(y[test], oof[test]))
    return {
        "auc": auc(y, oof),
        "gini": gini(y, oof),
        "ks": ks(y, oof),
        "brier": brier(y, oof),
        "log_loss": log_loss(y, oof),
        "grades": grade_validation(y, oof),
        "cv": {
            "auc_mean": float(np.mean(aucs)),
            "auc_std": float(np.std(aucs)),
            "folds": [float(a) for a in aucs],
        },
        "rows": len(y),
        "default_rate": float(y.mean()),
    }
