"""Differentiated strategy (差异化策略): the product catalogue, a decision per customer
(product, limit and its caps, collateral, review level, price, covenants, reasons), policy
programmes, macro scenarios, marketing lists and policy replay.  See ``docs/strategy.md``."""

from __future__ import annotations

from finseg.strategy._compare import (
    METRICS,
    TOTAL,
    compare_payload,
    compare_scenarios,
    pick_scenarios,
    redecide,
    segment_summary,
)
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
from finseg.strategy._policy_diff import policy_rule_diff, strategy_diff
from finseg.strategy._reasons import (
    SEPARATOR,
    code_names,
    explain,
    reason_labels,
    split_reasons,
)
from finseg.strategy._replay import replay_payload, replay_run
from finseg.strategy._stage import CAPS, DECISIONS, STRATEGY_OUTPUT, price_parts, strategy_stage

__all__ = [
    "CAPS",
    "DECISIONS",
    "METRICS",
    "SEPARATOR",
    "STRATEGY_OUTPUT",
    "TOTAL",
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
    "code_names",
    "compare_payload",
    "compare_scenarios",
    "explain",
    "high_potential",
    "marketing_list",
    "marketing_overview",
    "pick_scenarios",
    "policy_rule_diff",
    "price_parts",
    "reason_labels",
    "redecide",
    "replay_payload",
    "replay_run",
    "segment_summary",
    "split_reasons",
    "strategy_diff",
    "strategy_stage",
]
