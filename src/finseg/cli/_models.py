"""``finseg models list|show|promote|retire``: the model registry of a workspace.

Promoting and retiring need a logged-in approver (``finseg login``); a model's trainer cannot
promote it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from finseg._safe import check_output, neutralise_csv_frame, safe_excel_writer
from finseg.cli._app import LangOption, app, check_lang, out
from finseg.cli._workspace import WorkspaceOption

__all__ = ["models_app"]

models_app = typer.Typer(help="Model registry / 模型注册表", no_args_is_help=True)
app.add_typer(models_app, name="models")

RefArgument = Annotated[
    str, typer.Argument(help="Model id, or champion / 模型编号，或 champion（当前冠军模型）")
]


def _auc(card: dict[str, Any]) -> str:
    auc = (card.get("metrics") or {}).get("auc")
    return f"{auc:.3f}" if isinstance(auc, (int, float)) else ""


@models_app.command("list")
def models_list(workspace: WorkspaceOption = Path("."), lang: LangOption = None) -> None:
    """List registered models, newest first / 列出已注册模型."""
    from finseg.store import list_models, read_session
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    zh = check_lang(lang, ws.settings.language.value) == "zh"
    heads = ("编号", "类型", "状态", "创建时间 (UTC)", "AUC") if zh else (
        "id", "kind", "status", "created (UTC)", "AUC")  # fmt: skip
    table = Table(*heads)
    with read_session(ws.engine()) as s:
        for m in list_models(s):
            status = m.status.label("zh" if zh else "en")
            table.add_row(m.id, m.kind, status, f"{m.created_at:%Y-%m-%d %H:%M}", _auc(m.card))
    out.print(table)
    ws.close()


def _as_dict(record: Any) -> dict[str, Any]:
    at = record.promoted_at
    return {
        "id": record.id, "kind": record.kind, "status": record.status.value,
        "file": record.file, "sha256": record.sha256,
        "created_at": record.created_at.isoformat(), "created_by": record.created_by,
        "promoted_at": at.isoformat() if at else None, "promoted_by": record.promoted_by,
        "card": record.card,
    }  # fmt: skip


@models_app.command("show")
def models_show(ref: RefArgument, workspace: WorkspaceOption = Path(".")) -> None:
    """Print a model's record and card as JSON / 以 JSON 显示模型及其模型卡."""
    from finseg.store import get_model, read_session
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        with read_session(ws.engine()) as s:
            record = _as_dict(get_model(s, ref))
    finally:
        ws.close()
    typer.echo(json.dumps(record, ensure_ascii=False, indent=2))


@models_app.command("promote")
def models_promote(ref: RefArgument, workspace: WorkspaceOption = Path(".")) -> None:
    """Make a model the champion (approvers; not its trainer) / 晋升为冠军模型（审批人）.

    The old champion becomes a challenger.
    """
    from finseg.cli._login import governed
    from finseg.services import promote_model
    from finseg.store import transaction

    with governed(workspace) as (ws, actor), transaction(ws.engine()) as s:
        record = promote_model(s, actor, ref)
    out.print(f"冠军模型 / Champion: {record.id}")


@models_app.command("retire")
def models_retire(ref: RefArgument, workspace: WorkspaceOption = Path(".")) -> None:
    """Take a model out of use (approvers) / 将模型退役（审批人）."""
    from finseg.cli._login import governed
    from finseg.services import retire_model
    from finseg.store import transaction

    with governed(workspace) as (ws, actor), transaction(ws.engine()) as s:
        record = retire_model(s, actor, ref)
    out.print(f"已退役 / Retired: {record.id}")


@models_app.command("export")
def models_export(
    ref: RefArgument,
    table: Annotated[
        Path | None,
        typer.Option(help="Scorecard table: .xlsx (sheets 中文 and English) or .csv / 评分卡表"),
    ] = None,
    sql: Annotated[
        Path | None,
        typer.Option(help="One SQL expression giving points and PD (.sql) / 评分 SQL 表达式"),
    ] = None,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
) -> None:
    """Export a scorecard: its table and a SQL CASE WHEN expression / 导出评分卡表与 SQL."""
    from finseg._files import atomic_target
    from finseg.exceptions import UserError
    from finseg.store import load_model, read_session
    from finseg.workspace import open_workspace

    if table is None and sql is None:
        raise UserError(
            "give --table FILE and/or --sql FILE", "请指定 --table 和/或 --sql 输出文件"
        )
    ws = open_workspace(workspace)
    for path, option, suffixes in ((table, "--table", (".xlsx", ".csv")),
                                   (sql, "--sql", (".sql",))):  # fmt: skip
        if path is not None:
            check_output(path, option=option, suffixes=suffixes, runs_dir=ws.runs_dir,
                         existing_folder=False)  # fmt: skip
    language = check_lang(lang, ws.settings.language.value)
    try:
        with read_session(ws.engine()) as s:
            model, record = load_model(s, ws.models_dir, ref)
            model_id = record.id
    finally:
        ws.close()
    if not hasattr(model, "table") or not hasattr(model, "to_sql"):
        raise UserError(
            f"model {model_id} ({record.kind}) is not a scorecard: it has no table or SQL form",
            f"模型 {model_id}（{record.kind}）不是评分卡，无法导出评分卡表或 SQL",
        )
    if table is not None:
        with atomic_target(table) as tmp:
            if table.suffix.lower() == ".csv":
                frame = neutralise_csv_frame(model.table(language))
                frame.to_csv(tmp, index=False, encoding="utf-8-sig")
            else:
                with safe_excel_writer(tmp) as xw:
                    model.table("zh").to_excel(xw, sheet_name="中文", index=False)
                    model.table("en").to_excel(xw, sheet_name="English", index=False)
        out.print(f"评分卡表 / Scorecard table → {table}")
    if sql is not None:
        text = (
            f"-- finseg model {model_id}: score points / 评分\n{model.to_sql(target='points')}\n\n"
            f"-- finseg model {model_id}: PD / 违约概率\n{model.to_sql(target='pd')}\n"
        )
        with atomic_target(sql) as tmp:
            tmp.write_text(text, encoding="utf-8")
        out.print(f"SQL → {sql}")
