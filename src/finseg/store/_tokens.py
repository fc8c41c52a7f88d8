"""Credentials in the database: the SHA-256 of each token, never the token itself.

A token is a random secret handed to one person (a CLI token, or a web session's cookie); the
database keeps its SHA-256, its owner, its kind and when it expires.  A token is valid while
it is neither expired nor revoked and its user is active.  Issuing and checking belong to the
service (:mod:`finseg.services`); these functions only store and look up.

>>> from datetime import timedelta
>>> from finseg.store import add_user, make_engine, transaction, upgrade, utcnow
>>> engine = make_engine("sqlite://"); _ = upgrade(engine)
>>> with transaction(engine) as s:
...     _ = add_user(s, "li", "analyst")
...     _ = add_token(s, "li", "ab" * 32, utcnow() + timedelta(hours=1))
...     valid_token(s, "ab" * 32).user_name, revoke_tokens(s, "li"), valid_token(s, "ab" * 32)
('li', 1, None)
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finseg.store._models import Token, TokenKind, User, utcnow
from finseg.store._repo import SYSTEM, audit

__all__ = ["add_token", "revoke_token", "revoke_tokens", "valid_token"]


def add_token(
    session: Session,
    user_name: str,
    token_sha256: str,
    expires_at: datetime,
    *,
    kind: TokenKind | str = TokenKind.CLI,
) -> Token:
    """Store a new credential of ``user_name`` by the SHA-256 of its secret (audited)."""
    token = Token(user_name=user_name, kind=TokenKind(kind), token_sha256=token_sha256,
                  expires_at=expires_at)  # fmt: skip
    session.add(token)
    session.flush()
    audit(session, user_name, "token.issue", "user", user_name, None,
          {"token_id": token.id, "kind": token.kind.value,
           "expires_at": expires_at.isoformat()})  # fmt: skip
    return token


def valid_token(
    session: Session, token_sha256: str, *, now: datetime | None = None
) -> Token | None:
    """The unexpired, unrevoked credential with this hash whose user is active, or ``None``."""
    stmt = (
        sa.select(Token)
        .join(User, User.name == Token.user_name)
        .where(Token.token_sha256 == token_sha256, Token.revoked_at.is_(None))
        .where(Token.expires_at > (now or utcnow()), User.active.is_(True))
    )
    return session.scalars(stmt).first()


def _revoke(session: Session, tokens: list[Token], actor: str) -> int:
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
        session.flush()
        audit(session, actor, "token.revoke", "user", token.user_name, None,
              {"token_id": token.id, "kind": token.kind.value})  # fmt: skip
    return len(tokens)


def revoke_token(session: Session, token_sha256: str, *, actor: str = SYSTEM) -> int:
    """Revoke the credential with this hash (logout); return how many were revoked (0 or 1)."""
    stmt = sa.select(Token).where(Token.token_sha256 == token_sha256, Token.revoked_at.is_(None))
    return _revoke(session, list(session.scalars(stmt)), actor)


def revoke_tokens(session: Session, user_name: str, *, actor: str = SYSTEM) -> int:
    """Revoke every live credential of ``user_name``; return how many."""
    stmt = sa.select(Token).where(Token.user_name == user_name, Token.revoked_at.is_(None))
    return _revoke(session, list(session.scalars(stmt)), actor)
