"""Scenario comparison (情景比较): a stored run re-decided under each macro scenario of its
own policy, summed per segment — the service behind ``finseg scenarios compare``.

Only the strategy stage runs again; PD, grade and segment stay as the run stored them, so the
differences between scenarios are the scenarios' overlays and nothing else.

>>> from finseg.sample import generate_portfolio
>>> from finseg.features import compute_features
>>> from finseg.risk import risk_stage
>>> from finseg.segments import segments_stage
>>> from finseg._policy import Policy
>>> policy = Policy(name={"zh": "默认", "en": "Default"})
>>> frame = segments_stage(risk_stage(compute_features(generate_portfolio(60, seed=1))))
>>> table = compare_scenarios(frame, policy, ["baseline", "downturn"])
>>> total = table[table["segment"] == TOTAL].set_index("scenario")
>>> bool(total.loc["downturn", "approve"] <= total.loc["baseline", "approve"])
True
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from finseg.exceptions import UserError
from finseg.strategy._stage import DECISIONS, STRATEGY_OUTPUT, strategy_stage

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from finseg._policy import Policy

__all__ = [
    "METRICS",
    "NO_SEGMENT",
    "TOTAL",
    "compare_payload",
    "compare_scenarios",
    "pick_scenarios",
    "redecide",
    "segment_summary",
]

#: The segment key of the total row (segment ids start with a letter, so it cannot clash).
TOTAL = "(total)"
#: The segment key of customers without a segment.
NO_SEGMENT = "(none)"
#: What is summed or averaged per segment, with (zh, en) labels.
METRICS: dict[str, tuple[str, str]] = {
    "customers": ("客户数", "Customers"),
    "approve": ("批准", "Approved"),
    "refer": ("转人工", "Referred"),
    "decline": ("拒绝", "Declined"),
    "granted": ("批准额度合计（元）", "Granted limits (CNY)"),
    "proposed": ("转人工拟议额度（元）", "Proposed limits, referred (CNY)"),
    "expected_loss": ("预期损失（元）", "Expected loss (CNY)"),
    "rwa": ("风险加权资产（元）", "RWA (CNY)"),
    "mean_price": ("平均利率（按额度加权）", "Mean price (limit-weighted)"),
}
_SUMS = ("customers", "approve", "refer", "decline", "granted", "proposed", "expected_loss", "rwa")


def redecide(results: pd.DataFrame, policy: Policy, scenario: str) -> pd.DataFrame:
    """``results`` decided again by ``policy``'s strategy section (with its ``allocation``
    and ``risk.master_scale``) under ``scenario``; the stored decision columns are dropped
    first, so no rule can read a stale one."""
    before = results.drop(columns=[c for c in STRATEGY_OUTPUT if c in results.columns])
    return strategy_stage(
        before,
        policy.strategy,
        capital=policy.allocation,
        scale=policy.risk.master_scale,
        scenario=scenario,
    )


def _segment_labels(segment: pd.Series, order: Sequence[str]) -> pd.Categorical:
    """Segment ids (:data:`NO_SEGMENT` where missing) as a categorical, ``order`` first;
    built from the codes, never a Python string per customer."""
    cat = pd.Series(segment).astype("category").array.remove_unused_categories()
    if cat.isna().any():
        cat = cat.add_categories([NO_SEGMENT]).fillna(NO_SEGMENT)
    seen = {str(c): c for c in cat.categories}
    ranked = [s for s in order if s in seen] + sorted(set(seen) - set(order))
    return cat.reorder_categories([seen[s] for s in ranked])


def segment_summary(
    decided: pd.DataFrame, segment: pd.Series, order: Sequence[str] = ()
) -> pd.DataFrame:
    """Per segment (``order`` first, then any other, then :data:`TOTAL`): the customers,
    approve / refer / decline counts, the limits granted (approved customers) and proposed
    (referred customers, not yet granted) apart, expected loss, RWA and the limit-weighted
    mean price of a decided frame.  ``segment`` is aligned with ``decided`` by position."""
    decision = pd.Categorical(decided["decision"], categories=DECISIONS).codes
    limit = decided["limit"].to_numpy(dtype=float)
    parts = pd.DataFrame(
        {
            "customers": np.ones(len(decided), dtype=np.int64),
            "approve": decision == DECISIONS.index("approve"),
            "refer": decision == DECISIONS.index("refer"),
            "decline": decision == DECISIONS.index("decline"),
            "granted": np.where(decision == DECISIONS.index("approve"), limit, 0.0),
            "proposed": np.where(decision == DECISIONS.index("refer"), limit, 0.0),
            "limit": limit,
            "expected_loss": decided["expected_loss"].to_numpy(dtype=float),
            "rwa": decided["rwa"].to_numpy(dtype=float),
            "priced": np.where(limit > 0, decided["price"].to_numpy(dtype=float) * limit, 0.0),
        }
    )
    sums = parts.groupby(_segment_labels(segment, order), observed=True, sort=True).sum()
    sums.index = pd.Index(sums.index.astype(object), dtype=object)
    sums.loc[TOTAL] = sums.sum()
    for column in ("customers", "approve", "refer", "decline"):
        sums[column] = sums[column].astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        sums["mean_price"] = np.where(sums["limit"] > 0, sums["priced"] / sums["limit"], np.nan)
    sums.index.name = "segment"
    return sums.drop(columns=["priced", "limit"])[list(METRICS)]


def pick_scenarios(policy: Policy, wanted: Iterable[str] | None = None) -> list[str]:
    """The scenario ids to compare: ``wanted`` (checked, duplicates dropped) or every
    scenario of the policy, baseline first.  An unknown id is a user error naming the
    known ones."""
    known = list(policy.strategy.scenarios)
    if wanted is None:
        return ["baseline", *(s for s in known if s != "baseline")]
    chosen = list(dict.fromkeys(w.strip() for w in wanted if w.strip()))
    unknown = [s for s in chosen if s not in known]
    if unknown or not chosen:
        shown = ", ".join(known)
        bad = ", ".join(unknown) or "(none)"
        raise UserError(
            f"--scenarios: unknown scenario(s) {bad}; the run's policy defines {shown}",
            f"--scenarios：未知情景 {bad}；该运行的策略定义了 {shown}",
        )
    return chosen


def compare_scenarios(
    results: pd.DataFrame, policy: Policy, scenarios: Sequence[str] | None = None
) -> pd.DataFrame:
    """A run's results decided under each of ``scenarios`` (default: all of ``policy``'s,
    baseline first), summed per segment: one row per scenario × segment (and the
    :data:`TOTAL` row of each scenario), columns ``scenario``, ``segment`` and
    :data:`METRICS`."""
    order = [s.id for s in policy.segments.taxonomy]
    tables = []
    for scenario in pick_scenarios(policy, scenarios):
        decided = redecide(results, policy, scenario)
        summary = segment_summary(decided, results["segment"], order)
        tables.append(summary.reset_index().assign(scenario=scenario))
        del decided
    table = pd.concat(tables, ignore_index=True)
    return table[["scenario", "segment", *METRICS]]


def _number(value: Any) -> Any:
    """A strict-JSON number: Python int or float, ``None`` for NaN."""
    if isinstance(value, np.integer | int) and not isinstance(value, bool):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def _el_notes(total: dict[str, Any], scenarios: list[str]) -> list[dict[str, str]]:
    """Why a stressed scenario can show *less* expected loss than the baseline: it approves
    fewer customers, and the loss of a declined customer is not the bank's."""
    notes = []
    base = total.get("baseline")
    for s in scenarios:
        t = total[s]
        if base is None or s == "baseline" or t["expected_loss"] is None:
            continue
        if t["expected_loss"] < (base["expected_loss"] or 0) and t["approve"] < base["approve"]:
            el, base_el = f"{t['expected_loss'] / 1e4:,.0f}", f"{base['expected_loss'] / 1e4:,.0f}"
            granted = f"{t['granted'] / 1e4:,.0f}", f"{base['granted'] / 1e4:,.0f}"
            approve, base_approve = f"{t['approve']:,}", f"{base['approve']:,}"
            zh = (
                f"情景 {s} 的预期损失（{el} 万元）低于基准情景（{base_el} 万元），"
                f"是因为批准户数更少（{approve} 户对 {base_approve} 户）、批准额度更低"
                f"（{granted[0]} 万元对 {granted[1]} 万元）：被拒绝或转人工的客户不再计入，"
                "并非风险下降。"
            )
            en = (
                f"Scenario {s} shows less expected loss than the baseline ({el} against "
                f"{base_el}, CNY 10k) because it approves fewer customers ({approve} against "
                f"{base_approve}) for lower granted limits ({granted[0]} against {granted[1]}, "
                "CNY 10k): declined and referred customers no longer count — the risk did not "
                "fall."
            )
            notes.append({"scenario": s, "zh": zh, "en": en})
    return notes


def compare_payload(table: pd.DataFrame, policy: Policy, run_id: str) -> dict[str, Any]:
    """:func:`compare_scenarios`' table as strict-JSON data: ``scenarios`` (ids in order),
    ``scenario_names``, ``segments`` (segment → scenario → metrics), ``total``
    (scenario → metrics) and segment ``names`` (zh, en)."""
    scenarios = list(dict.fromkeys(table["scenario"]))
    segments: dict[str, dict[str, Any]] = {}
    total: dict[str, Any] = {}
    for row in table.to_dict("records"):
        metrics = {m: _number(row[m]) for m in METRICS}
        if row["segment"] == TOTAL:
            total[row["scenario"]] = metrics
        else:
            segments.setdefault(row["segment"], {})[row["scenario"]] = metrics
    return {
        "run_id": run_id,
        "scenarios": scenarios,
        "notes": _el_notes(total, scenarios),
        "scenario_names": {
            s: {"zh": policy.strategy.scenarios[s].zh, "en": policy.strategy.scenarios[s].en}
            for s in scenarios
        },
        "segments": segments,
        "total": total,
        "names": {s.id: {"zh": s.zh, "en": s.en} for s in policy.segments.taxonomy},
    }
