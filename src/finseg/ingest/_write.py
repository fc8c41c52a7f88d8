"""Write an ingest result: all files or none.

Each file is written to a temporary name beside its target and renamed only when every one
of them has been written, so a failure never leaves a partial output behind.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from finseg._files import atomic_target
from finseg.exceptions import IngestError
from finseg.ingest._api import IngestResult
from finseg.ingest._quality import QualityReport

__all__ = ["OUTPUT_SUFFIXES", "check_output", "quarantine_path", "write_outputs", "write_table"]

OUTPUT_SUFFIXES = (".parquet", ".csv")


def quarantine_path(out: Path) -> Path:
    """Where the rows that failed checks are written: ``OUT.quarantine.csv``."""
    return out.with_name(out.stem + ".quarantine.csv")


def check_output(out: Path) -> None:
    """Refuse an output path finseg cannot write, before any work is done."""
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise IngestError(
            f"{out}: output must end in .parquet or .csv, not {out.suffix or '(none)'!r}",
            f"{out}：输出文件应以 .parquet 或 .csv 结尾，而不是 {out.suffix or '（无）'!r}",
        )
    if out.exists() and out.is_dir():
        raise IngestError(f"{out}: is a directory", f"{out}：是目录")


def write_table(frame, path: Path) -> None:
    """Write a frame as Parquet or CSV (UTF-8 with BOM, so Excel shows Chinese) by suffix,
    atomically: the file is complete or not there."""
    with atomic_target(path) as tmp:
        if path.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
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
