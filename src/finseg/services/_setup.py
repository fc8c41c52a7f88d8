"""Creating a workspace with its first admin, who activates the shipped policy.

``finseg init DIR --admin NAME`` creates the workspace without activating its policy, then in
one transaction creates the admin and activates ``policy.yaml`` as the first version (the
audit row names the admin, ``after`` holds ``"bootstrap": true``).  On an existing workspace
that has no admin who can log in (one created before logins existed, or without
``--admin``), the same call only adds the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from finseg.services._actor import Actor
from finseg.services._users import NewUser, create_first_admin
from finseg.store import Role, bootstrap_policy, transaction
from finseg.workspace import Workspace, init_workspace

__all__ = ["FirstAdmin", "NewWorkspace", "add_first_admin", "create_workspace"]


@dataclass(frozen=True)
class FirstAdmin:
    """The workspace's first admin: name and password."""

    name: str
    password: str


@dataclass(frozen=True)
class NewWorkspace:
    """What ``finseg init`` creates."""

    directory: Path
    admin: FirstAdmin | None = None
    database_url: str | None = None
    language: str = "zh"
    force: bool = False


def add_first_admin(ws: Workspace, admin: FirstAdmin) -> Actor:
    """Create ``ws``'s first admin, who activates its policy if none is active yet."""
    with transaction(ws.engine()) as s:
        actor = create_first_admin(s, NewUser(admin.name, Role.ADMIN, admin.password))
        text = ws.policy_file.read_text(encoding="utf-8")
        bootstrap_policy(s, text, name=ws.policy().name.en, actor=actor.name)
    return actor


def create_workspace(new: NewWorkspace) -> Workspace:
    """Create the workspace; with ``admin``, create them and let them activate the policy.

    Without ``admin`` the shipped policy is activated by ``system`` (as
    :func:`finseg.workspace.init_workspace` does), and no one can log in until an admin is
    added with ``finseg init DIR --admin NAME``.
    """
    ws = init_workspace(new.directory, database_url=new.database_url, language=new.language,
                        force=new.force, activate_policy=new.admin is None)  # fmt: skip
    if new.admin is not None:
        add_first_admin(ws, new.admin)
    return ws
