"""``finseg policy submit|activate|versions``: policy versions with maker-checker.

A changed ``policy.yaml`` is a draft; its author submits it (logged in), an admin other than
the author activates it.  Runs on a draft are allowed for what-if work and are marked draft.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from finseg.cli._app import LangOption, check_lang, out
from finseg.cli._workspace import WorkspaceOption, policy_app

__all__ = ["policy_activate", "policy_submit", "policy_versions"]


@policy_app.command("submit")
def policy_submit(workspace: WorkspaceOption = Path(".")) -> None:
    """Submit the workspace's policy.yaml as a draft you author / 提交策略草案（本人为作者）."""
    from finseg.cli._login import governed
    from finseg.services import submit_policy
    from finseg.store import transaction

    with governed(workspace) as (ws, actor):
        name = ws.policy().name.en  # validated before it is recorded
        text = ws.policy_file.read_text(encoding="utf-8")
        with transaction(ws.engine()) as s:
            vid = submit_policy(s, actor, text, name=name).id
    out.print(
        f"已提交策略草案 / Submitted policy draft [bold]{vid}[/] by {actor.name}; "
        f"待其他管理员生效 / another admin activates it: `finseg policy activate {vid}`"
    )


@policy_app.command("activate")
def policy_activate(
    version_id: Annotated[int, typer.Argument(help="Policy version id / 策略版本编号")],
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Activate a submitted draft (admins, not its author) / 使策略草案生效."""
    from finseg.cli._login import governed
    from finseg.services import activate_policy
    from finseg.store import transaction

    with governed(workspace) as (ws, actor), transaction(ws.engine()) as s:
        sha = activate_policy(s, actor, version_id).sha256
    out.print(f"策略版本已生效 / Policy version {version_id} active (SHA-256 {sha[:12]}…)")


@policy_app.command("versions")
def policy_versions(
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON / 输出 JSON")] = False,
) -> None:
    """List policy versions and their status / 列出策略版本."""
    from finseg.store import list_policy_versions, policy_version_dict, read_session
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        zh = check_lang(lang, ws.settings.language.value) == "zh"
        with read_session(ws.engine()) as s:
            versions = [(v, policy_version_dict(v)) for v in list_policy_versions(s)]
    finally:
        ws.close()
    if as_json:
        typer.echo(json.dumps({"versions": [d for _, d in versions]}, ensure_ascii=False))
        return
    heads = ("编号", "状态", "名称", "作者", "生效人", "SHA-256") if zh else (
        "id", "status", "name", "author", "activated by", "SHA-256")  # fmt: skip
    table = Table(*heads)
    for v, d in versions:
        table.add_row(str(v.id), v.status.label("zh" if zh else "en"), v.name,
                      d["submitted_by"] or "—", d["activated_by"] or "—",
                      v.sha256[:12])  # fmt: skip
    out.print(table)
