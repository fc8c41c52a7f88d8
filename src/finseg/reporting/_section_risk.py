"""Report section: risk grades — the grade distribution, PD by grade (with the observed
default rate where outcomes are known) and the most frequent reason codes."""

from __future__ import annotations

import pandas as pd

from finseg.reporting._charts import bar_chart
from finseg.reporting._context import ReportContext
from finseg.reporting._rating_basis import rating_basis_warning
from finseg.reporting._sections import Chart, ExcelHint, NumFmt, Section, Table, register_section

__all__ = ["risk_section"]


@register_section("risk", order=50)
def risk_section(ctx: ReportContext) -> Section | None:
    """Grades of the run; ``None`` for a run without the risk stage.

    Examples
    --------
    >>> df = pd.DataFrame({"pd": [0.01, 0.2], "grade": ["BB", "CC"], "reason_1": ["x", None],
    ...                    "risk_model": ["expert"] * 2})
    >>> [c.id for c in risk_section(ReportContext(results=df, lang="en")).charts]
    ['grades']
    """
    if "grade" not in ctx.results.columns or "pd" not in ctx.results.columns:
        return None
    section = Section.titled("risk", 50)
    grades = _by_grade(ctx)
    section.narrative = _narrative(ctx)
    if warning := rating_basis_warning(ctx):
        section.narrative = warning + "\n\n" + section.narrative
    labels, counts = grades.index.tolist(), grades["customers"].tolist()
    title, name = ctx.t("risk.chart.grades"), ctx.t("common.customers")
    option = bar_chart(labels, counts, title, horizontal=False, series_name=name, value_name=name)
    section.charts.append(Chart("grades", title, option, ExcelHint("column", labels, counts, name)))
    section.tables.append(_grade_table(ctx, grades))
    if ctx.has("reason_1"):
        section.tables.append(_reasons_table(ctx))
    return section


def _order(ctx: ReportContext, present: list[str]) -> list[str]:
    from finseg.risk import default_master_scale

    known = [g for g in default_master_scale().labels if g in present]
    return known + sorted(g for g in present if g not in known)


def _by_grade(ctx: ReportContext) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "grade": ctx.results["grade"].astype("string").fillna("—"),
            "pd": pd.to_numeric(ctx.results["pd"], errors="coerce"),
        }
    )
    if ctx.has("default_12m"):
        df["observed"] = pd.to_numeric(ctx.results["default_12m"], errors="coerce")
    grouped = df.groupby("grade").agg(
        customers=("pd", "size"),
        mean_pd=("pd", "mean"),
        **({"observed": ("observed", "mean")} if "observed" in df else {}),
    )
    return grouped.loc[_order(ctx, grouped.index.tolist())]


def _narrative(ctx: ReportContext) -> str:
    model = ", ".join(sorted(ctx.results.get("risk_model", pd.Series(["—"])).dropna().unique()))
    pd_ = pd.to_numeric(ctx.results["pd"], errors="coerce")
    return ctx.t(
        "risk.narrative",
        n=NumFmt.INT.format(len(pd_)),
        model=model,
        mean=NumFmt.SHARE.format(pd_.mean()),
    )


def _grade_table(ctx: ReportContext, grades: pd.DataFrame) -> Table:
    cols = {k: ctx.t(f"risk.col.{k}") for k in ("grade", "mean_pd", "observed")}
    customers, share = ctx.t("common.customers"), ctx.t("common.share")
    frame = pd.DataFrame(
        {
            cols["grade"]: grades.index.tolist(),
            customers: grades["customers"].tolist(),
            share: (grades["customers"] / grades["customers"].sum()).tolist(),
            cols["mean_pd"]: grades["mean_pd"].tolist(),
        }
    )
    formats = {customers: NumFmt.INT, share: NumFmt.SHARE, cols["mean_pd"]: NumFmt.SHARE}
    if "observed" in grades:
        frame[cols["observed"]] = grades["observed"].tolist()
        formats[cols["observed"]] = NumFmt.SHARE
    return Table(ctx.t("risk.table.grades"), frame, formats)


def _reasons_table(ctx: ReportContext) -> Table:
    from finseg.risk._expert import ADJUSTMENTS

    counts = ctx.results["reason_1"].astype("string").dropna().value_counts().head(10)
    names = {k: (zh if ctx.lang == "zh" else en) for k, (zh, en) in ADJUSTMENTS.items()}
    reason, customers = ctx.t("risk.col.reason"), ctx.t("common.customers")
    frame = pd.DataFrame(
        {reason: [names.get(k, k) for k in counts.index], customers: counts.tolist()}
    )
    return Table(ctx.t("risk.table.reasons"), frame, {customers: NumFmt.INT})
