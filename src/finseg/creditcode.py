"""Unified social credit code (统一社会信用代码), GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and upper-case letters without
I, O, S, V, Z); the last is a check character computed from the first seventeen with the
weights 3^i mod 31.
"""

from __future__ import annotations

__all__ = ["ALPHABET", "check_character", "is_valid", "make_code"]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code.

    >>> check_character("91350100M000100Y4")
    '3'
    """
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"expected 17 characters from {ALPHABET!r}, got {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """Whether ``code`` is 18 characters of the alphabet with a correct check character."""
    if len(code) != 18 or any(c not in _VALUE for c in code):
        return False
    return check_character(code[:17]) == code[17]


def make_code(body: str) -> str:
    """Complete a 17-character body with its check character (used by the sample generator)."""
    return body + check_character(body)
