"""Decision reasons: which rules fired for each customer, kept as boolean columns in firing
order and turned into text once per distinct pattern (a few hundred patterns for a million
customers), never once per customer.

>>> import numpy as np
>>> r = Reasons(3)
>>> r.add("product", np.array(["a", "b"], dtype=object), np.array([0, 1, -1]))
>>> r.mark("decline:no_product", np.array([False, False, True]))
>>> list(r.text())
['product:a', 'product:b', 'decline:no_product']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SEPARATOR", "Reasons", "split_reasons"]

#: Between two reason codes in ``decision_reasons``.
SEPARATOR = " | "


class Reasons:
    """Fired reason codes of ``n`` customers, in the order they were recorded."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.codes: list[str] = []
        self.columns: list[np.ndarray] = []

    def mark(self, code: str, fired: np.ndarray) -> None:
        """Record ``code`` for the customers where ``fired`` is true."""
        self.codes.append(code)
        self.columns.append(np.asarray(fired, dtype=bool))

    def add(self, prefix: str, ids: np.ndarray, index: np.ndarray) -> None:
        """Record ``prefix:ids[index]`` per customer (``index`` −1: nothing)."""
        for j, id_ in enumerate(ids):
            self.mark(f"{prefix}:{id_}", index == j)

    def flags(self, prefix: str, ids: list[str], hits: np.ndarray) -> None:
        """Record ``prefix:id`` for every set column of ``hits`` (one column per id)."""
        for j, id_ in enumerate(ids):
            self.mark(f"{prefix}:{id_}", hits[:, j])

    def _strings(self, keep: list[int], strip: int, sep: str) -> pd.Categorical:
        if self.n == 0 or not keep:
            return pd.Categorical([""] * self.n)
        matrix = np.column_stack([self.columns[i] for i in keep])
        packed = np.ascontiguousarray(np.packbits(matrix, axis=1))
        keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        codes = np.array([self.codes[i][strip:] for i in keep], dtype=object)
        texts = pd.Categorical([sep.join(codes[matrix[i]]) for i in first])
        return pd.Categorical.from_codes(texts.codes[inverse.ravel()], texts.categories)

    def text(self) -> pd.Categorical:
        """Every fired code per customer, joined by :data:`SEPARATOR`."""
        return self._strings(list(range(len(self.codes))), 0, SEPARATOR)

    def joined(self, prefix: str, sep: str = ",") -> pd.Categorical:
        """The fired codes starting with ``prefix``, the prefix removed, joined by ``sep``."""
        keep = [i for i, c in enumerate(self.codes) if c.startswith(prefix)]
        return self._strings(keep, len(prefix), sep)


def split_reasons(text: str | None) -> list[str]:
    """The codes of one ``decision_reasons`` value.

    >>> split_reasons("product:a | cap:requested")
    ['product:a', 'cap:requested']
    >>> split_reasons(None)
    []
    """
    if text is None or text != text or not text:
        return []
    return text.split(SEPARATOR)
