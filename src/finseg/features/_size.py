"""Enterprise size classification (企业规模划型), MIIT 2011 / NBS 2017.

The thresholds are data (``finseg/defaults/size_standard_2017.yaml``); this module only reads
them and applies the rule of the standard: large, medium and small must meet *every* listed
lower bound, otherwise the firm drops one tier; micro is what is left.

>>> import pandas as pd
>>> df = pd.DataFrame({"industry_code": ["C3825"], "employees": [350],
...                    "operating_revenue": [25_000_000.0], "total_assets": [1e8]})
>>> classify_size(df)["size_class"].tolist()
['medium']
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from finseg.exceptions import PolicyError
from finseg.industry import normalise_code

__all__ = [
    "SIZE_INDICATORS",
    "SizeClass",
    "SizeStandard",
    "classify_size",
    "load_size_standard",
    "size_industry",
]

#: Indicator letter of the standard -> canonical field (amounts in yuan in the frame).
SIZE_INDICATORS: dict[str, str] = {
    "X": "employees",
    "Y": "operating_revenue",
    "Z": "total_assets",
}
_YUAN_PER_WAN = 10_000.0
MISSING_INDICATOR = "missing_indicator"


class SizeClass(StrEnum):
    """Enterprise size class, largest first."""

    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"

    @property
    def zh(self) -> str:
        return _SIZE_LABELS[self][0]

    @property
    def en(self) -> str:
        return _SIZE_LABELS[self][1]

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en


_SIZE_LABELS: dict[SizeClass, tuple[str, str]] = {
    SizeClass.LARGE: ("大型", "Large"),
    SizeClass.MEDIUM: ("中型", "Medium"),
    SizeClass.SMALL: ("小型", "Small"),
    SizeClass.MICRO: ("微型", "Micro"),
}
#: Tiers that carry thresholds, in the order they are tested.
TIERS: tuple[SizeClass, ...] = (SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL)


@dataclass(frozen=True)
class SizeStandard:
    """One version of the size table.

    Attributes
    ----------
    version : str
        File stem, e.g. ``"size_standard_2017"``.
    sources : tuple of str
        Official documents the thresholds come from.
    tiers : dict
        Size industry -> size class -> indicator letter (``X``/``Y``/``Z``) -> lower bound
        (persons or 万元).
    codes : dict
        GB/T 4754 code prefix -> size industry; the longest matching prefix wins.
    labels : dict
        Size industry -> ``(zh, en)``.
    default : str
        Size industry of a code no prefix matches.
    """

    version: str
    sources: tuple[str, ...]
    tiers: dict[str, dict[SizeClass, dict[str, float]]]
    codes: dict[str, str]
    labels: dict[str, tuple[str, str]]
    default: str = "other"

    def required(self, industry: str) -> tuple[str, ...]:
        """Indicator letters the standard uses for ``industry`` (sorted)."""
        letters = {k for bounds in self.tiers[industry].values() for k in bounds}
        return tuple(sorted(letters))


@cache
def load_size_standard(version: str = "size_standard_2017") -> SizeStandard:
    """Load a packaged size table from ``finseg/defaults/<version>.yaml``.

    Raises
    ------
    PolicyError
        If no such table ships with finseg or it is malformed.
    """
    resource = resources.files("finseg").joinpath(f"defaults/{version}.yaml")
    if not resource.is_file():
        raise PolicyError(
            f"Unknown size standard {version!r}: no defaults/{version}.yaml in finseg",
            f"未知的企业规模划型标准 {version!r}：finseg 未附带 defaults/{version}.yaml",
        )
    return _parse_standard(yaml.safe_load(resource.read_text(encoding="utf-8")))


def _parse_standard(raw: dict[str, Any]) -> SizeStandard:
    try:
        tiers = {
            name: {SizeClass(t): {k: float(v) for k, v in spec["tiers"][t].items()} for t in TIERS}
            for name, spec in raw["industries"].items()
        }
        labels = {name: (spec["zh"], spec["en"]) for name, spec in raw["industries"].items()}
        codes = {str(k).upper(): str(v) for k, v in raw["codes"].items()}
        default = str(raw.get("default", "other"))
    except (KeyError, TypeError, ValueError) as exc:
        raise PolicyError(
            f"Malformed size standard {raw.get('version')!r}: {exc!r}",
            f"企业规模划型标准 {raw.get('version')!r} 格式错误：{exc!r}",
        ) from exc
    unknown = (set(codes.values()) | {default}) - set(tiers)
    if unknown or any(set(b) - set(SIZE_INDICATORS) for t in tiers.values() for b in t.values()):
        raise PolicyError(
            f"Size standard {raw.get('version')!r} names unknown industries or indicators: "
            f"{sorted(unknown)}",
            f"企业规模划型标准 {raw.get('version')!r} 含未定义的行业或指标：{sorted(unknown)}",
        )
    return SizeStandard(
        str(raw["version"]), tuple(raw.get("sources", ())), tiers, codes, labels, default
    )


def size_industry(industry_code: str | None, standard: SizeStandard | None = None) -> str:
    """The size industry (e.g. ``"wholesale"``) of a GB/T 4754-2017 code.

    The code is normalised first (``"5123"`` -> ``"F5123"``); the longest prefix in the
    table wins.  An invalid or missing code gets the table's default (``"other"``).

    >>> size_industry("F5123"), size_industry("K7020"), size_industry("G5310")
    ('wholesale', 'property_mgmt', 'other')
    """
    std = standard or load_size_standard()
    code = normalise_code(industry_code)[0] if isinstance(industry_code, str) else None
    if code is None:
        return std.default
    for end in range(len(code), 0, -1):
        hit = std.codes.get(code[:end])
        if hit is not None:
            return hit
    return std.default


def classify_size(df: pd.DataFrame, standard: SizeStandard | None = None) -> pd.DataFrame:
    """Classify every row into large / medium / small / micro.

    Parameters
    ----------
    df : DataFrame
        Canonical columns ``industry_code``, ``employees``, ``operating_revenue`` and
        ``total_assets`` (money in yuan).
    standard : SizeStandard, optional
        The table to apply; the packaged 2017 table by default.

    Returns
    -------
    DataFrame
        Same index; ``size_industry``, ``size_class`` (a :class:`SizeClass` value) and
        ``size_flag``: missing when fine, ``"missing_indicator"`` when an indicator the
        industry needs is missing (the row then falls to micro, as the standard implies).
    """
    std = standard or load_size_standard()
    codes = df["industry_code"].astype("object")
    industries = codes.map({c: size_industry(c, std) for c in pd.unique(codes)}).to_numpy()
    values = {letter: _indicator(df, letter) for letter in SIZE_INDICATORS}
    size = np.full(len(df), SizeClass.MICRO.value, dtype=object)
    missing = np.zeros(len(df), dtype=bool)
    for name in pd.unique(industries):
        rows = np.flatnonzero(industries == name)
        size[rows] = _tier_of(std.tiers[name], {k: v[rows] for k, v in values.items()})
        for letter in std.required(name):
            missing[rows] |= np.isnan(values[letter][rows])
    flag = np.where(missing, MISSING_INDICATOR, None)
    return pd.DataFrame(
        {"size_industry": industries, "size_class": size, "size_flag": flag},
        index=df.index,
    ).astype("str")


def _indicator(df: pd.DataFrame, letter: str) -> np.ndarray:
    """One indicator as floats with NaN for missing; money stays in yuan (see _tier_of)."""
    column = SIZE_INDICATORS[letter]
    if column not in df:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[column], errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _tier_of(tiers: dict[SizeClass, dict[str, float]], values: dict[str, np.ndarray]) -> np.ndarray:
    """First tier whose every bound is met; micro otherwise.

    The bounds are in 万元; they are scaled to yuan rather than dividing the amounts, so a
    value exactly on a boundary (2000万 = 20,000,000.00 yuan) compares exactly.
    """
    n = len(next(iter(values.values())))
    out = np.full(n, SizeClass.MICRO.value, dtype=object)
    undecided = np.ones(n, dtype=bool)
    for tier in TIERS:
        met = undecided.copy()
        for letter, bound in tiers[tier].items():
            scale = 1.0 if letter == "X" else _YUAN_PER_WAN
            with np.errstate(invalid="ignore"):
                met &= values[letter] >= bound * scale  # NaN compares False: missing fails
        out[met] = tier.value
        undecided &= ~met
    return out
