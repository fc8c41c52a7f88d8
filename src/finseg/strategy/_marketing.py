"""Marketing and service lists (精准营销): what each segment is offered, and the
high-potential customers (精准识别高潜力客户).

The seed document asks segmentation to support targeted marketing and service: training
courses and online content on financial knowledge for micro and small firms, tailored and
integrated solutions for large groups, dedicated products for policy-supported industries.
:class:`MarketingPolicy` (``policy.yaml → strategy.marketing``) holds the offerings per
segment and the high-potential criteria; :func:`marketing_list` and :func:`high_potential`
turn a run's results into the lists ``finseg export marketing`` writes.

>>> policy = MarketingPolicy()
>>> [o.id for o in policy.offerings("micro_small")][:2]
['finance_training', 'online_finance_content']
>>> policy.high_potential.worst_grade, policy.high_potential.min_revenue_growth
('BB', 0.2)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from finseg.exceptions import UserError
from finseg.strategy._marketing_policy import (
    DEFAULT_SERVICES,
    Channel,
    HighPotentialPolicy,
    MarketingPolicy,
    Offering,
)

__all__ = [
    "COLUMN_LABELS",
    "DEFAULT_SERVICES",
    "Channel",
    "HighPotentialPolicy",
    "MarketingPolicy",
    "Offering",
    "high_potential",
    "marketing_list",
    "marketing_overview",
]

#: Column labels of the lists (zh, en).
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "Rank"),
    "customer_id": ("客户编号", "Customer ID"),
    "customer_name": ("客户名称", "Customer name"),
    "segment": ("分群编号", "Segment id"),
    "segment_name": ("分群", "Segment"),
    "industry": ("行业", "Industry"),
    "region": ("所在地区", "Region"),
    "grade": ("等级", "Grade"),
    "pd": ("违约概率", "PD"),
    "revenue_growth": ("营收增长率", "Revenue growth"),
    "decision": ("审批结论", "Decision"),
    "product": ("推荐产品", "Recommended product"),
    "limit": ("批复额度（元）", "Limit granted (CNY)"),
    "requested_amount": ("申请金额（元）", "Requested (CNY)"),
    "unmet_amount": ("未满足需求（元）", "Unmet demand (CNY)"),
    "outstanding_loans": ("贷款余额（元）", "Outstanding loans (CNY)"),
    "offerings": ("营销与服务内容", "Offerings"),
    "channels": ("渠道", "Channels"),
    "potential_score": ("潜力得分", "Potential score"),
    "reasons": ("入选理由", "Reasons"),
    "customers": ("客户数", "Customers"),
    "approved": ("批准数", "Approved"),
    "total_limit": ("批复总额（元）", "Total limit (CNY)"),
    "high_potential": ("高潜力客户数", "High-potential customers"),
}

_DECISIONS = {"approve": ("批准", "Approve"), "refer": ("转人工审查", "Refer"),
              "decline": ("拒绝", "Decline")}  # fmt: skip


def _pick(lang: str, pair: tuple[str, str]) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _column(frame: pd.DataFrame, name: str, dtype: str = "string") -> pd.Series:
    """``frame[name]``, or missing values where the run has no such column."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA if dtype == "string" else np.nan, index=frame.index, dtype=dtype)


def _grade(results: pd.DataFrame) -> pd.Series:
    """The grade that counts: the scenario grade where the strategy stage gave one."""
    grade = results["grade"].astype("object")
    if "scenario_grade" in results.columns:
        grade = (
            results["scenario_grade"]
            .astype("object")
            .where(results["scenario_grade"].notna(), grade)
        )
    return grade


def _recode(
    values: pd.Series, mapping: Callable[[str], str | None]
) -> pd.api.extensions.ExtensionArray:
    """``mapping`` applied once per distinct value and spread by category codes (a missing
    value stays missing): vectorised, whatever the number of rows.

    >>> _recode(pd.Series(["b", None, "a", "b"]), str.upper).tolist()
    ['B', <NA>, 'A', 'B']
    """
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    table = pd.array([mapping(str(c)) for c in cat.cat.categories], dtype="string")
    return table.take(cat.cat.codes.to_numpy(), allow_fill=True)  # code -1: missing


def _segment_names(
    segments: pd.Series, names: Mapping[str, tuple[str, str]] | None, lang: str
) -> np.ndarray:
    return _recode(segments, lambda s: _pick(lang, names[s]) if names and s in names else s)


def _decisions(decision: pd.Series, lang: str) -> np.ndarray:
    return _recode(decision, lambda d: _pick(lang, _DECISIONS[d]) if d in _DECISIONS else d)


def _check_segment(segment: str | None, valid: Sequence[str]) -> None:
    if segment is not None and segment != "all" and segment not in valid:
        raise UserError(
            f"unknown segment {segment!r}; valid: all, {', '.join(valid)}",
            f"未知分群 {segment!r}；可选：all、{'、'.join(valid)}",
        )


def marketing_list(
    results: pd.DataFrame,
    policy: MarketingPolicy,
    segment: str | None = None,
    lang: str = "zh",
    *,
    names: Mapping[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """The customers of ``segment`` (``None`` or ``"all"``: every segment) with their
    segment's offerings, recommended product, limit, decision and grade.

    Text values (segment names, decisions, offerings, industry) are in ``lang``; columns
    keep their canonical names (labels in :data:`COLUMN_LABELS`).  Rows follow the segment
    order of the run (its taxonomy), then the customer id.  ``names`` maps segment id →
    (zh, en); with it, a segment it does not name is a user error.

    >>> results = pd.DataFrame({"customer_id": ["C2", "C1"], "customer_name": ["乙", "甲"],
    ...     "segment": ["other", "micro_small"], "grade": ["A", "BB"], "decision":
    ...     ["approve", "refer"], "product": ["working_capital", None], "limit": [1e6, 0.0]})
    >>> marketing_list(results, MarketingPolicy(), "micro_small", "en")[
    ...     ["customer_id", "decision", "channels"]].values.tolist()
    [['C1', 'Refer', 'Training, Online']]
    """
    seg_all = results["segment"]
    valid = list(names) if names else sorted(map(str, seg_all.dropna().unique()))
    _check_segment(segment, valid)
    frame = results if segment in (None, "all") else results[(seg_all == segment).to_numpy()]
    frame = frame.sort_values(["segment", "customer_id"], kind="stable")
    seg, joiner = frame["segment"], "、" if lang == "zh" else ", "
    return pd.DataFrame({
        "customer_id": frame["customer_id"].array,
        "customer_name": _column(frame, "customer_name").array,
        "segment": _recode(seg, str),
        "segment_name": _segment_names(seg, names, lang),
        "industry": _column(frame, f"industry_name_{lang}").array,
        "region": _column(frame, "region").array,
        "grade": _grade(frame).array,
        "pd": _column(frame, "pd", "float64").array,
        "decision": _decisions(_column(frame, "decision"), lang),
        "product": _column(frame, "product").array,
        "limit": _column(frame, "limit", "float64").array,
        "requested_amount": _column(frame, "requested_amount", "float64").array,
        "offerings": _recode(seg, lambda s: policy.offering_text(s, lang) or None),
        "channels": _recode(seg, lambda s: joiner.join(
            dict.fromkeys(o.channel.label(lang) for o in policy.offerings(s))) or None),
    })  # fmt: skip


def _criteria(
    results: pd.DataFrame, hp: HighPotentialPolicy, grade_order: Sequence[str]
) -> dict[str, pd.Series | np.ndarray]:
    """Each high-potential criterion as a boolean array, with the figures behind them."""
    order = list(grade_order)
    if hp.worst_grade not in order:
        raise UserError(
            f"high_potential.worst_grade {hp.worst_grade!r} is not a grade of the run's "
            f"master scale ({', '.join(order)})",
            f"high_potential.worst_grade {hp.worst_grade!r} 不是该运行主标尺的等级"
            f"（{'、'.join(order)}）",
        )
    worst = order.index(hp.worst_grade)
    pos = pd.Categorical(_grade(results), categories=order).codes  # -1: no or unknown grade
    growth = _column(results, "revenue_growth", "float64").astype("float64")
    requested = _column(results, "requested_amount", "float64").astype("float64")
    limit = results["limit"].astype("float64").fillna(0.0)  # nothing granted yet
    outstanding = _column(results, "outstanding_loans", "float64").astype("float64")
    unmet = (requested - limit).clip(lower=0).fillna(0.0)
    return {
        "growth": (growth >= hp.min_revenue_growth).to_numpy(),
        "grade": (pos >= 0) & (pos <= worst),
        "not_declined": (results["decision"].astype("object") != "decline").to_numpy(),
        "segment": ~results["segment"].isin(hp.exclude_segments).to_numpy(),
        "short": (unmet > 0).to_numpy(),
        "no_product": (outstanding.isna() | (outstanding == 0)).to_numpy(),
        "pos": pos,
        "worst": worst,
        "unmet": unmet,
        "unmet_share": (unmet / requested.where(requested > 0)).fillna(0.0).clip(0, 1),
        "growth_pct": growth.rank(pct=True).fillna(0.0),
    }


def _qualifies(c: dict) -> np.ndarray:
    return (
        c["growth"] & c["grade"] & c["not_declined"] & c["segment"] & (c["short"] | c["no_product"])
    )


def _num(x: pd.Series, decimals: int) -> pd.Series:
    """Numbers as short text: ``500``, ``12.5`` (no trailing ``.0``)."""
    return x.astype("float64").round(decimals).astype(str).str.replace(r"\.0$", "", regex=True)


def _reasons(top: pd.DataFrame, hp: HighPotentialPolicy, lang: str) -> pd.Series:
    """Which criteria hold, with the numbers, for the rows of the list (vectorised)."""
    zh = lang == "zh"
    sep = "；" if zh else "; "
    threshold = _num(pd.Series([hp.min_revenue_growth * 100]), 1).iloc[0] + "%"
    growth = _num(top["revenue_growth"] * 100, 1) + "%"
    better = np.where(top["_pos"] < top["_worst"], " 优于 " if zh else " better than ",
                      " 达到 " if zh else " meets ")  # fmt: skip
    text = (
        ("营收增长 " if zh else "revenue growth ") + growth + f" ≥ {threshold}" + sep
        + ("评级 " if zh else "grade ") + top["grade"].astype(str) + better + hp.worst_grade
    )  # fmt: skip
    if zh:
        short = "申请 " + _num(top["requested_amount"] / 1e4, 1) + " 万元，批复 " + _num(
            top["limit"].fillna(0.0) / 1e4, 1) + " 万元"  # fmt: skip
    else:
        short = "requested CNY " + _num(top["requested_amount"] / 1e6, 2) + "m, granted CNY " + (
            _num(top["limit"].fillna(0.0) / 1e6, 2) + "m")  # fmt: skip
    text = text + np.where(top["_short"], sep + short, "")
    return text + np.where(
        top["_no_product"], sep + ("无存量贷款" if zh else "no current financing"), ""
    )


def high_potential(
    results: pd.DataFrame,
    policy: MarketingPolicy,
    grade_order: Sequence[str],
    lang: str = "zh",
    *,
    names: Mapping[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """The high-potential list (精准识别高潜力客户), best first.

    A customer qualifies when all hold: revenue growth ≥ ``min_revenue_growth``; grade
    (``scenario_grade`` where given, else ``grade``) at or better than ``worst_grade`` in
    ``grade_order`` (the master-scale labels, best first); decision not ``decline``; segment
    not in ``exclude_segments``; and under-served — requested more than the limit granted
    (a missing limit counts as nothing granted), or no current financing
    (``outstanding_loans`` 0 or missing).

    ``potential_score`` = mean of three parts in [0, 1]: the percentile of the customer's
    revenue growth among all customers given; the grade part, 1 for the best grade falling
    in equal steps to 1/(k+1) at ``worst_grade`` (k its position, best = 0); and the unmet
    share of the request, (requested − limit) ÷ requested.  Ties go to the higher growth,
    then the smaller customer id.  The ``max_list`` best are returned with ``rank`` 1…n and
    ``reasons`` (in ``lang``) naming the criteria that hold with their numbers.

    >>> results = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "segment": "other",
    ...     "grade": ["A", "BB", "B"], "revenue_growth": [0.35, 0.25, 0.5], "decision":
    ...     "approve", "requested_amount": 5e6, "limit": [3e6, 5e6, 1e6],
    ...     "outstanding_loans": [1e6, 0.0, 0.0], "product": "working_capital"})
    >>> hp = high_potential(results, MarketingPolicy(), list("AAA AA A BBB BB B".split()))
    >>> hp[["rank", "customer_id"]].values.tolist()
    [[1, 'C1'], [2, 'C2']]
    >>> hp["reasons"].iloc[0]
    '营收增长 35% ≥ 20%；评级 A 优于 BB；申请 500 万元，批复 300 万元'
    """
    hp = policy.high_potential
    c = _criteria(results, hp, grade_order)
    keep = np.flatnonzero(_qualifies(c))
    grade_part = (c["worst"] - c["pos"][keep] + 1) / (c["worst"] + 1)
    score = (c["growth_pct"].to_numpy()[keep] + grade_part
             + c["unmet_share"].to_numpy()[keep]) / 3  # fmt: skip
    growth = results["revenue_growth"].to_numpy(dtype="float64")[keep]
    ids = results["customer_id"].astype(str).to_numpy()[keep]
    order = np.lexsort((ids, -growth, -score))[: hp.max_list]
    rows = keep[order]
    top = results.iloc[rows]
    seg = top["segment"]
    out = pd.DataFrame({
        "rank": np.arange(1, len(rows) + 1),
        "customer_id": top["customer_id"].to_numpy(),
        "customer_name": _column(top, "customer_name").to_numpy(),
        "segment": _recode(seg, str),
        "segment_name": _segment_names(seg, names, lang),
        "grade": _grade(top).to_numpy(),
        "revenue_growth": top["revenue_growth"].to_numpy(dtype="float64"),
        "requested_amount": _column(top, "requested_amount", "float64").to_numpy(),
        "limit": top["limit"].to_numpy(dtype="float64"),
        "unmet_amount": c["unmet"].to_numpy()[rows],
        "outstanding_loans": _column(top, "outstanding_loans", "float64").to_numpy(),
        "decision": _decisions(top["decision"], lang),
        "product": _column(top, "product").to_numpy(),
        "potential_score": np.round(score[order], 4),
    })  # fmt: skip
    flags = pd.DataFrame({
        "_pos": c["pos"][rows], "_worst": c["worst"], "_short": c["short"][rows],
        "_no_product": c["no_product"][rows],
    })  # fmt: skip
    out["reasons"] = _reasons(pd.concat([out, flags], axis=1), hp, lang).to_numpy()
    return out


def marketing_overview(
    results: pd.DataFrame,
    policy: MarketingPolicy,
    grade_order: Sequence[str],
    lang: str = "zh",
    *,
    names: Mapping[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Per segment: customers, approved, total limit granted, customers meeting the
    high-potential criteria (before ``max_list``) and the offerings.  Segments in the order
    of ``names`` (the taxonomy; segments without customers included), else as found.

    >>> results = pd.DataFrame({"customer_id": ["C1", "C2"], "segment": ["other", "other"],
    ...     "grade": "A", "revenue_growth": 0.3, "decision": ["approve", "refer"],
    ...     "requested_amount": 1e6, "limit": [1e6, 0.0], "outstanding_loans": 0.0})
    >>> names = {"micro_small": ("小微企业", "Micro and small firms"), "other": ("其他", "Others")}
    >>> view = marketing_overview(results, MarketingPolicy(), ["AAA", "AA", "A", "BB"], "en",
    ...                           names=names)
    >>> view.loc[1, "segment_name"], view.loc[1, ["customers", "approved", "high_potential"]
    ...     ].astype(int).tolist(), float(view.loc[1, "total_limit"])
    ('Others', [2, 1, 2], 1000000.0)
    """
    seg = _recode(results["segment"], str)
    qualifies = pd.Series(_qualifies(_criteria(results, policy.high_potential, grade_order)))
    by = pd.DataFrame({
        "segment": seg, "customers": 1,
        "approved": (results["decision"].astype("object") == "approve").to_numpy(),
        "total_limit": results["limit"].astype("float64").fillna(0.0).to_numpy(),
        "high_potential": qualifies.to_numpy(),
    }).groupby("segment", sort=False).sum()  # fmt: skip
    ids = list(names) if names else list(pd.unique(seg))
    by = by.reindex(ids, fill_value=0).rename_axis("segment").reset_index()
    for col in ("customers", "approved", "high_potential"):
        by[col] = by[col].astype("int64")
    by.insert(1, "segment_name", _segment_names(by["segment"], names, lang))
    by["offerings"] = [policy.offering_text(s, lang) or None for s in by["segment"]]
    return by
