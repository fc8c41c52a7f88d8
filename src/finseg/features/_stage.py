"""The features stage: every customer dimension in one pass, configured by the policy's
``features`` section.

>>> import pandas as pd
>>> from finseg.sample import generate_portfolio
>>> out = compute_features(generate_portfolio(50, seed=1))
>>> {"size_class", "debt_to_assets", "lifecycle_stage", "financial_condition"} <= set(out.columns)
True
"""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from finseg._config_base import _doc, _Section
from finseg.features._altman import AltmanBands, compute_altman
from finseg.features._condition import ConditionBands, classify_condition
from finseg.features._flags import FlagRules, policy_flags
from finseg.features._industry import classify_industry
from finseg.features._lifecycle import LifecycleRules, classify_lifecycle
from finseg.features._ratios import compute_ratios
from finseg.features._size import classify_size
from finseg.features._size_standard import SizeConfig

__all__ = ["FeaturesPolicy", "compute_features", "feature_columns"]


class FeaturesPolicy(_Section):
    """The ``features`` section of ``policy.yaml``."""

    size: SizeConfig = Field(
        default_factory=SizeConfig, description=_doc("企业规模划型标准", "Enterprise size standard")
    )
    altman: AltmanBands = Field(
        default_factory=AltmanBands, description=_doc("Altman Z'' 分区界限", "Altman Z'' zones")
    )
    condition: ConditionBands = Field(
        default_factory=ConditionBands,
        description=_doc("财务状况分档阈值", "Financial-condition bands"),
    )
    flags: FlagRules = Field(
        default_factory=FlagRules,
        description=_doc("政策标识（绿色、战略性新兴、新能源、科技）", "Policy flags"),
    )
    lifecycle: LifecycleRules = Field(
        default_factory=LifecycleRules, description=_doc("生命周期阶段规则", "Lifecycle rules")
    )


def _parts(df: pd.DataFrame, cfg: FeaturesPolicy) -> list[pd.DataFrame]:
    ratios = compute_ratios(df)
    altman = compute_altman(df, cfg.altman)
    base = df.drop(columns=[*ratios.columns, *altman.columns], errors="ignore")  # a re-run
    condition = classify_condition(pd.concat([base, ratios, altman], axis=1), cfg.condition)
    return [
        classify_industry(df),
        classify_size(df, cfg.size.standard, eur_cny=cfg.size.eur_cny),
        ratios,
        altman,
        condition,
        policy_flags(df, rules=cfg.flags),
        classify_lifecycle(df, cfg.lifecycle),
    ]


def compute_features(df: pd.DataFrame, cfg: FeaturesPolicy | None = None) -> pd.DataFrame:
    """``df`` with every derived column added (existing columns of the same name replaced).

    Pure: no files, no database; the same frame and policy always give the same result.
    """
    cfg = cfg or FeaturesPolicy()
    parts = [p.set_axis(df.index) for p in _parts(df, cfg)]
    added = pd.concat(parts, axis=1)
    return pd.concat([df.drop(columns=[c for c in added.columns if c in df]), added], axis=1)


def feature_columns() -> list[str]:
    """Names of the columns the stage adds, in order."""
    from finseg.sample import generate_portfolio

    sample = generate_portfolio(3, seed=0)
    return [c for c in compute_features(sample).columns if c not in sample.columns]
