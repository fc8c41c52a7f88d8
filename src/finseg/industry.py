"""GB/T 4754-2017 national industry classification (国民经济行业分类): the 20 sections.

Codes are a section letter followed by up to four digits: the first two digits are the
division (大类), three the group (中类), four the class (小类), e.g. ``C3825``.  Bank systems
often drop the letter (``3825``); :func:`normalise_code` puts it back from the division.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SECTIONS", "Section", "check_section_keys", "normalise_code", "section_of_division"]


@dataclass(frozen=True)
class Section:
    """One GB/T 4754-2017 section (门类) and the divisions (大类) it spans."""

    code: str
    zh: str
    en: str
    first_division: int
    last_division: int

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


SECTIONS: dict[str, Section] = {
    s.code: s
    for s in (
        Section(
            "A", "农、林、牧、渔业", "Agriculture, Forestry, Animal Husbandry and Fishery", 1, 5
        ),
        Section("B", "采矿业", "Mining", 6, 12),
        Section("C", "制造业", "Manufacturing", 13, 43),
        Section(
            "D", "电力、热力、燃气及水生产和供应业", "Electricity, Heat, Gas and Water", 44, 46
        ),
        Section("E", "建筑业", "Construction", 47, 50),
        Section("F", "批发和零售业", "Wholesale and Retail Trade", 51, 52),
        Section("G", "交通运输、仓储和邮政业", "Transport, Storage and Post", 53, 60),
        Section("H", "住宿和餐饮业", "Accommodation and Catering", 61, 62),
        Section(
            "I", "信息传输、软件和信息技术服务业", "Information, Software and IT Services", 63, 65
        ),
        Section("J", "金融业", "Finance", 66, 69),
        Section("K", "房地产业", "Real Estate", 70, 70),
        Section("L", "租赁和商务服务业", "Leasing and Business Services", 71, 72),
        Section("M", "科学研究和技术服务业", "Scientific Research and Technical Services", 73, 75),
        Section(
            "N", "水利、环境和公共设施管理业", "Water, Environment and Public Facilities", 76, 79
        ),
        Section(
            "O",
            "居民服务、修理和其他服务业",
            "Resident Services, Repair and Other Services",
            80,
            82,
        ),
        Section("P", "教育", "Education", 83, 83),
        Section("Q", "卫生和社会工作", "Health and Social Work", 84, 85),
        Section("R", "文化、体育和娱乐业", "Culture, Sports and Entertainment", 86, 90),
        Section(
            "S",
            "公共管理、社会保障和社会组织",
            "Public Management and Social Organisations",
            91,
            96,
        ),
        Section("T", "国际组织", "International Organisations", 97, 97),
    )
}

_CODE = re.compile(r"^([A-Ta-t])?(\d{2,4})?$")


def section_of_division(division: int) -> Section | None:
    """The section whose division range holds ``division`` (1..97), or ``None``."""
    for section in SECTIONS.values():
        if section.first_division <= division <= section.last_division:
            return section
    return None


def normalise_code(text: str) -> tuple[str | None, str | None]:
    """Normalise an industry code; return ``(code, problem)``.

    ``code`` is ``None`` when the text is not a valid code, and ``problem`` then says why in
    English.  A code without its section letter gets it back from the division.

    >>> normalise_code("c3825")
    ('C3825', None)
    >>> normalise_code("3825")
    ('C3825', None)
    >>> normalise_code("A38")[0] is None
    True
    """
    m = _CODE.match(text.strip().replace(" ", ""))
    if not m or not (m.group(1) or m.group(2)):
        return None, "expected a section letter A-T and up to 4 digits, e.g. C3825"
    letter, digits = (m.group(1) or "").upper(), m.group(2) or ""
    if len(digits) == 1:
        return None, "the division needs two digits"
    if not digits:
        return letter, None
    section = section_of_division(int(digits[:2]))
    if section is None:
        return None, f"division {digits[:2]} does not exist in GB/T 4754-2017"
    if letter and letter != section.code:
        return None, f"division {digits[:2]} belongs to section {section.code}, not {letter}"
    return section.code + digits, None


def check_section_keys(
    value: dict[str, float], what: str, low: float, high: float, open_low: bool = False
) -> dict[str, float]:
    """A policy mapping keyed by GB/T 4754 section letter (or ``default``) whose values lie in
    [low, high] (``(low, high]`` with ``open_low``); raises ``ValueError`` naming the key.

    >>> check_section_keys({"C": 0.3, "default": 0.2}, "share", 0, 1)
    {'C': 0.3, 'default': 0.2}
    >>> check_section_keys({"Z": 0.3}, "share", 0, 1)
    Traceback (most recent call last):
    ...
    ValueError: 'Z' is not a GB/T 4754 section letter (A–T) or 'default'
    """
    for key, number in value.items():
        if key != "default" and key not in SECTIONS:
            raise ValueError(f"{key!r} is not a GB/T 4754 section letter (A–T) or 'default'")
        if not ((low < number) if open_low else (low <= number)) or number > high:
            bounds = f"({low}, {high}]" if open_low else f"[{low}, {high}]"
            raise ValueError(f"{what} of {key!r} must lie in {bounds}, got {number}")
    return value
