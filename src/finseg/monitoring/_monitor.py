"""The monitoring service: two runs' results in, one strict-JSON-ready dict out.

``finseg monitor`` and the benchmark call :func:`monitor`; the report section reads the
``monitoring.json`` it wrote.  Everything is vectorised over customers.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from finseg.exceptions import UserError
from finseg.monitoring._adjustments import adjustment_outcomes
from finseg.monitoring._backtest import backtest
from finseg.monitoring._compare import pair_runs
from finseg.monitoring._migration import grade_migration, portfolio_change, segment_migration
from finseg.monitoring._policy import DEFAULT_FEATURES, MonitoringPolicy
from finseg.monitoring._stability import category_shares, psi_method, variable_psi
from finseg.monitoring._trigger import cluster_drift, resegmentation
from finseg.monitoring._warnings import early_warnings

__all__ = ["monitor", "monitored_features", "to_json"]


def _strict(value: Any) -> Any:
    """``value`` with non-finite floats as ``None`` and numpy scalars as Python ones."""
    if isinstance(value, dict):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(payload: Mapping[str, Any]) -> str:
    """Strict JSON text of a monitoring payload (``allow_nan=False``; UTF-8 characters kept)."""
    return json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False)


def monitored_features(
    baseline: pd.DataFrame,
    current: pd.DataFrame,
    policy: MonitoringPolicy,
    model_features: Sequence[str] | None = None,
) -> tuple[list[str], str]:
    """The numeric features to compute CSI for, and where the list came from
    (``policy``, ``model_card`` or ``default``); only those in both runs and numeric."""
    if policy.features:
        chosen, source = list(policy.features), "policy"
    elif model_features:
        chosen, source = list(model_features), "model_card"
    else:
        chosen, source = list(DEFAULT_FEATURES), "default"
    usable = [
        f for f in dict.fromkeys(chosen)
        if f in baseline and f in current and f != "score"
        and pd.api.types.is_numeric_dtype(baseline[f]) and pd.api.types.is_numeric_dtype(current[f])
    ]  # fmt: skip
    return usable, source


def _check(baseline: pd.DataFrame, current: pd.DataFrame) -> None:
    for name, zh, frame in (("baseline", "基期", baseline), ("current", "本期", current)):
        missing = [c for c in ("customer_id", "grade", "pd") if c not in frame]
        if missing:
            raise UserError(
                f"the {name} run has no {', '.join(missing)} column(s): monitoring needs "
                "graded runs",
                f"{zh}运行缺少列 {'、'.join(missing)}：监控需要已评级的运行",
            )
        if frame.empty:
            raise UserError(f"the {name} run has no customers", f"{zh}运行没有客户")


def monitor(
    baseline: pd.DataFrame,
    current: pd.DataFrame,
    policy: MonitoringPolicy | None = None,
    *,
    grade_order: Sequence[str] | None = None,
    model_features: Sequence[str] | None = None,
    card_metrics: Mapping[str, Any] | None = None,
    segment_names: Mapping[str, tuple[str, str]] | None = None,
    drift: bool | None = None,
    run_ids: tuple[str | None, str | None] = (None, None),
) -> dict[str, Any]:
    """Monitor the current run against the baseline run.

    Parameters
    ----------
    baseline, current : DataFrame
        Results tables (one row per customer) with ``customer_id``, ``grade`` and ``pd``;
        ``score``, ``segment``, ratios, ``default_12m`` and the override columns are used
        when present.
    policy : MonitoringPolicy, optional
        Thresholds, bins and warning rules (the defaults when omitted).
    grade_order : sequence of str, optional
        Grade labels best first, the default grade last (``MasterScale.labels``).
    model_features, card_metrics : optional
        The model card's ``features`` and ``metrics`` when a registered model graded the
        baseline.
    segment_names : mapping, optional
        Segment id -> (zh, en), in taxonomy order.
    drift : bool, optional
        Run the cluster drift check (default: ``policy.drift_check``).
    run_ids : (str, str), optional
        Baseline and current run ids, echoed in the output.

    Returns
    -------
    dict
        Strict-JSON-ready; keys listed in ``docs/monitoring.md``.
    """
    from finseg.risk import default_master_scale

    policy = policy or MonitoringPolicy()
    order = list(grade_order or default_master_scale().labels)
    segment_order = list(segment_names or ())
    _check(baseline, current)
    clock = time.perf_counter()
    pairing = pair_runs(baseline, current)
    features, source = monitored_features(baseline, current, policy, model_features)
    psi_args = (policy.bins, policy.share_floor, policy.psi_moderate, policy.psi_significant)
    score = "score" if "score" in baseline and "score" in current else "pd"
    psi = {"score": variable_psi(baseline[score], current[score], *psi_args)}
    psi["score"]["variable"] = score
    for f in features:
        psi[f] = variable_psi(baseline[f], current[f], *psi_args)
    timings = {"stability": time.perf_counter() - clock}
    shares = {"grade": category_shares(baseline["grade"], current["grade"], order,
                                       policy.share_floor)}  # fmt: skip
    if "segment" in baseline and "segment" in current:
        shares["segment"] = category_shares(baseline["segment"], current["segment"],
                                            segment_order, policy.share_floor)  # fmt: skip
    clock = time.perf_counter()
    migration = grade_migration(baseline, current, pairing, order)
    payload: dict[str, Any] = {
        "baseline_run_id": run_ids[0],
        "current_run_id": run_ids[1],
        "customers": portfolio_change(baseline, current, pairing, order, segment_order),
        "method": psi_method(policy.bins, policy.share_floor),
        "thresholds": {
            "psi_moderate": policy.psi_moderate,
            "psi_significant": policy.psi_significant,
            **policy.traffic_light.model_dump(mode="json"),
        },
        "features": features,
        "features_source": source,
        "psi": psi,
        "shares": shares,
        "grade_migration": migration.pop("matrix"),
        "grade_migration_summary": migration,
    }
    if "segment" in baseline and "segment" in current:
        payload["segment_migration"] = segment_migration(baseline, current, pairing,
                                                         segment_order)  # fmt: skip
    timings["migration"] = time.perf_counter() - clock
    clock = time.perf_counter()
    payload["backtest"] = backtest(baseline, current, pairing, order, policy, card_metrics,
                                   segment_order)  # fmt: skip
    timings["backtest"] = time.perf_counter() - clock
    clock = time.perf_counter()
    payload["warnings"] = early_warnings(baseline, current, pairing, order, policy)
    timings["warnings"] = time.perf_counter() - clock
    clock = time.perf_counter()
    payload["adjustments"] = adjustment_outcomes(baseline, current, pairing, order)
    timings["adjustments"] = time.perf_counter() - clock
    check_drift = policy.drift_check if drift is None else drift
    payload["drift"] = cluster_drift(baseline, current, policy) if check_drift else None
    names = {k: tuple(v) for k, v in (segment_names or {}).items()}
    payload["resegmentation"] = resegmentation(psi, payload["backtest"], payload["drift"],
                                               policy, names)  # fmt: skip
    payload["timings"] = {k: round(v, 3) for k, v in timings.items()}
    return _strict(payload)
