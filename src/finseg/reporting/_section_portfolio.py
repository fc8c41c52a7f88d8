"""Report section: portfolio overview — who the customers are and how large."""

from __future__ import annotations

import numpy as np
import pandas as pd

from finseg.features import SizeClass
from finseg.industry import SECTIONS
from finseg.reporting._charts import bar_chart, bar_height, histogram, pie_chart
from finseg.reporting._context import ReportContext
from finseg.reporting._sections import Chart, ExcelHint, NumFmt, Section, Table, register_section
from finseg.schema import label

__all__ = ["KEY_AMOUNTS", "SIZE_CLASSES", "portfolio_section"]  # fmt: skip

#: Amounts summarised in the key-amounts table (those present in the data).
KEY_AMOUNTS = ("total_assets", "total_liabilities", "operating_revenue", "net_profit",
               "requested_amount", "outstanding_loans", "collateral_value")  # fmt: skip
SIZE_CLASSES = tuple(k.value for k in SizeClass)  # largest first
_WAN = 1e4  # money is stored in yuan and shown in 万元


@register_section("portfolio", order=30)
def portfolio_section(ctx: ReportContext) -> Section:
    """Customers by industry section, size class and region; distributions of key amounts.

    Examples
    --------
    >>> from finseg.reporting import ReportContext
    >>> df = pd.DataFrame({"industry_section": ["C", "C", "F"], "total_assets": [5e6, 8e7, 2e5]})
    >>> section = portfolio_section(ReportContext(results=df, lang="en"))
    >>> [c.id for c in section.charts]
    ['industry', 'hist_total_assets']
    """
    section = Section.titled("portfolio", 30)
    if ctx.results.empty:
        section.narrative = ctx.t("portfolio.empty")
        return section
    section.narrative = _narrative(ctx)
    _add_industry(ctx, section)
    _add_size(ctx, section)
    _add_region(ctx, section)
    for name in ctx.overview.amount_fields:
        _add_histogram(ctx, section, name)
    amounts = _amounts_table(ctx)
    if not amounts.frame.empty:
        section.tables.append(amounts)
    return section


def _narrative(ctx: ReportContext) -> str:
    df = ctx.results
    lines = [ctx.t("portfolio.customers", n=NumFmt.INT.format(len(df)))]
    sections = _industry_sections(df)
    if sections is not None and ctx.has("region"):
        lines.append(ctx.t("portfolio.breadth", sections=sections.dropna().nunique(),
                           regions=df["region"].dropna().nunique()))  # fmt: skip
    if ctx.has("requested_amount"):
        amount = _amount(ctx, "requested_amount")
        lines.append(ctx.t("portfolio.requested", amount=NumFmt.AMOUNT.format(amount.sum()),
                           mean=NumFmt.AMOUNT.format(amount.mean())))  # fmt: skip
    if ctx.has("as_of_date"):
        lines += _as_of(ctx)
    return ("" if ctx.lang == "zh" else " ").join(lines)  # no space after "。"


def _as_of(ctx: ReportContext) -> list[str]:
    dates = pd.to_datetime(ctx.results["as_of_date"], errors="coerce").dropna()
    if dates.empty:
        return []
    first, last = f"{dates.min():%Y-%m-%d}", f"{dates.max():%Y-%m-%d}"
    if first == last:
        return [ctx.t("portfolio.as_of_one", date=first)]
    return [ctx.t("portfolio.as_of", first=first, last=last)]


def _skip(ctx: ReportContext, section: Section, chart: str, column: str) -> None:
    key = "chart.skipped_missing" if column not in ctx.results.columns else "chart.skipped_empty"
    section.notes.append(ctx.t(key, chart=chart, column=label(column, ctx.lang)))


def _breakdown(ctx: ReportContext, keys: pd.Series, names: dict[str, str]) -> pd.DataFrame:
    """Customers (and requested amount) per key, largest first; missing keys last."""
    unknown = ctx.t("common.unknown")
    # factorize + bincount: one pass over the book in C, whatever its size
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes)  # a missing key counts as "unknown"
    requested = _amount(ctx, "requested_amount").fillna(0.0).to_numpy()
    size = len(uniques) + 1
    index = pd.Index([*(str(u) for u in uniques), unknown], dtype=object, name="key")
    grouped = pd.DataFrame({"customers": np.bincount(codes, minlength=size),
                            "requested": np.bincount(codes, requested, minlength=size)},
                           index=index)  # fmt: skip
    grouped = grouped[grouped["customers"] > 0].groupby(level=0, sort=False).sum()
    grouped = grouped.sort_values("customers", ascending=False, kind="stable")
    grouped = pd.concat([grouped.drop(index=unknown, errors="ignore"),
                         grouped.loc[grouped.index == unknown]])  # fmt: skip
    grouped["share"] = grouped["customers"] / grouped["customers"].sum()
    grouped["label"] = [names.get(str(k), str(k)) for k in grouped.index]
    return grouped


def _amount(ctx: ReportContext, name: str) -> pd.Series:
    """A money column in 万元 as float (NaN where missing, infinite or absent)."""
    if name not in ctx.results.columns:
        return pd.Series(float("nan"), index=ctx.results.index)
    values = pd.to_numeric(ctx.results[name], errors="coerce").astype("float64")
    return values.where(np.isfinite(values)) / _WAN  # infinity is no amount


def _breakdown_table(ctx: ReportContext, title: str, grouped: pd.DataFrame,
                     first: dict[str, list[str]]) -> Table:  # fmt: skip
    customers, share = ctx.t("common.customers"), ctx.t("common.share")
    frame = pd.DataFrame({**first, customers: grouped["customers"].tolist(),
                          share: grouped["share"].tolist()})  # fmt: skip
    formats = {customers: NumFmt.INT, share: NumFmt.SHARE}
    if ctx.has("requested_amount"):
        requested = ctx.t("portfolio.col.requested")
        frame[requested] = grouped["requested"].tolist()
        formats[requested] = NumFmt.AMOUNT
    return Table(title, frame, formats)


def _industry_sections(df: pd.DataFrame) -> pd.Series | None:
    """Section letters; derived from ``industry_code`` when the stage column is absent."""
    if "industry_section" in df.columns and df["industry_section"].notna().any():
        return df["industry_section"].astype("string").str.strip().str.upper()
    if "industry_code" in df.columns and df["industry_code"].notna().any():
        letters = df["industry_code"].astype("string").str.strip().str[:1].str.upper()
        return letters.where(letters.isin(list(SECTIONS)))
    return None


def _add_industry(ctx: ReportContext, section: Section) -> None:
    title = ctx.t("portfolio.chart.industry")
    letters = _industry_sections(ctx.results)
    if letters is None:
        _skip(ctx, section, title, "industry_section")
        return
    names = {code: s.label(ctx.lang) for code, s in SECTIONS.items()}
    grouped = _breakdown(ctx, letters, names)
    labels = [f"{k} {n}" if k in SECTIONS else n for k, n in zip(grouped.index, grouped["label"],
                                                                  strict=True)]  # fmt: skip
    _add_bar(ctx, section, "industry", title, labels, grouped["customers"].tolist())
    first = {ctx.t("portfolio.col.section"): [str(k) for k in grouped.index],
             ctx.t("portfolio.col.section_name"): grouped["label"].tolist()}  # fmt: skip
    section.tables.append(_breakdown_table(ctx, ctx.t("portfolio.table.industry"), grouped, first))


def _add_bar(ctx: ReportContext, section: Section, chart_id: str, title: str,
             labels: list[str], counts: list[int]) -> None:  # fmt: skip
    name = ctx.t("common.customers")
    option = bar_chart(labels, counts, title, series_name=name, value_name=name)
    section.charts.append(Chart(chart_id, title, option, ExcelHint("bar", labels, counts, name),
                                bar_height(len(labels))))  # fmt: skip


def _add_size(ctx: ReportContext, section: Section) -> None:
    title = ctx.t("portfolio.chart.size")
    if not ctx.has("size_class"):
        _skip(ctx, section, title, "size_class")
        return
    keys = ctx.results["size_class"].astype("string").str.strip().str.lower()
    names = {k.value: k.label(ctx.lang) for k in SizeClass}
    grouped = _breakdown(ctx, keys, names)
    order = [k for k in SIZE_CLASSES if k in grouped.index]
    grouped = grouped.loc[order + [k for k in grouped.index if k not in order]]
    labels, counts = grouped["label"].tolist(), grouped["customers"].tolist()
    name = ctx.t("common.customers")
    option = pie_chart(labels, counts, title, series_name=name)
    section.charts.append(Chart("size", title, option, ExcelHint("pie", labels, counts, name)))
    first = {ctx.t("portfolio.col.size_class"): labels}
    section.tables.append(_breakdown_table(ctx, ctx.t("portfolio.table.size"), grouped, first))


def _add_region(ctx: ReportContext, section: Section) -> None:
    n_top = ctx.overview.top_regions
    title = ctx.t("portfolio.chart.region", n=n_top)
    if not ctx.has("region"):
        _skip(ctx, section, title, "region")
        return
    grouped = _breakdown(ctx, ctx.results["region"].astype("string").str.strip(), {})
    top = grouped.head(n_top)
    if len(top) < n_top:
        title = ctx.t("portfolio.chart.region", n=len(top))
    _add_bar(ctx, section, "region", title, top["label"].tolist(), top["customers"].tolist())
    rest = grouped.iloc[n_top:]
    if not rest.empty:
        section.notes.append(ctx.t("portfolio.region_rest", k=len(rest),
                                   n=NumFmt.INT.format(rest["customers"].sum())))  # fmt: skip
    first = {label("region", ctx.lang): grouped["label"].tolist()}
    section.tables.append(_breakdown_table(ctx, ctx.t("portfolio.table.region"), grouped, first))


def _add_histogram(ctx: ReportContext, section: Section, name: str) -> None:
    title = ctx.t("portfolio.chart.hist", field=label(name, ctx.lang))
    values = _amount(ctx, name).dropna()
    if values.empty:
        _skip(ctx, section, title, name)
        return
    count = ctx.t("common.customers")
    option = histogram(values.to_numpy(), title, value_name=ctx.t("unit.wan_yuan"),
                       count_name=count, nonpositive_label=ctx.t("hist.nonpositive"))  # fmt: skip
    labels, counts = option["xAxis"]["data"], option["series"][0]["data"]
    section.charts.append(Chart(f"hist_{name}", title, option,
                                ExcelHint("column", labels, counts, count)))  # fmt: skip


def _amounts_table(ctx: ReportContext) -> Table:
    cols = {k: ctx.t(f"portfolio.col.{k}") for k in ("amount", "count", "sum", "median", "p10",
                                                       "p90")}  # fmt: skip
    rows = []
    for name in (n for n in KEY_AMOUNTS if ctx.has(n)):
        v = _amount(ctx, name).dropna()
        rows.append([label(name, ctx.lang), len(v), v.sum(), v.median(), v.quantile(0.1),
                     v.quantile(0.9)])  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(cols.values()))
    formats = {cols["count"]: NumFmt.INT} | {cols[k]: NumFmt.AMOUNT for k in
                                              ("sum", "median", "p10", "p90")}  # fmt: skip
    return Table(ctx.t("portfolio.table.amounts"), frame, formats)
