"""The run: ingest, then every stage in order, written atomically and recorded in the store.

A stage is a pure function ``(DataFrame, policy section) -> DataFrame`` that adds columns;
it reads no files and no database.  :func:`run_pipeline` wires them: it records the run as
``running``, writes the results into ``runs/.partial/<run_id>/``, commits the run as ``done``
with the files' checksums, and only then renames the directory to ``runs/<run_id>/``.  So a
directory ``runs/<run_id>/`` exists only for a run recorded ``done`` (``runs/*/results.parquet``
counts finished runs only).  A failure before the commit records the run as ``failed`` and
removes the partial directory; a process killed before the commit leaves a ``running`` run
that the next run marks ``failed`` (its partial directory removed), and one killed between the
commit and the rename leaves a ``done`` run whose directory :func:`recover_runs` renames at the
next run or ``finseg runs list``.

Results are deterministic: the same input, policy and expert adjustments in force give
byte-identical Parquet files; the run id and timestamps live in the ``runs`` row, never in the
results.  Approved, unexpired expert adjustments (``finseg override``) are applied after the
stage they adjust (:data:`ADJUSTED_AFTER`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from finseg import __version__
from finseg._policy import Policy, parse_policy
from finseg._results_file import write_results
from finseg.allocation import allocation_stage, write_allocation_summary
from finseg.exceptions import FinsegError, RunError, UserError
from finseg.features import compute_features
from finseg.ingest import IngestResult, Unit, ingest, note_other_dates, write_table
from finseg.risk import RatingBasis, risk_stage
from finseg.segments import apply_overrides, override_choices, segments_stage
from finseg.store import (
    ModelStatus,
    PolicyStatus,
    PolicyVersion,
    Run,
    RunStatus,
    active_overrides,
    fail_run,
    finish_run,
    list_models,
    load_model,
    mark_stale_running_runs_failed,
    read_session,
    record_policy_version,
    require_champion_evidence,
    require_evidence,
    require_override_evidence,
    start_run,
    transaction,
    upsert_customers,
)
from finseg.strategy import strategy_stage
from finseg.workspace import Workspace

__all__ = [
    "STAGES",
    "RunResult",
    "Stage",
    "begin_run",
    "champion_id",
    "commit_run",
    "file_sha256",
    "partial_dir",
    "policy_status_of",
    "recover_runs",
    "run_failure",
    "run_pipeline",
    "run_stages",
    "select_snapshot",
]

RESULTS = "results.parquet"
QUALITY = "quality.json"
#: The segment validation of a run (:func:`finseg.segments.segment_validation`).
SEGMENTS = "segments.json"
QUARANTINE = "quarantine.csv"
#: The directory under ``runs/`` holding the files of runs not yet committed ``done``.
PARTIAL = ".partial"


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline: a pure function and the policy section it reads."""

    key: str
    zh: str
    en: str
    run: Callable[..., pd.DataFrame]  # (frame, policy section, **bound) -> frame
    section: str

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


#: The stages after ingest, in order.  Each later capability appends its own.
STAGES: list[Stage] = [
    Stage("features", "客户维度", "Customer dimensions", compute_features, "features"),
    Stage("risk", "风险评级", "Risk grading", risk_stage, "risk"),
    Stage("segments", "客户细分", "Customer segments", segments_stage, "segments"),
    Stage("strategy", "差异化策略", "Strategy", strategy_stage, "strategy"),
    # a no-op unless policy.yaml sets allocation.budget
    Stage("allocation", "额度分配", "Credit allocation", allocation_stage, "allocation"),
]

#: Expert adjustments applied right after a stage: grades after ``risk`` (so segment rules and
#: ``segment_key`` see the adjusted grade), segments after ``segments``.
ADJUSTED_AFTER = {"risk": "grade", "segments": "segment"}

#: ``progress(stage_key, label, event)`` with event ``"start"`` or ``"done"``.
Progress = Callable[[str, str, str], None]


@dataclass
class RunResult:
    """What a finished run produced."""

    run_id: str
    status: str
    rows: int
    seconds: float
    run_dir: Path
    timings: dict[str, float] = field(default_factory=dict)
    quarantined: int = 0
    other_dates: int = 0  # rows of statement dates the run did not use
    #: Segments of the policy's taxonomy that no customer of the run falls into: a warning
    #: (a misspelt value or an impossible condition leaves a segment empty without an error).
    empty_segments: list[str] = field(default_factory=list)
    #: Customers per rating basis (``full`` / ``partial`` / ``fallback``, docs/risk.md).
    rating_basis: dict[str, int] = field(default_factory=dict)
    #: ``"draft"`` when the run used a policy version that is not the active one.
    policy_status: str = "active"
    #: ``results.parquet``, or the Parquet dataset directory of a Spark run
    results_name: str = RESULTS

    @property
    def results(self) -> Path:
        return self.run_dir / self.results_name

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "rows": self.rows,
            "quarantined": self.quarantined,
            "other_dates": self.other_dates,
            "empty_segments": self.empty_segments,
            "rating_basis": self.rating_basis,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "run_dir": str(self.run_dir),
            "results": str(self.results),
            "policy_status": self.policy_status,
        }


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def select_snapshot(frame: pd.DataFrame, as_of: date | None) -> tuple[pd.DataFrame, date]:
    """One statement date out of a file that may hold several: ``as_of``, or the latest."""
    dates = sorted({d.date() for d in frame["as_of_date"].dropna().unique()})
    if not dates:
        raise UserError("no rows with a statement date", "没有带报表日期的数据行")
    chosen = as_of or dates[-1]
    if chosen not in dates:
        shown = ", ".join(d.isoformat() for d in dates[-8:])
        raise UserError(
            f"--as-of {chosen}: no rows with that statement date; the file has {shown}",
            f"--as-of {chosen}：没有该报表日期的数据；文件中的报表日期为 {shown}",
        )
    picked = frame[frame["as_of_date"] == pd.Timestamp(chosen)]
    return picked.sort_values("customer_id", kind="stable").reset_index(drop=True), chosen


def _ingest(ws: Workspace, data: Path, policy: Policy) -> IngestResult:
    rules = policy.ingest
    unit = Unit(rules.default_unit or ws.settings.default_unit)
    return ingest(
        [data],
        unit=unit,
        tolerance=rules.identity_tolerance,
        duplicates=rules.duplicate_rule.value,
    )


def _write_results(
    part: Path, result: IngestResult, frame: pd.DataFrame, min_segment_size: int = 30
) -> dict[str, str]:
    # first: it takes the allocation summary (with its solve time) out of frame.attrs, which
    # pyarrow would otherwise store in the Parquet metadata and make the results differ
    write_allocation_summary(frame, part)
    write_results(frame, part / RESULTS)
    result.report.write_json(part / QUALITY)
    if "segment" in frame and len(frame):
        from finseg.segments import segment_validation

        metrics = segment_validation(frame, min_segment_size)
        text = json.dumps(metrics, ensure_ascii=False, indent=1, allow_nan=False)
        (part / SEGMENTS).write_text(text, encoding="utf-8")
    if len(result.quarantine):
        write_table(result.quarantine, part / QUARANTINE)
    return {p.name: file_sha256(p) for p in sorted(part.iterdir())}


def partial_dir(ws: Workspace, run_id: str) -> Path:
    """Where run ``run_id`` writes its files until it is committed ``done``: a level below
    ``runs/``, so that ``runs/*/results.parquet`` never matches an unfinished run."""
    return ws.runs_dir / PARTIAL / run_id


def _leftovers(ws: Workspace, run_id: str) -> tuple[Path, ...]:
    # the last two: the layout of finseg before the commit came first (<id>.partial, and a
    # renamed <id>/ whose run was never committed)
    return (partial_dir(ws, run_id), ws.runs_dir / f"{run_id}.partial", ws.runs_dir / run_id)


def _clean_stale(ws: Workspace, stale: list[str]) -> None:
    """Remove what killed runs (now recorded ``failed``) left behind."""
    for run_id in stale:
        for leftover in _leftovers(ws, run_id):
            shutil.rmtree(leftover, ignore_errors=True)


def policy_status_of(session: Any, policy_id: int) -> str:
    """``"active"`` or ``"draft"`` for the policy version a run uses.  What-if runs on a draft
    are allowed (marked draft wherever they show); an active version is used only with its
    activation in the audit log (docs/security.md)."""
    version = session.get(PolicyVersion, policy_id)
    if version.status is not PolicyStatus.ACTIVE:
        return "draft"
    require_evidence(session, "policy_version", policy_id, "activate",
                     {"status": "active", "sha256": version.sha256})  # fmt: skip
    return "active"


def recover_runs(ws: Workspace) -> list[str]:
    """Finish what a process killed between its commit and its rename left: move the files of
    every run recorded ``done`` from ``runs/.partial/<id>/`` to ``runs/<id>/``; return the ids.

    Partial directories of runs still ``running`` are left to their process (or to the stale
    check of the next run); those of ``failed`` runs are removed.
    """
    staging = ws.runs_dir / PARTIAL
    if not staging.is_dir():
        return []
    recovered = []
    with read_session(ws.engine()) as s:
        status = {p.name: s.scalar(sa.select(Run.status).where(Run.id == p.name))
                  for p in staging.iterdir()}  # fmt: skip
    for run_id, state in sorted(status.items()):
        if state is RunStatus.DONE and not (ws.runs_dir / run_id).exists():
            _publish(staging / run_id, ws.runs_dir / run_id)
            recovered.append(run_id)
        elif state is RunStatus.FAILED:
            shutil.rmtree(staging / run_id, ignore_errors=True)
    return recovered


def _publish(part: Path, final: Path) -> None:
    """Rename a committed run's directory into place (a kill here is undone by
    :func:`recover_runs`).  Another process may have done it first: that is not an error."""
    try:
        part.rename(final)
    except OSError:
        if part.exists() or not final.is_dir():
            raise


def _canonical_champion(session: Any) -> Any:
    """The workspace champion when it was trained on canonical portfolios (only such a model
    can grade a run), else ``None``."""
    champion = next((m for m in list_models(session) if m.status is ModelStatus.CHAMPION), None)
    if champion is None or (champion.card or {}).get("params", {}).get("mode") != "canonical":
        return None
    return champion


def champion_id(ws: Workspace) -> str:
    """The id of the model a run in ``ws`` would grade with today: the canonical champion,
    else the expert model."""
    from finseg.risk._stage import EXPERT_MODEL_ID

    with read_session(ws.engine()) as s:
        champion = _canonical_champion(s)
        return champion.id if champion is not None else EXPERT_MODEL_ID


def _champion(ws: Workspace) -> dict[str, Any]:
    """Keyword arguments binding the workspace champion into the risk stage, or none.

    The champion must have its audit evidence (promotion and registered SHA-256), and the
    model file is checked against that SHA-256 before it is loaded; either failing fails the run.
    """
    with read_session(ws.engine()) as s:
        champion = _canonical_champion(s)
        if champion is None:
            return {}
        require_champion_evidence(s, champion)
        model, record = load_model(s, ws.models_dir, champion.id)
        return {"model": model, "model_id": record.id, "features": list(record.card["features"])}


def _adjuster(ws: Workspace, policy: Policy, on: date) -> Callable[..., pd.DataFrame]:
    """``adjust(frame, fields=...)`` applying the expert adjustments in force on day ``on``;
    each must match its approval in the audit log (else the run fails naming it)."""
    with read_session(ws.engine()) as s:
        overrides = active_overrides(s, on)
        for override in overrides:
            require_override_evidence(s, override)
    strategies = {seg.id: seg.strategy for seg in policy.segments.taxonomy}
    return partial(apply_overrides, overrides=overrides, choices=override_choices(policy),
                   strategies=strategies)  # fmt: skip


def run_stages(
    frame: pd.DataFrame,
    ws: Workspace,
    policy: Policy,
    timings: dict,
    progress: Progress | None,
    on: date | None = None,
    scenario: str | None = None,
) -> pd.DataFrame:
    """Every stage of :data:`STAGES` over ``frame`` (canonical columns of one snapshot) with
    ``policy``, the workspace champion and the expert adjustments in force on ``on``; stage
    seconds go into ``timings``.  :func:`run_pipeline` and ``finseg policy replay`` use it."""
    bound = {
        "risk": _champion(ws),
        "strategy": {
            "capital": policy.allocation,
            "scale": policy.risk.master_scale,
            "scenario": scenario,
        },
    }
    started = time.perf_counter()
    adjust = _adjuster(ws, policy, on or datetime.now(UTC).date())
    adjusting = time.perf_counter() - started
    for stage in STAGES:
        if progress:
            progress(stage.key, stage.label(ws.settings.language.value), "start")
        started = time.perf_counter()
        frame = stage.run(frame, getattr(policy, stage.section), **bound.get(stage.key, {}))
        timings[stage.key] = time.perf_counter() - started
        if stage.key in ADJUSTED_AFTER:
            started = time.perf_counter()
            frame = adjust(frame, fields=(ADJUSTED_AFTER[stage.key],))
            adjusting += time.perf_counter() - started
        if progress:
            progress(stage.key, stage.label(ws.settings.language.value), "done")
    timings["overrides"] = adjusting
    return frame


def run_pipeline(
    ws: Workspace,
    data: Path,
    *,
    as_of: date | None = None,
    actor: str = "system",
    progress: Progress | None = None,
    scenario: str | None = None,
) -> RunResult:
    """Run every stage over ``data`` in workspace ``ws``; return the finished run.

    ``scenario`` picks a macro scenario of ``policy.yaml → strategy.scenarios`` (default:
    its ``default_scenario``); an unknown one is a user error before anything is recorded.

    Raises the user's error (exit 2) or :class:`RunError` (exit 1); in both cases the run is
    recorded as failed and no run directory is left.
    """
    data = Path(data)
    if not data.is_file():
        raise UserError(f"{data}: file not found", f"{data}：文件不存在")
    started = time.perf_counter()
    # Read the policy once: the text recorded with the run is exactly the one it runs with.
    policy_text = ws.policy_file.read_text(encoding="utf-8")
    policy = parse_policy(policy_text, str(ws.policy_file))
    scenario = scenario or policy.strategy.default_scenario
    policy.strategy.scenario(scenario)  # an unknown scenario fails before the run is recorded
    # Expert adjustments in force on this (UTC) day apply; recorded with the run.
    today = datetime.now(UTC).date()
    params = {
        "as_of": as_of.isoformat() if as_of else None,
        "finseg": __version__,
        "overrides_on": today.isoformat(),
        "scenario": scenario,
    }
    run_id, params = begin_run(ws, policy_text, policy, str(data.resolve()), file_sha256(data),
                               params, actor)  # fmt: skip
    part, final = partial_dir(ws, run_id), ws.runs_dir / run_id
    timings: dict[str, float] = {}
    try:
        part.mkdir(parents=True)
        if progress:
            progress("ingest", "导入" if ws.settings.language.value == "zh" else "Ingest", "start")
        t0 = time.perf_counter()
        result = _ingest(ws, data, policy)
        frame, chosen = select_snapshot(result.frame, as_of)
        note_other_dates(result.report, result.frame, chosen)
        timings["ingest"] = time.perf_counter() - t0
        if progress:
            progress("ingest", "导入" if ws.settings.language.value == "zh" else "Ingest", "done")
        frame = run_stages(frame, ws, policy, timings, progress, today, scenario)
        files = _write_results(part, result, frame, policy.segments.min_segment_size)
        counts = {
            "rows_in": result.report.rows_in,
            "rows": len(frame),
            "quarantined": result.report.rows_quarantined,
            "other_dates": result.report.rows_other_dates,
            "overrides": _overrides_applied(frame),
            **{f"rating_{k}": n for k, n in _rating_basis_counts(frame).items()},
        }
        commit_run(ws, run_id, frame, actor, row_counts=counts, timings=timings, files=files,
                   model_ids=_model_ids(frame), results_path=str(final / RESULTS),
                   statement_date=chosen.isoformat())  # fmt: skip
    except BaseException as exc:
        raise run_failure(ws, run_id, exc, actor)  # noqa: B904 (the cause is set on it)
    _publish(part, final)
    return RunResult(
        run_id,
        "done",
        len(frame),
        time.perf_counter() - started,
        final,
        timings,
        result.report.rows_quarantined,
        result.report.rows_other_dates,
        _empty_segments(frame, policy),
        _rating_basis_counts(frame),
        params["policy_status"],
    )


def _rating_basis_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Customers per rating basis, every basis named (0 when none)."""
    if "rating_basis" not in frame:
        return {}
    counts = frame["rating_basis"].value_counts()
    return {b.value: int(counts.get(b.value, 0)) for b in RatingBasis}


def _empty_segments(frame: pd.DataFrame, policy: Policy) -> list[str]:
    """The taxonomy's segments (in policy order) that no customer of ``frame`` falls into."""
    if "segment" not in frame or frame.empty:
        return []
    present = set(frame["segment"].dropna().astype(str))
    return [s.id for s in policy.segments.taxonomy if s.id not in present]


def begin_run(
    ws: Workspace,
    policy_text: str,
    policy: Policy,
    input_path: str,
    input_sha256: str,
    params: dict[str, Any],
    actor: str,
) -> tuple[str, dict[str, Any]]:
    """Record a run as running, as every engine does: runs a killed process left are failed
    (or, when already committed, published), the policy text is recorded (its status checked
    against its audit evidence), and the run row written; the run id and its ``params`` (with
    ``policy_status``)."""
    engine = ws.engine()
    with transaction(engine) as s:
        _clean_stale(ws, mark_stale_running_runs_failed(s, actor=actor))
    recover_runs(ws)
    with transaction(engine) as s:
        policy_id = record_policy_version(s, policy_text, name=policy.name.en, actor=actor)
        params = {**params, "policy_status": policy_status_of(s, policy_id)}
        run_id = start_run(s, input_path=input_path, input_sha256=input_sha256,
                           policy_version_id=policy_id, params=params, actor=actor).id  # fmt: skip
    return run_id, params


def commit_run(
    ws: Workspace, run_id: str, customers: pd.DataFrame, actor: str, **finished: Any
) -> None:
    """The run's customers and its ``done`` record (``finish_run`` keywords) in one
    transaction: the commit comes first, only then is the directory published."""
    with transaction(ws.engine()) as s:
        upsert_customers(s, customers, run_id=run_id, actor=actor)
        finish_run(s, run_id, actor=actor, **finished)


def run_failure(ws: Workspace, run_id: str, exc: BaseException, actor: str) -> BaseException:
    """Record run ``run_id`` failed and leave no directory; the error to raise: the user's
    own (exit 2) or an interrupt as it is, anything else as a :class:`RunError` (exit 1)."""
    _fail(ws, run_id, exc, actor)
    if isinstance(exc, FinsegError | KeyboardInterrupt):
        return exc
    error = RunError(
        f"run {run_id} failed: {type(exc).__name__}: {exc}",
        f"运行 {run_id} 失败：{type(exc).__name__}: {exc}",
    )
    error.__cause__ = exc
    return error


def _overrides_applied(frame: pd.DataFrame) -> int:
    """How many expert adjustments (customer × field) the run applied."""
    columns = [f"{f}_override_id" for f in ADJUSTED_AFTER.values() if f"{f}_override_id" in frame]
    return int(sum(frame[c].notna().sum() for c in columns))


def _model_ids(frame: pd.DataFrame) -> list[str]:
    """The models that scored this run (the risk stage names its model per row)."""
    if "risk_model" not in frame:
        return []
    return sorted(str(m) for m in frame["risk_model"].dropna().unique())


def _fail(ws: Workspace, run_id: str, exc: BaseException, actor: str) -> None:
    for leftover in _leftovers(ws, run_id):
        shutil.rmtree(leftover, ignore_errors=True)
    message = exc.bilingual() if isinstance(exc, FinsegError) else f"{type(exc).__name__}: {exc}"
    with transaction(ws.engine()) as s:
        fail_run(s, run_id, message, actor=actor)


def read_quality(run_dir: Path) -> dict[str, Any]:
    """The data-quality report stored with a run."""
    return json.loads((run_dir / QUALITY).read_text(encoding="utf-8"))
