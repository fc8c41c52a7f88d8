"""``finseg audit verify`` and ``finseg audit export``: the audit log's hash chain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from finseg.cli._app import app, out
from finseg.cli._workspace import WorkspaceOption

__all__: list[str] = []

audit_app = typer.Typer(help="Audit log / 审计日志", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    workspace: WorkspaceOption = Path("."),
    anchor: Annotated[
        Path | None,
        typer.Option(
            "--anchor",
            help="An earlier `finseg audit export`: its rows must still be there unchanged / "
            "先前导出的审计日志：其中各行须仍在且未被改动",
        ),
    ] = None,
) -> None:
    """Check the audit log's hash chain; exit 2 naming the first broken or missing row /
    校验审计日志哈希链."""
    from finseg.audit import verify_audit
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        report = verify_audit(ws, anchor)
    finally:
        ws.close()
    head = "—" if report.head_id is None else f"{report.head_id} ({report.head_sha256})"
    out.print(f"审计链完整 / Audit chain intact: {report.rows:,} 行 / rows, 链头 / head {head}")


@audit_app.command("export")
def audit_export(
    out_file: Annotated[
        Path, typer.Option("--out", help="JSON Lines file to write / 导出文件（JSON Lines）")
    ],
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Export the audit log with its hash chain as JSON Lines / 导出审计日志（含哈希链）."""
    from finseg.audit import export_audit
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        rows = export_audit(ws, out_file)
    finally:
        ws.close()
    out.print(f"已导出 / Exported: {rows:,} 行 / rows → {out_file}")
