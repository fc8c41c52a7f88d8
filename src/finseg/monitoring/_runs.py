"""Monitoring of two recorded runs of a workspace: read their results and the current run's
policy, compute :func:`~finseg.monitoring.monitor`, and leave ``monitoring.json`` in the
current run's directory for its report.  ``finseg monitor`` and ``finseg demo`` both call
:func:`monitor_runs`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finseg.workspace import Workspace

__all__ = ["MONITORING_FILE", "monitor_payload", "monitor_runs"]

#: The file monitoring leaves in the current run's directory for the report.
MONITORING_FILE = "monitoring.json"
_REQUIRED = ("customer_id", "grade", "pd")
#: The columns the risk stage writes: dropped from the baseline before it is re-scored.
_RISK_OUTPUT = ("pd", "score", "grade", "reason_1", "reason_2", "reason_3", "risk_model",
                "rating_basis", "rating_missing")  # fmt: skip


def _statement_date(frame: Any) -> str | None:
    """The run's statement date (``as_of_date``; a run holds one snapshot), ISO text."""
    if "as_of_date" not in frame or frame["as_of_date"].isna().all():
        return None
    return str(frame["as_of_date"].max().date())


def _check_order(baseline: str, current: str, dates: tuple[str | None, str | None]) -> None:
    """A baseline must be earlier than the current run by statement date."""
    from finseg.exceptions import UserError

    before, after = dates
    if before is not None and after is not None and before >= after:
        raise UserError(
            f"--baseline {baseline} (statement date {before}) is not earlier than --current "
            f"{current} (statement date {after}): monitoring compares an earlier run with a "
            "later one",
            f"--baseline {baseline}（报表日期 {before}）不早于 --current {current}（报表日期 "
            f"{after}）：监控须以较早的运行为基期",
        )


def _changes(meta: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What differs between the two runs (``meta``: baseline and current run metadata)
    besides the portfolio: the models and the policy."""
    changes: dict[str, Any] = {}
    if meta["baseline"]["model_ids"] != meta["current"]["model_ids"]:
        changes["model"] = {k: m["model_ids"] for k, m in meta.items()}
    if meta["baseline"]["policy_hash"] != meta["current"]["policy_hash"]:
        changes["policy"] = {k: m["policy_hash"] for k, m in meta.items()}
    return changes


def _rescore(ws: Workspace, frame: Any, model_ids: list[str], risk: Any) -> Any | None:
    """``frame`` graded again by the model that graded the current run (its risk columns
    replaced), or ``None`` when that cannot be done (several models graded the run)."""
    from finseg.risk import EXPERT_MODEL_ID, risk_stage
    from finseg.store import load_model, read_session

    if len(model_ids) != 1:
        return None
    kwargs: dict[str, Any] = {}
    if model_ids[0] != EXPERT_MODEL_ID:
        with read_session(ws.engine()) as s:
            model, record = load_model(s, ws.models_dir, model_ids[0])
        features = list(record.card["features"])
        if any(f not in frame for f in features):
            return None
        kwargs = {"model": model, "model_id": record.id, "features": features}
    kept = frame.drop(columns=[c for c in _RISK_OUTPUT if c in frame])
    out = risk_stage(kept, risk, **kwargs)
    return out[[c for c in frame.columns if c in out] + [c for c in out if c not in frame]]


def _model_effect(before: Any, rescored: Any, order: list[str], policy: Any) -> dict[str, Any]:
    """How much the model change alone moves the baseline: score PSI and grade moves of the
    same customers graded by the old and the new model."""
    from finseg.monitoring._stability import variable_psi

    score = "score" if "score" in before and "score" in rescored else "pd"
    args = (policy.bins, policy.share_floor, policy.psi_moderate, policy.psi_significant)
    psi = variable_psi(before[score], rescored[score], *args)
    rank = {g: i for i, g in enumerate(order)}
    old = before["grade"].map(rank)
    new = rescored["grade"].map(rank)
    return {
        "score_psi": psi["psi"],
        "light": psi["light"],
        "customers": len(before),
        "downgrades": int((new > old).sum()),
        "upgrades": int((new < old).sum()),
        "unchanged": int((new == old).sum()),
    }


def _cards(ws: Workspace, model_ids: list[str]) -> tuple[list[str], dict[str, Any] | None]:
    """Features (union, in order) and the first metrics of the registered models' cards."""
    from finseg.store import ModelRecord, read_session

    features: dict[str, None] = {}
    metrics = None
    with read_session(ws.engine()) as s:
        for model_id in model_ids:
            record = s.get(ModelRecord, model_id) if model_id != "expert" else None
            card = dict(record.card or {}) if record is not None else {}
            features |= dict.fromkeys(card.get("features") or [])
            metrics = metrics or card.get("metrics")
    return list(features), metrics


def monitor_payload(
    ws: Workspace,
    baseline: str,
    current: str,
    drift: bool | None = None,
    *,
    rescore: bool = True,
) -> dict[str, Any]:
    """:func:`~finseg.monitoring.monitor` of two runs' results, under the current run's policy
    (``monitoring``, master scale, taxonomy) and the baseline's model card when a registered
    model graded it, with the taxonomy's ``segment_names`` added.

    The baseline must be earlier than the current run by statement date.  When the two runs
    were graded by different models or ran under different policies, ``changes`` says so;
    with ``rescore`` (the default) the baseline is graded again by the current run's model
    and master scale, so that PSI, migration and warnings show portfolio drift, and
    ``model_effect`` shows what the model change alone moved (docs/monitoring.md).
    """
    from finseg.exceptions import UserError
    from finseg.monitoring._monitor import monitor
    from finseg.runs import run_metadata, run_policy, run_results

    if baseline == current:
        raise UserError(
            f"--baseline and --current are the same run ({current}); monitoring compares two runs",
            f"--baseline 与 --current 是同一次运行（{current}）；监控需比较两次运行",
        )
    purpose = ("to monitor (it needs grades)", "无法监控（需要评级结果）")
    meta = {"baseline": run_metadata(ws, baseline), "current": run_metadata(ws, current)}
    before = run_results(ws, baseline, _REQUIRED, purpose)
    after = run_results(ws, current, _REQUIRED, purpose)
    dates = (_statement_date(before), _statement_date(after))
    _check_order(baseline, current, dates)
    policy = run_policy(ws, current)
    order = policy.risk.master_scale.labels
    changes = _changes(meta)
    graded_by = meta["baseline"]["model_ids"]
    effect = None
    if changes and rescore:
        current_models = meta["current"]["model_ids"]
        rescored = _rescore(ws, before, current_models, policy.risk)
        if rescored is not None:
            effect = _model_effect(before, rescored, order, policy.monitoring)
            before, graded_by = rescored, current_models
    features, metrics = _cards(ws, graded_by)
    names = {s.id: (s.zh, s.en) for s in policy.segments.taxonomy}
    payload = monitor(before, after, policy.monitoring,
                      grade_order=policy.risk.master_scale.labels, model_features=features,
                      card_metrics=metrics, segment_names=names, drift=drift,
                      run_ids=(baseline, current))  # fmt: skip
    payload["segment_names"] = {k: {"zh": zh, "en": en} for k, (zh, en) in names.items()}
    payload["statement_dates"] = {"baseline": dates[0], "current": dates[1]}
    payload["changes"] = changes
    payload["baseline_rescored"] = effect is not None
    payload["policy_status"] = meta["current"]["policy_status"]  # "draft": a what-if run
    payload["model_effect"] = effect
    return payload


def monitor_runs(
    ws: Workspace,
    baseline: str,
    current: str,
    drift: bool | None = None,
    *,
    rescore: bool = True,
) -> tuple[dict[str, Any], Path]:
    """Monitor run ``current`` against run ``baseline`` and write the figures as strict JSON
    to ``runs/<current>/monitoring.json`` (atomically); return the payload and that path."""
    from finseg._files import atomic_target
    from finseg.monitoring._monitor import to_json
    from finseg.store import record_run_file, transaction

    payload = monitor_payload(ws, baseline, current, drift, rescore=rescore)
    target = ws.runs_dir / current / MONITORING_FILE
    data = (to_json(payload) + "\n").encode("utf-8")
    # the checksum is recorded in the same transaction: readers verify the file like the
    # run's own (finseg.runs.read_run_file); a failed write rolls the record back
    with transaction(ws.engine()) as s:
        record_run_file(s, current, MONITORING_FILE, hashlib.sha256(data).hexdigest())
        with atomic_target(target) as tmp:
            tmp.write_bytes(data)
    return payload, target
