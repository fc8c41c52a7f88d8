"""Checking and exporting the audit log: the use cases behind ``finseg audit verify|export``.

``verify`` walks the hash chain (:func:`finseg.store.verify_chain`) and, given an earlier
export as an *anchor*, also checks that every row the auditor exported then is still there
unchanged — which catches what the chain alone cannot: the newest rows removed, or the whole
chain rewritten with recomputed hashes by someone with write access to the database.
``export`` writes the log as JSON Lines with both hashes of every row, atomically.
"""

from __future__ import annotations

import json
from pathlib import Path

from finseg._files import atomic_target
from finseg.exceptions import UserError
from finseg.store import AuditChainError, ChainReport, export_rows, iter_chain, read_session
from finseg.store import verify_chain as _verify_chain
from finseg.workspace import Workspace

__all__ = ["export_audit", "read_anchor", "verify_audit"]


def read_anchor(path: Path) -> dict[int, str]:
    """``{id: row_sha256}`` of an earlier ``finseg audit export``.

    Raises
    ------
    UserError
        The file is missing or a line is not an exported audit row.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(
            f"--anchor {path}: cannot read it ({exc.strerror or exc})",
            f"--anchor {path}：无法读取（{exc.strerror or exc}）",
        ) from exc
    anchor: dict[int, str] = {}
    for number, line in enumerate(lines, 1):
        try:
            row = json.loads(line)
            anchor[int(row["id"])] = str(row["row_sha256"])
        except (ValueError, KeyError, TypeError):
            raise UserError(
                f"--anchor {path}, line {number}: not a row of `finseg audit export`",
                f"--anchor {path} 第 {number} 行：不是 `finseg audit export` 导出的审计行",
            ) from None
    return anchor


def _check_anchor(ws: Workspace, anchor: dict[int, str], source: Path) -> None:
    with read_session(ws.engine()) as s:
        found = {row["id"]: row["row_sha256"] for row in iter_chain(s) if row["id"] in anchor}
    for row_id, digest in sorted(anchor.items()):
        if found.get(row_id) is None:
            raise AuditChainError(
                f"audit row {row_id}, exported in {source}, is missing from the database",
                f"审计日志第 {row_id} 行（已导出于 {source}）在数据库中缺失",
            )
        if found[row_id] != digest:
            raise AuditChainError(
                f"audit row {row_id} differs from its export in {source}: the log was rewritten",
                f"审计日志第 {row_id} 行与 {source} 中导出的不一致：日志已被重写",
            )


def verify_audit(ws: Workspace, anchor: Path | None = None) -> ChainReport:
    """Check the audit chain of ``ws`` (and the rows of an earlier export ``anchor``).

    Raises
    ------
    AuditChainError
        The first broken or missing row (exit code 2).
    """
    with read_session(ws.engine()) as s:
        report = _verify_chain(s)
    if not report.ok:
        raise report.error()
    if anchor is not None:
        _check_anchor(ws, read_anchor(anchor), anchor)
    return report


def export_audit(ws: Workspace, out: Path) -> int:
    """Write the audit log of ``ws`` to ``out`` as JSON Lines (atomically); return the rows."""
    count = 0
    with (
        read_session(ws.engine()) as s,
        atomic_target(out) as tmp,
        tmp.open("w", encoding="utf-8", newline="\n") as fh,
    ):
        for line in export_rows(iter_chain(s)):
            fh.write(line)
            count += 1
    return count
