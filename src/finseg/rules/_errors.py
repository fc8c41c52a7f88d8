"""The error a rule raises when it cannot be compiled or evaluated."""

from __future__ import annotations

from finseg.exceptions import UserError

__all__ = ["DecisionTableError", "RuleError"]


class RuleError(UserError, ValueError):
    """A rule is not a valid, whitelisted boolean expression over known columns.

    It names the rule, the 1-based character position in the expression (and the line and
    column within it), the offending token and the reason, in Chinese and English.  It is
    also a :class:`ValueError`, so a pydantic validator that raises it produces an ordinary
    validation error that still carries this object (``err["ctx"]["error"]``).

    >>> err = RuleError("high_leverage", "x > 1", 1, "x", "unknown column 'x'", "未知的列 'x'")
    >>> print(err.en)
    rule 'high_leverage', position 1 (line 1, column 1) at 'x': unknown column 'x'
    >>> err.line, err.column
    (1, 1)
    """

    def __init__(
        self,
        rule: str,
        text: str,
        position: int,
        token: str,
        reason_en: str,
        reason_zh: str,
    ) -> None:
        self.rule = rule
        self.text = text
        self.position = position
        self.line, self.column = _line_col(text, position)
        self.token = token
        self.reason_en = reason_en
        self.reason_zh = reason_zh
        at_en = f" at {token!r}" if token else ""
        at_zh = f"“{token}”处" if token else ""
        super().__init__(
            f"rule {rule!r}, position {position} (line {self.line}, column {self.column})"
            f"{at_en}: {reason_en}",
            f"规则“{rule}”第 {position} 个字符（第 {self.line} 行第 {self.column} 列）"
            f"{at_zh}：{reason_zh}",
        )

    def __reduce__(self):  # picklable across processes despite the custom signature
        args = (self.rule, self.text, self.position, self.token, self.reason_en, self.reason_zh)
        return (type(self), args)


def _line_col(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of the 1-based character ``position`` in ``text``."""
    before = text[: max(position - 1, 0)]
    line = before.count("\n") + 1
    return line, position - (before.rfind("\n") + 1)


class DecisionTableError(UserError, ValueError):
    """A decision table is malformed: no rows, duplicate row ids, or (hit policy ``first``)
    no catch-all last row.  Also a :class:`ValueError`, like :class:`RuleError`."""
