"""Use cases shared by every face (CLI now, the web app later): typed inputs and outputs, an
authenticated :class:`Actor` for every governed action, role and maker-checker checks, and
the audit rows (written by the store functions they call, in the caller's transaction).

Services know nothing of Typer or HTTP: a face authenticates the person (a CLI token, a web
session), opens a transaction and calls one service.

>>> from finseg.store import make_engine, transaction, upgrade
>>> engine = make_engine("sqlite://"); _ = upgrade(engine)
>>> with transaction(engine) as s:
...     root = create_first_admin(s, NewUser("root", Role.ADMIN, "a long secret"))
...     li = add_user(s, root, NewUser("li", Role.ANALYST, "another secret"))
...     add_user(s, Actor("li", Role.ANALYST), NewUser("li2", Role.APPROVER, "x" * 12))
Traceback (most recent call last):
finseg.exceptions.PermissionDeniedError: li has the role analyst; only admin or above may add users
"""

from __future__ import annotations

from finseg.services._actor import Actor, require
from finseg.services._adjustments import (
    Decision,
    Proposal,
    decide_adjustment,
    propose_adjustment,
)
from finseg.services._credentials import hash_password, new_token, token_sha256, verify_password
from finseg.services._models import (
    TrainedModel,
    promote_model,
    register_trained_model,
    retire_model,
)
from finseg.services._policies import activate_policy, submit_policy
from finseg.services._setup import FirstAdmin, NewWorkspace, add_first_admin, create_workspace
from finseg.services._users import (
    DEFAULT_TOKEN_TTL,
    IssuedToken,
    Login,
    NewUser,
    add_user,
    authenticate,
    change_role,
    create_first_admin,
    login,
    logout,
    revoke_user_tokens,
)
from finseg.store import Role

__all__ = [
    "DEFAULT_TOKEN_TTL",
    "Actor",
    "Decision",
    "FirstAdmin",
    "IssuedToken",
    "Login",
    "NewUser",
    "NewWorkspace",
    "Proposal",
    "Role",
    "TrainedModel",
    "activate_policy",
    "add_first_admin",
    "add_user",
    "authenticate",
    "change_role",
    "create_first_admin",
    "create_workspace",
    "decide_adjustment",
    "hash_password",
    "login",
    "logout",
    "new_token",
    "promote_model",
    "propose_adjustment",
    "register_trained_model",
    "require",
    "retire_model",
    "revoke_user_tokens",
    "submit_policy",
    "token_sha256",
    "verify_password",
]
