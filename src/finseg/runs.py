"""Looking runs up and reporting on them: the service behind ``finseg runs`` and
``finseg report``.

Every file of a finished run is read through :func:`read_run_file`, which checks its SHA-256
against the checksum the run recorded in the store (``runs.files``) before anything uses it:
a results table edited by hand is refused (exit 2, naming the file), never reported,
explained, exported or allocated.  The bytes are read once, hashed, and parsed from the
same buffer, so the check costs one SHA-256 pass and no second read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from finseg import __version__
from finseg._policy import Policy, check_policy_text
from finseg.allocation import ALLOCATION_JSON
from finseg.exceptions import StoreError, UserError
from finseg.ingest import QualityReport
from finseg.monitoring import MONITORING_FILE
from finseg.pipeline import QUALITY, RESULTS
from finseg.store import PolicyVersion, RunStatus, get_run, read_session
from finseg.workspace import Workspace

__all__ = [
    "FileCheck",
    "RunFileError",
    "policy_status",
    "read_results",
    "read_run_file",
    "report_run",
    "run_json",
    "run_metadata",
    "run_policy",
    "run_results",
    "verify_run",
    "verify_runs",
]

T = TypeVar("T")
#: Files at least this large are hashed in a second thread while they are parsed.
_CONCURRENT_BYTES = 4 << 20


class RunFileError(UserError):
    """A run file that does not match the checksum recorded with its run (exit 2)."""


@dataclass(frozen=True)
class FileCheck:
    """One recorded file of a run checked against its checksum.

    ``status`` is ``"ok"``, ``"changed"`` (the bytes differ from the recorded SHA-256) or
    ``"missing"`` (recorded, but no longer in the run directory).
    """

    run_id: str
    name: str
    path: Path
    expected: str
    actual: str | None
    status: str


def _read(run_id: str, path: Path, expected: str | None) -> bytes:
    """The bytes of recorded run file ``path``; a :class:`RunFileError` naming it when no
    checksum was recorded for it or it is missing."""
    if expected is None:
        raise RunFileError(
            f"run {run_id}: {path} has no checksum recorded with the run, so it cannot be "
            "verified; it is not used (re-create it with the command that writes it)",
            f"运行 {run_id}：{path} 没有随运行登记的校验值，无法核验，不予使用"
            "（请用生成它的命令重新生成）",
        )
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RunFileError(
            f"run {run_id}: {path} is recorded with the run but missing",
            f"运行 {run_id}：{path} 已随运行登记，但文件不存在",
        ) from None


def _compare(run_id: str, path: Path, expected: str, actual: str) -> None:
    if actual != expected:
        raise RunFileError(
            f"run {run_id}: {path} was changed after the run (SHA-256 {actual[:12]}…, "
            f"recorded {expected[:12]}…); it is not used — restore the file or re-run",
            f"运行 {run_id}：{path} 在运行后被改动（SHA-256 {actual[:12]}…，登记值 "
            f"{expected[:12]}…），不予使用——请恢复原文件或重新运行",
        )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _verified(run_id: str, path: Path, expected: str | None, parse: Callable[[bytes], T]) -> T:
    """``parse`` of the file's bytes, returned only when their SHA-256 is ``expected``.

    The bytes are read once.  A large file is hashed in a second thread while it is parsed
    (both release the GIL), so the check adds little to the read; nothing parsed leaves this
    function before the digest has matched.  A changed file that fails to parse is reported
    as changed, not as a parse error.
    """
    data = _read(run_id, path, expected)
    assert expected is not None  # _read refuses an unrecorded file
    if len(data) < _CONCURRENT_BYTES:
        _compare(run_id, path, expected, _sha256(data))
        return parse(data)
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(_sha256, data)
        try:
            value = parse(data)
        except Exception:
            _compare(run_id, path, expected, digest.result())
            raise
        _compare(run_id, path, expected, digest.result())
    return value


def read_run_file(
    ws: Workspace,
    run_id: str,
    name: str,
    meta: dict[str, Any] | None = None,
    parse: Callable[[bytes], Any] | None = None,
) -> Any:
    """The bytes of ``runs/<run_id>/<name>`` (or ``parse`` of them) after checking their
    SHA-256 against the checksum the run recorded in the store.

    ``None`` when the run neither recorded nor holds the file (e.g. no ``allocation.json``
    for a run without a budget).  A file that is present but not recorded, recorded but
    missing, or whose bytes differ from the recorded checksum is a :class:`RunFileError`
    (exit 2) naming it.  ``meta`` is :func:`run_metadata` when the caller has it already.
    """
    meta = meta if meta is not None else run_metadata(ws, run_id)
    path = ws.runs_dir / run_id / name
    expected = (meta.get("files") or {}).get(name)
    if expected is None and not path.exists():
        return None
    return _verified(run_id, path, expected, parse or bytes)


def _parquet(data: bytes) -> pd.DataFrame:
    import pyarrow as pa

    return pd.read_parquet(pa.BufferReader(data))  # zero-copy over the bytes already read


def _json(data: bytes) -> Any:
    return json.loads(data.decode("utf-8"))


def run_json(
    ws: Workspace, run_id: str, name: str, meta: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """A JSON file of the run, verified (:func:`read_run_file`); ``None`` when it has none."""
    return read_run_file(ws, run_id, name, meta, _json)


def verify_run(ws: Workspace, run_id: str) -> list[FileCheck]:
    """Check every file recorded with finished run ``run_id`` against its SHA-256.

    A run that is not ``done`` has nothing to check (an empty list).  Files in the run
    directory that were never recorded (the reports written into it) are not listed.
    """
    meta = run_metadata(ws, run_id)
    checks = []
    for name, expected in sorted((meta.get("files") or {}).items()):
        path = ws.runs_dir / run_id / name
        try:
            _verified(run_id, path, expected, bytes)
            checks.append(FileCheck(run_id, name, path, expected, expected, "ok"))
        except RunFileError:
            actual = _file_sha256(path) if path.is_file() else None
            status = "missing" if actual is None else "changed"
            checks.append(FileCheck(run_id, name, path, expected, actual, status))
    return checks


def verify_runs(ws: Workspace, run_id: str | None = None) -> list[FileCheck]:
    """:func:`verify_run` of ``run_id``, or of every finished run when it is ``None``."""
    if run_id is not None:
        return verify_run(ws, run_id)
    from finseg.store import list_runs

    with read_session(ws.engine()) as s:
        ids = [r.id for r in list_runs(s, status=RunStatus.DONE, limit=1_000_000)]
    return [c for i in reversed(ids) for c in verify_run(ws, i)]


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def policy_status(params: dict[str, Any] | None) -> str:
    """``"draft"`` for a run made on a policy version that was not the active one, else
    ``"active"`` (runs from before policy governance count as active).

    >>> policy_status({"policy_status": "draft"}), policy_status(None)
    ('draft', 'active')
    """
    return "draft" if (params or {}).get("policy_status") == "draft" else "active"


#: The results of a Spark run: a Parquet dataset directory (:mod:`finseg.engines.spark`).
_DATASET = "results"


def _dataset(ws: Workspace, run_id: str, meta: dict[str, Any]) -> pd.DataFrame | None:
    """The Parquet dataset of a Spark run, every part file verified against the checksum the
    run recorded (a part added, changed or missing is refused), read by DuckDB with the
    pandas dtypes the run recorded; ``None`` for a run without one."""
    run_dir = ws.runs_dir / run_id
    if not (run_dir / _DATASET).is_dir():
        return None
    from finseg.engines._frames import DTYPES, read_dataset

    files = meta.get("files") or {}
    present = {p.relative_to(run_dir).as_posix() for p in (run_dir / _DATASET).rglob("*")
               if p.is_file()}  # fmt: skip
    for name in sorted(present | {n for n in files if n.startswith(f"{_DATASET}/")}):
        _verified(run_id, run_dir / name, files.get(name), bytes)
    record = run_json(ws, run_id, DTYPES, meta)
    return read_dataset(run_dir / _DATASET, record).reset_index(drop=True)


def read_results(ws: Workspace, run_id: str, meta: dict[str, Any] | None = None) -> Any:
    """The verified results table of finished run ``run_id``: ``results.parquet`` of a pandas
    run, or the Parquet dataset of a Spark run — the same frame either engine; ``None`` when
    the run has neither."""
    meta = meta if meta is not None else run_metadata(ws, run_id)
    dataset = _dataset(ws, run_id, meta)
    return dataset if dataset is not None else read_run_file(ws, run_id, RESULTS, meta, _parquet)


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
            "policy_status": policy_status(run.params),
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
    en, zh = purpose
    done = meta["status"] == RunStatus.DONE.value
    results = read_results(ws, run_id, meta) if done else None
    if results is None:
        raise UserError(
            f"run {run_id} is {meta['status']} and has no results{' ' + en if en else ''}",
            f"运行 {run_id} 的状态为 {meta['status']}，没有结果{'，' + zh if zh else ''}",
        )
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
    results = read_results(ws, run_id, meta)
    quality = run_json(ws, run_id, QUALITY, meta)
    if results is None or quality is None:
        raise UserError(
            f"run {run_id}: its files are missing from {run_dir}",
            f"运行 {run_id}：结果文件不在 {run_dir} 中",
        )
    documents = {}
    for name in (ALLOCATION_JSON, MONITORING_FILE):
        doc = run_json(ws, run_id, name, meta)
        if doc is not None:
            documents[name] = doc
    with read_session(ws.engine()) as s:  # the expert model is not registered: no card
        records = [s.get(ModelRecord, m) for m in meta["model_ids"] if m != "expert"]
        models = {r.id: dict(r.card or {}) for r in records if r is not None}
    policy = run_policy(ws, run_id)
    ctx = ReportContext(
        run=meta,
        results=results,
        quality=QualityReport.from_dict(quality),
        lang=lang,
        overview=policy.overview,
        models=models,
        segment_names={s.id: (s.zh, s.en) for s in policy.segments.taxonomy},
        min_segment_size=policy.segments.min_segment_size,
        strategy_labels=strategy_labels(policy.strategy),
        run_dir=run_dir,
        documents=documents,
    )
    return render_report(ctx, run_dir, formats)
