"""Apply approved expert adjustments (专家调整) to a run's frame.

For each adjusted field (``segment`` or ``grade``) the model's value is kept in
``<field>_model`` for every customer; customers with an adjustment in force get the adjusted
value in ``<field>`` and the adjustment's id, proposer (maker) and approver (checker) in
``<field>_override_id``, ``<field>_override_by`` and ``<field>_override_approved_by`` (null
for everyone else).  A segment adjustment also sets ``segment_rule`` to ``override:<id>`` and
``strategy_key`` to the new segment's strategy.  A grade adjustment leaves ``pd`` (and
``score``) as the model computed them: the adjusted grade is an expert's judgement, not a new
probability.  The pipeline applies grade adjustments right after the risk stage (so segment
rules and ``segment_key`` see the adjusted grade) and segment adjustments right after the
segments stage.

>>> import pandas as pd
>>> from types import SimpleNamespace as Adj
>>> df = pd.DataFrame({"customer_id": ["C1", "C2"], "grade": ["BB", "A"]})
>>> adj = Adj(id=7, customer_id="C2", field="grade", to_value="B", proposed_by="li",
...           decided_by="wang")
>>> out = apply_overrides(df, [adj], fields=("grade",))
>>> out[["grade", "grade_model", "grade_override_id", "grade_override_approved_by"]]
  grade grade_model  grade_override_id grade_override_approved_by
0    BB          BB               <NA>                       <NA>
1     B           A                  7                       wang
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from finseg.exceptions import UserError

if TYPE_CHECKING:
    from finseg._policy import Policy

__all__ = ["OVERRIDE_FIELDS", "Adjustment", "apply_overrides", "override_choices"]

#: The fields an expert adjustment may change.
OVERRIDE_FIELDS = ("segment", "grade")


class Adjustment(Protocol):
    """What :func:`apply_overrides` reads of an adjustment (e.g. a ``store.Override`` row)."""

    id: int
    customer_id: str
    field: Any  # "segment" or "grade" (a str enum in the store)
    to_value: str
    proposed_by: str
    decided_by: str | None


def override_choices(policy: Policy) -> dict[str, list[str]]:
    """The values each field may be adjusted to under ``policy``: the taxonomy's segment ids
    and the master scale's grades."""
    return {
        "segment": [s.id for s in policy.segments.taxonomy],
        "grade": list(policy.risk.master_scale.labels),
    }


def _by_customer(overrides: Iterable[Adjustment], field: str) -> dict[str, Adjustment]:
    found: dict[str, Adjustment] = {}
    for o in overrides:
        if str(getattr(o.field, "value", o.field)) != field:
            continue
        if o.customer_id in found:
            raise UserError(
                f"two {field} adjustments for customer {o.customer_id!r}; only one may be in force",
                f"客户 {o.customer_id!r} 有两项{field}调整同时生效，只允许一项",
            )
        found[o.customer_id] = o
    return found


def _check_known(found: dict[str, Adjustment], field: str, known: Sequence[str] | None) -> None:
    bad = [o for o in found.values() if known is not None and o.to_value not in known]
    if bad:
        ids = ", ".join(str(o.id) for o in bad)
        values = ", ".join(sorted({o.to_value for o in bad}))
        raise UserError(
            f"approved {field} adjustment(s) {ids} set a value the policy no longer has "
            f"({values}); restore it in policy.yaml, or propose and approve a new adjustment "
            "for the customer (the latest approval wins)",
            f"已批准的调整 {ids} 所设的{field}值（{values}）在当前策略中已不存在；请在 policy.yaml "
            "中恢复，或为该客户提出并批准新的调整（以最近批准者为准）",
        )


def _column(index: pd.Index, dtype: str, hit: np.ndarray, values: list[Any]) -> pd.Series:
    column = pd.Series(pd.NA, index=index, dtype=dtype)
    if len(values):
        column[hit] = values
    return column


def apply_overrides(
    frame: pd.DataFrame,
    overrides: Iterable[Adjustment],
    *,
    fields: Sequence[str] = OVERRIDE_FIELDS,
    choices: Mapping[str, Sequence[str]] | None = None,
    strategies: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``frame`` with the adjustments to ``fields`` applied (see the module docstring).

    Parameters
    ----------
    overrides
        The adjustments in force, at most one per customer and field.
    choices
        Valid values per field (:func:`override_choices`); an adjustment to any other value
        is a :class:`~finseg.exceptions.UserError`.
    strategies
        Segment id → strategy key, to re-derive ``strategy_key`` of adjusted segments.
    """
    overrides = list(overrides)
    out = frame.copy(deep=False)  # copy-on-write: only changed columns are copied
    for field in fields:
        found = _by_customer(overrides, field)
        _check_known(found, field, (choices or {}).get(field))
        out[f"{field}_model"] = out[field]
        customers = out["customer_id"]
        hit = customers.isin(list(found)).to_numpy(bool) if found else np.zeros(len(out), bool)
        rows = [found[c] for c in customers[hit]]
        if rows:
            out.loc[hit, field] = [o.to_value for o in rows]
        out[f"{field}_override_id"] = _column(out.index, "Int64", hit, [o.id for o in rows])
        out[f"{field}_override_by"] = _column(
            out.index, "string", hit, [o.proposed_by for o in rows]
        )
        out[f"{field}_override_approved_by"] = _column(
            out.index, "string", hit, [o.decided_by for o in rows]
        )
        if field == "segment" and rows:
            out.loc[hit, "segment_rule"] = [f"override:{o.id}" for o in rows]
            if strategies is not None and "strategy_key" in out:
                out.loc[hit, "strategy_key"] = [strategies[o.to_value] for o in rows]
    return out
