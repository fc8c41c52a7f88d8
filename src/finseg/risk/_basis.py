"""Rating basis (评级依据): how complete the inputs behind each customer's PD were.

A customer whose statements lack the fields the model reads must never look like a weak
customer that was rated on full information.  Every rating therefore says which inputs it
stood on:

- ``full``: every input the model reads was present;
- ``partial``: some were missing — the model's own missing-value treatment applied (the
  expert model drops the credit-record adjustment it could not check; a trained model scores
  the missing bin it learned);
- ``fallback``: the model's principal input could not be computed — the expert model's
  Altman Z'' (its PD is then the policy's ``risk.expert.missing_pd``), or more than
  ``risk.fallback_share`` of a trained model's characteristics — so the PD is a conservative
  default, not a measurement.

``rating_missing`` names the missing inputs (canonical fields or model characteristics,
``;``-joined, in declaration order).

>>> import pandas as pd
>>> df = pd.DataFrame({"altman_z2": [2.0, None], "retained_earnings": [1.0, None]})
>>> out = rating_basis(df, ["retained_earnings"], principal="altman_z2")
>>> out["rating_basis"].tolist(), out["rating_missing"].tolist()
(['full', 'fallback'], ['', 'retained_earnings'])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from finseg._vocab import LabelledEnum
from finseg.features import ALTMAN_INPUTS, Z2_COEFFICIENTS

__all__ = ["EXPERT_FIELDS", "RatingBasis", "rating_basis"]


class RatingBasis(LabelledEnum):
    """How complete the inputs of a customer's rating were."""

    FULL = ("full", "输入完整", "full inputs")
    PARTIAL = ("partial", "部分输入缺失", "some inputs missing")
    FALLBACK = ("fallback", "主要输入缺失，采用保守默认值", "principal input missing: default PD")


#: Canonical fields the expert model reads: Altman Z'' (X1-X4) and the credit record.
EXPERT_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [f for r in ALTMAN_INPUTS if r.name in Z2_COEFFICIENTS for f in r.inputs]
        + [
            "max_days_past_due_24m",
            "overdue_count_24m",
            "loan_classification",
            "tax_credit_rating",
            "litigation_count",
        ]
    )
)


def _missing(df: pd.DataFrame, inputs: Sequence[str]) -> np.ndarray:
    """Rows × inputs: True where the input is absent from ``df`` or missing in the row."""
    matrix = np.ones((len(df), len(inputs)), dtype=bool)
    for j, name in enumerate(inputs):
        if name in df:
            matrix[:, j] = df[name].isna().to_numpy(bool)
    return matrix


def _patterns(matrix: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each row's pattern code and the distinct patterns (rows of booleans)."""
    k = matrix.shape[1]
    if k <= 62:  # one integer per row: factorised at numpy speed
        keys = matrix.astype(np.int64) @ (np.int64(1) << np.arange(k, dtype=np.int64))
        codes, uniques = pd.factorize(keys)
        return codes, [((int(u) >> np.arange(k)) & 1).astype(bool) for u in uniques]
    packed = np.packbits(matrix, axis=1)
    codes, uniques = pd.factorize(pd.Series([row.tobytes() for row in packed], dtype=object))
    return codes, [np.unpackbits(np.frombuffer(u, np.uint8))[:k].astype(bool) for u in uniques]


def _names(matrix: np.ndarray, inputs: Sequence[str]) -> np.ndarray:
    """The ``;``-joined names of each row's missing inputs, built once per distinct pattern
    (a book has few patterns)."""
    if not len(inputs):
        return np.full(len(matrix), "", dtype=object)
    codes, patterns = _patterns(matrix)
    names = np.asarray(inputs, dtype=object)
    texts = np.array([";".join(names[p]) for p in patterns], dtype=object)
    return texts[codes]


def rating_basis(
    df: pd.DataFrame,
    inputs: Sequence[str],
    *,
    principal: str | None = None,
    fallback_share: float = 0.5,
) -> pd.DataFrame:
    """``rating_basis`` and ``rating_missing`` for every row of ``df``.

    Parameters
    ----------
    inputs
        The fields the model reads.
    principal
        A column whose missing value makes the rating a fallback (the expert model's
        ``altman_z2``); without one, a row missing more than ``fallback_share`` of
        ``inputs`` is a fallback.
    """
    matrix = _missing(df, list(inputs))
    any_missing = matrix.any(axis=1)
    if principal is not None:
        in_df = principal in df
        fallback = df[principal].isna().to_numpy(bool) if in_df else np.ones(len(df), bool)
    else:
        fallback = matrix.mean(axis=1) > fallback_share if len(inputs) else np.zeros(len(df), bool)
    basis = np.where(fallback, "fallback", np.where(any_missing, "partial", "full"))
    return pd.DataFrame(
        {"rating_basis": basis, "rating_missing": _names(matrix, list(inputs))}, index=df.index
    )
