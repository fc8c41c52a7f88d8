"""``finseg login`` and ``logout``, and the logged-in person behind every governed command.

``finseg login`` checks the password and saves the personal token it receives in the user's
config directory (``$XDG_CONFIG_HOME/finseg/tokens/``, from platformdirs), one file per
workspace, mode 0600; the database keeps only the token's SHA-256.  ``FINSEG_TOKEN``, when
set, is used instead of the saved file (automation, CI and tests).  A governed command calls
:func:`current_actor`; without a valid token it stops with exit 2 and a bilingual message.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from finseg.cli._app import app, out
from finseg.cli._workspace import WorkspaceOption
from finseg.exceptions import AuthenticationError, UserError

if TYPE_CHECKING:
    from finseg.services import Actor
    from finseg.workspace import Workspace

__all__ = [
    "TOKEN_ENV",
    "current_actor",
    "governed",
    "optional_actor",
    "read_password",
    "saved_token",
    "token_file",
]

#: The environment variable that carries a token instead of the saved file.
TOKEN_ENV = "FINSEG_TOKEN"

PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input / 从标准输入读取密码",
    ),
]


def token_file(ws: Workspace) -> Path:
    """Where the token for ``ws`` is saved: one file per workspace in the config directory."""
    from platformdirs import user_config_path

    key = hashlib.sha256(str(ws.root).encode("utf-8")).hexdigest()[:32]
    return user_config_path("finseg") / "tokens" / f"{key}.json"


def _write_private(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` readable by its owner only (0600, directory 0700), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".token.", suffix=".json")  # 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(name, 0o600)
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def saved_token(ws: Workspace) -> str | None:
    """The token for ``ws``: ``FINSEG_TOKEN`` if set, else the saved file's, else ``None``."""
    from_env = os.environ.get(TOKEN_ENV, "").strip()
    if from_env:
        return from_env
    path = token_file(ws)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    token = payload.get("token") if isinstance(payload, dict) else None
    return token if isinstance(token, str) and token else None


def _not_logged_in(ws: Workspace) -> AuthenticationError:
    return AuthenticationError(
        f"this action needs a logged-in user: run `finseg login -w {ws.root}` (or set {TOKEN_ENV})",
        f"此操作需要登录：请先运行 `finseg login -w {ws.root}`（或设置 {TOKEN_ENV}）",
    )


def current_actor(ws: Workspace) -> Actor:
    """The logged-in person for a governed action in ``ws``.

    Raises
    ------
    AuthenticationError
        No token, or an unknown, expired or revoked one (exit 2).
    """
    from finseg.services import authenticate
    from finseg.store import read_session

    token = saved_token(ws)
    if token is None:
        raise _not_logged_in(ws)
    with read_session(ws.engine()) as s:
        return authenticate(s, token)


def optional_actor(ws: Workspace) -> Actor | None:
    """The logged-in person when there is one (runs record them); ``None`` otherwise."""
    from finseg.services import authenticate
    from finseg.store import read_session

    token = saved_token(ws)
    if token is None:
        return None
    try:
        with read_session(ws.engine()) as s:
            return authenticate(s, token)
    except AuthenticationError:
        return None


@contextmanager
def governed(workspace: Path) -> Iterator[tuple[Workspace, Actor]]:
    """The workspace at ``workspace`` and the logged-in person, for one governed command;
    the workspace is closed when the block ends.  The caller opens its write transaction
    after any prompt, so no lock is held while a person types."""
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        yield ws, current_actor(ws)
    finally:
        ws.close()


def read_password(from_stdin: bool, *, confirm: bool = False, prompt: str = "") -> str:
    """A password from the first line of standard input, or typed at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UserError(
                "--password-stdin: standard input holds no password",
                "--password-stdin：标准输入中没有密码",
            )
        return password
    return typer.prompt(prompt or "密码 / Password", hide_input=True,
                        confirmation_prompt=confirm)  # fmt: skip


@app.command("login")
def login_command(
    user: Annotated[
        str | None, typer.Option("--user", "-u", help="User name (default: asked) / 用户名")
    ] = None,
    password_stdin: PasswordStdinOption = False,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Log in to a workspace; saves a personal token (mode 0600) / 登录工作区并保存个人令牌.

    The token expires after the workspace's token_ttl_hours; `finseg logout` ends it sooner.
    """
    from finseg.services import Login, login
    from finseg.store import transaction
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        name = user if user is not None else typer.prompt("用户名 / User")
        password = read_password(password_stdin)
        ttl = timedelta(hours=ws.settings.token_ttl_hours)
        with transaction(ws.engine()) as s:
            issued = login(s, Login(name, password, ttl))
        path = token_file(ws)
        _write_private(path, {"workspace": str(ws.root), "user": issued.actor.name,
                              "token": issued.token,
                              "expires_at": issued.expires_at.isoformat()})  # fmt: skip
    finally:
        ws.close()
    out.print(
        f"已登录 / Logged in: {issued.actor.name} ({issued.actor.role.value})，"
        f"有效至 / valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC — {path}"
    )


@app.command("logout")
def logout_command(workspace: WorkspaceOption = Path(".")) -> None:
    """Log out: revoke the saved token and delete it / 退出登录并撤销令牌."""
    from finseg.services import logout
    from finseg.store import transaction
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        token = saved_token(ws)
        revoked = 0
        if token is not None:
            with transaction(ws.engine()) as s:
                revoked = logout(s, token)
        token_file(ws).unlink(missing_ok=True)
    finally:
        ws.close()
    out.print(
        "已退出登录 / Logged out" if revoked else "未登录 / Not logged in (nothing to revoke)"
    )
