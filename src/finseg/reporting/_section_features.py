"""Report section: customer dimensions — condition, lifecycle, size × industry, policy flags,
and the distribution of the key ratios."""

from __future__ import annotations

from enum import StrEnum

import pandas as pd

from finseg.features import AltmanZone, FinancialCondition, LifecycleStage, SizeClass
from finseg.industry import SECTIONS
from finseg.reporting._charts import bar_chart, bar_height, pie_chart
from finseg.reporting._context import ReportContext
from finseg.reporting._sections import Chart, ExcelHint, NumFmt, Section, Table, register_section

__all__ = ["KEY_RATIOS", "features_section"]

#: Ratios whose spread the section tabulates (P10, median, P90).
KEY_RATIOS = (
    "debt_to_assets",
    "current_ratio",
    "interest_coverage",
    "net_margin",
    "roa",
    "revenue_growth",
    "cfo_to_debt",
    "altman_z2",
)
_FLAGS = ("tech_enterprise", "new_energy", "green_category", "strategic_emerging")


@register_section("features", order=40)
def features_section(ctx: ReportContext) -> Section | None:
    """The dimensions the features stage added; ``None`` for a run without that stage.

    Examples
    --------
    >>> df = pd.DataFrame({"financial_condition": ["strong", "weak"], "size_class": ["small"] * 2,
    ...                    "industry_section": ["C", "F"], "lifecycle_stage": ["mature"] * 2})
    >>> [c.id for c in features_section(ReportContext(results=df, lang="en")).charts]
    ['condition', 'lifecycle']
    """
    if "financial_condition" not in ctx.results.columns:
        return None
    section = Section.titled("features", 40)
    section.narrative = _narrative(ctx)
    _add_pie(ctx, section, "condition", "financial_condition", FinancialCondition)
    _add_bar(ctx, section, "lifecycle", "lifecycle_stage", LifecycleStage)
    _add_pie(ctx, section, "altman", "altman_zone", AltmanZone)
    for rows, columns in (("industry_section", "size_class"), ("lifecycle_stage", "size_class")):
        if ctx.has(rows) and ctx.has(columns):
            section.tables.append(_crosstab(ctx, rows, columns))
    if any(ctx.has(c) for c in _FLAGS):
        section.tables.append(_flags_table(ctx))
    if any(ctx.has(c) for c in KEY_RATIOS):
        section.tables.append(_ratios_table(ctx))
    return section


def _labels(enum: type[StrEnum], lang: str) -> dict[str, str]:
    return {e.value: e.label(lang) for e in enum}  # type: ignore[attr-defined]


def _counts(ctx: ReportContext, column: str, enum: type[StrEnum]) -> tuple[list[str], list[int]]:
    counts = ctx.results[column].astype("string").fillna("unknown").value_counts()
    order = [e.value for e in enum if e.value in counts.index]
    order += [k for k in counts.index if k not in order]
    names = _labels(enum, ctx.lang)
    return [names.get(k, k) for k in order], [int(counts[k]) for k in order]


def _add_pie(ctx, section: Section, chart_id: str, column: str, enum) -> None:
    if not ctx.has(column):
        return
    title, labels_, counts = ctx.t(f"features.chart.{chart_id}"), *_counts(ctx, column, enum)
    name = ctx.t("common.customers")
    option = pie_chart(labels_, counts, title, series_name=name)
    section.charts.append(Chart(chart_id, title, option, ExcelHint("pie", labels_, counts, name)))


def _add_bar(ctx, section: Section, chart_id: str, column: str, enum) -> None:
    if not ctx.has(column):
        return
    title, labels_, counts = ctx.t(f"features.chart.{chart_id}"), *_counts(ctx, column, enum)
    name = ctx.t("common.customers")
    option = bar_chart(labels_, counts, title, series_name=name, value_name=name)
    section.charts.append(
        Chart(
            chart_id,
            title,
            option,
            ExcelHint("bar", labels_, counts, name),
            bar_height(len(labels_)),
        )
    )


def _share(ctx: ReportContext, column: str) -> float:
    values = ctx.results[column]
    if values.dtype == bool or str(values.dtype) == "boolean":
        return float(values.fillna(False).astype(bool).mean())
    return float((values.astype("string").fillna("").str.len() > 0).mean())


def _narrative(ctx: ReportContext) -> str:
    n = len(ctx.results)
    condition = ctx.results["financial_condition"].astype("string")
    parts = [
        ctx.t(
            "features.narrative",
            n=NumFmt.INT.format(n),
            strong=NumFmt.SHARE.format((condition == "strong").mean()),
            weak=NumFmt.SHARE.format(condition.isin(["weak", "distressed"]).mean()),
        )
    ]
    if ctx.has("tech_enterprise") and ctx.has("new_energy"):
        parts.append(
            ctx.t(
                "features.narrative_flags",
                tech=NumFmt.SHARE.format(_share(ctx, "tech_enterprise")),
                energy=NumFmt.SHARE.format(_share(ctx, "new_energy")),
            )
        )
    if ctx.has("size_class"):
        unknown = int((ctx.results["size_class"].astype("string") == "unknown").sum())
        if unknown:
            parts.append(ctx.t("features.size_unknown", n=NumFmt.INT.format(unknown)))
    return ("" if ctx.lang == "zh" else " ").join(parts)


def _row_label(column: str, key: str, lang: str) -> str:
    if column == "industry_section" and key in SECTIONS:
        return f"{key} {SECTIONS[key].label(lang)}"
    if column == "lifecycle_stage":
        return _labels(LifecycleStage, lang).get(key, key)
    return key


def _crosstab(ctx: ReportContext, rows: str, columns: str) -> Table:
    df = ctx.results[[rows, columns]].astype("string").fillna("unknown")
    table = pd.crosstab(df[rows], df[columns])
    order = [s.value for s in SizeClass if s.value in table.columns]
    table = table[order + [c for c in table.columns if c not in order]]
    names = _labels(SizeClass, ctx.lang)
    first = ctx.t(f"features.col.{rows}")
    frame = pd.DataFrame({first: [_row_label(rows, k, ctx.lang) for k in table.index]})
    for c in table.columns:
        frame[names.get(c, c)] = table[c].to_numpy()
    frame[ctx.t("common.customers")] = table.sum(axis=1).to_numpy()
    formats = {c: NumFmt.INT for c in frame.columns[1:]}
    return Table(ctx.t(f"features.table.{rows}_by_size"), frame, formats)


def _flags_table(ctx: ReportContext) -> Table:
    present = [c for c in _FLAGS if ctx.has(c)]
    item, customers, share = ctx.t("common.item"), ctx.t("common.customers"), ctx.t("common.share")
    shares = [_share(ctx, c) for c in present]
    frame = pd.DataFrame(
        {
            item: [ctx.t(f"features.flag.{c}") for c in present],
            customers: [round(s * len(ctx.results)) for s in shares],
            share: shares,
        }
    )
    return Table(ctx.t("features.table.flags"), frame, {customers: NumFmt.INT, share: NumFmt.SHARE})


def _ratios_table(ctx: ReportContext) -> Table:
    from finseg.features import RATIOS

    names = {r.name: (r.zh if ctx.lang == "zh" else r.en) for r in RATIOS}
    names["altman_z2"] = "Altman Z''"
    cols = [ctx.t(f"features.col.{k}") for k in ("ratio", "known", "p10", "median", "p90")]
    rows = []
    for name in (r for r in KEY_RATIOS if ctx.has(r)):
        v = pd.to_numeric(ctx.results[name], errors="coerce").dropna()
        rows.append([names.get(name, name), len(v), v.quantile(0.1), v.median(), v.quantile(0.9)])
    frame = pd.DataFrame(rows, columns=cols)
    formats = {cols[1]: NumFmt.INT} | {c: NumFmt.DECIMAL for c in cols[2:]}
    return Table(ctx.t("features.table.ratios"), frame, formats)
