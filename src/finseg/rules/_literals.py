"""Closed vocabularies: a text literal compared with a column that holds a closed set of codes
(``lifecycle_stage``, ``size_class``, ``segment``, ``grade``, ``decision`` …) must be one of
them, so that a misspelt value is an error when the policy loads instead of a rule that never
matches.

The vocabularies come from the caller — the policy loader builds them from the stages'
enums and the policy's own segments, products, grades and scenarios — through the validation
context key :data:`VOCAB_CONTEXT_KEY`.

>>> from finseg.rules import compile_rule
>>> rule = compile_rule("fast", "lifecycle_stage = 'expansoin'")
>>> try:
...     check_literals(rule, {"lifecycle_stage": ["startup", "expansion", "growth"]})
... except RuleError as err:
...     print(err.reason_en[:73])
'expansoin' is not a value of lifecycle_stage — did you mean 'expansion'?
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from finseg.rules._errors import RuleError

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from finseg.rules._compile import Rule

__all__ = ["VOCAB_CONTEXT_KEY", "check_literals"]

#: The validation-context key holding ``{column: allowed values}``.
VOCAB_CONTEXT_KEY = "rule_vocab"
_SHOWN = 12


def check_literals(rule: Rule, vocab: Mapping[str, Collection[str]]) -> None:
    """Raise :class:`RuleError` at the first literal of ``rule`` outside its column's
    vocabulary (with a did-you-mean); columns without a vocabulary are not checked."""
    for lit in rule.literals:
        allowed = vocab.get(lit.column)
        if allowed is None or lit.value in allowed:
            continue
        values = list(allowed)
        close = difflib.get_close_matches(lit.value, values, n=2, cutoff=0.6)
        if not close:
            close = [v for v in values if v.lower() == lit.value.lower()]
        shown = ", ".join(values[:_SHOWN]) + (", …" if len(values) > _SHOWN else "")
        hint_en = f" — did you mean {' or '.join(map(repr, close))}?" if close else ""
        hint_zh = f"，是否应为 {' 或 '.join(map(repr, close))}？" if close else ""
        raise RuleError(
            rule.name,
            rule.text,
            lit.position,
            lit.token,
            f"{lit.value!r} is not a value of {lit.column}{hint_en} (values: {shown})",
            f"{lit.value!r} 不是 {lit.column} 的取值{hint_zh}（可选值：{shown}）",
        )
