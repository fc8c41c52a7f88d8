"""``finseg init``, ``db``, ``users``, ``policy`` and ``sample``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from finseg.cli._app import LangOption, app, check_lang, out, parse_date
from finseg.exceptions import UserError

__all__ = ["WorkspaceOption"]

WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace directory (default: the current one) / 工作区目录（默认当前目录）",
        envvar="FINSEG_WORKSPACE",
    ),
]

db_app = typer.Typer(help="Database / 数据库", no_args_is_help=True)
users_app = typer.Typer(help="Users and roles / 用户与角色", no_args_is_help=True)
policy_app = typer.Typer(help="Policy file / 策略文件", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(policy_app, name="policy")


@app.command("init")
def init_command(
    directory: Annotated[Path, typer.Argument(help="Directory to create / 工作区目录")],
    database_url: Annotated[
        str | None,
        typer.Option(help="Database URL (default: SQLite finseg.db in the workspace) / 数据库连接"),
    ] = None,
    lang: LangOption = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing workspace / 覆盖")] = False,
) -> None:
    """Create a workspace / 创建工作区.

    Writes finseg.toml and policy.yaml, creates runs/ and models/ and the database.
    """
    from finseg.workspace import init_workspace

    ws = init_workspace(
        directory, database_url=database_url, language=check_lang(lang), force=force
    )
    out.print(f"工作区已创建 / Workspace created: {ws.root}")
    ws.close()


@db_app.command("upgrade")
def db_upgrade(
    workspace: WorkspaceOption = Path("."),
    grant: Annotated[
        str | None,
        typer.Option(
            "--grant",
            metavar="RUNTIME_ROLE",
            help="PostgreSQL: give this role (the one in database_url) only what finseg needs "
            "/ 仅授予运行角色所需的最小权限",
        ),
    ] = None,
    owner_url: Annotated[
        str | None,
        typer.Option(
            "--owner-url",
            envvar="FINSEG_OWNER_URL",
            help="Database URL of the owner role that runs the migrations (default: "
            "database_url) / 执行迁移的属主角色数据库连接",
        ),
    ] = None,
) -> None:
    """Apply database migrations and restore the audit triggers / 升级数据库结构并恢复审计触发器."""
    from finseg.store import guarded_upgrade
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        result = guarded_upgrade(owner_url or ws.engine(), grant=grant)
    finally:
        ws.close()
    out.print(f"数据库已是最新版本 / Database at revision {result.revision}")
    if result.restored:
        shown = ", ".join(result.restored)
        out.print(f"已恢复审计触发器 / Audit triggers restored: {shown}", style="bold yellow")
    if grant:
        out.print(f"已授予最小权限 / Least privilege granted to {grant}")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name / 用户名")],
    role: Annotated[str, typer.Option(help="analyst, approver or admin / 角色")] = "analyst",
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Add a user with a role / 添加用户."""
    from finseg.store import add_user, transaction
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    with transaction(ws.engine()) as s:
        user = add_user(s, name, role)
        out.print(f"已添加 / Added: {user.name} ({user.role.value})")
    ws.close()


@users_app.command("list")
def users_list(workspace: WorkspaceOption = Path("."), lang: LangOption = None) -> None:
    """List users and their roles / 列出用户."""
    from finseg.store import list_users, read_session
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    zh = check_lang(lang, ws.settings.language.value) == "zh"
    table = Table(
        "用户" if zh else "user",
        "角色" if zh else "role",
        "启用" if zh else "active",
        "创建时间 (UTC)" if zh else "created (UTC)",
    )
    with read_session(ws.engine()) as s:
        for u in list_users(s):
            table.add_row(
                u.name, u.role.value, "✓" if u.active else "", f"{u.created_at:%Y-%m-%d %H:%M}"
            )
    out.print(table)
    ws.close()


@policy_app.command("schema")
def policy_schema() -> None:
    """Print the JSON Schema of policy.yaml (for editors) / 输出策略文件的 JSON Schema."""
    from finseg.config import policy_json_schema

    typer.echo(json.dumps(policy_json_schema(), ensure_ascii=False, indent=2))


@policy_app.command("check")
def policy_check(
    file: Annotated[Path, typer.Argument(help="policy.yaml to check / 待校验的策略文件")],
) -> None:
    """Validate a policy file; errors name their line / 校验策略文件（错误附行号）."""
    from finseg.config import load_policy

    policy = load_policy(file)
    out.print(
        f"策略有效 / Policy valid: {file} — {policy.name.zh} / {policy.name.en} (v{policy.version})"
    )


@app.command("sample")
def sample_command(
    out_path: Annotated[Path, typer.Option("--out", help=".csv, .parquet or .xlsx / 输出文件")],
    customers: Annotated[int, typer.Option(help="Number of customers / 客户数")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed / 随机种子")] = 0,
    as_of: Annotated[
        str, typer.Option("--as-of", help="Latest statement date / 最新报表日期")
    ] = "2025-12-31",
    periods: Annotated[
        int, typer.Option(help="Annual snapshots per customer / 每户年度快照数")
    ] = 1,
) -> None:
    """Write a realistic seeded sample portfolio / 生成示例客户组合.

    .xlsx is written as a Chinese bank export (title rows, Chinese headers, 万元).
    """
    from finseg._safe import check_output
    from finseg.sample import generate_portfolio, write_sample

    check_output(out_path, option="--out", suffixes=(".csv", ".parquet", ".xlsx"),
                 existing_folder=False)  # fmt: skip
    if customers < 1:
        raise UserError("--customers must be at least 1", "--customers 至少为 1")
    day: date = parse_date(as_of, "--as-of")  # type: ignore[assignment]
    frame = generate_portfolio(customers, seed=seed, as_of=day, periods=periods)
    path = write_sample(frame, out_path)
    out.print(f"已写入 {len(frame):,} 行 / Wrote {len(frame):,} rows → {path}")
