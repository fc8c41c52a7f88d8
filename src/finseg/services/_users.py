"""People and credentials: the first admin, users and roles, login, tokens, authentication.

Every function that changes who may do what takes an authenticated :class:`Actor` (an admin),
except :func:`create_first_admin`, which works only while the workspace has no admin who can
log in.  :func:`login` checks a password and issues a token; the database keeps only the
token's SHA-256 (:mod:`finseg.store._tokens`).  :func:`authenticate` turns a token back into
an :class:`Actor`.  The web app (issue 18) issues ``session`` tokens through the same
functions (``kind``), so the same people log in the same way.

>>> from finseg.store import make_engine, transaction, upgrade
>>> engine = make_engine("sqlite://"); _ = upgrade(engine)
>>> with transaction(engine) as s:
...     root = create_first_admin(s, NewUser("root", Role.ADMIN, "a long secret"))
...     _ = add_user(s, root, NewUser("li", Role.ANALYST, "li's password"))
...     issued = login(s, Login("li", "li's password"))
...     authenticate(s, issued.token)
Actor(name='li', role=<Role.ANALYST: 'analyst'>)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finseg.exceptions import AuthenticationError, PermissionDeniedError, UserError
from finseg.services._actor import Actor, require
from finseg.services._credentials import (
    check_password_strength,
    hash_password,
    needs_rehash,
    new_token,
    token_sha256,
    verify_password,
)
from finseg.store import (
    Role,
    TokenKind,
    User,
    add_token,
    find_user,
    normalise_name,
    revoke_token,
    revoke_tokens,
    set_role,
    utcnow,
    valid_token,
)
from finseg.store import add_user as store_add_user

__all__ = [
    "DEFAULT_TOKEN_TTL",
    "IssuedToken",
    "Login",
    "NewUser",
    "add_user",
    "authenticate",
    "change_role",
    "create_first_admin",
    "login",
    "logout",
    "revoke_user_tokens",
]

#: How long a token lives when the caller does not say (the ``token_ttl_hours`` setting).
DEFAULT_TOKEN_TTL = timedelta(hours=12)


@dataclass(frozen=True)
class NewUser:
    """A person to add: name (NFKC-normalised, checked for look-alikes), role, password."""

    name: str
    role: Role
    password: str


@dataclass(frozen=True)
class Login:
    """A login attempt; ``kind`` is ``cli`` for ``finseg login``, ``session`` for the web."""

    name: str
    password: str
    ttl: timedelta = DEFAULT_TOKEN_TTL
    kind: TokenKind = TokenKind.CLI


@dataclass(frozen=True)
class IssuedToken:
    """A token issued by :func:`login`: the secret (shown once), its owner and expiry."""

    token: str
    actor: Actor
    expires_at: datetime


def _insert(session: Session, new: NewUser, actor_name: str) -> User:
    password = hash_password(check_password_strength(new.password))
    return store_add_user(session, new.name, new.role, actor=actor_name, password_hash=password)


def create_first_admin(session: Session, new: NewUser) -> Actor:
    """Create the workspace's first admin (``finseg init --admin``); return them as an actor.

    Raises
    ------
    PermissionDeniedError
        The workspace already has an active admin with a password.
    UserError
        Invalid name or weak password; ``new.role`` is not admin.
    """
    if new.role is not Role.ADMIN:
        raise UserError("the first user must be an admin", "第一个用户必须是管理员 admin")
    stmt = sa.select(User.name).where(
        User.role == Role.ADMIN, User.active.is_(True), User.password_hash.is_not(None)
    )
    existing = session.scalars(stmt).first()
    if existing is not None:
        raise PermissionDeniedError(
            f"this workspace already has an admin ({existing}); an admin adds users with "
            "`finseg users add`",
            f"该工作区已有管理员（{existing}）；请由管理员用 `finseg users add` 添加用户",
        )
    name = normalise_name(new.name)
    user = _insert(session, new, name)
    return Actor(user.name, user.role)


def add_user(session: Session, actor: Actor, new: NewUser) -> User:
    """Add a person with a role and password; only an admin may."""
    require(actor, Role.ADMIN, "add users", "添加用户")
    return _insert(session, new, actor.name)


def change_role(session: Session, actor: Actor, name: str, role: Role) -> User:
    """Give ``name`` another role; only an admin may, and not to themself."""
    require(actor, Role.ADMIN, "change roles", "变更角色")
    user = find_user(session, name)
    if user is not None and user.name == actor.name:
        raise PermissionDeniedError(
            "an admin cannot change their own role; another admin must",
            "管理员不能变更自己的角色，须由其他管理员操作",
        )
    return set_role(session, name, role, actor=actor.name)


def _bad_login() -> AuthenticationError:
    return AuthenticationError(
        "login failed: unknown user, inactive user or wrong password",
        "登录失败：用户不存在、已停用或密码错误",
    )


def login(session: Session, attempt: Login) -> IssuedToken:
    """Check a password and issue a token valid for ``attempt.ttl``.

    The message does not say whether the name or the password was wrong.
    """
    user = find_user(session, attempt.name)
    if user is None or not user.active or not verify_password(user.password_hash, attempt.password):
        raise _bad_login()
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(attempt.password)
    token, expires = new_token(), utcnow() + attempt.ttl
    add_token(session, user.name, token_sha256(token), expires, kind=attempt.kind)
    return IssuedToken(token, Actor(user.name, user.role), expires)


def authenticate(session: Session, token: str) -> Actor:
    """The person a token belongs to, with their current role.

    Raises
    ------
    AuthenticationError
        Unknown, expired or revoked token, or an inactive user.
    """
    found = valid_token(session, token_sha256(token))
    user = find_user(session, found.user_name) if found is not None else None
    if user is None:
        raise AuthenticationError(
            "your login token is unknown, expired or revoked; log in again with `finseg login`",
            "登录令牌无效、已过期或已被撤销；请用 `finseg login` 重新登录",
        )
    return Actor(user.name, user.role)


def logout(session: Session, token: str) -> int:
    """Revoke this token; return how many were revoked (0 when it was no longer valid)."""
    found = valid_token(session, token_sha256(token))
    actor = found.user_name if found is not None else "system"
    return revoke_token(session, token_sha256(token), actor=actor)


def revoke_user_tokens(session: Session, actor: Actor, name: str) -> int:
    """End every token of ``name``: an admin for anyone, or a person for themself."""
    user = find_user(session, name)
    if user is None:
        raise UserError(f"no user named {name!r}", f"用户 {name!r} 不存在")
    if user.name != actor.name:
        require(actor, Role.ADMIN, "revoke other people's tokens", "撤销他人的令牌")
    return revoke_tokens(session, user.name, actor=actor.name)
