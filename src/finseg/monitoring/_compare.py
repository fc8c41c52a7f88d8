"""Pairing two runs' customers and the comparison frame the early-warning rules run over.

Customers are matched on ``customer_id`` once (a hash look-up, no Python loop over rows);
every monitoring figure that compares a customer with itself reads the same
:class:`Pairing`.  The comparison frame is the current run's results with *derived columns*
computed against the baseline — listed with their meaning in :data:`DERIVED_COLUMNS` and in
``docs/monitoring.md``.

>>> import pandas as pd
>>> before = pd.DataFrame({"customer_id": ["a", "b", "c"], "grade": ["A", "BBB", "B"]})
>>> after = pd.DataFrame({"customer_id": ["b", "c", "d"], "grade": ["B", "B", "A"]})
>>> p = pair_runs(before, after)
>>> p.common, p.entered, p.left
(2, 1, 1)
>>> order = ["AAA", "AA", "A", "BBB", "BB", "B", "D"]
>>> frame = comparison_frame(before, after, p, order, ["grade_notches_down", "prev_grade"])
>>> frame["grade_notches_down"].tolist(), frame["prev_grade"].tolist()
([2.0, 0.0, nan], ['BBB', 'B', nan])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from finseg.exceptions import UserError
from finseg.rules import ColumnKind

__all__ = [
    "CLASSIFICATION_ORDER",
    "DERIVED_COLUMNS",
    "TRACKED_COLUMNS",
    "Pairing",
    "comparison_frame",
    "pair_runs",
    "rank_codes",
    "text_codes",
]

#: Five-category loan classification, best first (domain.md §8.2).
CLASSIFICATION_ORDER = ("pass", "special_mention", "substandard", "doubtful", "loss")
#: Columns whose baseline value (``prev_<c>``) and change (``<c>_change`` = current − baseline)
#: the rules may read.
TRACKED_COLUMNS = (
    "debt_to_assets", "current_ratio", "interest_coverage", "roa", "net_margin",
    "receivable_days", "inventory_days", "revenue_growth", "cfo_to_debt", "altman_z2",
    "overdue_count_24m", "max_days_past_due_24m", "litigation_count", "outstanding_loans",
)  # fmt: skip

_N, _T, _B = ColumnKind.NUMERIC, ColumnKind.TEXT, ColumnKind.BOOL
_BASE: dict[str, tuple[ColumnKind, str]] = {
    "in_baseline": (_B, "the customer is in the baseline run"),
    "prev_grade": (_T, "baseline grade"),
    "prev_segment": (_T, "baseline segment"),
    "prev_pd": (_N, "baseline PD"),
    "prev_score": (_N, "baseline score"),
    "prev_loan_classification": (_T, "baseline five-category classification"),
    "grade_notches_down": (_N, "master-scale notches from baseline to current grade; > 0 is a "
                               "downgrade, < 0 an upgrade"),
    "classification_notches_down": (_N, "steps down the five categories (pass → loss) since "
                                        "the baseline"),
    "segment_changed": (_B, "the segment differs from the baseline's"),
    "pd_change": (_N, "pd − prev_pd"),
    "pd_ratio": (_N, "pd / prev_pd"),
    "new_overdue": (_B, "more overdue events than at the baseline, or days past due now > 0 "
                        "where the baseline had none"),
    "leverage_limit": (_N, "the current segment's debt-to-assets limit "
                           "(monitoring.leverage_limits, else leverage_limit_default)"),
}  # fmt: skip
_TRACKED: dict[str, tuple[ColumnKind, str]] = {}
for _c in TRACKED_COLUMNS:
    _TRACKED[f"prev_{_c}"] = (_N, f"baseline {_c}")
    _TRACKED[f"{_c}_change"] = (_N, f"{_c} − prev_{_c}")
#: Derived column -> (kind, meaning): what the comparison frame adds to the current results.
DERIVED_COLUMNS: Mapping[str, tuple[ColumnKind, str]] = MappingProxyType(_BASE | _TRACKED)


@dataclass(frozen=True)
class Pairing:
    """Where each current customer sits in the baseline (``-1``: entered since).

    ``position[i]`` is the baseline row of current row ``i``; ``matched`` its mask;
    ``left_mask`` marks baseline rows absent from the current run.
    """

    position: np.ndarray
    matched: np.ndarray
    left_mask: np.ndarray

    @property
    def common(self) -> int:
        """Customers in both runs."""
        return int(self.matched.sum())

    @property
    def entered(self) -> int:
        """Customers in the current run only."""
        return int((~self.matched).sum())

    @property
    def left(self) -> int:
        """Customers in the baseline run only."""
        return int(self.left_mask.sum())


def text_codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Integer codes (``-1`` missing) and the distinct labels of a text column, without
    turning a million strings into Python objects (categorical codes or a hash factorize).

    >>> text_codes(pd.Series(["b", None, "a", "b"]))
    (array([ 0, -1,  1,  0]), ['b', 'a'])
    """
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, object))
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(np.int64), [str(c) for c in series.cat.categories]
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]


def _repeated(codes: np.ndarray, uniques: pd.Index | np.ndarray, name: str) -> None:
    counts = np.bincount(codes[codes >= 0])
    if counts.size and counts.max() > 1:
        dupes = [str(uniques[i]) for i in np.flatnonzero(counts > 1)[:5]]
        raise UserError(
            f"the {name} results repeat customer ids: {dupes}",
            f"{'基期' if name == 'baseline' else '本期'}结果中客户编号重复：{dupes}",
        )


def pair_runs(baseline: pd.DataFrame, current: pd.DataFrame) -> Pairing:
    """Match the two runs' customers on ``customer_id`` (one hash pass over both runs).

    Raises
    ------
    UserError
        When a run lacks ``customer_id``, repeats an id, or no customer is in both runs.
    """
    for name, zh, frame in (("baseline", "基期", baseline), ("current", "本期", current)):
        if "customer_id" not in frame:
            raise UserError(f"the {name} results have no customer_id column",
                            f"{zh}结果缺少 customer_id 列")  # fmt: skip
    ids = pd.concat([baseline["customer_id"].astype("string"),
                     current["customer_id"].astype("string")], ignore_index=True)  # fmt: skip
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    nb = len(baseline)
    before, after = codes[:nb], codes[nb:]
    _repeated(before, uniques, "baseline")
    _repeated(after, uniques, "current")
    row_of = np.full(len(uniques) + 1, -1, dtype=np.int64)  # the extra slot: missing ids
    row_of[before[before >= 0]] = np.flatnonzero(before >= 0)
    position = row_of[after]
    matched = position >= 0
    if not matched.any():
        raise UserError(
            "the two runs have no customer in common; monitoring compares the same customers",
            "两次运行没有共同客户；监控须比较同一批客户",
        )
    left = np.ones(nb, dtype=bool)
    left[position[matched]] = False
    return Pairing(position, matched, left)


def rank_codes(values: pd.Series | np.ndarray, order: Sequence[str]) -> np.ndarray:
    """Position of each value in ``order`` as float; NaN when missing or not in ``order``.

    >>> rank_codes(pd.Series(["B", None, "Z", "A"]), ["A", "B"]).tolist()
    [1.0, nan, nan, 0.0]
    """
    codes, uniques = text_codes(values)
    where = {g: float(i) for i, g in enumerate(order)}
    lookup = np.array([where.get(u, np.nan) for u in uniques] + [np.nan])  # -1 -> the last
    return lookup[codes]


def _prev_number(baseline: pd.DataFrame, pairing: Pairing, column: str) -> np.ndarray:
    """The baseline value of numeric ``column`` on the current rows (NaN when entered)."""
    values = _number(baseline, column)
    return np.where(pairing.matched, values[np.maximum(pairing.position, 0)], np.nan)


def _prev_text(baseline: pd.DataFrame, pairing: Pairing, column: str) -> pd.Categorical:
    """The baseline label of ``column`` on the current rows, as a categorical (cheap)."""
    if column not in baseline:
        return pd.Categorical.from_codes(np.full(len(pairing.position), -1), categories=[])
    codes, uniques = text_codes(baseline[column])
    taken = np.where(pairing.matched, codes[np.maximum(pairing.position, 0)], -1)
    return pd.Categorical.from_codes(taken, categories=pd.Index(uniques, dtype=object))


def _number(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy("float64", na_value=np.nan)


def comparison_frame(
    baseline: pd.DataFrame,
    current: pd.DataFrame,
    pairing: Pairing,
    grade_order: Sequence[str],
    columns: Sequence[str] | None = None,
    leverage_limits: Mapping[str, float] | None = None,
    leverage_limit_default: float = 0.7,
    keep: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The current results (positional index) with the derived columns named in ``columns``
    (default: all of :data:`DERIVED_COLUMNS`); a current column of the same name is kept.

    Only the derived columns asked for are computed, so a rule set that reads three of them
    costs three columns, not sixty; ``keep`` limits the current columns carried along.
    """
    wanted = list(DERIVED_COLUMNS) if columns is None else list(columns)
    carried = current if keep is None else current[[c for c in keep if c in current]]
    out = carried.reset_index(drop=True)
    current = current.reset_index(drop=True)
    extra: dict[str, object] = {}
    makers = _makers(baseline, current, pairing, grade_order, leverage_limits or {},
                     leverage_limit_default)  # fmt: skip
    for name in wanted:
        if name in DERIVED_COLUMNS and name not in out:
            extra[name] = makers(name)
    return pd.concat([out, pd.DataFrame(extra, index=out.index)], axis=1) if extra else out


def _makers(baseline, current, pairing, order, limits, default) -> Callable[[str], object]:
    prev_num = {}

    def prev_number(column: str) -> np.ndarray:
        if column not in prev_num:
            prev_num[column] = _prev_number(baseline, pairing, column)
        return prev_num[column]

    def notches(column: str, scale: Sequence[str]) -> np.ndarray:
        before = rank_codes(baseline[column], scale) if column in baseline else None
        if before is None or column not in current:
            return np.full(len(current), np.nan)
        taken = np.where(pairing.matched, before[np.maximum(pairing.position, 0)], np.nan)
        return rank_codes(current[column], scale) - taken

    def new_overdue() -> pd.Series:
        more = _number(current, "overdue_count_24m") > prev_number("overdue_count_24m")
        dpd_before = np.nan_to_num(prev_number("max_days_past_due_24m"))
        late = (_number(current, "max_days_past_due_24m") > 0) & (dpd_before <= 0)
        flags = pd.array(more | late, dtype="boolean")
        flags[~pairing.matched] = pd.NA
        return flags

    def leverage_limit() -> np.ndarray:
        if "segment" not in current:
            return np.full(len(current), default)
        codes, uniques = text_codes(current["segment"])
        lookup = np.array([float(limits.get(u, default)) for u in uniques] + [default])
        return lookup[codes]

    def make(name: str) -> object:
        if name == "in_baseline":
            return pairing.matched.copy()
        if name in ("prev_grade", "prev_segment", "prev_loan_classification"):
            return _prev_text(baseline, pairing, name.removeprefix("prev_"))
        if name == "grade_notches_down":
            return notches("grade", order)
        if name == "classification_notches_down":
            return notches("loan_classification", CLASSIFICATION_ORDER)
        if name == "segment_changed":
            if "segment" not in current or "segment" not in baseline:
                return pd.array([pd.NA] * len(current), dtype="boolean")
            labels = list(dict.fromkeys([*text_codes(baseline["segment"])[1],
                                         *text_codes(current["segment"])[1]]))  # fmt: skip
            before = rank_codes(baseline["segment"], labels)
            before = np.where(pairing.matched, before[np.maximum(pairing.position, 0)], np.nan)
            after = rank_codes(current["segment"], labels)
            changed = pd.array(np.nan_to_num(before, nan=-1) != np.nan_to_num(after, nan=-1),
                               dtype="boolean")  # fmt: skip
            changed[~pairing.matched] = pd.NA
            return changed
        if name == "pd_change":
            return _number(current, "pd") - prev_number("pd")
        if name == "pd_ratio":
            with np.errstate(divide="ignore", invalid="ignore"):
                return _number(current, "pd") / prev_number("pd")
        if name == "new_overdue":
            return new_overdue()
        if name == "leverage_limit":
            return leverage_limit()
        if name.startswith("prev_"):
            return prev_number(name.removeprefix("prev_"))
        column = name.removesuffix("_change")
        return _number(current, column) - prev_number(column)

    return make
