"""``finseg override propose|approve|reject|list``: expert adjustments with maker-checker.

Each command accepts ``--json`` and then prints exactly one JSON object; otherwise a Rich
table.  Proposing and deciding need a logged-in user (``finseg login``); the person is the
token's owner, never a free-text option.  Refusals (not logged in, self-approval, wrong
role, unknown customer or value) exit with 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table

from finseg.cli._app import LangOption, app, check_lang, out, parse_date
from finseg.cli._workspace import WorkspaceOption

if TYPE_CHECKING:
    from finseg.store import Override

__all__ = ["override_app"]

override_app = typer.Typer(
    help="Expert adjustments with maker-checker / 专家调整（双人复核）", no_args_is_help=True
)
app.add_typer(override_app, name="override")

IdArgument = Annotated[int, typer.Argument(help="Adjustment id / 调整编号")]
NoteOption = Annotated[str | None, typer.Option("--note", help="Decision note / 审批意见")]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object / 输出一个 JSON 对象")
]

_HEADS = {
    "en": ("id", "customer", "field", "to", "status", "maker", "checker", "expires", "reason"),
    "zh": ("编号", "客户", "字段", "调整为", "状态", "提出人", "审批人", "到期日", "理由"),
}  # fmt: skip


def _table(overrides: list[Override], lang: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, show_edge=False)
    *codes, reason = _HEADS[lang]
    for head in codes:  # fold long values onto more lines instead of cutting them
        table.add_column(head, overflow="fold")
    table.add_column(reason, overflow="fold", ratio=1, min_width=10)
    for o in overrides:
        expires = o.expires_on.isoformat() if o.expires_on else "—"
        table.add_row(
            str(o.id), o.customer_id, o.field.label(lang), o.to_value, o.status.label(lang),
            o.proposed_by, o.decided_by or "—", expires, o.reason,
        )  # fmt: skip
    return table


def _emit(payload: dict[str, Any]) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False))


@override_app.command("propose")
def override_propose(
    customer: Annotated[str, typer.Option("--customer", help="Customer id / 客户编号")],
    field: Annotated[str, typer.Option("--field", help="segment or grade / 细分或等级")],
    to: Annotated[str, typer.Option("--to", help="New value / 调整后的值")],
    reason: Annotated[str, typer.Option("--reason", help="Why / 调整理由")],
    expires: Annotated[
        str | None, typer.Option("--expires", help="Last day in force, YYYY-MM-DD / 到期日")
    ] = None,
    workspace: WorkspaceOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Propose an adjustment of a customer's segment or grade (logged in) / 提出专家调整."""
    from finseg.cli._login import governed
    from finseg.segments._overrides import override_choices
    from finseg.services import Proposal, propose_adjustment
    from finseg.store import override_dict, transaction

    expires_on = parse_date(expires, "--expires")
    with governed(workspace) as (ws, actor):
        choices = override_choices(ws.policy()).get(field)
        proposal = Proposal(customer, field, to, reason, expires_on, choices)
        with transaction(ws.engine()) as s:
            payload = override_dict(propose_adjustment(s, actor, proposal))
    if as_json:
        _emit(payload)
        return
    out.print(
        f"已提出调整 / Proposed adjustment [bold]{payload['id']}[/]: {customer} "
        f"{field} → {payload['to_value']}（待审批 / awaiting approval）"
    )


def _decide(override_id: int, note: str | None, workspace: Path, approve: bool,
            as_json: bool) -> None:  # fmt: skip
    from finseg.cli._login import governed
    from finseg.services import Decision, decide_adjustment
    from finseg.store import override_dict, transaction

    with governed(workspace) as (ws, actor), transaction(ws.engine()) as s:
        decided = decide_adjustment(s, actor, Decision(override_id, approve, note))
        payload = override_dict(decided)
    if as_json:
        _emit(payload)
        return
    word = "已批准 / Approved" if approve else "已拒绝 / Rejected"
    out.print(
        f"{word} adjustment [bold]{override_id}[/]: {payload['customer_id']} "
        f"{payload['field']} → {payload['to_value']} "
        f"(提出人 / maker {payload['proposed_by']}, 审批人 / checker {payload['decided_by']})"
    )


@override_app.command("approve")
def override_approve(
    override_id: IdArgument,
    note: NoteOption = None,
    workspace: WorkspaceOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Approve another user's adjustment / 批准调整.

    It applies from the next run until its expiry date / 自下一次运行起生效，至到期日止.
    """
    _decide(override_id, note, workspace, True, as_json)


@override_app.command("reject")
def override_reject(
    override_id: IdArgument,
    note: NoteOption = None,
    workspace: WorkspaceOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Reject another user's adjustment / 拒绝调整."""
    _decide(override_id, note, workspace, False, as_json)


@override_app.command("list")
def override_list(
    status: Annotated[
        str | None,
        typer.Option("--status", help="proposed, approved or rejected / 按状态筛选"),
    ] = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Only this customer / 仅该客户")
    ] = None,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """List adjustments, newest first / 列出专家调整."""
    from finseg.store import list_overrides, override_dict, read_session
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        language = check_lang(lang, ws.settings.language.value)
        with read_session(ws.engine()) as s:
            overrides = list_overrides(s, status=status, customer_id=customer)
    finally:
        ws.close()
    if as_json:
        _emit({"overrides": [override_dict(o) for o in overrides]})
        return
    out.print(_table(overrides, language))
