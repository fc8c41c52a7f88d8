"""The ordered vocabularies of the strategy: review levels, security levels, capacity bases,
and the grades of the default master scale that policy keys are checked against.

>>> ReviewLevel.COMMITTEE.rank > ReviewLevel.AUTO.rank, CollateralLevel("guarantee").rank
(True, 1)
"""

from __future__ import annotations

from enum import StrEnum

from finseg.risk._master_scale import default_master_scale

__all__ = ["GRADES", "CapacityBasis", "CollateralLevel", "ReviewLevel"]

#: Grade codes of the default master scale, best first, ``D`` last.
GRADES = tuple(default_master_scale().labels)


class ReviewLevel(StrEnum):
    """Who approves, from the lightest to the heaviest review (审批层级)."""

    AUTO = "auto"
    STANDARD = "standard"
    ENHANCED = "enhanced"
    COMMITTEE = "committee"

    @property
    def rank(self) -> int:
        return list(ReviewLevel).index(self)

    def label(self, lang: str = "en") -> str:
        zh = {
            "auto": "自动审批",
            "standard": "标准审批",
            "enhanced": "加强审查",
            "committee": "贷审会审议",
        }
        en = {
            "auto": "Automatic",
            "standard": "Standard",
            "enhanced": "Enhanced",
            "committee": "Credit committee",
        }
        return (zh if lang == "zh" else en)[self.value]


class CollateralLevel(StrEnum):
    """What security a product asks for, weakest first (担保要求)."""

    NONE = "none"
    GUARANTEE = "guarantee"
    SECURED = "secured"

    @property
    def rank(self) -> int:
        return list(CollateralLevel).index(self)

    def label(self, lang: str = "en") -> str:
        zh = {"none": "信用（无需担保）", "guarantee": "保证担保", "secured": "抵质押担保"}
        en = {"none": "Unsecured", "guarantee": "Guarantee", "secured": "Pledge or mortgage"}
        return (zh if lang == "zh" else en)[self.value]


class CapacityBasis(StrEnum):
    """How a product sizes what the customer can carry (the capacity cap)."""

    REVENUE = "revenue"
    WORKING_CAPITAL = "working_capital"
    CASH_FLOW = "cash_flow"
    RECEIVABLES = "receivables"
    TOTAL_ASSETS = "total_assets"
    COLLATERAL = "collateral"
