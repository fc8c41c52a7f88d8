"""Vectorised helpers shared by the feature modules: per-row token lists and column access.

Feature columns that explain a decision (``size_basis``, ``size_flag``, ``lifecycle_flag``,
…) are short token lists.  Building them row by row in Python would dominate the run time on
a million customers, so the rows are encoded as a bit mask of which tokens apply and each
*distinct* mask is formatted once.

>>> import numpy as np
>>> join_tokens([("X", np.array([True, False, True])), ("Y", np.array([True, False, False]))])
array(['X,Y', None, 'X'], dtype=object)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "TextColumn",
    "bool_column",
    "join_tokens",
    "number_column",
    "read_float",
    "take_strings",
    "token_codes",
]


def join_tokens(
    tokens: Sequence[tuple[str, np.ndarray]],
    sep: str = ",",
    prefix: str = "",
    suffix: str = "",
) -> np.ndarray:
    """Per row, the names whose mask is true joined by ``sep``; ``None`` where none is.

    Parameters
    ----------
    tokens : sequence of (str, bool ndarray)
        Token text and the rows it applies to; the order is kept in the output.
    sep, prefix, suffix : str
        Separator between tokens and text put around a non-empty list.

    Returns
    -------
    ndarray of object
        Strings, or ``None`` for rows without any token.
    """
    table, code = token_codes(tokens, sep, prefix, suffix)
    return np.array(table, dtype=object)[code]


def token_codes(
    tokens: Sequence[tuple[str, np.ndarray]],
    sep: str = ",",
    prefix: str = "",
    suffix: str = "",
) -> tuple[list[str | None], np.ndarray]:
    """Like :func:`join_tokens` but as ``(texts, code)``: row ``i`` reads ``texts[code[i]]``.

    >>> token_codes([("X", np.array([True, False]))])
    ([None, 'X'], array([1, 0]))
    """
    if not tokens:
        raise ValueError("token_codes needs at least one token")
    n = len(tokens[0][1])
    code = np.zeros(n, dtype=np.int64)
    for bit, (_, mask) in enumerate(tokens):
        code |= np.asarray(mask, dtype=bool).astype(np.int64) << bit
    # Few tokens: format every possible mask and index (no sort); many: only those present.
    if len(tokens) <= 8:
        distinct, inverse = np.arange(1 << len(tokens)), code
    else:
        distinct, inverse = np.unique(code, return_inverse=True)
    table: list[str | None] = []
    for value in distinct.tolist():
        names = [name for bit, (name, _) in enumerate(tokens) if value >> bit & 1]
        table.append(f"{prefix}{sep.join(names)}{suffix}" if names else None)
    return table, inverse.ravel()


class TextColumn:
    """A ``str`` column assembled from small tables: the distinct texts plus a code per row.

    Converting a million Python strings to pandas' Arrow-backed ``str`` dtype costs ~0.1 s per
    column; taking from a table of a few dozen texts costs ~0.02 s.

    >>> col = TextColumn(3, "micro")
    >>> col.put(np.array([True, False, True]), ["a", None], np.array([0, 1]))
    >>> col.series().tolist()
    ['a', 'micro', nan]
    """

    def __init__(self, n: int, fill: str | None = None) -> None:
        self.texts: list[str | None] = [fill]
        self._ids: dict[str | None, int] = {fill: 0}
        self.codes = np.zeros(n, dtype=np.int64)

    def _id(self, text: str | None) -> int:
        if text not in self._ids:
            self._ids[text] = len(self.texts)
            self.texts.append(text)
        return self._ids[text]

    def put(self, rows: np.ndarray, texts: Sequence[str | None], code: np.ndarray) -> None:
        """Set the selected ``rows`` (mask or positions) to ``texts[code]``, one code per
        selected row."""
        ids = np.array([self._id(t) for t in texts], dtype=np.int64)
        self.codes[rows] = ids[code]

    def fill(self, rows: np.ndarray, text: str | None) -> None:
        """Set ``rows`` to one text."""
        self.codes[rows] = self._id(text)

    def series(self, index: pd.Index | None = None) -> pd.Series:
        """The column as a ``str`` Series (missing where the text is ``None``)."""
        return pd.Series(take_strings(self.texts, self.codes), index=index)


def take_strings(
    texts: Sequence[str | None], index: np.ndarray
) -> pd.api.extensions.ExtensionArray:
    """``texts[index]`` as a pandas ``str`` array, repeated by Arrow rather than Python;
    missing where the text is ``None`` or ``index`` < 0.

    >>> list(take_strings(["", "x", None], np.array([1, 0, -1, 2])))
    ['x', '', nan, nan]
    """
    dictionary = pa.array(list(texts), pa.large_string())
    return pd.array(pc.take(dictionary, pa.array(index, mask=index < 0)), dtype="str")


def read_float(series: pd.Series) -> np.ndarray:
    """A column as a float64 copy, NaN for missing, unparsable or infinite cells.

    An infinite amount is a broken cell, not a number, so it counts as missing.
    """
    values = pd.to_numeric(series, errors="coerce").to_numpy("float64", na_value=np.nan, copy=True)
    values[~np.isfinite(values)] = np.nan
    return values


def number_column(df: pd.DataFrame, column: str) -> np.ndarray:
    """``df[column]`` as float64 (see :func:`read_float`); all NaN if the column is absent."""
    if column not in df:
        return np.full(len(df), np.nan)
    return read_float(df[column])


def bool_column(df: pd.DataFrame, column: str) -> np.ndarray:
    """``df[column]`` as bool with missing read as ``False``; all ``False`` if absent."""
    if column not in df:
        return np.zeros(len(df), dtype=bool)
    return df[column].astype("boolean").fillna(False).to_numpy(dtype=bool)
