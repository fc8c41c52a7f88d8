"""Differentiated strategy (差异化策略): the product catalogue, a decision per customer
(product, limit and its caps, collateral, review level, price, covenants, reasons), policy
programmes, macro scenarios, marketing lists and policy replay.  See ``docs/strategy.md``."""

from __future__ import annotations

from finseg.strategy._marketing import (
    Channel,
    HighPotentialPolicy,
    MarketingPolicy,
    Offering,
    high_potential,
    marketing_list,
    marketing_overview,
)
from finseg.strategy._policy import (
    CapacityRule,
    CollateralLevel,
    LabelledRule,
    PricingPolicy,
    ProductDef,
    Programme,
    ReviewLevel,
    ReviewRule,
    Scenario,
    StrategyPolicy,
)
from finseg.strategy._reasons import SEPARATOR, split_reasons
from finseg.strategy._stage import CAPS, DECISIONS, STRATEGY_OUTPUT, strategy_stage

__all__ = [
    "CAPS",
    "DECISIONS",
    "SEPARATOR",
    "STRATEGY_OUTPUT",
    "CapacityRule",
    "Channel",
    "CollateralLevel",
    "HighPotentialPolicy",
    "LabelledRule",
    "MarketingPolicy",
    "Offering",
    "PricingPolicy",
    "ProductDef",
    "Programme",
    "ReviewLevel",
    "ReviewRule",
    "Scenario",
    "StrategyPolicy",
    "high_potential",
    "marketing_list",
    "marketing_overview",
    "split_reasons",
    "strategy_stage",
]
