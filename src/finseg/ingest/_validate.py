"""Row rules over the typed canonical frame: required fields, bounds, accounting identities,
dates, duplicates.  Each rule yields the rows that break it, the field to blame, a severity
and a bilingual message; errors quarantine a row, warnings keep it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from finseg.schema import FIELD_BY_NAME, FIELDS, Kind

__all__ = ["RowIssue", "duplicate_rows", "row_issues"]


@dataclass
class RowIssue:
    """Rows (a boolean mask) that break one rule, blamed on one field's column."""

    mask: np.ndarray
    field: str
    rule: str
    zh: str
    en: str
    error: bool = True
    values: np.ndarray | None = None  # text shown as the "value" of each row; default: the cell


def _num(df: pd.DataFrame, name: str) -> np.ndarray:
    return df[name].to_numpy(dtype="float64", na_value=np.nan)


def _required(df: pd.DataFrame) -> Iterator[RowIssue]:
    for f in FIELDS:
        if f.required and f.name in df:
            mask = df[f.name].isna().to_numpy()
            if mask.any():
                yield RowIssue(
                    mask,
                    f.name,
                    "required",
                    f"必填字段“{f.zh}”为空",
                    f"required field '{f.en}' is empty",
                )


def _bounds(df: pd.DataFrame) -> Iterator[RowIssue]:
    for f in FIELDS:
        if f.name not in df or f.kind not in (Kind.MONEY, Kind.COUNT, Kind.NUMBER):
            continue
        v = _num(df, f.name)
        with np.errstate(invalid="ignore"):
            low = v < f.lo if f.lo is not None else np.zeros(len(v), bool)
            high = v > f.hi if f.hi is not None else np.zeros(len(v), bool)
        if low.any():
            yield RowIssue(
                low,
                f.name,
                "bounds",
                f"“{f.zh}”不能小于 {f.lo:g}",
                f"'{f.en}' must be at least {f.lo:g}",
            )
        if high.any():
            yield RowIssue(
                high,
                f.name,
                "bounds",
                f"“{f.zh}”不能大于 {f.hi:g}",
                f"'{f.en}' must be at most {f.hi:g}",
            )


def _shown(a: np.ndarray, b: np.ndarray, mask: np.ndarray, names: tuple[str, str]) -> np.ndarray:
    out = np.full(len(a), None, dtype=object)
    out[mask] = [
        f"{names[0]}={x:,.2f}; {names[1]}={y:,.2f}" for x, y in zip(a[mask], b[mask], strict=True)
    ]
    return out


def _at_most(df, small: tuple[str, ...], big: str, tol: float, rule: str, error: bool):
    """Rows where the sum of ``small`` exceeds ``big`` by more than ``tol`` of ``big``."""
    if big not in df or any(s not in df for s in small):
        return None
    parts = np.column_stack([_num(df, s) for s in small])
    total, limit = np.nansum(parts, axis=1), _num(df, big)
    present = ~np.isnan(limit) & ~np.isnan(parts).all(axis=1)
    with np.errstate(invalid="ignore"):
        mask = present & (total > limit + tol * np.abs(limit) + 0.01)
    if not mask.any():
        return None
    zh_small = " + ".join(FIELD_BY_NAME[s].zh for s in small)
    en_small = " + ".join(FIELD_BY_NAME[s].en.lower() for s in small)
    b = FIELD_BY_NAME[big]
    return RowIssue(
        mask,
        small[0],
        rule,
        f"{zh_small} 超过{b.zh}",
        f"{en_small} exceeds {b.en.lower()}",
        error,
        _shown(total, limit, mask, ("+".join(small), big)),
    )


def _identities(df: pd.DataFrame, tol: float) -> Iterator[RowIssue]:
    names = ("total_assets", "total_liabilities", "owners_equity")
    if all(n in df for n in names):
        ta, tl, oe = (_num(df, n) for n in names)
        with np.errstate(invalid="ignore"):
            mask = np.abs(ta - tl - oe) > tol * np.abs(ta) + 0.01
        if mask.any():
            yield RowIssue(
                mask,
                "total_assets",
                "balance_identity",
                f"资产总计 ≠ 负债合计 + 所有者权益合计（差异超过 {tol:.0%}）",
                f"total assets ≠ total liabilities + owners' equity (off by more than {tol:.0%})",
                values=_shown(ta, tl + oe, mask, ("total_assets", "liabilities+equity")),
            )
    checks = [
        (("current_assets",), "total_assets", "current_assets_bound", True),
        (("current_liabilities",), "total_liabilities", "current_liabilities_bound", True),
        (
            ("cash", "inventory", "accounts_receivable"),
            "current_assets",
            "current_assets_parts",
            False,
        ),
        (
            ("current_assets", "fixed_assets", "intangible_assets"),
            "total_assets",
            "asset_parts",
            False,
        ),
        (("short_term_debt",), "current_liabilities", "short_term_debt_bound", False),
        (("long_term_debt",), "total_liabilities", "long_term_debt_bound", False),
    ]
    for small, big, rule, error in checks:
        issue = _at_most(df, small, big, tol, rule, error)
        if issue is not None:
            yield issue


def _dates(df: pd.DataFrame, today: date) -> Iterator[RowIssue]:
    if "founded_date" in df and "as_of_date" in df:
        mask = (df["founded_date"] > df["as_of_date"]).fillna(False).to_numpy(dtype=bool)
        if mask.any():
            yield RowIssue(
                mask,
                "founded_date",
                "founded_after_as_of",
                "成立日期晚于报表日期",
                "founded after the statement date",
            )
    if "as_of_date" in df:
        mask = (df["as_of_date"] > pd.Timestamp(today)).fillna(False).to_numpy(dtype=bool)
        if mask.any():
            yield RowIssue(
                mask,
                "as_of_date",
                "as_of_in_future",
                "报表日期晚于今天",
                "statement date is in the future",
                error=False,
            )


def _consistency(df: pd.DataFrame) -> Iterator[RowIssue]:
    if "max_days_past_due_24m" in df and "overdue_count_24m" in df:
        mask = (_num(df, "max_days_past_due_24m") > 0) & (_num(df, "overdue_count_24m") == 0)
        if mask.any():
            yield RowIssue(
                mask,
                "max_days_past_due_24m",
                "dpd_without_overdue",
                "有逾期天数但逾期次数为 0",
                "days past due but an overdue count of 0",
                error=False,
            )
    if "collateral_value" in df and "collateral_type" in df:
        mask = (_num(df, "collateral_value") > 0) & (df["collateral_type"] == "none").fillna(
            False
        ).to_numpy(dtype=bool)
        if mask.any():
            yield RowIssue(
                mask,
                "collateral_value",
                "collateral_without_type",
                "担保方式为信用但填有押品价值",
                "collateral value given for an unsecured request",
                error=False,
            )


def row_issues(
    df: pd.DataFrame, tolerance: float = 0.01, today: date | None = None
) -> list[RowIssue]:
    """All row-rule violations in a typed canonical frame."""
    today = today or date.today()
    return [
        *_required(df),
        *_bounds(df),
        *_identities(df, tolerance),
        *_dates(df, today),
        *_consistency(df),
    ]


def duplicate_rows(df: pd.DataFrame, rule: str = "keep_first") -> tuple[np.ndarray, np.ndarray]:
    """Rows to quarantine for repeating a (customer_id, as_of_date), and for each the position
    of the row it repeats.

    ``rule`` is ``keep_first`` (later repeats are quarantined), ``keep_last`` (earlier ones
    are) or ``reject`` (every row of the group is).
    """
    keys = df[["customer_id", "as_of_date"]].reset_index(drop=True)
    complete = keys.notna().all(axis=1).to_numpy()
    groups = keys.groupby(["customer_id", "as_of_date"], dropna=False, sort=False).ngroup()
    # rows missing a key are their own group: they are reported as missing, not as repeats
    groups = np.where(complete, groups.to_numpy(), -1 - np.arange(len(df)))
    position = pd.Series(np.arange(len(df)))
    by_group = position.groupby(groups)
    first = by_group.transform("first").to_numpy()
    last = by_group.transform("last").to_numpy()
    size = by_group.transform("size").to_numpy()
    repeated = complete & (size > 1)
    if rule == "keep_last":
        return repeated & (position.to_numpy() != last), last
    if rule == "reject":
        return repeated, _other_member(position.to_numpy(), first, by_group)
    return repeated & (position.to_numpy() != first), first


def _other_member(pos: np.ndarray, first: np.ndarray, by_group) -> np.ndarray:
    """For each row, another row of its group: the first, or for the first the second."""
    second = by_group.transform(lambda s: s.iloc[1] if len(s) > 1 else s.iloc[0]).to_numpy()
    return np.where(pos == first, second, first)
