"""Early warnings (预警): the policy's SQL rules over the comparison frame, a ranked watch list
and its Excel export.

A customer's severity is the sum of the severities of the rules it fired; the watch list is
the customers with at least one warning, highest severity first, then the most notches
downgraded, then the highest PD — at most ``watchlist_size`` of them.

>>> import pandas as pd
>>> from finseg.monitoring import MonitoringPolicy, pair_runs
>>> before = pd.DataFrame({"customer_id": ["a", "b"], "grade": ["A", "A"], "pd": [.01, .01]})
>>> after = pd.DataFrame({"customer_id": ["a", "b"], "grade": ["A", "BB"], "pd": [.01, .05]})
>>> policy = MonitoringPolicy(warnings=[{"id": "down2", "zh": "下调两级", "en": "Down 2",
...                                      "when": "grade_notches_down >= 2", "severity": 3}])
>>> w = early_warnings(before, after, pair_runs(before, after), ["A", "BBB", "BB", "D"], policy)
>>> w["fired"]["down2"]["customers"], [(r["customer_id"], r["rules"]) for r in w["watchlist"]]
(1, [('b', ['down2'])])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from finseg.monitoring._compare import DERIVED_COLUMNS, Pairing, comparison_frame
from finseg.monitoring._policy import MonitoringPolicy
from finseg.rules import evaluate

__all__ = ["WATCHLIST_COLUMNS", "early_warnings", "write_watchlist"]

#: Watch-list fields: key -> (zh, en) header.
WATCHLIST_COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "Rank"),
    "customer_id": ("客户编号", "Customer ID"),
    "customer_name": ("客户名称", "Customer name"),
    "severity": ("预警分值", "Severity"),
    "rules": ("命中规则", "Rules fired"),
    "rules_zh": ("预警说明", "Warnings (zh)"),
    "rules_en": ("预警说明（英文）", "Warnings (en)"),
    "prev_segment": ("基期分群", "Baseline segment"),
    "segment": ("本期分群", "Current segment"),
    "prev_grade": ("基期等级", "Baseline grade"),
    "grade": ("本期等级", "Current grade"),
    "grade_notches_down": ("下调级数", "Notches down"),
    "prev_pd": ("基期 PD", "Baseline PD"),
    "pd": ("本期 PD", "Current PD"),
}
_CONTEXT = ("customer_name", "segment", "grade", "pd", "prev_segment", "prev_grade", "prev_pd",
            "grade_notches_down")  # fmt: skip


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: NaN/NA to ``None``, numpy numbers to Python ones."""
    if value is None or (not isinstance(value, str | list) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def early_warnings(
    baseline: pd.DataFrame,
    current: pd.DataFrame,
    pairing: Pairing,
    grade_order: Sequence[str],
    policy: MonitoringPolicy,
) -> dict[str, Any]:
    """Evaluate the warning rules; return ``rules`` (id, labels, severity, ``when``),
    ``fired`` (customers per rule), ``customers_warned`` and ``watchlist`` (ranked rows)."""
    compiled = policy.rules()
    missing = {
        w.id: [c for c in r.columns if c not in DERIVED_COLUMNS and c not in current]
        for w, r in zip(policy.warnings, compiled, strict=True)
    }
    live = [i for i, w in enumerate(policy.warnings) if not missing[w.id]]
    rules = [compiled[i] for i in live]
    read = {c for rule in rules for c in rule.columns}
    wanted = [c for c in DERIVED_COLUMNS if c in read or c in _CONTEXT]
    keep = ["customer_id", *_CONTEXT, *(c for c in read if c not in DERIVED_COLUMNS)]
    frame = comparison_frame(baseline, current, pairing, grade_order, wanted,
                             policy.leverage_limits, policy.leverage_limit_default,
                             list(dict.fromkeys(keep)))  # fmt: skip
    hits = np.zeros((len(frame), len(policy.warnings)), dtype=bool)
    if rules:
        hits[:, live] = evaluate(rules, frame).to_numpy()
    score = hits.astype(float) @ np.array([w.severity for w in policy.warnings], dtype=float)
    return {
        "rules": [
            {"id": w.id, "zh": w.zh, "en": w.en, "when": w.when, "severity": w.severity}
            for w in policy.warnings
        ],
        "fired": {
            w.id: {"customers": int(hits[:, i].sum())}
            for i, w in enumerate(policy.warnings)
            if not missing[w.id]
        },
        "skipped": [_skipped(rule, cols) for rule, cols in missing.items() if cols],
        "customers_warned": int((score > 0).sum()),
        "watchlist_size": policy.watchlist_size,
        "watchlist": _watchlist(frame, hits, score, policy),
    }


def _skipped(rule: str, columns: list[str]) -> dict[str, Any]:
    """A rule left out because the current run lacks a column it reads."""
    names = ", ".join(columns)
    return {"id": rule, "columns": columns,
            "en": f"rule {rule} skipped: the current run has no column {names}",
            "zh": f"规则 {rule} 未执行：本期运行缺少列 {names}"}  # fmt: skip


def _watchlist(
    frame: pd.DataFrame, hits: np.ndarray, score: np.ndarray, policy: MonitoringPolicy
) -> list[dict[str, Any]]:
    warned = np.flatnonzero(score > 0)
    if warned.size == 0:
        return []
    notches = frame["grade_notches_down"].to_numpy(float) if "grade_notches_down" in frame else 0
    pd_now = pd.to_numeric(frame["pd"], errors="coerce").to_numpy(float) if "pd" in frame else 0
    keys = (np.nan_to_num(np.broadcast_to(pd_now, score.shape)[warned], nan=-1.0),
            np.nan_to_num(np.broadcast_to(notches, score.shape)[warned], nan=-99.0),
            score[warned])  # fmt: skip
    top = warned[np.lexsort(keys)[::-1][: policy.watchlist_size]]
    ids = [w.id for w in policy.warnings]
    out = frame.iloc[top]
    rows = []
    for rank, (i, row) in enumerate(zip(top, out.to_dict("records"), strict=True), start=1):
        fired = np.flatnonzero(hits[i])  # a loop over the watch list only, never all customers
        entry = {"rank": rank, "customer_id": str(row["customer_id"]),
                 "severity": float(score[i]), "rules": [ids[k] for k in fired],
                 "rules_zh": "；".join(policy.warnings[k].zh for k in fired),
                 "rules_en": "; ".join(policy.warnings[k].en for k in fired)}  # fmt: skip
        for column in _CONTEXT:
            if column in row:
                entry[column] = _plain(row[column])
        rows.append(entry)
    return rows


def write_watchlist(
    watchlist: list[dict[str, Any]], path: Path | str, banner: str | None = None
) -> Path:
    """Write the watch list to an Excel workbook (XlsxWriter), headers ``中文 / English``;
    ``banner`` (the draft-policy warning of a what-if run) opens the sheet when given.

    The file is written atomically: a failed write leaves no partial workbook.
    """
    from finseg._safe import safe_workbook

    path = Path(path)
    columns = [c for c in WATCHLIST_COLUMNS if c in {k for r in watchlist for k in r}
               or c in ("rank", "customer_id", "severity", "rules_zh", "rules_en")]  # fmt: skip
    with safe_workbook(path) as book:
        sheet = book.add_worksheet("观察名单 Watch list")
        head = book.add_format({"bold": True, "bg_color": "#1f5fa8", "font_color": "white",
                                "text_wrap": True, "valign": "top", "border": 1})  # fmt: skip
        share = book.add_format({"num_format": "0.00%"})
        top = 0
        if banner:
            warn = book.add_format({"bold": True, "font_color": "white", "bg_color": "#c2453d"})
            sheet.write(0, 0, banner, warn)
            top = 1
        for j, c in enumerate(columns):
            zh, en = WATCHLIST_COLUMNS[c]
            sheet.write(top, j, f"{zh} / {en}", head)
            width = 36 if c.startswith("rules") else 14
            sheet.set_column(j, j, width, share if c in ("pd", "prev_pd") else None)
        for i, row in enumerate(watchlist, start=top + 1):
            for j, c in enumerate(columns):
                value = row.get(c)
                sheet.write(i, j, ", ".join(value) if isinstance(value, list) else value)
        sheet.freeze_panes(top + 1, 2)
        sheet.autofilter(top, 0, top + max(len(watchlist), 1), len(columns) - 1)
    return path
