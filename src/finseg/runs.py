"""Looking runs up and reporting on them: the service behind ``finseg runs`` and
``finseg report``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from finseg import __version__
from finseg._policy import Policy, check_policy_text
from finseg.exceptions import StoreError, UserError
from finseg.ingest import QualityReport
from finseg.pipeline import QUALITY, RESULTS, read_quality
from finseg.store import PolicyVersion, RunStatus, get_run, read_session
from finseg.workspace import Workspace

__all__ = ["read_results", "report_run", "run_metadata", "run_policy", "run_results"]

#: The results of a Spark run: a Parquet dataset directory (:mod:`finseg.engines.spark`).
_DATASET = "results"


def _has_results(run_dir: Path) -> bool:
    return (run_dir / RESULTS).is_file() or (run_dir / _DATASET).is_dir()


def read_results(run_dir: Path) -> pd.DataFrame:
    """The results table in ``run_dir``: ``results.parquet`` of a pandas run, or the
    Parquet dataset of a Spark run read by DuckDB, with the pandas dtypes it recorded and
    the rows in customer order — the same frame either engine."""
    if (run_dir / RESULTS).is_file():
        return pd.read_parquet(run_dir / RESULTS)
    from finseg.engines._frames import DTYPES, read_dataset

    record = json.loads((run_dir / DTYPES).read_text(encoding="utf-8"))
    return read_dataset(run_dir / _DATASET, record).reset_index(drop=True)


def run_metadata(ws: Workspace, run_id: str) -> dict[str, Any]:
    """The ``runs`` row of ``run_id`` as plain data, with its policy version."""
    with read_session(ws.engine()) as s:
        try:
            run = get_run(s, run_id)
        except StoreError as exc:
            raise UserError(exc.en, exc.zh) from None
        policy = s.get(PolicyVersion, run.policy_version_id) if run.policy_version_id else None
        return {
            "run_id": run.id,
            "status": run.status.value,
            "created_at": run.created_at.isoformat(timespec="seconds"),
            "finished_at": run.finished_at.isoformat(timespec="seconds")
            if run.finished_at
            else None,
            "input_path": run.input_path,
            "input_sha256": run.input_sha256,
            "policy_version": f"{policy.id} ({policy.name})" if policy else None,
            "policy_hash": policy.sha256 if policy else None,
            "model_ids": list(run.model_ids or []),
            "row_counts": dict(run.row_counts or {}),
            "timings": dict(run.timings or {}),
            "files": dict(run.files or {}),
            "params": dict(run.params or {}),
            "error": run.error,
            "results_path": run.results_path,
            "finseg_version": (run.params or {}).get("finseg", __version__),
        }


def run_results(
    ws: Workspace, run_id: str, required: tuple[str, ...] = (), purpose: tuple[str, str] = ("", "")
) -> pd.DataFrame:
    """The results table of finished run ``run_id``; a user error (exit 2) when the run is
    unknown, not finished, or lacks any of the ``required`` columns (a run made before the
    stage that adds them).  ``purpose`` (en, zh) completes the messages, e.g.
    ``("to allocate", "无法分配")``.
    """
    meta = run_metadata(ws, run_id)
    run_dir = ws.runs_dir / run_id
    en, zh = purpose
    if meta["status"] != RunStatus.DONE.value or not _has_results(run_dir):
        raise UserError(
            f"run {run_id} is {meta['status']} and has no results{' ' + en if en else ''}",
            f"运行 {run_id} 的状态为 {meta['status']}，没有结果{'，' + zh if zh else ''}",
        )
    results = read_results(run_dir)
    missing = [c for c in required if c not in results.columns]
    if missing:
        raise UserError(
            f"run {run_id} has no column(s) {', '.join(missing)} (it ran before the stage that "
            f"adds them); re-run it with this finseg version{' ' + en if en else ''}",
            f"运行 {run_id} 缺少列 {'、'.join(missing)}（该运行早于生成这些列的阶段）；"
            f"请用当前版本重新运行{'，' + zh if zh else ''}",
        )
    return results


def run_policy(ws: Workspace, run_id: str) -> Policy:
    """The policy the run used (its stored version), not today's policy file."""
    with read_session(ws.engine()) as s:
        run = get_run(s, run_id)
        version = s.get(PolicyVersion, run.policy_version_id) if run.policy_version_id else None
        text = version.content if version else None
    if text is None:
        return ws.policy()
    policy, problems = check_policy_text(text, f"policy version {run.policy_version_id}")
    if policy is None:  # never report a run under a policy it did not use
        first = problems[0]
        raise StoreError(
            f"run {run_id}: its stored policy version {run.policy_version_id} no longer "
            f"validates with this finseg version ({first.en}); report it with the finseg "
            "version that made it",
            f"运行 {run_id}：其保存的策略版本 {run.policy_version_id} 在当前 finseg 版本下无法"
            f"通过校验（{first.zh}）；请用生成该运行的 finseg 版本出报告",
        )
    return policy


def report_run(ws: Workspace, run_id: str, lang: str, formats: list[str]) -> dict[str, Path]:
    """Write the run's report(s) into its directory; ``{format: path}``."""
    from finseg.reporting import ReportContext, render_report, strategy_labels
    from finseg.store import ModelRecord

    meta = run_metadata(ws, run_id)
    if meta["status"] != RunStatus.DONE.value:
        raise UserError(
            f"run {run_id} is {meta['status']}; only finished runs have a report",
            f"运行 {run_id} 的状态为 {meta['status']}，只有已完成的运行才能生成报告",
        )
    run_dir = ws.runs_dir / run_id
    if not _has_results(run_dir) or not (run_dir / QUALITY).is_file():
        raise UserError(
            f"run {run_id}: its files are missing from {run_dir}",
            f"运行 {run_id}：结果文件不在 {run_dir} 中",
        )
    with read_session(ws.engine()) as s:  # the expert model is not registered: no card
        records = [s.get(ModelRecord, m) for m in meta["model_ids"] if m != "expert"]
        models = {r.id: dict(r.card or {}) for r in records if r is not None}
    policy = run_policy(ws, run_id)
    ctx = ReportContext(
        run=meta,
        results=read_results(run_dir),
        quality=QualityReport.from_dict(read_quality(run_dir)),
        lang=lang,
        overview=policy.overview,
        models=models,
        segment_names={s.id: (s.zh, s.en) for s in policy.segments.taxonomy},
        min_segment_size=policy.segments.min_segment_size,
        strategy_labels=strategy_labels(policy.strategy),
        run_dir=run_dir,
    )
    return render_report(ctx, run_dir, formats)
