"""Enterprise size classification (企业规模划型): MIIT 2011 / NBS 2017, or the EU definition.

The thresholds are data (``finseg/defaults/size_standards/*.yaml``, see
:mod:`finseg.features._size_standard`); this module applies them to a whole frame at once.

Missing indicators are never guessed.  Each comparison is true, false or unknown (the value is
missing), and the tiers are walked in order with three-valued logic: the first tier that is
*surely* met decides; a tier that *may* be met (unknown) stops the walk with ``unknown``.  So a
firm with 5 employees and no revenue is still proven micro under MIIT (5 < 20 fails the small
tier whatever the revenue), while one with 500 employees and no revenue is ``unknown``.  Either
way ``size_flag`` names the missing indicator as a data-quality warning.

>>> import pandas as pd
>>> df = pd.DataFrame({"industry_code": ["C3825", "C3825"], "employees": [350, 5],
...                    "operating_revenue": [25_000_000.0, None], "total_assets": [1e8, 1e6]})
>>> classify_size(df)[["size_class", "size_basis", "size_flag"]].values.tolist()
[['medium', 'X>=300,Y>=2000 (medium)', nan], ['micro', 'X<20 (micro)', 'missing_indicator:Y']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from finseg.features._size_standard import (
    SIZE_INDICATORS,
    SizeClass,
    SizeStandard,
    Test,
    Tier,
    load_size_standard,
)
from finseg.features._tokens import TextColumn, number_column, token_codes
from finseg.industry import normalise_code

__all__ = ["MISSING_INDICATOR", "classify_size", "size_industry"]

#: Prefix of ``size_flag`` when an indicator the standard needs is missing.
MISSING_INDICATOR = "missing_indicator"
_NEGATE = {">=": "<", "<": ">=", "<=": ">", ">": "<="}


def size_industry(industry_code: object, standard: SizeStandard | str | None = None) -> str:
    """The size industry (e.g. ``"wholesale"``) of a GB/T 4754-2017 code.

    The code is normalised first (``"5123"`` -> ``"F5123"``); the longest prefix in the
    table wins.  An invalid or missing code gets the table's default (``"other"``).

    >>> size_industry("F5123"), size_industry("K7020"), size_industry("G5310")
    ('wholesale', 'property_mgmt', 'other')
    """
    std = _standard(standard)
    code = normalise_code(industry_code)[0] if isinstance(industry_code, str) else None
    if code is None:
        return std.default
    for end in range(len(code), 0, -1):
        hit = std.codes.get(code[:end])
        if hit is not None:
            return hit
    return std.default


def classify_size(
    df: pd.DataFrame, standard: SizeStandard | str = "miit-2011", *, eur_cny: float | None = None
) -> pd.DataFrame:
    """Classify every row into large / medium / small / micro, or unknown.

    Parameters
    ----------
    df : DataFrame
        Canonical columns ``industry_code``, ``employees``, ``operating_revenue`` and
        ``total_assets`` (money in yuan); absent columns count as missing.
    standard : str or SizeStandard
        ``"miit-2011"`` (default), ``"eu-2003"`` or a loaded table.
    eur_cny : float, optional
        Yuan per euro for the EU standard (default: the rate in its file).

    Returns
    -------
    DataFrame
        Same index, ``str`` columns: ``size_industry``; ``size_class`` (a
        :class:`SizeClass` value); ``size_basis``, the comparisons that decided in the
        standard's own units, e.g. ``X>=300,Y>=2000 (medium)`` (tests of the tier that was
        met) or ``Y<300 (micro)`` (tests of the last tier that failed), missing when
        unknown; ``size_flag``, ``missing_indicator:<letters>`` (e.g. ``missing_indicator:X,Z``)
        when an indicator the standard needs is missing, else missing.

    Examples
    --------
    >>> df = pd.DataFrame({"industry_code": ["E4710"], "employees": [10],
    ...                    "operating_revenue": [9e8], "total_assets": [None]})
    >>> classify_size(df)[["size_class", "size_flag"]].iloc[0].tolist()
    ['unknown', 'missing_indicator:Z']
    """
    std = _standard(standard, eur_cny)
    names, industry = _industries(df, std)
    values = {k: number_column(df, col) for k, col in SIZE_INDICATORS.items()}
    size, basis = TextColumn(len(df), SizeClass.UNKNOWN.value), TextColumn(len(df))
    flag = TextColumn(len(df))
    for i, name in enumerate(names):
        rows = np.flatnonzero(industry == i)
        if len(rows):
            part = {k: v[rows] for k, v in values.items()}
            _walk(std, name, part, rows, size, basis)
            missing = [(k, np.isnan(part[k])) for k in std.required(name)]
            flag.put(rows, *token_codes(missing, prefix=f"{MISSING_INDICATOR}:"))
    out = {
        "size_industry": pd.array(names, dtype="str").take(industry),
        "size_class": size.series().array,
        "size_basis": basis.series().array,
        "size_flag": flag.series().array,
    }
    return pd.DataFrame(out, index=df.index)


def _standard(standard: SizeStandard | str | None, eur_cny: float | None = None) -> SizeStandard:
    if isinstance(standard, SizeStandard):
        return standard
    return load_size_standard(standard or "miit-2011", eur_cny)


def _industries(df: pd.DataFrame, std: SizeStandard) -> tuple[list[str], np.ndarray]:
    """Distinct size industries and each row's position among them (one lookup per code)."""
    if "industry_code" not in df:
        return [std.default], np.zeros(len(df), dtype=np.int64)
    codes, distinct = pd.factorize(df["industry_code"], use_na_sentinel=True)
    of_code = [size_industry(c, std) for c in distinct] + [std.default]
    names = sorted(set(of_code))
    position = np.array([names.index(n) for n in of_code], dtype=np.int64)
    return names, position[codes]  # the sentinel -1 picks the appended default


def _walk(
    std: SizeStandard,
    industry: str,
    values: dict[str, np.ndarray],
    rows: np.ndarray,
    size: TextColumn,
    basis: TextColumn,
) -> None:
    """Write class and basis of ``rows``: the first tier surely met decides; a tier that may
    be met (a needed value is missing) leaves the row unknown; rows that surely fail every
    tier get the fallback."""
    open_ = np.ones(len(rows), dtype=bool)  # rows every earlier tier surely failed
    last: tuple[Tier, dict] = ((), {})
    for cls, tier in std.rules[industry]:
        tests = {t: _test(t, values, std.scale) for c in tier for t in c}
        met, failed = _tier_state(tier, tests)
        decided = open_ & met
        size.fill(rows[decided], cls.value)
        texts, code = _held(tier, tests, cls)
        basis.put(rows[decided], texts, code[decided])
        open_ &= failed
        last = (tier, tests)
    size.fill(rows[open_], std.fallback.value)
    if last[0]:
        texts, code = _failed(*last, std.fallback)
        basis.put(rows[open_], texts, code[open_])


def _test(
    test: Test, values: dict[str, np.ndarray], scale: dict[str, float]
) -> tuple[np.ndarray, ...]:
    """``(surely true, surely false)`` of one comparison; both false where the value is missing.

    The bound is scaled to frame units rather than the amounts divided, so a value exactly on
    a boundary (2000万 = 20,000,000.00 yuan) compares exactly.
    """
    letter, op, bound = test
    value, limit = values[letter], round(bound * scale[letter], 2)
    known = ~np.isnan(value)
    with np.errstate(invalid="ignore"):
        hit = {">=": value >= limit, "<": value < limit, "<=": value <= limit}[op]
    return known & hit, known & ~hit


def _tier_state(tier: Tier, tests: dict) -> tuple[np.ndarray, np.ndarray]:
    """Kleene AND over clauses of Kleene OR over tests: ``(surely met, surely failed)``."""
    met, failed = None, None
    for clause in tier:
        c_true = np.logical_or.reduce([tests[t][0] for t in clause])
        c_false = np.logical_and.reduce([tests[t][1] for t in clause])
        met = c_true if met is None else met & c_true
        failed = c_false if failed is None else failed | c_false
    return met, failed


def _fmt(test: Test, negate: bool = False) -> str:
    letter, op, bound = test
    return f"{letter}{_NEGATE[op] if negate else op}{bound:g}"


def _held(tier: Tier, tests: dict, cls: SizeClass) -> tuple[list[str | None], np.ndarray]:
    """Basis of rows that met ``tier``: every comparison of it that holds."""
    tokens = [(_fmt(t), tests[t][0]) for c in tier for t in c]
    return token_codes(tokens, suffix=f" ({cls.value})")


def _failed(tier: Tier, tests: dict, cls: SizeClass) -> tuple[list[str | None], np.ndarray]:
    """Basis of fallback rows: the negated comparisons of each clause of ``tier`` that failed."""
    tokens = []
    for clause in tier:
        clause_failed = np.logical_and.reduce([tests[t][1] for t in clause])
        tokens += [(_fmt(t, negate=True), clause_failed) for t in clause]
    return token_codes(tokens, suffix=f" ({cls.value})")
