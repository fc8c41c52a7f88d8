"""What changed between two policies, as data: the rule changes a policy replay names.

Rules and catalogue entries are matched by id, so a renamed rule shows as one removed and one
added; a changed rule lists the settings that changed and, when its SQL changed, the old and
the new ``when`` text.

>>> from finseg.strategy._policy import LabelledRule, StrategyPolicy
>>> old = StrategyPolicy()
>>> rule = LabelledRule(id="tax_c", zh="纳税 C", en="Tax C", when="tax_credit_rating = 'C'")
>>> new = old.model_copy(update={"decline": [*old.decline, rule]})
>>> [(c["section"], c["change"], c["id"]) for c in strategy_diff(old, new)]
[('decline', 'added', 'tax_c')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

    from finseg._policy import Policy
    from finseg.strategy._policy import StrategyPolicy

__all__ = ["RULE_SECTIONS", "policy_rule_diff", "strategy_diff", "upstream_sections"]

#: Sections of ``strategy`` that are lists of entries with an ``id``.
RULE_SECTIONS = ("products", "review", "decline", "refer", "covenants", "programmes")
#: Policy sections upstream of the strategy stage: a change re-grades or re-segments.
UPSTREAM = ("features", "risk", "segments")


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as ``{dotted.key: leaf}``; lists and scalars are leaves."""
    if not isinstance(value, dict):
        return {prefix: value}
    if not value:
        return {prefix: {}} if prefix else {}
    flat: dict[str, Any] = {}
    for key, item in value.items():
        flat |= _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    return flat


def _changed_keys(before: Any, after: Any, prefix: str = "") -> list[dict[str, Any]]:
    """``[{"key", "before", "after"}]`` for every leaf that differs (``None``: absent)."""
    old, new = _flatten(before, prefix), _flatten(after, prefix)
    keys = list(dict.fromkeys([*old, *new]))
    return [
        {"key": k, "before": old.get(k), "after": new.get(k)}
        for k in keys
        if old.get(k) != new.get(k)
    ]


def _entry(section: str, change: str, id_: str, **extra: Any) -> dict[str, Any]:
    return {"section": section, "change": change, "id": id_, **extra}


def _by_id(section: str, before: list[dict], after: list[dict]) -> list[dict[str, Any]]:
    old, new = {e["id"]: e for e in before}, {e["id"]: e for e in after}
    changes = [_entry(section, "removed", i, when_before=e.get("when")) for i, e in old.items()
               if i not in new]  # fmt: skip
    for id_, entry in new.items():
        if id_ not in old:
            changes.append(_entry(section, "added", id_, when_after=entry.get("when")))
            continue
        fields = _changed_keys(old[id_], entry)
        if fields:
            changes.append(_entry(section, "changed", id_, fields=fields,
                                  when_before=old[id_].get("when"),
                                  when_after=entry.get("when")))  # fmt: skip
    kept = [i for i in old if i in new]
    if kept != [i for i in new if i in old]:
        changes.append(_entry(section, "reordered", "", order_before=kept,
                              order_after=[i for i in new if i in old]))  # fmt: skip
    return changes


def _by_key(section: str, before: dict, after: dict) -> list[dict[str, Any]]:
    changes = [_entry(section, "removed", k) for k in before if k not in after]
    for key, value in after.items():
        if key not in before:
            changes.append(_entry(section, "added", key))
        elif before[key] != value:
            changes.append(_entry(section, "changed", key,
                                  fields=_changed_keys(before[key], value)))  # fmt: skip
    return changes


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def strategy_diff(before: StrategyPolicy, after: StrategyPolicy) -> list[dict[str, Any]]:
    """The structural difference of two ``strategy`` sections: entries ``{"section",
    "change" (added / removed / changed / reordered), "id"}``, with ``fields`` (the settings
    that changed) and ``when_before`` / ``when_after`` for rules and products."""
    old, new = _dump(before), _dump(after)
    changes: list[dict[str, Any]] = []
    for section in RULE_SECTIONS:
        changes += _by_id(section, old[section], new[section])
    changes += _by_key("scenarios", old["scenarios"], new["scenarios"])
    for section in ("pricing", "marketing"):
        fields = _changed_keys(old[section], new[section])
        if fields:
            changes.append(_entry(section, "changed", "", fields=fields))
    for key in ("refer_at", "default_scenario"):
        if old[key] != new[key]:
            changes.append(_entry(key, "changed", "", fields=[
                {"key": key, "before": old[key], "after": new[key]}]))  # fmt: skip
    return changes


def policy_rule_diff(before: Policy, after: Policy) -> list[dict[str, Any]]:
    """:func:`strategy_diff` plus what else the strategy stage reads: the ``allocation``
    section (capital, hurdle, PD floor, single-customer cap) and ``risk.master_scale``
    (scenario grades)."""
    changes = strategy_diff(before.strategy, after.strategy)
    capital = _changed_keys(_dump(before.allocation), _dump(after.allocation))
    if capital:
        changes.append(_entry("allocation", "changed", "", fields=capital))
    scale_before, scale_after = _dump(before.risk.master_scale), _dump(after.risk.master_scale)
    grades = _by_id("master_scale", [{"id": g["label"], **g} for g in scale_before.pop("grades")],
                    [{"id": g["label"], **g} for g in scale_after.pop("grades")])  # fmt: skip
    changes += [{k: v for k, v in c.items() if not k.startswith("when_")} for c in grades]
    settings = _changed_keys(scale_before, scale_after)
    if settings:
        changes.append(_entry("master_scale", "changed", "", fields=settings))
    return changes


def upstream_sections(before: Policy, after: Policy) -> list[str]:
    """The policy sections upstream of the strategy stage that differ (``features``,
    ``risk``, ``segments``): a re-run of every stage can move PD, grade or segment."""
    return [s for s in UPSTREAM if getattr(before, s) != getattr(after, s)]
