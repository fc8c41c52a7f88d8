"""Industry dimensions (行业): GB/T 4754-2017 section, division and bilingual section names.

Ingest already quarantines rows whose code :func:`finseg.industry.normalise_code` rejects;
this function also serves frames that did not come through ingest (tests, notebooks, a
policy dry run), so a bad code is reported in ``industry_flag`` rather than raised.  Codes are
normalised once per distinct value and the result broadcast to the rows.

>>> import pandas as pd
>>> df = pd.DataFrame({"industry_code": ["3825", "K", "X99", None]})
>>> classify_industry(df).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
[['C', '38', '制造业', 'Manufacturing', nan],
 ['K', nan, '房地产业', 'Real Estate', nan],
 [nan, nan, nan, nan, 'invalid_code:X99'],
 [nan, nan, nan, nan, 'missing_code']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from finseg.industry import SECTIONS, normalise_code

__all__ = ["INDUSTRY_COLUMNS", "INVALID_CODE", "MISSING_CODE", "classify_industry", "normal_codes"]

#: Columns :func:`classify_industry` returns, in order.
INDUSTRY_COLUMNS: tuple[str, ...] = (
    "industry_section",
    "industry_division",
    "industry_name_zh",
    "industry_name_en",
    "industry_flag",
)
#: ``industry_flag`` prefix for a code GB/T 4754-2017 does not have (followed by the code).
INVALID_CODE = "invalid_code"
#: ``industry_flag`` for a row without an industry code.
MISSING_CODE = "missing_code"


def normal_codes(series: pd.Series) -> tuple[np.ndarray, list[str | None], list[str | None]]:
    """Factorise ``series`` and normalise each distinct code once.

    Returns
    -------
    codes : ndarray of int
        Position of each row's value in ``distinct``; ``-1`` for a missing value.
    normal : list
        Normalised code (``"C3825"``) per distinct value, ``None`` when invalid.
    raw : list
        The distinct values as text (as written, stripped).

    Examples
    --------
    >>> normal_codes(pd.Series(["3825", "3825", None]))
    (array([ 0,  0, -1]), ['C3825'], ['3825'])
    """
    codes, distinct = pd.factorize(series, use_na_sentinel=True)
    raw = [_as_text(v) for v in distinct]
    normal = [normalise_code(t)[0] if t else None for t in raw]
    return codes, normal, raw


def _as_text(value: object) -> str | None:
    # Spreadsheet exports sometimes give codes as integers (3825) or integral floats (3825.0).
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def classify_industry(df: pd.DataFrame) -> pd.DataFrame:
    """Section, division, names and a data-quality flag for every row's ``industry_code``.

    Parameters
    ----------
    df : DataFrame
        With an ``industry_code`` column (``"C3825"``, ``"3825"``, ``"c38"`` or ``"C"``).

    Returns
    -------
    DataFrame
        Same index, ``str`` columns: ``industry_section`` (letter A–T), ``industry_division``
        (two digits, missing when the code is only a letter), ``industry_name_zh`` and
        ``industry_name_en`` (section names), and ``industry_flag``:
        ``invalid_code:<code as written>``, ``missing_code``, or missing when fine.  The
        other columns are missing on a flagged row.

    Examples
    --------
    >>> classify_industry(pd.DataFrame({"industry_code": ["d4416"]}))["industry_division"][0]
    '44'
    """
    series = df["industry_code"] if "industry_code" in df else pd.Series([None] * len(df))
    codes, normal, raw = normal_codes(series)
    table = [_describe(n, r) for n, r in zip(normal, raw, strict=True)]
    table.append((None, None, None, None, MISSING_CODE))  # picked by the missing sentinel -1
    # Take from per-column tables of distinct values: building a million strings is slower.
    columns = {
        name: pd.array(list(texts), dtype="str").take(codes)
        for name, texts in zip(INDUSTRY_COLUMNS, zip(*table, strict=True), strict=True)
    }
    return pd.DataFrame(columns, index=df.index)


def _describe(code: str | None, raw: str | None) -> tuple[str | None, ...]:
    if raw is None:
        return (None, None, None, None, MISSING_CODE)
    if code is None:
        return (None, None, None, None, f"{INVALID_CODE}:{raw}")
    section = SECTIONS[code[0]]
    division = code[1:3] or None
    return (section.code, division, section.zh, section.en, None)
