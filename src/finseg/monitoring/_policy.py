"""The ``monitoring`` section of ``policy.yaml``: PSI binning and thresholds, calibration test
levels, AUC/KS drift tolerances, early-warning rules and the re-segmentation trigger.

Early-warning rules are SQL (the rules engine of ``docs/rules.md``) over the comparison frame:
the current run's columns plus the derived columns of
:data:`~finseg.monitoring.DERIVED_COLUMNS` (``grade_notches_down``, ``prev_debt_to_assets``,
``new_overdue`` …).  They are compiled when the policy loads; an error names the rule and the
position in its text.

>>> policy = MonitoringPolicy()
>>> [r.id for r in policy.warnings][:3]
['downgrade_2_notches', 'receivable_days_up_30', 'new_overdue']
>>> MonitoringPolicy(warnings=[{"id": "x", "zh": "甲", "en": "A", "when": "grade_notches > 1"}])
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for MonitoringPolicy
...
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pydantic import Field, ValidationInfo, field_validator, model_validator

from finseg._config_base import _doc, _Section
from finseg.monitoring._compare import DERIVED_COLUMNS
from finseg.risk import TrafficLightThresholds
from finseg.rules import ColumnKind, Rule, check_rule, compile_rule, known_columns

__all__ = ["DEFAULT_FEATURES", "DEFAULT_WARNINGS", "MonitoringPolicy", "WarningRule",
           "warning_columns"]  # fmt: skip

_ID = r"^[a-z][a-z0-9_]*$"
#: Key ratios monitored by CSI when the run's model is not a registered one with a card.
DEFAULT_FEATURES = (
    "debt_to_assets", "current_ratio", "interest_coverage", "roa", "net_margin",
    "receivable_days", "revenue_growth", "cfo_to_debt", "altman_z2", "asset_turnover",
)  # fmt: skip


def warning_columns() -> Mapping[str, ColumnKind]:
    """Columns an early-warning rule may read: :func:`~finseg.rules.known_columns` plus the
    derived comparison columns."""
    derived = {name: kind for name, (kind, _) in DERIVED_COLUMNS.items()}
    return MappingProxyType({**known_columns(), **derived})


class WarningRule(_Section):
    """One early-warning rule (预警规则)."""

    id: str = Field(pattern=_ID, description=_doc("规则编号", "Rule id (a-z, 0-9, _)"))
    zh: str = Field(description=_doc("中文说明", "Chinese label"))
    en: str = Field(description=_doc("英文说明", "English label"))
    when: str = Field(description=_doc(
        "SQL 布尔表达式，可使用本期结果列与对比列（prev_*、*_change、grade_notches_down、"
        "new_overdue 等，见 docs/monitoring.md）",
        "SQL boolean expression over the current results and the comparison columns (prev_*, "
        "*_change, grade_notches_down, new_overdue …, see docs/monitoring.md)"))  # fmt: skip
    severity: float = Field(1.0, gt=0, description=_doc(
        "严重程度（权重）：观察名单按命中规则的权重之和排序",
        "Severity (weight): the watch list ranks customers by the sum over the rules that "
        "fired"))  # fmt: skip

    @field_validator("when")
    @classmethod
    def _compiles(cls, when: str, info: ValidationInfo) -> str:
        # a field validator, so that an error points at the `when:` line of policy.yaml
        check_rule(f"monitoring.{info.data.get('id', '?')}", when, info, warning_columns())
        return when

    def to_rule(self) -> Rule:
        """The compiled rule, named ``monitoring.<id>``."""
        return compile_rule(f"monitoring.{self.id}", self.when, warning_columns(),
                            zh=self.zh, en=self.en)  # fmt: skip


def _rule(id_: str, zh: str, en: str, when: str, severity: float) -> WarningRule:
    return WarningRule(id=id_, zh=zh, en=en, when=when, severity=severity)


#: Default early warnings; thresholds are business assumptions [R] to set per lender.
DEFAULT_WARNINGS: tuple[WarningRule, ...] = (
    _rule("downgrade_2_notches", "评级下调两级及以上", "Downgraded two notches or more",
          "grade_notches_down >= 2", 3.0),
    _rule("receivable_days_up_30", "应收账款周转天数增加超过 30 天",
          "Receivable days up by more than 30", "receivable_days_change > 30", 2.0),
    _rule("new_overdue", "新增逾期", "New overdue", "new_overdue", 4.0),
    _rule("leverage_crossed", "资产负债率突破所在分群阈值",
          "Debt-to-assets crossed the segment's limit",
          "debt_to_assets > leverage_limit AND prev_debt_to_assets <= leverage_limit", 2.0),
    _rule("classification_below_pass", "五级分类劣于正常类", "Classification worse than pass",
          "loan_classification IN ('special_mention', 'substandard', 'doubtful', 'loss')", 5.0),
    _rule("into_high_risk", "新进入高风险关注分群", "Moved into the high-risk segment",
          "segment = 'high_risk' AND prev_segment <> 'high_risk'", 3.0),
)  # fmt: skip


class MonitoringPolicy(_Section):
    """The ``monitoring`` section of ``policy.yaml``."""

    bins: int = Field(10, ge=2, le=100, description=_doc(
        "PSI/CSI 分箱数：按基期取值的分位数切分（并列值归同一箱，缺失值单独一箱）",
        "PSI/CSI bins: cut at the baseline's quantiles (ties stay in one bin, missing values "
        "get their own bin)"))  # fmt: skip
    share_floor: float = Field(1e-4, gt=0, lt=0.01, description=_doc(
        "PSI 中空箱占比的下限（仅用于对数项）",
        "Floor of an empty bin's share inside PSI's logarithm"))  # fmt: skip
    psi_moderate: float = Field(
        0.10,
        gt=0,
        description=_doc(
            "PSI 不低于此值为黄灯（轻度偏移）", "PSI at or above this is amber (moderate shift)"
        ),
    )
    psi_significant: float = Field(0.25, gt=0, description=_doc(
        "PSI 高于此值为红灯（显著偏移），并触发重新细分建议",
        "PSI above this is red (significant shift) and triggers re-segmentation"))  # fmt: skip
    features: list[str] | None = Field(None, description=_doc(
        "计算 CSI 的特征；为空时取模型卡的特征，专家模型则取关键比率",
        "Features for CSI; empty: the model card's features, else the key ratios"))  # fmt: skip
    traffic_light: TrafficLightThresholds = Field(
        default_factory=TrafficLightThresholds,
        description=_doc("回测各等级信号灯的 p 值阈值", "p-value thresholds of back-test lights"),
    )
    auc_drop_amber: float = Field(0.03, ge=0, description=_doc(
        "AUC 较开发期下降超过此值为黄灯", "Amber when AUC falls more than this below "
        "development"))  # fmt: skip
    auc_drop_red: float = Field(0.08, ge=0, description=_doc(
        "AUC 较开发期下降超过此值为红灯", "Red when AUC falls more than this below "
        "development"))  # fmt: skip
    ks_drop_amber: float = Field(
        0.05,
        ge=0,
        description=_doc(
            "KS 较开发期下降超过此值为黄灯", "Amber when KS falls more than this below development"
        ),
    )
    ks_drop_red: float = Field(
        0.10,
        ge=0,
        description=_doc(
            "KS 较开发期下降超过此值为红灯", "Red when KS falls more than this below development"
        ),
    )
    warnings: list[WarningRule] = Field(
        default_factory=lambda: list(DEFAULT_WARNINGS),
        description=_doc("预警规则（SQL）", "Early-warning rules (SQL)"))  # fmt: skip
    leverage_limits: dict[str, float] = Field(default_factory=lambda: {"high_leverage": 0.85},
                                              description=_doc(
        "各分群的资产负债率阈值（列 leverage_limit）", "Debt-to-assets limit per segment "
        "(column leverage_limit)"))  # fmt: skip
    leverage_limit_default: float = Field(0.7, gt=0, description=_doc(
        "未单独设定的分群的资产负债率阈值 [R: 0.7]",
        "Debt-to-assets limit of segments not listed [R: 0.7]"))  # fmt: skip
    watchlist_size: int = Field(1000, ge=1, description=_doc(
        "观察名单最多列出的客户数", "Most customers listed on the watch list"))  # fmt: skip
    drift_check: bool = Field(False, description=_doc(
        "是否抽样聚类检查分群漂移（也可用 --drift 开启）",
        "Check discovery-cluster drift on a sample (or pass --drift)"))  # fmt: skip
    drift_sample: int = Field(20_000, ge=100, description=_doc(
        "聚类漂移检查的抽样客户数", "Customers sampled for the drift check"))  # fmt: skip
    drift_clusters: int = Field(6, ge=2, le=20, description=_doc(
        "聚类漂移检查的簇数", "Clusters of the drift check"))  # fmt: skip
    drift_ari_drop: float = Field(
        0.10,
        gt=0,
        description=_doc(
            "簇与分群的调整兰德指数下降超过此值视为漂移",
            "Drift when the clusters' adjusted Rand index with the taxonomy falls by more",
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> MonitoringPolicy:
        if self.psi_significant < self.psi_moderate:
            raise ValueError(
                f"psi_significant ({self.psi_significant}) 不得低于 psi_moderate "
                f"({self.psi_moderate}) / psi_significant must not be below psi_moderate"
            )
        ids = [r.id for r in self.warnings]
        if len(set(ids)) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"预警规则编号重复 / warning rule ids repeat: {twice}")
        return self

    def rules(self) -> list[Rule]:
        """The compiled warning rules, in policy order."""
        return [r.to_rule() for r in self.warnings]
