"""Decision tables: ordered rows of rule and outputs, with hit policy ``first`` or ``collect``.

>>> import pandas as pd
>>> from finseg.rules import compile_rule
>>> table = DecisionTable("watch", "first", [
...     ("high_risk", compile_rule("high_risk", "pd >= 0.15"), {"review": "committee"}),
...     ("other", compile_rule("other", "TRUE"), {"review": "standard"}),
... ])
>>> table.evaluate(pd.DataFrame({"pd": [0.2, 0.01, None]}))["review"].tolist()
['committee', 'standard', 'standard']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from finseg.rules._errors import DecisionTableError
from finseg.rules._evaluate import evaluate

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from finseg.rules._compile import Rule

__all__ = ["DecisionTable", "HitPolicy", "TableRow"]


class HitPolicy(StrEnum):
    """How a decision table combines the rows that match a customer."""

    FIRST = "first"  # rows in order, the first match wins; the last row must match everyone
    COLLECT = "collect"  # every matching row, in table order


@dataclass(frozen=True)
class TableRow:
    """One row: an id, the rule that selects customers and the outputs it assigns."""

    id: str
    rule: Rule
    outputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, init=False)
class DecisionTable:
    """Ordered rows evaluated together; ``rows`` may be :class:`TableRow` or
    ``(id, rule, outputs)`` tuples.

    Raises
    ------
    DecisionTableError
        No rows; two rows with one id; with hit policy ``first``, a last row that is not a
        catch-all (an empty rule or ``TRUE``), or a catch-all before the last row (the rows
        after it could never match).
    """

    name: str
    hit_policy: HitPolicy
    rows: tuple[TableRow, ...]

    def __init__(self, name: str, hit_policy: HitPolicy | str, rows: Iterable[Any]) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "hit_policy", _hit_policy(name, hit_policy))
        rows = tuple(r if isinstance(r, TableRow) else TableRow(*r) for r in rows)
        object.__setattr__(self, "rows", rows)
        self._validate()

    def _validate(self) -> None:
        if not self.rows:
            raise DecisionTableError(
                f"decision table {self.name!r} has no rows", f"决策表“{self.name}”没有任何行"
            )
        ids = [r.id for r in self.rows]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise DecisionTableError(
                f"decision table {self.name!r}: duplicate row id(s) {', '.join(duplicated)}",
                f"决策表“{self.name}”：行编号重复：{'、'.join(duplicated)}",
            )
        if self.hit_policy is HitPolicy.FIRST:
            self._validate_first()

    def _validate_first(self) -> None:
        last = self.rows[-1]
        if not last.rule.catch_all:
            raise DecisionTableError(
                f"decision table {self.name!r} (hit policy first) needs a catch-all last row "
                f"(rule TRUE or empty) so that every customer matches; the last row "
                f"{last.id!r} is {last.rule.text!r}",
                f"决策表“{self.name}”（命中策略 first）的最后一行必须是兜底行（规则为 TRUE 或"
                f"留空），以保证每个客户都有结果；最后一行“{last.id}”为 {last.rule.text!r}",
            )
        early = [r.id for r in self.rows[:-1] if r.rule.catch_all]
        if early:
            raise DecisionTableError(
                f"decision table {self.name!r}: row {early[0]!r} matches every customer, so "
                "the rows after it can never match; move it last",
                f"决策表“{self.name}”：行“{early[0]}”匹配所有客户，其后的行永远不会命中；"
                "请将其移到最后",
            )

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.rows]

    def matches(self, df: pd.DataFrame) -> pd.DataFrame:
        """Which rows' rules match each customer: one boolean column per row id."""
        return evaluate([replace(r.rule, name=r.id) for r in self.rows], df)

    def evaluate(self, df: pd.DataFrame) -> pd.DataFrame:
        """Per customer, on ``df``'s index.

        ``first``: ``row`` (the id of the first matching row), ``rule`` (its rule's name)
        and one column per output key (from that row; missing keys are ``None``).
        ``collect``: ``rows`` and ``rules``, lists of every matching row id and rule name
        in table order (empty when none matches).
        """
        hits = self.matches(df).to_numpy(bool)
        if self.hit_policy is HitPolicy.FIRST:
            return self._first(hits, df.index)
        return self._collect(hits, df.index)

    def _first(self, hits: np.ndarray, index: pd.Index) -> pd.DataFrame:
        chosen = hits.argmax(axis=1)  # the catch-all guarantees a match in every row
        keys = list(dict.fromkeys(k for r in self.rows for k in r.outputs))
        columns = {
            "row": np.array(self.ids, dtype=object)[chosen],
            "rule": np.array([r.rule.name for r in self.rows], dtype=object)[chosen],
        }
        for key in keys:
            values = np.empty(len(self.rows), dtype=object)
            values[:] = [r.outputs.get(key) for r in self.rows]
            columns[key] = values[chosen]
        return pd.DataFrame(columns, index=index)

    def _collect(self, hits: np.ndarray, index: pd.Index) -> pd.DataFrame:
        _, cols = np.nonzero(hits)  # row-major: each customer's matches in table order
        bounds = np.cumsum(hits.sum(axis=1))[:-1]
        ids = np.split(np.array(self.ids, dtype=object)[cols], bounds)
        names = np.split(np.array([r.rule.name for r in self.rows], dtype=object)[cols], bounds)
        if len(index) == 0:
            ids = names = []
        return pd.DataFrame(
            {"rows": [a.tolist() for a in ids], "rules": [a.tolist() for a in names]},
            index=index,
        )


def _hit_policy(name: str, value: HitPolicy | str) -> HitPolicy:
    try:
        return HitPolicy(value)
    except ValueError:
        raise DecisionTableError(
            f"decision table {name!r}: hit policy must be 'first' or 'collect', got {value!r}",
            f"决策表“{name}”：命中策略必须是 first 或 collect，实际为 {value!r}",
        ) from None
