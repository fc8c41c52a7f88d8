"""Size standards as versioned data: ``finseg/defaults/size_standards/<version>.yaml``.

Two rule families are supported, both compiled into the same form — a tier is an AND of
clauses, a clause an OR of comparisons — so one classifier applies either:

* ``lower_bounds`` (MIIT 2011 / NBS 2017, ``miit-2011``): tiers large -> medium -> small,
  each met when *every* lower bound is met (``>=``); micro is the fallback.
* ``ceilings`` (EU 2003/361/EC, ``eu-2003``): categories micro -> small -> medium, each met
  when headcount ``<`` its ceiling and (turnover ``<=`` or balance sheet ``<=`` its ceiling);
  large is the fallback.

>>> std = load_size_standard("miit-2011")
>>> std.rules["industry"][1]
(<SizeClass.MEDIUM: 'medium'>, ((('X', '>=', 300.0),), (('Y', '>=', 2000.0),)))
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import Field

from finseg._config_base import _doc, _Section
from finseg._vocab import LabelledEnum
from finseg.exceptions import PolicyError

__all__ = [
    "SIZE_INDICATORS",
    "SIZE_STANDARDS",
    "SizeClass",
    "SizeConfig",
    "SizeStandard",
    "load_size_standard",
]

#: Indicator letter of the standards -> canonical field (amounts in yuan in the frame).
SIZE_INDICATORS: dict[str, str] = {"X": "employees", "Y": "operating_revenue", "Z": "total_assets"}
#: Size standards that ship with finseg (file stems in ``defaults/size_standards``).
SIZE_STANDARDS: tuple[str, ...] = ("miit-2011", "eu-2003")
#: Frame units per unit a standard states its bounds in (the EUR rate comes from the file).
_UNIT_SCALE: dict[str, float] = {"persons": 1.0, "万元": 10_000.0, "yuan": 1.0}
_EUR_MILLION = "EUR million"

Test = tuple[str, str, float]  # (indicator letter, operator, bound in the standard's unit)
Clause = tuple[Test, ...]  # met when any test holds
Tier = tuple[Clause, ...]  # met when every clause is met


class SizeClass(LabelledEnum):
    """Enterprise size class, largest first; ``unknown`` when the data cannot decide."""

    LARGE = ("large", "大型", "Large")
    MEDIUM = ("medium", "中型", "Medium")
    SMALL = ("small", "小型", "Small")
    MICRO = ("micro", "微型", "Micro")
    UNKNOWN = ("unknown", "未知", "Unknown")


class SizeConfig(_Section):
    """Which size standard the features stage applies (policy ``features.size``)."""

    standard: Literal["miit-2011", "eu-2003"] = Field(
        "miit-2011",
        description=_doc(
            "企业规模划型标准：miit-2011（工信部 2011 / 统计局 2017，两者门槛相同）"
            "或 eu-2003（欧盟 2003/361/EC 中小企业定义）",
            "Size standard: miit-2011 (MIIT 2011 = NBS 2017, identical thresholds) or "
            "eu-2003 (EU SME definition, Recommendation 2003/361/EC)",
        ),
    )
    eur_cny: float | None = Field(
        None,
        gt=0,
        description=_doc(
            "欧盟标准的欧元兑人民币汇率（1 欧元 = ? 元）；留空使用标准文件中的 7.8 [R 待核实]",
            "Yuan per euro for the EU standard; empty means the file's 7.8 [R, verify]",
        ),
    )


@dataclass(frozen=True)
class SizeStandard:
    """One version of a size table, compiled for the classifier.

    Attributes
    ----------
    version : str
        File stem, e.g. ``"miit-2011"``.
    rule : str
        ``"lower_bounds"`` or ``"ceilings"`` (see the module docstring).
    tiers : dict
        Size industry -> size class -> letter -> bound as the standard states it (persons,
        万元 or EUR million).
    rules : dict
        Size industry -> ``(size class, tier)`` pairs in test order.
    fallback : SizeClass
        The class of a row that meets no tier.
    scale : dict
        Letter -> frame units (persons, yuan) per unit of the bounds.
    codes : dict
        GB/T 4754 code prefix -> size industry; the longest matching prefix wins.
    labels : dict
        Size industry -> ``(zh, en)``.
    default : str
        Size industry of a code no prefix matches.
    """

    version: str
    title: tuple[str, str]
    sources: tuple[str, ...]
    rule: str
    tiers: dict[str, dict[SizeClass, dict[str, float]]]
    rules: dict[str, tuple[tuple[SizeClass, Tier], ...]]
    fallback: SizeClass
    scale: dict[str, float]
    codes: dict[str, str]
    labels: dict[str, tuple[str, str]]
    default: str

    def required(self, industry: str) -> tuple[str, ...]:
        """Indicator letters the standard uses for ``industry`` (sorted).

        >>> load_size_standard().required("construction")
        ('Y', 'Z')
        """
        letters = {k for bounds in self.tiers[industry].values() for k in bounds}
        return tuple(sorted(letters))


@cache
def load_size_standard(version: str = "miit-2011", eur_cny: float | None = None) -> SizeStandard:
    """Load a packaged size table from ``finseg/defaults/size_standards/<version>.yaml``.

    ``eur_cny`` overrides the file's exchange rate (EU standard only).

    Raises
    ------
    PolicyError
        If no such table ships with finseg or it is malformed.
    """
    import yaml  # only needed when a table is first read

    resource = resources.files("finseg").joinpath(f"defaults/size_standards/{version}.yaml")
    if not resource.is_file():
        raise PolicyError(
            f"Unknown size standard {version!r}: choose one of {', '.join(SIZE_STANDARDS)}",
            f"未知的企业规模划型标准 {version!r}：可选 {', '.join(SIZE_STANDARDS)}",
        )
    raw = yaml.safe_load(resource.read_text(encoding="utf-8"))
    if eur_cny is not None:
        raw["eur_cny"] = eur_cny
    return _parse_standard(raw)


def _parse_standard(raw: dict[str, Any]) -> SizeStandard:
    version = raw.get("version")
    try:
        rule, fallback = str(raw["rule"]), SizeClass(raw["fallback"])
        scale = _scales(raw)
        tiers = {
            name: {SizeClass(t): {k: float(v) for k, v in b.items()} for t, b in s["tiers"].items()}
            for name, s in raw["industries"].items()
        }
        rules = {name: _compile(rule, t) for name, t in tiers.items()}
        labels = {name: (s["zh"], s["en"]) for name, s in raw["industries"].items()}
        codes = {str(k).upper(): str(v) for k, v in (raw.get("codes") or {}).items()}
        title = (str(raw.get("title_zh", version)), str(raw.get("title_en", version)))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PolicyError(
            f"Malformed size standard {version!r}: {exc!r}",
            f"企业规模划型标准 {version!r} 格式错误：{exc!r}",
        ) from exc
    default = str(raw.get("default", "other"))
    unknown = (set(codes.values()) | {default}) - set(tiers)
    letters = {k for t in tiers.values() for b in t.values() for k in b}
    if unknown or letters - set(SIZE_INDICATORS):
        raise PolicyError(
            f"Size standard {version!r} names unknown industries or indicators: "
            f"{sorted(unknown | (letters - set(SIZE_INDICATORS)))}",
            f"企业规模划型标准 {version!r} 含未定义的行业或指标："
            f"{sorted(unknown | (letters - set(SIZE_INDICATORS)))}",
        )
    sources = tuple(raw.get("sources", ()))
    return SizeStandard(
        str(version), title, sources, rule, tiers, rules, fallback, scale, codes, labels, default
    )


def _scales(raw: dict[str, Any]) -> dict[str, float]:
    """Frame units per bound unit, per letter; EUR amounts need the file's ``eur_cny``."""
    out = {}
    for letter, unit in raw["units"].items():
        if unit == _EUR_MILLION:
            out[letter] = 1e6 * float(raw["eur_cny"])
        else:
            out[letter] = _UNIT_SCALE[unit]
    return out


def _compile(
    rule: str, tiers: dict[SizeClass, dict[str, float]]
) -> tuple[tuple[SizeClass, Tier], ...]:
    """Tiers in test order as AND-of-OR comparisons (see the module docstring)."""
    if rule == "lower_bounds":
        order = [c for c in (SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL) if c in tiers]
        return tuple(
            (c, tuple(((k, ">=", b),) for k, b in sorted(tiers[c].items()))) for c in order
        )
    if rule == "ceilings":
        order = [c for c in (SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM) if c in tiers]
        out = []
        for c in order:
            money = tuple((k, "<=", tiers[c][k]) for k in ("Y", "Z") if k in tiers[c])
            out.append((c, ((("X", "<", tiers[c]["X"]),), money)))
        return tuple(out)
    raise ValueError(f"rule must be lower_bounds or ceilings, not {rule!r}")
