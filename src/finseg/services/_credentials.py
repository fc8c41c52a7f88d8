"""Secrets: argon2id password hashes and random tokens stored by their SHA-256.

Passwords are hashed with argon2id (``argon2-cffi``'s :class:`~argon2.PasswordHasher`, the
RFC 9106 low-memory profile it defaults to) and stored as PHC strings, so parameters can be
raised later and old hashes rehashed at the next login.  Tokens are 32 random bytes
(``secrets``), shown to their owner once; the database keeps only their SHA-256, which is
enough for a secret of 256 bits (no dictionary to try) and lets a lookup use an index.

>>> h = hash_password("correct horse")
>>> h.startswith("$argon2id$"), verify_password(h, "correct horse"), verify_password(h, "x")
(True, True, False)
>>> token = new_token()
>>> token.startswith("fsg_") and len(token_sha256(token)) == 64
True
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from finseg.exceptions import UserError

__all__ = [
    "MIN_PASSWORD",
    "check_password_strength",
    "hash_password",
    "needs_rehash",
    "new_token",
    "token_sha256",
    "verify_password",
]

#: Shortest password accepted.
MIN_PASSWORD = 10
_PREFIX = "fsg_"
_HASHER = PasswordHasher()  # argon2id


def check_password_strength(password: str) -> str:
    """``password`` if long enough and not blank; else a user error."""
    if len(password) < MIN_PASSWORD or not password.strip():
        raise UserError(
            f"the password must be at least {MIN_PASSWORD} characters",
            f"密码至少须为 {MIN_PASSWORD} 个字符",
        )
    return password


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (a PHC string with salt and parameters)."""
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash (``None``: never)."""
    if not stored:
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored)


def new_token() -> str:
    """A new random token (``fsg_`` and 43 URL-safe characters)."""
    return _PREFIX + secrets.token_urlsafe(32)


def token_sha256(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()
