"""Report section: customer segments — how many customers each segment holds, how risky each
is (observed default rate, mean PD and its spread), whether the segments separate risk
(chi-square test across segments, Fisher's exact test between neighbours ordered by mean PD,
η²), which segments are too small, and the master-scale grades within each segment.

The figures are :func:`finseg.segments.segment_validation` of the run's results; segment
names come from the run's policy taxonomy (:attr:`ReportContext.segment_names`), in its order.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from finseg.reporting._charts import _base, _plain, bar_chart, bar_height
from finseg.reporting._context import ReportContext
from finseg.reporting._section_risk import _order as _grade_order
from finseg.reporting._sections import Chart, ExcelHint, NumFmt, Section, Table, register_section

__all__ = ["segments_section"]

_ALPHA = 0.05
_QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
_Q_NAMES = ("P10", "P25", "P50", "P75", "P90")
_EXPOSURE = ("outstanding_loans", "requested_amount")
_WAN = 10_000.0


@register_section("segments", order=60)
def segments_section(ctx: ReportContext) -> Section | None:
    """The segments of the run; ``None`` for a run without the segments stage (or rows).

    Examples
    --------
    >>> df = pd.DataFrame({"segment": ["a", "a", "b"], "pd": [0.01, 0.03, 0.2],
    ...                    "grade": ["A", "A", "B"]})
    >>> section = segments_section(ReportContext(results=df, lang="en",
    ...                                          segment_names={"b": ("乙", "Bee")}))
    >>> section.tables[0].frame.iloc[:, 0].tolist(), [c.id for c in section.charts]
    (['Bee', 'a'], ['sizes', 'rates', 'pd', 'grades'])
    >>> segments_section(ReportContext(results=df.drop(columns="segment"))) is None
    True
    """
    if "segment" not in ctx.results.columns or ctx.results.empty:
        return None
    from finseg.segments import segment_validation

    frame = _frame(ctx)
    validation = segment_validation(frame, ctx.min_segment_size)
    ids = _ids(ctx, frame)
    rows = {s: validation["segments"][s] for s in ids}
    section = Section.titled("segments", 60)
    section.narrative = "\n\n".join(_narrative(ctx, validation, rows))
    empty = [s for s in ctx.segment_names if s not in rows]
    if empty:
        join = "、".join if ctx.lang == "zh" else ", ".join
        section.notes.append(
            ctx.t("segments.empty", k=len(empty), names=join(_name(ctx, s) for s in empty))
        )
    names = [_name(ctx, s) for s in ids]
    counts = [rows[s]["n"] for s in ids]
    customers = ctx.t("common.customers")
    title = ctx.t("segments.chart.sizes")
    option = bar_chart(names, counts, title, series_name=customers, value_name=customers)
    hint = ExcelHint("bar", names, counts, customers)
    section.charts.append(Chart("sizes", title, option, hint, height=bar_height(len(ids))))
    rates = _rates_chart(ctx, ids, rows)
    if rates is not None:
        section.charts.append(rates)
    section.tables.append(_segments_table(ctx, ids, rows))
    quantiles = _pd_quantiles(frame, ids)
    if quantiles is not None:
        section.charts.append(_pd_chart(ctx, names, quantiles))
        section.tables.append(_pd_table(ctx, ids, rows, quantiles))
    if ctx.has("grade"):
        crosstab = _grades(ctx, frame, ids)
        section.charts.append(_grades_chart(ctx, crosstab))
        section.tables.append(_grades_table(ctx, crosstab))
    if validation.get("adjacent"):
        section.tables.append(_adjacent_table(ctx, validation["adjacent"]))
    return section


def _frame(ctx: ReportContext) -> pd.DataFrame:
    """The columns validation reads, with ``pd`` (missing when the run has none) and the
    segment as text."""
    results = ctx.results
    frame = pd.DataFrame({"segment": results["segment"].astype("string").fillna("—")})
    nan = pd.Series(float("nan"), index=results.index)
    frame["pd"] = pd.to_numeric(results["pd"], errors="coerce") if "pd" in results else nan
    for column in ("default_12m", "grade", *_EXPOSURE):
        if column in results:
            frame[column] = results[column]
    exposure = next((c for c in _EXPOSURE if ctx.has(c)), None)
    return frame.drop(columns=[c for c in _EXPOSURE if c in frame and c != exposure])


def _ids(ctx: ReportContext, frame: pd.DataFrame) -> list[str]:
    """The segments present, in taxonomy order (the policy's, else the column's categories),
    then any others sorted."""
    present = set(frame["segment"].unique())
    known = list(ctx.segment_names)
    column = ctx.results["segment"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        known += [str(c) for c in column.cat.categories if str(c) not in ctx.segment_names]
    ordered = [s for s in known if s in present]
    return ordered + sorted(present - set(ordered))


def _name(ctx: ReportContext, segment: str) -> str:
    names = ctx.segment_names.get(segment)
    if names is None:
        return segment
    return names[0] if ctx.lang == "zh" else names[1]


def _p(p: float | None) -> str:
    """A p-value as text: three decimals, ``< 0.001`` below that."""
    if p is None:
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _narrative(ctx: ReportContext, v: dict[str, Any], rows: dict[str, dict]) -> list[str]:
    largest = max(rows, key=lambda s: rows[s]["n"])
    parts = [
        ctx.t(
            "segments.narrative",
            n=NumFmt.INT.format(sum(r["n"] for r in rows.values())),
            k=len(rows),
            largest=_name(ctx, largest),
            size=NumFmt.INT.format(rows[largest]["n"]),
            share=NumFmt.SHARE.format(rows[largest]["share"]),
        )
    ]
    with_odr = {s: r for s, r in rows.items() if r.get("odr") is not None}
    with_pd = {s: r for s, r in rows.items() if r.get("mean_pd") is not None}
    if with_odr:
        top = max(with_odr, key=lambda s: with_odr[s]["odr"])
        odr = NumFmt.SHARE.format(with_odr[top]["odr"])
        parts.append(ctx.t("segments.riskiest_odr", name=_name(ctx, top), odr=odr))
    elif with_pd:
        top = max(with_pd, key=lambda s: with_pd[s]["mean_pd"])
        mean_pd = NumFmt.SHARE.format(with_pd[top]["mean_pd"])
        parts.append(ctx.t("segments.riskiest_pd", name=_name(ctx, top), pd=mean_pd))
    chi = v.get("chi_square")
    if chi:
        verdict = ctx.t("segments.chi.differ" if chi["p_value"] < _ALPHA else "segments.chi.same")
        stat = NumFmt.DECIMAL.format(chi["statistic"])
        test = ctx.t("segments.chi_square", verdict=verdict, stat=stat, df=chi["df"],
                     p=_p(chi["p_value"]))  # fmt: skip
        pairs = v.get("adjacent") or []
        if pairs:
            sig = sum(p["p_value"] < _ALPHA for p in pairs)
            test += _join(ctx, ctx.t("segments.adjacent", pairs=len(pairs), sig=sig))
        parts.append(test)
    else:
        parts.append(ctx.t("segments.no_outcomes"))
    eta2 = v.get("pd_variance_explained")
    if eta2 is not None:
        parts[-1] += _join(ctx, ctx.t("segments.eta2", share=NumFmt.SHARE.format(eta2)))
    small = [_name(ctx, s) for s, r in rows.items() if r["too_small"]]
    if small:
        sep = "、" if ctx.lang == "zh" else ", "
        parts.append(ctx.t("segments.too_small", min=ctx.min_segment_size, names=sep.join(small)))
    return parts


def _join(ctx: ReportContext, sentence: str) -> str:
    return sentence if ctx.lang == "zh" else f" {sentence}"


def _segments_table(ctx: ReportContext, ids: list[str], rows: dict[str, dict]) -> Table:
    segment, id_ = ctx.t("validation.col.segment"), ctx.t("segments.col.id")
    customers, share = ctx.t("common.customers"), ctx.t("common.share")
    defaults, odr = ctx.t("validation.col.defaults"), ctx.t("risk.col.observed")
    mean_pd, exposure = ctx.t("risk.col.mean_pd"), ctx.t("segments.col.exposure")
    small = ctx.t("segments.col.too_small")
    frame = pd.DataFrame({
        segment: [_name(ctx, s) for s in ids], id_: ids,
        customers: [rows[s]["n"] for s in ids], share: [rows[s]["share"] for s in ids],
    })  # fmt: skip
    formats = {customers: NumFmt.INT, share: NumFmt.SHARE}
    if any((rows[s].get("known") or 0) > 0 for s in ids):
        frame[defaults] = [rows[s].get("defaults") for s in ids]
        frame[odr] = [rows[s].get("odr") for s in ids]
        formats |= {defaults: NumFmt.INT, odr: NumFmt.SHARE}
    frame[mean_pd], formats[mean_pd] = [rows[s].get("mean_pd") for s in ids], NumFmt.SHARE
    if any(rows[s].get("exposure") is not None for s in ids):
        wan = [rows[s].get("exposure") for s in ids]
        frame[exposure] = [None if x is None else x / _WAN for x in wan]
        formats[exposure] = NumFmt.AMOUNT
    frame[small] = [ctx.t("segments.yes") if rows[s]["too_small"] else "" for s in ids]
    return Table(ctx.t("segments.table.segments"), frame, formats)


def _rates_chart(ctx: ReportContext, ids: list[str], rows: dict[str, dict]) -> Chart | None:
    """Observed default rate (where known) and mean PD per segment, in %, as grouped bars;
    Excel draws the first of the two natively."""
    names = [_name(ctx, s) for s in ids]
    series = []
    for key, label in (("odr", "risk.col.observed"), ("mean_pd", "risk.col.mean_pd")):
        values = [rows[s].get(key) for s in ids]
        if any(v is not None for v in values):
            pct = [None if v is None else round(100 * v, 3) for v in values]
            series.append((ctx.t(label), pct))
    if not series:
        return None
    title = ctx.t("segments.chart.rates")
    option = bar_chart(names, series[0][1], title)
    option["series"] = [
        option["series"][0] | {"name": name, "data": [_plain(v) for v in values]}
        for name, values in series
    ]
    option["legend"], option["grid"]["top"] = {"top": 22}, 56
    first, values = series[0]
    shown = [(n, v) for n, v in zip(names, values, strict=True) if v is not None]
    hint = ExcelHint("bar", [n for n, _ in shown], [v for _, v in shown], first)
    height = bar_height(len(ids)) + 18 * len(ids) * (len(series) - 1)
    return Chart("rates", title, option, hint, height=height)


def _pd_quantiles(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame | None:
    """P10…P90 of PD per segment (rows in ``ids`` order); ``None`` when no PD is known."""
    known = frame.dropna(subset=["pd"])
    if known.empty:
        return None
    q = known.groupby("segment")["pd"].quantile(list(_QUANTILES)).unstack()
    q.columns = list(_Q_NAMES)
    return q.reindex(ids)


def _pd_chart(ctx: ReportContext, names: list[str], q: pd.DataFrame) -> Chart:
    """A box-plot of PD (in %) per segment: whiskers at P10 and P90, the box P25–P75; on a
    log axis when every quantile is positive (PDs span several decades)."""
    title = ctx.t("segments.chart.pd")
    data = [[_plain(round(100 * v, 4)) if pd.notna(v) else None for v in row]
            for row in q.itertuples(index=False, name=None)]  # fmt: skip
    log = bool((q.dropna(how="all").to_numpy() > 0).all())
    axis = {"type": "log", "logBase": 10} if log else {"type": "value", "min": 0}
    option = _base(title) | {
        "tooltip": {"trigger": "item"},
        "grid": {"left": 8, "right": 32, "top": 44, "bottom": 36, "containLabel": True},
        "xAxis": axis | {"name": ctx.t(f"segments.chart.{'log_pct' if log else 'pct'}"),
                         "nameLocation": "middle", "nameGap": 26},
        "yAxis": {"type": "category", "data": names, "inverse": True,
                  "axisLabel": {"width": 230, "overflow": "truncate"}},
        "series": [{"type": "boxplot", "name": ctx.t("segments.chart.pct"), "data": data}],
    }  # fmt: skip
    return Chart("pd", title, option, None, height=bar_height(len(names)) + 10)


def _pd_table(ctx: ReportContext, ids: list[str], rows: dict[str, dict], q: pd.DataFrame) -> Table:
    segment, mean_pd = ctx.t("validation.col.segment"), ctx.t("risk.col.mean_pd")
    std = ctx.t("segments.col.pd_std")
    frame = pd.DataFrame({segment: [_name(ctx, s) for s in ids]})
    frame[mean_pd] = [rows[s].get("mean_pd") for s in ids]
    for name in _Q_NAMES:
        frame[name] = q[name].tolist()
    frame[std] = [rows[s].get("pd_std") for s in ids]
    formats = {c: NumFmt.SHARE for c in (mean_pd, *_Q_NAMES, std)}
    return Table(ctx.t("segments.table.pd"), frame, formats)


def _grades(ctx: ReportContext, frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Customers per segment (rows, ``ids`` order) and grade (columns, master-scale order)."""
    grades = frame["grade"].astype("string").fillna("—")
    table = pd.crosstab(frame["segment"], grades)
    return table.reindex(index=ids, columns=_grade_order(ctx, table.columns.tolist()), fill_value=0)


def _ramp(n: int) -> list[str]:
    """``n`` colours from green (best grade) through amber to red (worst).

    >>> _ramp(3)
    ['#3a9a6b', '#e0a72c', '#c2453d']
    """
    stops = [(0x3A, 0x9A, 0x6B), (0xE0, 0xA7, 0x2C), (0xC2, 0x45, 0x3D)]
    colours = []
    for i in range(n):
        x = 2 * i / (n - 1) if n > 1 else 0.0
        lo = min(int(x), 1)
        pairs = zip(stops[lo], stops[lo + 1], strict=True)
        colours.append("#" + "".join(f"{round(u + (v - u) * (x - lo)):02x}" for u, v in pairs))
    return colours


def _grades_chart(ctx: ReportContext, crosstab: pd.DataFrame) -> Chart:
    """Stacked bars: one per segment, one stack per grade (best grade first)."""
    title = ctx.t("segments.chart.grades")
    names = [_name(ctx, s) for s in crosstab.index]
    option = bar_chart(names, [], title, value_name=ctx.t("common.customers"))
    option["series"] = [
        {"type": "bar", "name": str(g), "stack": "grade", "barMaxWidth": 28,
         "data": [_plain(v) for v in crosstab[g]]}
        for g in crosstab.columns
    ]  # fmt: skip
    option["color"] = _ramp(len(crosstab.columns))
    option["legend"] = {"type": "scroll", "top": 22}
    option["grid"]["top"] = 56
    return Chart("grades", title, option, None, height=bar_height(len(names)) + 20)


def _grades_table(ctx: ReportContext, crosstab: pd.DataFrame) -> Table:
    segment, total = ctx.t("validation.col.segment"), ctx.t("stage.total")
    frame = pd.DataFrame({segment: [_name(ctx, s) for s in crosstab.index]})
    for grade in crosstab.columns:
        frame[str(grade)] = crosstab[grade].astype(int).tolist()
    frame[total] = crosstab.sum(axis=1).astype(int).tolist()
    formats = {c: NumFmt.INT for c in frame.columns if c != segment}
    return Table(ctx.t("segments.table.grades"), frame, formats)


def _adjacent_table(ctx: ReportContext, pairs: list[dict[str, Any]]) -> Table:
    keys = ("lower", "higher", "odr_lower", "odr_higher", "p_value", "significant")
    cols = {k: ctx.t(f"segments.col.{k}") for k in keys}
    frame = pd.DataFrame({
        cols["lower"]: [_name(ctx, p["pair"][0]) for p in pairs],
        cols["higher"]: [_name(ctx, p["pair"][1]) for p in pairs],
        cols["odr_lower"]: [p["odr"][0] for p in pairs],
        cols["odr_higher"]: [p["odr"][1] for p in pairs],
        cols["p_value"]: [p["p_value"] for p in pairs],
        cols["significant"]: [ctx.t("segments.yes") if p["p_value"] < _ALPHA else ""
                              for p in pairs],
    })  # fmt: skip
    formats = {cols["odr_lower"]: NumFmt.SHARE, cols["odr_higher"]: NumFmt.SHARE,
               cols["p_value"]: NumFmt.DECIMAL}  # fmt: skip
    return Table(ctx.t("segments.table.adjacent"), frame, formats)
