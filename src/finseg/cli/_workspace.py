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
tokens_app = typer.Typer(help="Login tokens / 登录令牌", no_args_is_help=True)
users_app.add_typer(tokens_app, name="tokens")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(policy_app, name="policy")


@app.command("init")
def init_command(
    directory: Annotated[Path, typer.Argument(help="Directory to create / 工作区目录")],
    admin: Annotated[
        str | None,
        typer.Option(
            "--admin",
            help="Create this first admin, who activates the policy (password asked, or "
            "--password-stdin) / 创建第一个管理员",
        ),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the admin's password from standard input / 从标准输入读取管理员密码",
        ),
    ] = False,
    database_url: Annotated[
        str | None,
        typer.Option(help="Database URL (default: SQLite finseg.db in the workspace) / 数据库连接"),
    ] = None,
    lang: LangOption = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing workspace / 覆盖")] = False,
) -> None:
    """Create a workspace and its first admin / 创建工作区及第一个管理员.

    Writes finseg.toml and policy.yaml, creates runs/ and models/ and the database; the admin
    (--admin NAME) activates the shipped policy.  On an existing workspace without an admin
    who can log in, --admin only adds that admin.
    """
    from finseg.cli._login import read_password
    from finseg.config import SETTINGS_FILE
    from finseg.services import FirstAdmin, NewWorkspace, add_first_admin, create_workspace
    from finseg.workspace import open_workspace

    first = None
    if admin is not None:
        first = FirstAdmin(admin, read_password(password_stdin, confirm=True))
    if first is not None and not force and (directory / SETTINGS_FILE).is_file():
        ws = open_workspace(directory)
        try:
            actor = add_first_admin(ws, first)
        finally:
            ws.close()
        out.print(f"已添加管理员 / Admin added: {actor.name} — {ws.root}")
        return
    ws = create_workspace(NewWorkspace(directory, first, database_url, check_lang(lang), force))
    out.print(f"工作区已创建 / Workspace created: {ws.root}")
    if first is None:
        out.print(
            "提示 / Note: 未创建管理员，无人可以登录；用 `finseg init DIR --admin NAME` 添加 / "
            "no admin was created, so no one can log in; add one with "
            "`finseg init DIR --admin NAME`"
        )
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
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the new user's password from standard input / 从标准输入读取新用户密码",
        ),
    ] = False,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Add a user with a role and password (admins only) / 添加用户（仅管理员）."""
    from finseg.cli._login import governed, read_password
    from finseg.services import NewUser, add_user
    from finseg.store import Role, transaction

    with governed(workspace) as (ws, actor):
        new_role = _role(role)
        password = read_password(password_stdin, confirm=True,
                                 prompt="新用户的密码 / New user's password")  # fmt: skip
        with transaction(ws.engine()) as s:
            user = add_user(s, actor, NewUser(name, Role(new_role), password))
            out.print(f"已添加 / Added: {user.name} ({user.role.value})")


def _role(role: str) -> str:
    from finseg.store import Role

    if role not in {r.value for r in Role}:
        choices = ", ".join(r.value for r in Role)
        raise UserError(
            f"unknown role {role!r}; choose one of: {choices}",
            f"未知的角色 {role!r}；可选：{choices}"
            "（analyst 客户经理、approver 审批人、admin 管理员）",
        )
    return role


@users_app.command("role")
def users_role(
    name: Annotated[str, typer.Argument(help="User name / 用户名")],
    role: Annotated[str, typer.Argument(help="analyst, approver or admin / 新角色")],
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Change a user's role (admins only, not their own) / 变更用户角色."""
    from finseg.cli._login import governed
    from finseg.services import change_role
    from finseg.store import Role, transaction

    with governed(workspace) as (ws, actor), transaction(ws.engine()) as s:
        user = change_role(s, actor, name, Role(_role(role)))
        out.print(f"角色已变更 / Role changed: {user.name} → {user.role.value}")


@tokens_app.command("revoke")
def users_tokens_revoke(
    name: Annotated[str, typer.Argument(help="User name / 用户名")],
    workspace: WorkspaceOption = Path("."),
) -> None:
    """End every token of a user (admins; anyone for themself) / 撤销用户的全部令牌."""
    from finseg.cli._login import governed
    from finseg.services import revoke_user_tokens
    from finseg.store import transaction

    with governed(workspace) as (ws, actor), transaction(ws.engine()) as s:
        n = revoke_user_tokens(s, actor, name)
    out.print(f"已撤销 {n} 个令牌 / Revoked {n} token(s) of {name}")


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
