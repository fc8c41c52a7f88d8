"""Policy sections for rules and decision tables, checked when the policy loads.

A section that embeds :class:`RuleConfig` or :class:`DecisionTableConfig` gets every rule
compiled during validation, against :func:`~finseg.rules.known_columns` or, when the caller
passes ``context={"rule_columns": {...}}`` to ``model_validate``, against those columns.

>>> RuleConfig(name="leveraged", when="debt_to_assets > 0.7").to_rule().columns
('debt_to_assets',)
>>> RuleConfig(name="bad", when="debt_to_asets > 0.7")
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for RuleConfig
...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, ValidationInfo, model_validator

from finseg._config_base import _doc, _Section
from finseg.rules._columns import ColumnKind, known_columns
from finseg.rules._compile import Rule, compile_rule
from finseg.rules._literals import VOCAB_CONTEXT_KEY, check_literals
from finseg.rules._table import DecisionTable, HitPolicy, TableRow

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

__all__ = [
    "COLUMNS_CONTEXT_KEY",
    "VOCAB_CONTEXT_KEY",
    "DecisionRowConfig",
    "DecisionTableConfig",
    "RuleConfig",
    "check_rule",
]

#: The validation-context key that overrides the columns rules are checked against.
COLUMNS_CONTEXT_KEY = "rule_columns"
_ID = r"^[a-z][a-z0-9_]*$"
_WHEN = _doc(
    "SQL 布尔表达式，可使用标准字段、客户维度与风险评级列，如 "
    "debt_to_assets > 0.7 AND lifecycle_stage = 'growth'（语法见 docs/rules.md）",
    "SQL boolean expression over canonical, feature and risk columns, e.g. "
    "debt_to_assets > 0.7 AND lifecycle_stage = 'growth' (grammar: docs/rules.md)",
)
Outputs = dict[str, str | int | float | bool | None]


def _columns(info: ValidationInfo | None) -> Mapping[str, ColumnKind]:
    context = info.context if info is not None else None
    if isinstance(context, dict) and COLUMNS_CONTEXT_KEY in context:
        return context[COLUMNS_CONTEXT_KEY]
    return known_columns()


def _vocab(info: ValidationInfo | None) -> Mapping[str, Collection[str]]:
    context = info.context if info is not None else None
    if isinstance(context, dict):
        return context.get(VOCAB_CONTEXT_KEY) or {}
    return {}


def check_rule(
    name: str,
    text: str,
    info: ValidationInfo | None = None,
    columns: Mapping[str, ColumnKind] | None = None,
    **labels: str | None,
) -> Rule:
    """The validator hook: compile ``text`` against ``columns`` (default: the columns of the
    validation context) and check its text literals against the context's vocabularies.

    Call it from a pydantic validator of any section that holds a rule; the
    :class:`~finseg.rules.RuleError` it raises is a ``ValueError``, so pydantic reports it
    at the rule's place in ``policy.yaml``.
    """
    rule = compile_rule(name, text, _columns(info) if columns is None else columns, **labels)
    check_literals(rule, _vocab(info))
    return rule


class RuleConfig(_Section):
    """A named rule in ``policy.yaml``."""

    name: str = Field(
        pattern=_ID,
        description=_doc("规则名称：小写字母、数字、下划线", "Rule name: a-z, 0-9 and _"),
    )
    when: str = Field(description=_WHEN)
    zh: str | None = Field(None, description=_doc("中文说明", "Chinese label"))
    en: str | None = Field(None, description=_doc("英文说明", "English label"))

    @model_validator(mode="after")
    def _compiles(self, info: ValidationInfo) -> RuleConfig:
        check_rule(self.name, self.when, info)
        return self

    def to_rule(self, columns: Mapping[str, ColumnKind] | None = None) -> Rule:
        """The compiled rule (against ``columns``, by default the known columns)."""
        return compile_rule(self.name, self.when, columns, zh=self.zh, en=self.en)


class DecisionRowConfig(_Section):
    """One row of a decision table."""

    id: str = Field(
        pattern=_ID, description=_doc("行编号：小写字母、数字、下划线", "Row id: a-z, 0-9 and _")
    )
    when: str = Field(
        "", description=_WHEN + _doc("；留空表示匹配所有客户", "; empty matches every customer")
    )
    zh: str | None = Field(None, description=_doc("中文说明", "Chinese label"))
    en: str | None = Field(None, description=_doc("英文说明", "English label"))
    outputs: Outputs = Field(
        default_factory=dict,
        description=_doc("本行命中时赋予的输出值", "Outputs assigned when the row matches"),
    )


class DecisionTableConfig(_Section):
    """A decision table in ``policy.yaml``; its rules are named ``<table>.<row id>``."""

    name: str = Field(
        pattern=_ID, description=_doc("决策表名称：小写字母、数字、下划线", "Table name")
    )
    hit_policy: HitPolicy = Field(
        HitPolicy.FIRST,
        description=_doc(
            "命中策略：first 按顺序取第一条命中的行（最后一行须为兜底行），collect 取全部命中的行",
            "Hit policy: first takes the first matching row (the last row must be a catch-all);"
            " collect takes every matching row",
        ),
    )
    rows: list[DecisionRowConfig] = Field(
        min_length=1, description=_doc("按顺序排列的行", "Rows, in order")
    )

    @model_validator(mode="after")
    def _valid(self, info: ValidationInfo) -> DecisionTableConfig:
        vocab = _vocab(info)
        for row in self._build(_columns(info)).rows:
            check_literals(row.rule, vocab)
        return self

    def _build(self, columns: Mapping[str, ColumnKind]) -> DecisionTable:
        rows = [
            TableRow(
                r.id,
                compile_rule(f"{self.name}.{r.id}", r.when, columns, zh=r.zh, en=r.en),
                dict(r.outputs),
            )
            for r in self.rows
        ]
        return DecisionTable(self.name, self.hit_policy, rows)

    def to_table(self, columns: Mapping[str, ColumnKind] | None = None) -> DecisionTable:
        """The compiled decision table (against ``columns``, by default the known columns)."""
        return self._build(known_columns() if columns is None else columns)
