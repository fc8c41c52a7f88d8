"""Rules: SQL boolean expressions over customer columns, checked against a whitelist when
the policy loads and evaluated vectorised by DuckDB; decision tables built from them.

See ``docs/rules.md`` for the grammar, NULL semantics and decision tables.

>>> import pandas as pd
>>> from finseg.rules import compile_rule, evaluate
>>> rule = compile_rule("leveraged_growth", "debt_to_assets > 0.7 AND lifecycle_stage = 'growth'")
>>> df = pd.DataFrame(
...     {"debt_to_assets": [0.8, 0.8, None], "lifecycle_stage": ["growth", "mature", "growth"]}
... )
>>> evaluate([rule], df)["leveraged_growth"].tolist()
[True, False, False]
"""

from __future__ import annotations

from finseg.rules._check import FUNCTIONS
from finseg.rules._columns import (
    RISK_COLUMNS,
    SEGMENT_COLUMNS,
    STRATEGY_COLUMNS,
    ColumnKind,
    known_columns,
)
from finseg.rules._compile import Rule, RuleLiteral, compile_rule
from finseg.rules._config import (
    COLUMNS_CONTEXT_KEY,
    VOCAB_CONTEXT_KEY,
    DecisionRowConfig,
    DecisionTableConfig,
    RuleConfig,
    check_rule,
)
from finseg.rules._errors import DecisionTableError, RuleError
from finseg.rules._evaluate import evaluate
from finseg.rules._literals import check_literals
from finseg.rules._table import DecisionTable, HitPolicy, TableRow

__all__ = [
    "COLUMNS_CONTEXT_KEY",
    "FUNCTIONS",
    "RISK_COLUMNS",
    "SEGMENT_COLUMNS",
    "STRATEGY_COLUMNS",
    "VOCAB_CONTEXT_KEY",
    "ColumnKind",
    "DecisionRowConfig",
    "DecisionTable",
    "DecisionTableConfig",
    "DecisionTableError",
    "HitPolicy",
    "Rule",
    "RuleConfig",
    "RuleError",
    "RuleLiteral",
    "TableRow",
    "check_literals",
    "check_rule",
    "compile_rule",
    "evaluate",
    "known_columns",
]
