"""Report section: credit allocation — what the optimiser lent, what it earns for the risk and
capital taken, by how much it beats the rules of thumb (greedy, Lagrangian greedy,
first-come-first-served), which limits bind and what one more unit of each is worth, where
the money went (segments, industry sections), and return versus expected loss (the frontier).

The figures are the run's ``allocation.json`` (written by the allocation stage, see
:func:`finseg.allocation.allocation_stage`); the breakdowns sum the results'
``allocated_amount``.  A run without ``allocation.json`` (no ``allocation.budget``) has no
such section.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from finseg.allocation._files import ALLOCATION_JSON
from finseg.industry import SECTIONS
from finseg.reporting._charts import _base, _plain, bar_chart, bar_height
from finseg.reporting._context import ReportContext
from finseg.reporting._i18n import t_or
from finseg.reporting._sections import Chart, ExcelHint, NumFmt, Section, Table, register_section

__all__ = ["allocation_section", "frontier_chart"]

_ORDER = 75
_WAN = 10_000.0
_RULES = ("lagrangian", "greedy", "fcfs")


@register_section("allocation", order=_ORDER)
def allocation_section(ctx: ReportContext) -> Section | None:
    """The run's allocation; ``None`` when its directory holds no ``allocation.json``.

    Examples
    --------
    >>> allocation_section(ReportContext(lang="en")) is None  # no run directory
    True
    """
    summary = ctx.document(ALLOCATION_JSON)
    if summary is None:
        return None
    section = Section.titled("allocation", _ORDER)
    section.narrative = "\n\n".join(_narrative(ctx, summary))
    section.tables.append(_summary_table(ctx, summary))
    if any(f"{r}_objective" in summary for r in _RULES):
        section.tables.append(_baselines_table(ctx, summary))
    if summary.get("shadow_prices"):
        section.tables.append(_shadow_table(ctx, summary["shadow_prices"]))
    points = summary.get("frontier") or []
    if points:
        here = (summary.get("expected_loss"), summary.get("objective"))
        section.charts.append(_frontier(ctx, points, here))
        section.tables.append(_frontier_table(ctx, points))
        section.notes.append(ctx.t("allocation.frontier_note", n=len(points)))
    if ctx.has("allocated_amount"):
        for key, name in (("segment", "segments"), ("industry_section", "industries")):
            if ctx.has(key):
                table = _breakdown(ctx, key, name)
                section.tables.append(table)
                section.charts.append(_breakdown_chart(ctx, table, name))
    else:
        section.notes.append(ctx.t("allocation.no_results"))
    return section


def _money(value: Any) -> str:
    return NumFmt.INT.format(value)


def _share(value: Any) -> str:
    return NumFmt.SHARE.format(value)


def _status(ctx: ReportContext, s: dict[str, Any]) -> str:
    status = str(s["status"])
    return t_or(f"allocation.status.{status}", ctx.lang, status)


def _narrative(ctx: ReportContext, s: dict[str, Any]) -> list[str]:
    budget = s.get("budget") or 0.0
    used = s["allocated_total"] / budget if budget > 0 else None
    parts = [
        ctx.t(
            "allocation.narrative", mode=str(s.get("mode", "lp")).upper(), status=_status(ctx, s),
            candidates=_money(s.get("n_customers")), funded=_money(s.get("n_funded")),
            total=_money(s["allocated_total"]), budget=_money(budget), used=_share(used),
            objective=_money(s["objective"]), el=_money(s.get("expected_loss")),
            rwa=_money(s.get("rwa")),
        )
    ]  # fmt: skip
    if all(f"{r}_objective" in s for r in _RULES):
        values = {}
        for rule in _RULES:
            prefix = "" if rule == "lagrangian" else f"{rule}_"
            values[f"{prefix}diff"] = _money(s["objective"] - s[f"{rule}_objective"])
            values[f"{prefix}gap"] = _share(s.get(f"{rule}_gap"))
        lam = s.get("lagrangian_lambda")
        advantage = s["objective"] - s["lagrangian_objective"]
        tol = max(1.0, 1e-9 * abs(s["objective"]))
        key = "beats" if advantage > tol else "ties" if advantage >= -tol else "behind"
        values["diff"] = _money(abs(advantage))
        lam_text = "—" if lam is None else f"{lam:g}"
        parts.append(ctx.t(f"allocation.{key}", lam=lam_text, **values))  # extras unused
        missed = [_rule_name(ctx, r, s) for r in _RULES if s.get(f"{r}_meets_quotas") is False]
        if missed:
            sep = "、" if ctx.lang == "zh" else ", "
            parts.append(ctx.t("allocation.quota_miss", names=sep.join(missed)))
    else:
        parts.append(ctx.t("allocation.no_baselines"))
    if s.get("shadow_prices"):
        parts.append(ctx.t("allocation.binding", k=len(s["shadow_prices"])))
    return parts


def _summary_table(ctx: ReportContext, s: dict[str, Any]) -> Table:
    budget = s.get("budget") or 0.0
    rows = [
        ("status", _status(ctx, s)),
        ("mode", str(s.get("mode", "lp")).upper()),
        ("budget", _money(budget)),
        ("total", _money(s["allocated_total"])),
        ("used", _share(s["allocated_total"] / budget if budget > 0 else None)),
        ("candidates", _money(s.get("n_customers"))),
        ("funded", _money(s.get("n_funded"))),
        ("objective", _money(s["objective"])),
        ("el", _money(s.get("expected_loss"))),
        ("rwa", _money(s.get("rwa"))),
    ]
    if s.get("gap") is not None:
        rows.append(("mip_gap", f"{s['gap']:.4%}"))
    if s.get("solve_seconds") is not None:
        rows.append(("seconds", f"{s['solve_seconds']:.2f}"))
    measure, value = ctx.t("allocation.col.measure"), ctx.t("allocation.col.value")
    frame = pd.DataFrame({
        measure: [ctx.t(f"allocation.row.{k}") for k, _ in rows], value: [v for _, v in rows],
    })  # fmt: skip
    return Table(ctx.t("allocation.table.summary"), frame)


def _rule_name(ctx: ReportContext, rule: str, s: dict[str, Any]) -> str:
    lam = s.get("lagrangian_lambda")
    return ctx.t(f"allocation.rule.{rule}", lam="—" if lam is None else f"{lam:g}")


def _baselines_table(ctx: ReportContext, s: dict[str, Any]) -> Table:
    """The optimiser and each rule of thumb: return, the optimiser's advantage in yuan a
    year and as a share of the optimum, and whether the rule met the quotas."""
    rules = [r for r in _RULES if f"{r}_objective" in s]
    cols = {k: ctx.t(f"allocation.col.{k}") for k in
            ("rule", "objective", "advantage", "gap", "quotas")}  # fmt: skip
    yes, no = ctx.t("allocation.yes"), ctx.t("allocation.no")
    frame = pd.DataFrame({
        cols["rule"]: [ctx.t("allocation.rule.optimiser")] + [_rule_name(ctx, r, s) for r in rules],
        cols["objective"]: [s["objective"]] + [s[f"{r}_objective"] for r in rules],
        cols["advantage"]: [0.0] + [s["objective"] - s[f"{r}_objective"] for r in rules],
        cols["gap"]: [0.0] + [s.get(f"{r}_gap") for r in rules],
        cols["quotas"]: [yes] + [yes if s.get(f"{r}_meets_quotas", True) else no for r in rules],
    })  # fmt: skip
    formats = {cols["objective"]: NumFmt.INT, cols["advantage"]: NumFmt.INT,
               cols["gap"]: NumFmt.SHARE}  # fmt: skip
    return Table(ctx.t("allocation.table.baselines"), frame, formats)


def _shadow_table(ctx: ReportContext, prices: list[dict[str, Any]]) -> Table:
    cols = {k: ctx.t(f"allocation.col.{k}") for k in
            ("constraint", "shadow_price", "unit", "rhs", "activity")}  # fmt: skip
    label = "label_zh" if ctx.lang == "zh" else "label_en"
    frame = pd.DataFrame({
        cols["constraint"]: [p[label] for p in prices],
        cols["shadow_price"]: [f"{p['shadow_price']:.4g}" for p in prices],
        cols["unit"]: [ctx.t(f"allocation.unit.{p['constraint']}") for p in prices],
        # a quota row reads "members' lending − share × total ≥ 0": its 0 says nothing
        cols["rhs"]: [None if p["constraint"] == "quota" else p["rhs"] for p in prices],
        cols["activity"]: [None if p["constraint"] == "quota" else p["activity"] for p in prices],
    })  # fmt: skip
    formats = {cols["rhs"]: NumFmt.INT, cols["activity"]: NumFmt.INT}
    return Table(ctx.t("allocation.table.shadow"), frame, formats)


def _label(ctx: ReportContext, key: str, value: str) -> str:
    if value == "":
        return ctx.t("allocation.none")
    if key == "segment":
        names = ctx.segment_names.get(value)
        return value if names is None else names[0 if ctx.lang == "zh" else 1]
    section = SECTIONS.get(value)
    return value if section is None else f"{value} {section.label(ctx.lang)}"


def _breakdown(ctx: ReportContext, key: str, name: str) -> Table:
    """Candidates, funded customers, amount and share of the total per ``key`` value,
    largest amount first (candidates are the rows with a ``binding_reason``)."""
    results = ctx.results
    amount = pd.to_numeric(results["allocated_amount"], errors="coerce").fillna(0.0)
    frame = pd.DataFrame({
        "key": results[key].astype("string").fillna("").to_numpy(),
        "amount": amount.to_numpy(), "funded": (amount > 0).to_numpy(),
        "candidate": (results["binding_reason"].notna().to_numpy() if "binding_reason" in results
                      else (amount > 0).to_numpy()),
    })  # fmt: skip
    grouped = frame.groupby("key", sort=False).agg(
        candidates=("candidate", "sum"), funded=("funded", "sum"), amount=("amount", "sum")
    )
    grouped = grouped[grouped["candidates"] > 0].sort_values("amount", ascending=False)
    total = float(grouped["amount"].sum())
    cols = {k: ctx.t(f"allocation.col.{k}") for k in ("candidates", "funded", "amount", "share")}
    head = ctx.t("allocation.col.segment" if key == "segment" else "allocation.col.industry")
    table = pd.DataFrame({
        head: [_label(ctx, key, v) for v in grouped.index],
        cols["candidates"]: grouped["candidates"].astype(int).tolist(),
        cols["funded"]: grouped["funded"].astype(int).tolist(),
        cols["amount"]: grouped["amount"].tolist(),
        cols["share"]: (grouped["amount"] / total if total > 0 else grouped["amount"] * 0).tolist(),
    })  # fmt: skip
    formats = {cols["candidates"]: NumFmt.INT, cols["funded"]: NumFmt.INT,
               cols["amount"]: NumFmt.INT, cols["share"]: NumFmt.SHARE}  # fmt: skip
    return Table(ctx.t(f"allocation.table.{name}"), table, formats)


def _breakdown_chart(ctx: ReportContext, table: Table, name: str) -> Chart:
    """Amount allocated per group in 万元, as horizontal bars (native bars in Excel)."""
    title = ctx.t(f"allocation.chart.{name}")
    names = table.frame.iloc[:, 0].tolist()
    wan = [round(v / _WAN, 1) for v in table.frame[ctx.t("allocation.col.amount")]]
    unit = ctx.t("allocation.wan")
    option = bar_chart(names, wan, title, series_name=unit, value_name=unit)
    hint = ExcelHint("bar", names, wan, unit)
    return Chart(name, title, option, hint, height=bar_height(len(names)))


def frontier_chart(
    expected_loss: Sequence[float],
    objective: Sequence[float],
    title: str,
    *,
    x_name: str = "",
    y_name: str = "",
    series_name: str = "",
    current: tuple[float | None, float | None] | None = None,
    current_name: str = "",
) -> dict[str, Any]:
    """Return versus expected loss as an ECharts line on two value axes; ``current`` (EL,
    return) marks the allocation made, as a single point.

    >>> option = frontier_chart([1, 2], [10, 15], "Frontier", current=(2, 15))
    >>> option["series"][0]["data"], option["series"][1]["data"]
    ([[1, 10], [2, 15]], [[2, 15]])
    >>> option["xAxis"]["type"], option["yAxis"]["type"]
    ('value', 'value')
    """
    line = [[_plain(x), _plain(y)] for x, y in zip(expected_loss, objective, strict=True)]
    series: list[dict[str, Any]] = [
        {"type": "line", "name": series_name, "data": line, "symbol": "circle",
         "symbolSize": 6, "smooth": False},
    ]  # fmt: skip
    if current is not None and None not in current:
        series.append({"type": "scatter", "name": current_name, "symbolSize": 14,
                       "data": [[_plain(current[0]), _plain(current[1])]], "z": 3})  # fmt: skip
    axis = {"type": "value", "nameLocation": "middle", "scale": True}
    return _base(title) | {
        "tooltip": {"trigger": "item"},
        "legend": {"top": 22},
        "grid": {"left": 36, "right": 32, "top": 64, "bottom": 40, "containLabel": True},
        "xAxis": axis | {"name": x_name, "nameGap": 28},
        "yAxis": axis | {"name": y_name, "nameGap": 56},
        "series": series,
    }


def _frontier(ctx: ReportContext, points: list[dict[str, Any]], here: tuple) -> Chart:
    title = ctx.t("allocation.chart.frontier")
    el = [p["expected_loss"] / _WAN for p in points]
    ret = [p["objective"] / _WAN for p in points]
    current = None if None in here else (here[0] / _WAN, here[1] / _WAN)
    option = frontier_chart(
        el, ret, title, x_name=ctx.t("allocation.chart.el_axis"),
        y_name=ctx.t("allocation.chart.return_axis"),
        series_name=ctx.t("allocation.chart.frontier_series"), current=current,
        current_name=ctx.t("allocation.chart.this_allocation"),
    )  # fmt: skip
    return Chart("frontier", title, option, None, height=360)


def _frontier_table(ctx: ReportContext, points: list[dict[str, Any]]) -> Table:
    keys = {"el_budget": "el_budget", "objective": "objective", "expected_loss": "el",
            "allocated_total": "allocated", "el_shadow_price": "el_price"}  # fmt: skip
    cols = {k: ctx.t(f"allocation.col.{v}") for k, v in keys.items()}
    frame = pd.DataFrame({cols[k]: [p.get(k) for p in points] for k in keys})
    formats = {cols[k]: NumFmt.INT for k in keys if k != "el_shadow_price"}
    formats[cols["el_shadow_price"]] = NumFmt.DECIMAL
    return Table(ctx.t("allocation.table.frontier"), frame, formats)
