"""Rating master scale (主标尺): PD bands, grade labels and representative PDs (domain.md §6).

A scale is a list of non-default grades, best first, whose PD bands ``[lower, upper)`` tile
``[0, 1)`` without gap or overlap, followed by one default grade (PD 1).  Basel IRB and
China's 2023 capital rules ask for at least 7 non-default grades and 1 default grade.

>>> scale = default_master_scale()
>>> scale.grade([0.0001, 0.0025, 0.05, 1.0]).tolist()
['AAA', 'BBB', 'B', 'D']
>>> scale.representative_pd(["AAA", "BB"]).round(5).tolist()
[0.0005, 0.01225]
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike
from pydantic import Field, model_validator

from finseg._config_base import _doc, _Section
from finseg.exceptions import UserError

__all__ = [
    "Grade",
    "GradeBand",
    "MasterScale",
    "default_master_scale",
    "log_linear_scale",
]

MIN_NON_DEFAULT_GRADES = 7


class Grade(StrEnum):
    """The ten grades of the default scale (四等十级), best first; ``D`` is default."""

    AAA = "AAA"
    AA = "AA"
    A = "A"
    BBB = "BBB"
    BB = "BB"
    B = "B"
    CCC = "CCC"
    CC = "CC"
    C = "C"
    D = "D"

    def label(self, lang: str = "en") -> str:
        """``信用极好`` / ``Extremely strong`` etc."""
        return _GRADE_LABELS[self][0 if lang == "zh" else 1]


# Wording of the 三等九级 scheme used by Chinese rating guidance [R].
_GRADE_LABELS: dict[Grade, tuple[str, str]] = {
    Grade.AAA: ("信用极好", "Extremely strong"),
    Grade.AA: ("信用优良", "Very strong"),
    Grade.A: ("信用较好", "Strong"),
    Grade.BBB: ("信用一般", "Adequate"),
    Grade.BB: ("信用欠佳", "Less adequate"),
    Grade.B: ("信用较差", "Weak"),
    Grade.CCC: ("信用很差", "Very weak"),
    Grade.CC: ("信用极差", "Extremely weak"),
    Grade.C: ("信用最差", "Near default"),
    Grade.D: ("违约", "Default"),
}

#: Upper PD bound (exclusive) of each non-default grade of the 10-grade scale (§6.3).
_DEFAULT_UPPER = (0.0005, 0.001, 0.0025, 0.0075, 0.02, 0.06, 0.15, 0.30, 1.0)


class GradeBand(_Section):
    """One grade of a master scale: its PD band and labels.

    >>> GradeBand(label="BB", pd_lower=0.0075, pd_upper=0.02, zh="信用欠佳", en="Less adequate"
    ...           ).representative(0.0005)
    0.012247...
    """

    label: str = Field(min_length=1, description=_doc("等级代码", "Grade code"))
    pd_lower: float = Field(ge=0, le=1, description=_doc("PD 下限（含）", "PD lower bound (incl.)"))
    pd_upper: float | None = Field(None, gt=0, le=1, description=_doc(
        "PD 上限（不含）；违约等级为空",
        "PD upper bound (excl.); empty for the default grade"))  # fmt: skip
    zh: str = Field("", description=_doc("中文名称", "Chinese label"))
    en: str = Field("", description=_doc("英文名称", "English label"))
    pd_representative: float | None = Field(None, gt=0, le=1, description=_doc(
        "代表 PD；为空时取区间几何中点 √(下限·上限)",
        "Representative PD; the band's geometric midpoint √(lower·upper) when empty"))  # fmt: skip

    @property
    def is_default(self) -> bool:
        """Whether this is the default grade (PD 1, no upper bound)."""
        return self.pd_upper is None

    def representative(self, pd_floor: float) -> float:
        """The grade's PD for capital and pricing, never below ``pd_floor``."""
        if self.is_default:
            return 1.0
        rep = self.pd_representative or math.sqrt(self.pd_lower * self.pd_upper)
        return max(rep, pd_floor)


class MasterScale(_Section):
    """A validated master scale (policy ``risk.master_scale``).

    Raises ``pydantic.ValidationError`` (bilingual, naming the grade) when bands leave a gap,
    overlap, do not increase, do not cover [0, 1), or there are fewer than 7 non-default
    grades or no default grade last.

    >>> len(default_master_scale().grades), default_master_scale().pd_floor
    (10, 0.0005)
    """

    grades: list[GradeBand] = Field(description=_doc(
        "等级表，由优到劣，末位为违约等级",
        "Grades, best first, the default grade last"))  # fmt: skip
    pd_floor: float = Field(0.0005, ge=0, lt=1, description=_doc(
        "PD 下限（巴塞尔 III 与 2023 年《商业银行资本管理办法》公司类 0.05%）",
        "PD floor (Basel III final and China 2023 corporate: 0.05%)"))  # fmt: skip

    @model_validator(mode="after")
    def _well_formed(self) -> MasterScale:
        *live, last = self.grades or [None]
        if last is None or not last.is_default or last.pd_lower != 1.0:
            raise ValueError(
                "最后一个等级须为违约等级（pd_lower = 1，无 pd_upper） / the last grade must be "
                "the default grade (pd_lower = 1, no pd_upper)"
            )
        if len(live) < MIN_NON_DEFAULT_GRADES:
            raise ValueError(
                f"非违约等级仅 {len(live)} 个，至少需要 {MIN_NON_DEFAULT_GRADES} 个 / only "
                f"{len(live)} non-default grades; at least {MIN_NON_DEFAULT_GRADES} are required"
            )
        _check_labels(self.grades)
        _check_bands(live)
        return self

    @property
    def labels(self) -> list[str]:
        """Grade codes, best first, the default grade last."""
        return [g.label for g in self.grades]

    def grade(self, pd: ArrayLike, default: ArrayLike | None = None) -> np.ndarray:
        """The grade of each PD: ``lower ≤ PD < upper``; PD ≥ 1 or a default flag gives the
        default grade; a missing PD gives ``None``.

        Parameters
        ----------
        pd : array-like of float
            PDs in [0, 1] (NaN allowed).
        default : array-like of bool, optional
            Customers already in default, graded ``D`` whatever their PD.

        Returns
        -------
        ndarray of object
            Grade codes (``str``), ``None`` where the PD is missing and no default flag is set.

        Examples
        --------
        >>> default_master_scale().grade([0.0005, np.nan, 0.3], default=[False, True, False])
        array(['AA', 'D', 'C'], dtype=object)
        """
        p = np.asarray(pd, dtype=float)
        if (p < 0).any():
            raise UserError(
                f"PD must not be negative; found {p[p < 0].ravel()[0]}",
                f"PD 不得为负，发现 {p[p < 0].ravel()[0]}",
            )
        lowers = np.array([g.pd_lower for g in self.grades[:-1]])
        index = np.searchsorted(lowers, p, side="right") - 1
        index = np.where(p >= 1, len(lowers), index)
        if default is not None:
            index = np.where(np.asarray(default, dtype=bool), len(lowers), index)
        codes = np.array([*self.labels, None], dtype=object)
        missing = np.isnan(p) if default is None else np.isnan(p) & ~np.asarray(default, bool)
        return codes[np.where(missing, len(codes) - 1, index)]

    def representative_pd(self, labels: ArrayLike) -> np.ndarray:
        """The floored representative PD of each grade code; NaN where the code is missing.

        >>> default_master_scale().representative_pd(["AAA", "C", "D", None]).round(4).tolist()
        [0.0005, 0.5477, 1.0, nan]
        """
        reps = {g.label: g.representative(self.pd_floor) for g in self.grades}
        codes = np.asarray(labels, dtype=object).ravel()
        unknown = [c for c in codes if c is not None and c == c and c not in reps]
        if unknown:
            raise UserError(
                f"unknown grade {unknown[0]!r}; the scale has {self.labels}",
                f"未知等级 {unknown[0]!r}；主标尺等级为 {self.labels}",
            )
        return np.array([reps.get(c, np.nan) if c is not None else np.nan for c in codes])


def _check_labels(grades: list[GradeBand]) -> None:
    seen: set[str] = set()
    for g in grades:
        if g.label in seen:
            raise ValueError(f"等级 {g.label} 重复 / grade {g.label} appears twice")
        seen.add(g.label)


def _check_bands(live: list[GradeBand]) -> None:
    """Non-default bands must increase and tile [0, 1) exactly."""
    if live[0].pd_lower != 0.0:
        raise ValueError(
            f"首个等级 {live[0].label} 的 PD 下限须为 0（实为 {live[0].pd_lower}） / the first "
            f"grade {live[0].label} must start at PD 0, not {live[0].pd_lower}"
        )
    for prev, g in zip([None, *live], live, strict=False):
        if g.pd_upper is None or g.pd_upper <= g.pd_lower:
            raise ValueError(
                f"等级 {g.label} 的 PD 上限须大于下限 {g.pd_lower} / grade {g.label} needs a PD "
                f"upper bound above its lower bound {g.pd_lower}"
            )
        if prev is not None and g.pd_lower != prev.pd_upper:
            kind = ("缺口", "gap") if g.pd_lower > prev.pd_upper else ("重叠", "overlap")
            raise ValueError(
                f"等级 {prev.label} 与 {g.label} 之间存在{kind[0]}（{prev.pd_upper} 对 "
                f"{g.pd_lower}） / {kind[1]} between grades {prev.label} and {g.label} "
                f"({prev.pd_upper} vs {g.pd_lower})"
            )
    if live[-1].pd_upper != 1.0:
        raise ValueError(
            f"末个非违约等级 {live[-1].label} 的 PD 上限须为 1 / the last non-default grade "
            f"{live[-1].label} must end at PD 1, not {live[-1].pd_upper}"
        )


def _default_band() -> GradeBand:
    return GradeBand(label="D", pd_lower=1.0, zh=Grade.D.label("zh"), en=Grade.D.label("en"))


def default_master_scale(pd_floor: float = 0.0005) -> MasterScale:
    """The illustrative 10-grade scale of domain.md §6.3 (AAA … C and D).

    Representative PD = geometric midpoint of the band, floored (AAA: the floor itself).

    >>> default_master_scale().representative_pd(list("AB")).round(5).tolist()
    [0.00158, 0.03464]
    """
    lowers = (0.0, *_DEFAULT_UPPER[:-1])
    bands = [
        GradeBand(label=g.value, pd_lower=lo, pd_upper=hi, zh=g.label("zh"), en=g.label("en"))
        for g, lo, hi in zip(list(Grade)[:-1], lowers, _DEFAULT_UPPER, strict=True)
    ]
    return MasterScale(grades=[*bands, _default_band()], pd_floor=pd_floor)


_LOG_LINEAR_LABELS_19 = (
    "AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-",
    "BB+", "BB", "BB-", "B+", "B", "B-", "CCC+", "CCC", "CCC-/CC/C",
)  # fmt: skip


def log_linear_scale(
    n: int = 19, low: float = 0.0003, high: float = 0.30, pd_floor: float = 0.0005
) -> MasterScale:
    """``n`` + 1 grades with PDs log-linear from ``low`` to ``high`` (domain.md §6.3).

    ``PD_g = exp(ln low + (g − 1)/(n − 1)·(ln high − ln low))`` is grade g's representative
    PD; band edges are the geometric midpoints between neighbours, the first band starts at 0
    and the last ends at 1.  With n = 19 the labels are AAA, AA+, … CCC-/CC/C, else G1 … Gn.

    >>> s = log_linear_scale()
    >>> [round(g.pd_representative * 100, 3) for g in s.grades[:4]], s.grades[-2].label
    ([0.03, 0.044, 0.065, 0.095], 'CCC-/CC/C')
    """
    if n < MIN_NON_DEFAULT_GRADES:
        raise UserError(
            f"n = {n}: a master scale needs at least {MIN_NON_DEFAULT_GRADES} non-default grades",
            f"n = {n}：主标尺至少需要 {MIN_NON_DEFAULT_GRADES} 个非违约等级",
        )
    if not 0 < low < high < 1:
        raise UserError(
            f"need 0 < low < high < 1, got low={low}, high={high}",
            f"须满足 0 < low < high < 1，实为 low={low}、high={high}",
        )
    pds = np.exp(np.linspace(math.log(low), math.log(high), n))
    pds[[0, -1]] = low, high  # exact ends, free of exp/log round-off
    edges = [0.0, *np.sqrt(pds[1:] * pds[:-1]).tolist(), 1.0]
    labels = _LOG_LINEAR_LABELS_19 if n == 19 else [f"G{g}" for g in range(1, n + 1)]
    bands = [
        GradeBand(label=lab, pd_lower=edges[g], pd_upper=edges[g + 1], pd_representative=float(p))
        for g, (lab, p) in enumerate(zip(labels, pds, strict=True))
    ]
    return MasterScale(grades=[*bands, _default_band()], pd_floor=pd_floor)
