"""Vectorised plumbing shared by the ratio families: reading amounts, NaN reasons, flags.

:class:`NanReason` is the closed vocabulary of ``ratio_flags`` and ``altman_flags``;
:func:`join_flags` turns per-ratio reason codes into those columns without a Python loop over
rows (turned into a ``str`` column by :func:`finseg.features._tokens.take_strings`).

>>> codes = [np.array([0, 3], np.uint8)]
>>> list(join_flags(["roa"], codes))
['', 'roa:zero_denominator']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from finseg._vocab import LabelledEnum
from finseg.features._tokens import take_strings

__all__ = ["NanReason", "join_flags"]


class NanReason(LabelledEnum):
    """Why a ratio is NaN (the closed vocabulary of ``ratio_flags``)."""

    MISSING_INPUT = ("missing_input", "部分输入缺失", "an input is missing")
    NO_PRIOR_YEAR = ("no_prior_year", "缺少上年数据", "the prior-year value is missing")
    ZERO_DENOMINATOR = ("zero_denominator", "分母为零", "the denominator is zero")
    NEGATIVE_DENOMINATOR = ("negative_denominator", "分母为负", "the denominator is negative")
    NEGATIVE_EQUITY = ("negative_equity", "所有者权益 ≤ 0", "owners' equity is zero or negative")
    OUT_OF_RANGE = ("out_of_range", "结果超出浮点范围", "the result overflows floating point")

    @property
    def code(self) -> int:
        """Small integer used inside the vectorised evaluation (0 means no reason)."""
        return _REASON_CODES[self]


_REASON_CODES: dict[NanReason, int] = {r: i + 1 for i, r in enumerate(NanReason)}
_REASON_BY_CODE: dict[int, NanReason] = {c: r for r, c in _REASON_CODES.items()}


_BITS = len(NanReason).bit_length()  # bits per ratio in the packed reason key
_PER_KEY = 64 // _BITS


def join_flags(
    names: Sequence[str], codes: Sequence[np.ndarray]
) -> pd.api.extensions.ExtensionArray:
    """``;``-joined ``name:reason`` per row ("" when none) as a ``str`` array.

    The reason codes of up to 21 ratios are packed into one integer key per row; only the
    few distinct keys are turned into text in Python, and arrow repeats them per row.

    >>> codes = [np.array([0, 1], np.uint8), np.array([0, 3], np.uint8)]
    >>> list(join_flags(["a", "b"], codes))
    ['', 'a:missing_input;b:zero_denominator']
    """
    n = len(codes[0]) if codes else 0
    combined, texts = np.zeros(n, dtype=np.int64), [""]
    key, shifted = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64)
    for start in range(0, len(names), _PER_KEY):
        key[:] = 0
        for i, code in enumerate(codes[start : start + _PER_KEY]):
            np.left_shift(code, _BITS * i, out=shifted, dtype=np.uint64)
            key |= shifted
        distinct, inverse = np.unique(key, return_inverse=True)
        part = _decode(distinct, names[start : start + _PER_KEY])
        if start == 0:
            combined, texts = inverse, part
            continue
        # combine with the chunks before: distinct (earlier text, this text) pairs
        pairs, combined = np.unique(combined * len(distinct) + inverse, return_inverse=True)
        texts = [
            ";".join(t for t in (texts[p // len(distinct)], part[p % len(distinct)]) if t)
            for p in pairs.tolist()
        ]
    return take_strings(texts, combined)


def _decode(keys: np.ndarray, names: Sequence[str]) -> list[str]:
    """Text of each packed key: codes are unpacked with numpy, joined once per key."""
    shifts = (np.arange(len(names), dtype=np.uint64) * np.uint64(_BITS))[None, :]
    codes = ((keys[:, None] >> shifts) & np.uint64((1 << _BITS) - 1)).astype(np.int64)
    words = [[""] + [f"{name}:{r.value}" for r in NanReason] for name in names]
    return [";".join(words[i][c] for i, c in enumerate(row) if c) for row in codes.tolist()]
