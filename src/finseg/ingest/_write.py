"""Write an ingest result: all files or none.

Each file is written to a temporary name beside its target and renamed only when every one
of them has been written, so a failure never leaves a partial output behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

from finseg._files import atomic_target
from finseg._safe import check_output as _check_output
from finseg._safe import neutralise_csv_frame
from finseg.exceptions import IngestError, UserError
from finseg.ingest._api import IngestResult
from finseg.ingest._quality import QualityReport

__all__ = ["OUTPUT_SUFFIXES", "check_output", "quarantine_path", "write_outputs", "write_table"]

OUTPUT_SUFFIXES = (".parquet", ".csv")


def quarantine_path(out: Path) -> Path:
    """Where the rows that failed checks are written: ``OUT.quarantine.csv``."""
    return out.with_name(out.stem + ".quarantine.csv")


def check_output(
    out: Path, inputs: Iterable[Path | str | None] = (), option: str = "--out"
) -> None:
    """Refuse an output table path finseg cannot or must not write (not ``.parquet`` /
    ``.csv``, a directory, one of ``inputs``, inside a run directory), before any work is
    done: :func:`finseg._safe.check_output`, as an :class:`IngestError`."""
    try:
        _check_output(out, option=option, suffixes=OUTPUT_SUFFIXES, inputs=inputs,
                      existing_folder=False)  # fmt: skip
    except UserError as exc:
        raise IngestError(exc.en, exc.zh) from None


def write_table(frame, path: Path) -> None:
    """Write a frame as Parquet or CSV (UTF-8 with BOM, so Excel shows Chinese) by suffix,
    atomically: the file is complete or not there."""
    with atomic_target(path) as tmp:
        if path.suffix.lower() == ".csv":  # text cells that a spreadsheet would run: quoted
            neutralise_csv_frame(frame).to_csv(
                tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d"
            )
        else:
            frame.to_parquet(tmp, index=False, engine="pyarrow")


def write_outputs(
    result: IngestResult, out: Path | None, report_path: Path | None = None
) -> dict[str, Path]:
    """Write the canonical table, the quarantine CSV and the JSON report atomically.

    With ``out=None`` only the report is written (used when the ingest failed).
    """
    planned: list[tuple[str, Path, object]] = []
    if out is not None:
        check_output(out)
        planned.append(("out", out, result.frame))
    if out is not None and len(result.quarantine):
        planned.append(("quarantine", quarantine_path(out), result.quarantine))
    if report_path is not None:
        planned.append(("report", report_path, result.report))
    temps: list[tuple[Path, Path]] = []
    try:
        for _, target, content in planned:
            # staged under a name that keeps the suffix; renamed once every file is written
            tmp = target.with_name(f".{target.stem}.staged{target.suffix}")
            if isinstance(content, QualityReport):
                content.write_json(tmp)
            else:
                write_table(content, tmp)
            temps.append((tmp, target))
    except OSError as exc:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise IngestError(f"cannot write output: {exc}", f"无法写入输出文件：{exc}") from exc
    for tmp, target in temps:
        tmp.replace(target)
    if out is not None and not len(result.quarantine):
        with contextlib.suppress(FileNotFoundError):
            quarantine_path(out).unlink()  # a stale one from an earlier ingest would mislead
    return {kind: target for kind, target, _ in planned}
