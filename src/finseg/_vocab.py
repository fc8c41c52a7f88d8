"""Closed vocabularies shared by settings and policy: language and money unit.

``Unit`` is declared here, not in ``finseg.ingest``, so that loading settings does not import
the ingest readers; ingest re-exports it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["LabelledEnum", "Language", "Unit"]


class LabelledEnum(StrEnum):
    """A ``str`` enum whose members carry their Chinese and English labels.

    Declare members as ``NAME = ("value", "中文", "English")``: the value is the plain string
    stored in Parquet, SQL and JSON; the labels are what a person reads.

    >>> class Zone(LabelledEnum):
    ...     SAFE = ("safe", "安全", "Safe")
    >>> Zone.SAFE == "safe", Zone.SAFE.label("zh"), Zone("safe").en
    (True, '安全', 'Safe')
    """

    zh: str
    en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh, member.en = zh or value, en or value
        return member

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en


class Language(StrEnum):
    """Language of messages and reports."""

    ZH = "zh"
    EN = "en"


class Unit(StrEnum):
    """Money units found in Chinese bank exports (元, 千元, 万元, 百万元, 亿元)."""

    YUAN = "yuan"
    THOUSAND = "thousand"
    WAN = "wan"
    MILLION = "million"
    YI = "yi"

    @property
    def factor(self) -> float:
        """Yuan per one of this unit.

        >>> Unit.WAN.factor
        10000.0
        """
        return _FACTORS[self.value]

    def label(self, lang: str = "en") -> str:
        """``万元`` or ``CNY 10 thousand``."""
        return _LABELS[self.value][0 if lang == "zh" else 1]


_FACTORS = {"yuan": 1.0, "thousand": 1e3, "wan": 1e4, "million": 1e6, "yi": 1e8}
_LABELS = {
    "yuan": ("元", "CNY"),
    "thousand": ("千元", "CNY thousand"),
    "wan": ("万元", "CNY 10 thousand"),
    "million": ("百万元", "CNY million"),
    "yi": ("亿元", "CNY 100 million"),
}
