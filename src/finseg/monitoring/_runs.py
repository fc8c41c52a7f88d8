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
    ws: Workspace, baseline: str, current: str, drift: bool | None = None
) -> dict[str, Any]:
    """:func:`~finseg.monitoring.monitor` of two runs' results, under the current run's policy
    (``monitoring``, master scale, taxonomy) and the baseline's model card when a registered
    model graded it, with the taxonomy's ``segment_names`` added."""
    from finseg.exceptions import UserError
    from finseg.monitoring._monitor import monitor
    from finseg.runs import run_metadata, run_policy, run_results

    if baseline == current:
        raise UserError(
            f"--baseline and --current are the same run ({current}); monitoring compares two runs",
            f"--baseline 与 --current 是同一次运行（{current}）；监控需比较两次运行",
        )
    purpose = ("to monitor (it needs grades)", "无法监控（需要评级结果）")
    before = run_results(ws, baseline, _REQUIRED, purpose)
    after = run_results(ws, current, _REQUIRED, purpose)
    policy = run_policy(ws, current)
    features, metrics = _cards(ws, run_metadata(ws, baseline)["model_ids"])
    names = {s.id: (s.zh, s.en) for s in policy.segments.taxonomy}
    payload = monitor(before, after, policy.monitoring,
                      grade_order=policy.risk.master_scale.labels, model_features=features,
                      card_metrics=metrics, segment_names=names, drift=drift,
                      run_ids=(baseline, current))  # fmt: skip
    payload["segment_names"] = {k: {"zh": zh, "en": en} for k, (zh, en) in names.items()}
    return payload


def monitor_runs(
    ws: Workspace, baseline: str, current: str, drift: bool | None = None
) -> tuple[dict[str, Any], Path]:
    """Monitor run ``current`` against run ``baseline`` and write the figures as strict JSON
    to ``runs/<current>/monitoring.json`` (atomically); return the payload and that path."""
    from finseg._files import atomic_target
    from finseg.monitoring._monitor import to_json
    from finseg.store import record_run_file, transaction

    payload = monitor_payload(ws, baseline, current, drift)
    target = ws.runs_dir / current / MONITORING_FILE
    data = (to_json(payload) + "\n").encode("utf-8")
    # the checksum is recorded in the same transaction: readers verify the file like the
    # run's own (finseg.runs.read_run_file); a failed write rolls the record back
    with transaction(ws.engine()) as s:
        record_run_file(s, current, MONITORING_FILE, hashlib.sha256(data).hexdigest())
        with atomic_target(target) as tmp:
            tmp.write_bytes(data)
    return payload, target
