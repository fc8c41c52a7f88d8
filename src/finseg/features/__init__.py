"""Customer dimensions derived from the canonical portfolio: industry, enterprise size,
financial ratios, Altman Z'', financial condition, policy flags and lifecycle stage.

Each is a pure function of a DataFrame and packaged or given config;
:func:`compute_features` is the pipeline stage that runs them all (see ``docs/features.md``).
"""

from __future__ import annotations

from finseg.features._altman import (
    ALTMAN_INPUTS,
    Z2_COEFFICIENTS,
    AltmanBands,
    AltmanZone,
    altman_markdown,
    compute_altman,
)
from finseg.features._condition import (
    ConditionBands,
    FinancialCondition,
    classify_condition,
    condition_markdown,
    explain_reason,
)
from finseg.features._flags import (
    CATALOGUES,
    Catalogue,
    FlagRules,
    TechRule,
    load_catalogue,
    policy_flags,
)
from finseg.features._industry import classify_industry
from finseg.features._lifecycle import (
    DickinsonStage,
    LifecycleRules,
    LifecycleStage,
    classify_lifecycle,
)
from finseg.features._ratios import (
    RATIOS,
    NanReason,
    Ratio,
    RatioUnit,
    compute_ratios,
    ratios_markdown,
)
from finseg.features._size import classify_size, size_industry
from finseg.features._size_standard import (
    SIZE_INDICATORS,
    SIZE_STANDARDS,
    SizeClass,
    SizeConfig,
    SizeStandard,
    load_size_standard,
)
from finseg.features._stage import FeaturesPolicy, compute_features, feature_columns

__all__ = [
    "ALTMAN_INPUTS",
    "CATALOGUES",
    "RATIOS",
    "SIZE_INDICATORS",
    "SIZE_STANDARDS",
    "Z2_COEFFICIENTS",
    "AltmanBands",
    "AltmanZone",
    "Catalogue",
    "ConditionBands",
    "DickinsonStage",
    "FeaturesPolicy",
    "FinancialCondition",
    "FlagRules",
    "LifecycleRules",
    "LifecycleStage",
    "NanReason",
    "Ratio",
    "RatioUnit",
    "SizeClass",
    "SizeConfig",
    "SizeStandard",
    "TechRule",
    "altman_markdown",
    "classify_condition",
    "classify_industry",
    "classify_lifecycle",
    "classify_size",
    "compute_altman",
    "compute_features",
    "compute_ratios",
    "condition_markdown",
    "explain_reason",
    "feature_columns",
    "load_catalogue",
    "load_size_standard",
    "policy_flags",
    "ratios_markdown",
    "size_industry",
]
