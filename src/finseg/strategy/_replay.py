"""Policy replay (策略回放): a stored run decided again under a draft policy, with the change
split into what the rules did and what the models did — the service behind
``finseg policy replay``.

Three decided tables of the same customers, aligned row by row:

- **A** — the run as stored (its own decisions);
- **B** — A's PD, grade and segment decided by the draft's ``strategy`` section (with the
  draft's ``allocation`` and ``risk.master_scale``): B − A is the **rule change**;
- **C** — every stage run again with the draft from the stored canonical columns (the draft's
  features, risk and segments sections, today's champion model, the expert adjustments in
  force on the run's day): C − B is the **model change**.  When nothing upstream of the
  strategy stage can differ, C is B and the model change is zero by construction.

Every figure is summed per segment *as in C* (and in total), so rule part + model part =
C − A segment by segment.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from finseg.exceptions import RunError, UserError
from finseg.strategy._compare import TOTAL, _number, redecide, segment_summary
from finseg.strategy._policy_diff import policy_rule_diff, upstream_sections
from finseg.strategy._reasons import split_reasons
from finseg.strategy._stage import DECISIONS

if TYPE_CHECKING:
    from finseg._policy import Policy
    from finseg.workspace import Workspace

__all__ = [
    "CAUSES",
    "REPLAY_METRICS",
    "canonical_frame",
    "replay_payload",
    "replay_run",
    "replay_scenario",
]

#: The figures a replay compares per segment.
REPLAY_METRICS = ("approve", "refer", "decline", "granted", "proposed", "expected_loss", "rwa")
#: Why the model part was computed: code → (zh, en).
CAUSES: dict[str, tuple[str, str]] = {
    "features": ("客户维度（features）规则有变化", "the features section changed"),
    "risk": ("风险评级（risk）设置有变化", "the risk section changed"),
    "segments": ("客户细分（segments）规则有变化", "the segments section changed"),
    "champion": ("当前冠军模型不是该运行所用模型", "the champion model is not the run's model"),
    "overrides": ("专家调整与该运行时不同", "the expert adjustments differ from the run's"),
    "full": ("指定了 --full", "--full was given"),
}
_REQUIRED = ("customer_id", "segment", "decision", "limit", "expected_loss", "rwa",
             "decision_reasons")  # fmt: skip
_SOURCE = ("source_file", "source_sheet", "source_row")
_COUNTS = ("approve", "refer", "decline")
#: before = A, after = C, change = C − A, rule = B − A, model = C − B.
_PARTS = ("before", "after", "change", "rule", "model")


def _codes(values: pd.Series, categories: tuple[str, ...] | None = None) -> tuple[np.ndarray, list]:
    """Integer codes (−1: missing) and their values, without a Python string per row."""
    cat = values.astype("category") if categories is None else pd.Categorical(values, categories)
    cat = cat.array if isinstance(cat, pd.Series) else cat
    return np.asarray(cat.codes), [str(c) for c in cat.categories]


def _pairs(before: pd.Series, after: pd.Series, rows: np.ndarray) -> list[tuple[Any, Any, int]]:
    """``(before value, after value, customers)`` for each distinct pair among ``rows``."""
    if not rows.any():
        return []
    a, a_values = _codes(before[rows])
    b, b_values = _codes(after[rows])
    counts = pd.DataFrame({"a": a, "b": b}).value_counts(sort=False)
    a_values.append(None)  # code −1 picks the last: missing
    b_values.append(None)
    return [(a_values[i], b_values[j], int(n)) for (i, j), n in counts.items()]


def _transitions(before: pd.DataFrame, after: pd.DataFrame) -> list[dict[str, Any]]:
    """Customers whose decision moved, counted by (from, to), most favourable first."""
    a, _ = _codes(before["decision"], DECISIONS)
    b, _ = _codes(after["decision"], DECISIONS)
    moved = a != b
    counts = pd.DataFrame({"a": a[moved], "b": b[moved]}).value_counts().sort_index()
    label = [*DECISIONS, None]
    return [{"from": label[i], "to": label[j], "customers": int(n)} for (i, j), n in counts.items()]


def _changed(before: pd.DataFrame, after: pd.DataFrame) -> np.ndarray:
    """Customers whose decision or limit differs between two decided tables."""
    a, _ = _codes(before["decision"], DECISIONS)
    b, _ = _codes(after["decision"], DECISIONS)
    la, lb = before["limit"].to_numpy(dtype=float), after["limit"].to_numpy(dtype=float)
    return (a != b) | ((la != lb) & ~(np.isnan(la) & np.isnan(lb)))


def _reason_changes(before: pd.DataFrame, after: pd.DataFrame, rows: np.ndarray) -> list[dict]:
    """Reason codes that appear (``+code``) or disappear (``-code``) for ``rows``, counted
    over customers; worked out once per distinct pair of reason texts."""
    counter: Counter[str] = Counter()
    for old, new, n in _pairs(before["decision_reasons"], after["decision_reasons"], rows):
        was, now = set(split_reasons(old)), set(split_reasons(new))
        counter.update({f"+{code}": n for code in now - was})
        counter.update({f"-{code}": n for code in was - now})
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"code": code, "customers": n} for code, n in ranked]


def _figures(a: pd.DataFrame, b: pd.DataFrame, c: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Per segment of C: each metric before (A), after (C), change, rule and model part."""
    segment = c["segment"]
    sa, sb, sc = (segment_summary(x, segment, order) for x in (a, b, c))
    parts = {"before": sa, "after": sc, "change": sc - sa, "rule": sb - sa, "model": sc - sb}
    frame = pd.concat({k: v[list(REPLAY_METRICS)] for k, v in parts.items()}, axis=1)
    frame[("customers", "")] = sc["customers"]
    return frame


def _segment_block(row: pd.Series) -> dict[str, Any]:
    block: dict[str, Any] = {"customers": int(row[("customers", "")])}
    for metric in REPLAY_METRICS:
        cast = int if metric in _COUNTS else _number
        block[metric] = {p: cast(row[(p, metric)]) for p in _PARTS}
    return block


def replay_payload(
    a: pd.DataFrame,
    b: pd.DataFrame,
    c: pd.DataFrame,
    before: Policy,
    draft: Policy,
) -> dict[str, Any]:
    """The replay of decided tables A (stored), B (draft rules) and C (draft, all stages) —
    aligned row by row — as strict-JSON data: per-segment figures with their rule and model
    parts (``segments``, ``total``), customers whose decision or limit changed, decision
    moves, reason codes gained and lost, segment moves and the rule changes of the draft."""
    order = [s.id for s in draft.segments.taxonomy]
    figures = _figures(a, b, c, order)
    rule_rows, model_rows, all_rows = _changed(a, b), _changed(b, c), _changed(a, c)
    moved = [{"from": f, "to": t, "customers": n}
             for f, t, n in _pairs(a["segment"], c["segment"], np.ones(len(a), dtype=bool))
             if f != t]  # fmt: skip
    names = {s.id: {"zh": s.zh, "en": s.en} for s in before.segments.taxonomy}
    names |= {s.id: {"zh": s.zh, "en": s.en} for s in draft.segments.taxonomy}
    return {
        "segments": {str(s): _segment_block(r) for s, r in figures.iterrows() if s != TOTAL},
        "total": _segment_block(figures.loc[TOTAL]),
        "changed_customers": {
            "rule": int(rule_rows.sum()),
            "model": int(model_rows.sum()),
            "total": int(all_rows.sum()),
        },
        "decision_changes": {
            "rule": _transitions(a, b),
            "model": _transitions(b, c),
            "total": _transitions(a, c),
        },
        "reason_changes": {
            "rule": _reason_changes(a, b, rule_rows),
            "model": _reason_changes(b, c, model_rows),
        },
        "segment_changes": sorted(moved, key=lambda m: -m["customers"]),
        "rule_changes": policy_rule_diff(before, draft),
        "names": names,
    }


def _no_difference(payload: dict[str, Any]) -> bool:
    blocks = [payload["total"], *payload["segments"].values()]
    numbers = [v for blk in blocks for m in REPLAY_METRICS for k, v in blk[m].items()
               if k != "before" and k != "after"]  # fmt: skip
    return (
        all(v == 0 for v in numbers)
        and payload["changed_customers"]["total"] == 0
        and not payload["segment_changes"]
        and not payload["rule_changes"]
    )


def canonical_frame(results: pd.DataFrame) -> pd.DataFrame:
    """The stored canonical input columns of a run (schema fields and source position):
    what a full re-run starts from."""
    from finseg.schema import FIELDS

    columns = [f.name for f in FIELDS if f.name in results.columns]
    return results[columns + [c for c in _SOURCE if c in results.columns]]


def replay_scenario(meta: dict[str, Any], draft: Policy, run_id: str) -> str:
    """The run's scenario (the draft's default for a run that recorded none); a user error
    when the draft does not define it."""
    scenario = (meta.get("params") or {}).get("scenario") or draft.strategy.default_scenario
    if scenario not in draft.strategy.scenarios:
        known = ", ".join(draft.strategy.scenarios)
        raise UserError(
            f"run {run_id} was decided under scenario {scenario!r}, which the draft policy "
            f"does not define (it has {known}); add it to strategy.scenarios of the draft",
            f"运行 {run_id} 使用情景 {scenario!r}，草案策略未定义该情景（草案中的情景："
            f"{known}）；请在草案的 strategy.scenarios 中补上",
        )
    return scenario


def _override_keys(ws: Workspace, results: pd.DataFrame, on: date) -> tuple[set, set]:
    """(stored, in force today for the run's day): ``(customer, field, id)`` of the expert
    adjustments that touch the run's customers."""
    from finseg.pipeline import ADJUSTED_AFTER
    from finseg.store import active_overrides, read_session

    fields = set(ADJUSTED_AFTER.values())
    with read_session(ws.engine()) as s:
        active = [(o.customer_id, str(getattr(o.field, "value", o.field)), int(o.id))
                  for o in active_overrides(s, on)]  # fmt: skip
    present = results["customer_id"].isin([c for c, f, _ in active if f in fields])
    customers = set(results["customer_id"][present.to_numpy(bool)].astype(str))
    in_force = {k for k in active if k[1] in fields and k[0] in customers}
    stored: set[tuple[str, str, int]] = set()
    for field in fields:
        column = f"{field}_override_id"
        if column in results:
            hit = results[column].notna().to_numpy(bool)
            ids = results[column][hit].astype(int)
            stored |= {(str(c), field, int(i)) for c, i in
                       zip(results["customer_id"][hit], ids, strict=True)}  # fmt: skip
    return stored, in_force


def _causes(ws: Workspace, results: pd.DataFrame, meta: dict, before: Policy,
            draft: Policy, on: date | None, full: bool) -> list[str]:  # fmt: skip
    from finseg.pipeline import champion_id

    causes = upstream_sections(before, draft)
    if set(meta.get("model_ids") or []) - {champion_id(ws)}:
        causes.append("champion")
    stored, in_force = _override_keys(ws, results, on or datetime.now(UTC).date())
    if stored != in_force:
        causes.append("overrides")
    return causes + (["full"] if full else [])


def _rerun(ws: Workspace, results: pd.DataFrame, draft: Policy, on: date | None,
           scenario: str) -> pd.DataFrame:  # fmt: skip
    from finseg.pipeline import run_stages

    replayed = run_stages(canonical_frame(results), ws, draft, {}, None, on=on,
                           scenario=scenario)  # fmt: skip
    same = replayed.index.equals(results.index) and replayed["customer_id"].equals(
        results["customer_id"]
    )
    if not same:  # the stages add columns and never reorder or drop rows
        raise RunError(
            "the re-run of every stage did not keep the run's customers in order",
            "全部阶段重新运行后客户顺序与原运行不一致",
        )
    return replayed


def replay_run(ws: Workspace, run_id: str, draft: Policy, *, full: bool = False) -> dict[str, Any]:
    """Replay finished run ``run_id`` of workspace ``ws`` under policy ``draft``:
    :func:`replay_payload` with ``run_id``, ``scenario``, ``model_part`` (whether C was
    computed and why: :data:`CAUSES` codes) and ``unchanged`` (no rule change and no
    difference in any figure)."""
    from finseg.runs import run_metadata, run_policy, run_results

    meta = run_metadata(ws, run_id)
    results = run_results(ws, run_id, _REQUIRED, ("to replay", "无法回放"))
    before = run_policy(ws, run_id)
    scenario = replay_scenario(meta, draft, run_id)
    on_text = (meta.get("params") or {}).get("overrides_on")
    on = date.fromisoformat(on_text) if on_text else None
    causes = _causes(ws, results, meta, before, draft, on, full)
    decided = redecide(results, draft, scenario)
    replayed = _rerun(ws, results, draft, on, scenario) if causes else decided
    payload = {"run_id": run_id, "scenario": scenario,
               "model_part": {"computed": bool(causes), "causes": causes}}  # fmt: skip
    payload |= replay_payload(results, decided, replayed, before, draft)
    payload["unchanged"] = _no_difference(payload)
    return payload
