"""Policy flags (政策标识): green industry, strategic emerging industry, new energy, tech firm.

The industry flags look the customer's main-business GB/T 4754-2017 code up in versioned
catalogue mappings (``finseg/defaults/catalogues/*.yaml``; code prefix -> category, longest
prefix wins).  The catalogues are defined at activity level, so the packaged mappings are
marked ``verified: false`` and ``[R] verify before production``; the version of every
catalogue used is stored on each row (``catalogue_versions``).  Lookups run once per distinct
code and are broadcast to the rows.

>>> import pandas as pd
>>> df = pd.DataFrame({"industry_code": ["D4416", "C3612", "F5123"],
...                    "high_tech": [False, True, None]})
>>> policy_flags(df)[["green_category", "strategic_emerging", "new_energy"]].values.tolist()
[['3', 'SE06', True], ['1', 'SE05', True], [nan, nan, False]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from finseg._config_base import _doc, _Section
from finseg.exceptions import PolicyError
from finseg.features._industry import normal_codes
from finseg.features._tokens import bool_column, number_column, token_codes

__all__ = ["CATALOGUES", "Catalogue", "FlagRules", "TechRule", "load_catalogue", "policy_flags"]

#: Catalogue mappings that ship with finseg (file stems in ``defaults/catalogues``).
CATALOGUES: tuple[str, ...] = ("green-2019", "strategic-emerging-2018")
_KINDS = ("green", "strategic_emerging")


class TechRule(_Section):
    """When a customer counts as a technology enterprise (科技型企业)."""

    rd_intensity_min: float = Field(
        0.03,
        ge=0,
        le=1,
        description=_doc(
            "研发强度下限：研发费用 ÷ 营业收入 ≥ 此值（且专利数达标）即为科技型 [R 待核实]",
            "Minimum R&D intensity, rd_expense / operating_revenue (together with the patent "
            "count) for a technology enterprise [R, verify]",
        ),
    )
    patents_min: int = Field(
        5,
        ge=0,
        description=_doc(
            "专利数量下限（与研发强度同时满足）[R 待核实]",
            "Minimum patent count (together with the R&D intensity) [R, verify]",
        ),
    )


class FlagRules(_Section):
    """Catalogue versions and rules of the policy flags (policy ``features.flags``)."""

    green_catalogue: Literal["green-2019"] = Field(
        "green-2019",
        description=_doc(
            "绿色产业目录映射版本（defaults/catalogues 下的文件名）",
            "Green catalogue mapping version (file stem in defaults/catalogues)",
        ),
    )
    strategic_emerging_catalogue: Literal["strategic-emerging-2018"] = Field(
        "strategic-emerging-2018",
        description=_doc(
            "战略性新兴产业分类映射版本（defaults/catalogues 下的文件名）",
            "Strategic emerging industries mapping version (file stem in defaults/catalogues)",
        ),
    )
    new_energy_codes: list[str] = Field(
        default_factory=lambda: ["C3612"],
        description=_doc(
            "另行视为新能源的行业代码前缀（如新能源车整车制造 C3612），补充绿色 3 类与 SE05/SE06",
            "Extra industry code prefixes counted as new energy (e.g. C3612 NEV manufacturing), "
            "besides green category 3 and SE05/SE06",
        ),
    )
    tech: TechRule = Field(
        default_factory=TechRule, description=_doc("科技型企业规则", "Technology-enterprise rule")
    )


@dataclass(frozen=True)
class Catalogue:
    """A catalogue mapping: GB/T 4754 code prefix -> category (``None`` excludes).

    >>> load_catalogue("green-2019").lookup("D4416")
    '3'
    """

    version: str
    kind: str
    title: tuple[str, str]
    source: str
    verified: bool
    categories: dict[str, tuple[str, str]]
    codes: dict[str, str | None]

    def lookup(self, code: str | None) -> str | None:
        """Category of a normalised code: the value of its longest mapped prefix."""
        if not code:
            return None
        for end in range(len(code), 0, -1):
            if code[:end] in self.codes:
                return self.codes[code[:end]]
        return None


@cache
def load_catalogue(version: str) -> Catalogue:
    """Load a packaged catalogue mapping from ``finseg/defaults/catalogues/<version>.yaml``.

    Raises
    ------
    PolicyError
        If no such mapping ships with finseg, or it maps to an undefined category.
    """
    import yaml  # only needed when a mapping is first read

    resource = resources.files("finseg").joinpath(f"defaults/catalogues/{version}.yaml")
    if not resource.is_file():
        raise PolicyError(
            f"Unknown catalogue {version!r}: choose one of {', '.join(CATALOGUES)}",
            f"未知的产业目录映射 {version!r}：可选 {', '.join(CATALOGUES)}",
        )
    return _parse_catalogue(yaml.safe_load(resource.read_text(encoding="utf-8")))


def _parse_catalogue(raw: dict[str, Any]) -> Catalogue:
    version = raw.get("version")
    try:
        categories = {str(k): (v["zh"], v["en"]) for k, v in raw["categories"].items()}
        codes = {str(k).upper(): None if v is None else str(v) for k, v in raw["codes"].items()}
        kind = str(raw["kind"])
        title = (str(raw["title_zh"]), str(raw["title_en"]))
    except (KeyError, TypeError, AttributeError) as exc:
        raise PolicyError(
            f"Malformed catalogue {version!r}: {exc!r}",
            f"产业目录映射 {version!r} 格式错误：{exc!r}",
        ) from exc
    undefined = sorted({v for v in codes.values() if v is not None} - set(categories))
    if undefined or kind not in _KINDS:
        raise PolicyError(
            f"Catalogue {version!r}: kind {kind!r} or undefined categories {undefined}",
            f"产业目录映射 {version!r}：类型 {kind!r} 或未定义的类别 {undefined}",
        )
    verified = bool(raw.get("verified", False))
    return Catalogue(
        str(version), kind, title, str(raw.get("source", "")), verified, categories, codes
    )


def policy_flags(
    df: pd.DataFrame,
    catalogues: Sequence[Catalogue] | None = None,
    rules: FlagRules | None = None,
) -> pd.DataFrame:
    """Green / strategic-emerging categories, new-energy and technology-enterprise flags.

    Parameters
    ----------
    df : DataFrame
        ``industry_code``; for the tech rule ``high_tech``, ``specialized_sme``,
        ``rd_expense``, ``operating_revenue`` and ``patents`` (absent columns count as
        missing, i.e. not met).
    catalogues : sequence of Catalogue, optional
        One green and one strategic-emerging mapping; default: the versions in ``rules``.
    rules : FlagRules, optional
        Catalogue versions, extra new-energy codes and the tech rule; defaults if omitted.

    Returns
    -------
    DataFrame
        Same index: ``green_category`` (``"1"``..``"6"``) and ``strategic_emerging``
        (``"SE01"``..``"SE09"``), missing when the code is not mapped; ``new_energy`` (bool:
        green 3, SE05/SE06 or a ``new_energy_codes`` prefix); ``tech_enterprise`` (bool) with
        ``tech_basis`` (``high_tech``, ``specialized_sme``, ``rd_patents``; the rules met);
        ``catalogue_versions`` (e.g. ``green-2019;strategic-emerging-2018``).

    Examples
    --------
    >>> df = pd.DataFrame({"industry_code": ["C3011"], "rd_expense": [4e5],
    ...                    "operating_revenue": [1e7], "patents": [5]})
    >>> policy_flags(df)[["tech_enterprise", "tech_basis"]].values.tolist()
    [[True, 'rd_patents']]
    """
    rules = rules or FlagRules()
    green, emerging = _pick(catalogues, rules)
    codes, normal, _ = normal_codes(df["industry_code"] if "industry_code" in df else _none(df))
    extra = tuple(c.upper() for c in rules.new_energy_codes)
    table = [(green.lookup(c), emerging.lookup(c), bool(c and c.startswith(extra))) for c in normal]
    table.append((None, None, False))  # picked by the missing sentinel -1
    green_of, se_of, _ = (list(col) for col in zip(*table, strict=True))
    g, se = (pd.array(col, dtype="str").take(codes) for col in (green_of, se_of))
    # green 3 clean energy, SE05 new-energy vehicles, SE06 new energy, or an extra code
    energy_of = [c == "3" or s in ("SE05", "SE06") or e for c, s, e in table]
    new_energy = np.array(energy_of, dtype=bool)[codes]
    tech, (texts, basis) = _tech(df, rules.tech)
    out = pd.DataFrame({"green_category": g, "strategic_emerging": se}, index=df.index)
    out["new_energy"] = new_energy
    out["tech_enterprise"] = tech
    out["tech_basis"] = pd.array(texts, dtype="str").take(basis)
    versions = pd.array([f"{green.version};{emerging.version}"], dtype="str")
    out["catalogue_versions"] = versions.take(np.zeros(len(df), dtype=np.int64))
    return out


def _none(df: pd.DataFrame) -> pd.Series:
    return pd.Series([None] * len(df), dtype=object)


def _pick(catalogues: Sequence[Catalogue] | None, rules: FlagRules) -> tuple[Catalogue, Catalogue]:
    """The green and the strategic-emerging catalogue, given or loaded by version."""
    if catalogues is None:
        catalogues = [
            load_catalogue(rules.green_catalogue),
            load_catalogue(rules.strategic_emerging_catalogue),
        ]
    by_kind = {c.kind: c for c in catalogues}
    missing = [k for k in _KINDS if k not in by_kind]
    if missing:
        raise PolicyError(
            f"policy_flags needs a {' and a '.join(missing)} catalogue",
            f"policy_flags 缺少产业目录映射：{'、'.join(missing)}",
        )
    return by_kind["green"], by_kind["strategic_emerging"]


def _tech(df: pd.DataFrame, rule: TechRule) -> tuple[np.ndarray, tuple[list, np.ndarray]]:
    """Tech flag and the rules met.  An undefined intensity (revenue <= 0 or missing) fails."""
    revenue = number_column(df, "operating_revenue")
    rd, patents = number_column(df, "rd_expense"), number_column(df, "patents")
    with np.errstate(divide="ignore", invalid="ignore"):
        intensity = np.where(revenue > 0, rd / revenue, np.nan)
    rd_patents = (intensity >= rule.rd_intensity_min) & (patents >= rule.patents_min)
    parts = [
        ("high_tech", bool_column(df, "high_tech")),
        ("specialized_sme", bool_column(df, "specialized_sme")),
        ("rd_patents", rd_patents),
    ]
    tech = parts[0][1] | parts[1][1] | rd_patents
    return tech, token_codes(parts)
