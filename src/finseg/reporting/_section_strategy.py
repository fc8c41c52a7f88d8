"""Report section: the financing strategy — the scenario, how many customers are approved,
referred and declined, the limits, expected loss, RWA and price they carry, per segment, per
product and per policy programme; which cap sets the limits; review levels and security; and
the most frequent decline and referral reasons.

Everything is a group-by over categorical columns of the results (a million customers take
well under a second); reason codes and programme lists are split once per distinct value,
never once per customer.  Products, programmes, rules and scenarios are named by the run's
policy (:attr:`ReportContext.strategy_labels`, made by :func:`strategy_labels`, which is
:func:`finseg.strategy.code_names`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from finseg.reporting._charts import _base, _plain, bar_chart, bar_height
from finseg.reporting._context import ReportContext
from finseg.reporting._sections import Chart, ExcelHint, NumFmt, Section, Table, register_section
from finseg.strategy import CAPS, DECISIONS, SEPARATOR, CollateralLevel, ReviewLevel
from finseg.strategy import code_names as strategy_labels
from finseg.strategy._reasons import BUILT_IN

if TYPE_CHECKING:
    pass

__all__ = ["decisions_chart", "limits_chart", "strategy_labels", "strategy_section"]

_ORDER = 70
_WAN = 10_000.0
_TOP = 10
_COLOURS = {"approve": "#3a9a6b", "refer": "#e0a72c", "decline": "#c2453d"}
_SUMS = ("limit", "granted", "proposed", "requested_amount", "expected_loss", "rwa")
_BASELINE = "decision:baseline"  # a tightening scenario kept the baseline's stricter decision


@register_section("strategy", order=_ORDER)
def strategy_section(ctx: ReportContext) -> Section | None:
    """The run's decisions; ``None`` for a run without the strategy stage (or rows).

    Examples
    --------
    >>> df = pd.DataFrame({"decision": ["approve", "decline"], "limit": [2e6, 0.0]})
    >>> strategy_section(ReportContext(results=df, lang="en")).tables[0].frame.iloc[:, 1].tolist()
    [1, 0, 1, 2]
    >>> strategy_section(ReportContext(results=df.drop(columns="decision"))) is None
    True
    """
    if "decision" not in ctx.results.columns or ctx.results.empty:
        return None
    frame = _frame(ctx.results)
    section = Section.titled("strategy", _ORDER)
    decline = _reasons(ctx, frame, "decline") if "decision_reasons" in frame else None
    refer = _reasons(ctx, frame, "refer") if "decision_reasons" in frame else None
    section.narrative = "\n\n".join(_narrative(ctx, frame, decline, refer))
    section.tables.append(_decisions_table(ctx, frame))
    if "segment" in frame:
        table, counts = _segments_table(ctx, frame)
        section.tables.append(table)
        names = table.frame.iloc[:, 0].tolist()
        series = [(_decision(ctx, d), counts[d].tolist()) for d in DECISIONS]
        title = ctx.t("strategy.chart.decisions")
        option = decisions_chart(names, series, title, value_name=ctx.t("common.customers"))
        section.charts.append(Chart("decisions", title, option, None,
                                    height=bar_height(len(names)) + 20))  # fmt: skip
    else:
        section.notes.append(ctx.t("strategy.no_segment"))
    if "product" in frame:
        table = _products_table(ctx, frame)
        section.tables.append(table)
        if "limit" in frame and not table.frame.empty:
            section.charts.append(_limits(ctx, table))
    for column, build in (("limit_binding", _binding_table), ("review_level", _review_table),
                          ("collateral_required", _collateral_table)):  # fmt: skip
        if column in frame:
            section.tables.append(build(ctx, frame))
    for table in (decline, refer):
        if table is not None:
            section.tables.append(table)
    if "programmes" in frame:
        section.tables.append(_programmes_table(ctx, frame))
    return section


# ---- data ------------------------------------------------------------------------------------


def _frame(results: pd.DataFrame) -> pd.DataFrame:
    """The columns the section reads: keys as categoricals, amounts as floats, and
    ``price_x_limit`` for limit-weighted prices."""
    out = pd.DataFrame(index=results.index)
    out["decision"] = results["decision"].astype(pd.CategoricalDtype(list(DECISIONS)))
    for column in ("segment", "product", "limit_binding", "review_level", "collateral_required",
                   "programmes", "decision_reasons", "scenario"):  # fmt: skip
        if column in results:
            out[column] = results[column].astype("category")
    for column in (*_SUMS, "price", "pd", "scenario_pd"):
        if column in results:
            out[column] = pd.to_numeric(results[column], errors="coerce").astype(float)
    if "limit" in out:  # granted (approved) and proposed (referred, not granted) apart
        limit = out["limit"].fillna(0.0).to_numpy()
        out["granted"] = np.where(out["decision"] == "approve", limit, 0.0)
        out["proposed"] = np.where(out["decision"] == "refer", limit, 0.0)
    if "price" in out and "limit" in out:
        out["price_x_limit"] = out["price"].to_numpy() * out["limit"].fillna(0.0).to_numpy()
    if "collateral_met" in results:
        out["short"] = ~results["collateral_met"].fillna(True).astype(bool)
    return out


def _sums(frame: pd.DataFrame, key: str | list[str]) -> pd.DataFrame:
    """Per value of ``key``: ``n`` customers and the sums of the amounts."""
    grouped = frame.groupby(key, observed=True, sort=False)
    columns = [c for c in (*_SUMS, "price_x_limit") if c in frame]
    sums = grouped[columns].sum() if columns else pd.DataFrame(index=grouped.size().index)
    return sums.assign(n=grouped.size())


def _decision_counts(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Customers per value of ``key`` (rows) and decision (columns approve, refer, decline)."""
    counts = frame.groupby([key, "decision"], observed=True).size().unstack(fill_value=0)
    return counts.reindex(columns=list(DECISIONS), fill_value=0)


def _order(first: Sequence[str], present: Sequence[str]) -> list[str]:
    """``present`` in the order of ``first``, then the rest sorted."""
    seen = set(present)
    ordered = [k for k in dict.fromkeys(first) if k in seen]
    return ordered + sorted(seen - set(ordered))


def _codes_in(ctx: ReportContext, prefix: str) -> list[str]:
    """The ids the policy labels under ``prefix`` (``product`` …), in policy order."""
    return [k.split(":", 1)[1] for k in ctx.strategy_labels if k.startswith(f"{prefix}:")]


# ---- labels ----------------------------------------------------------------------------------


def _label(ctx: ReportContext, code: str) -> str:
    """The name of a strategy code: the run policy's, else the stage's own, else the id."""
    names = ctx.strategy_labels.get(code) or BUILT_IN.get(code)
    if names is not None:
        return names[0] if ctx.lang == "zh" else names[1]
    return code.split(":", 1)[-1]


def _decision(ctx: ReportContext, decision: str) -> str:
    return ctx.t(f"strategy.decision.{decision}")


def _segment(ctx: ReportContext, segment: str) -> str:
    names = ctx.segment_names.get(segment)
    return segment if names is None else names[0 if ctx.lang == "zh" else 1]


def _scenario(ctx: ReportContext, frame: pd.DataFrame) -> str:
    scenario = None
    if "scenario" in frame and len(frame["scenario"].cat.categories):
        scenario = str(frame["scenario"].cat.categories[0])
    scenario = scenario or (ctx.run.get("params") or {}).get("scenario") or "baseline"
    return _label(ctx, f"scenario:{scenario}")


# ---- narrative -------------------------------------------------------------------------------


def _narrative(
    ctx: ReportContext, frame: pd.DataFrame, decline: Table | None, refer: Table | None
) -> list[str]:
    n = len(frame)
    counts = frame["decision"].value_counts().reindex(list(DECISIONS), fill_value=0)
    values: dict[str, Any] = {"scenario": _scenario(ctx, frame), "n": NumFmt.INT.format(n)}
    for d in DECISIONS:
        values[d], values[f"{d}_share"] = NumFmt.INT.format(counts[d]), _share(counts[d], n)
    parts = [ctx.t("strategy.narrative", **values)]
    if "limit" in frame:
        granted = float(frame["granted"].sum())
        amounts = {"granted": _wan(granted), "proposed": _wan(_total(frame, "proposed")),
                   "el": _wan(_total(frame, "expected_loss")), "rwa": _wan(_total(frame, "rwa")),
                   "price": _price(frame)}  # fmt: skip
        if "requested_amount" in frame:
            requested = float(frame["requested_amount"].sum())
            ratio = NumFmt.SHARE.format(granted / requested if requested > 0 else None)
            parts.append(ctx.t("strategy.amounts", requested=_wan(requested), ratio=ratio,
                               **amounts))  # fmt: skip
        else:
            parts.append(ctx.t("strategy.amounts_no_request", **amounts))
    if "limit_binding" in frame:
        capped = int((frame["limit_binding"] == "baseline").sum())
        if capped:
            parts.append(ctx.t("strategy.baseline_capped", n=NumFmt.INT.format(capped)))
    for kind, table in (("decline", decline), ("refer", refer)):
        if table is not None and not table.frame.empty:
            top = table.frame.iloc[0]
            parts.append(ctx.t(f"strategy.top_{kind}", reason=top.iloc[0],
                               n=NumFmt.INT.format(top.iloc[2])))  # fmt: skip
    return parts


def _total(frame: pd.DataFrame, column: str) -> float | None:
    return float(frame[column].sum()) if column in frame else None


def _wan(value: float | None) -> str:
    return NumFmt.AMOUNT.format(None if value is None else value / _WAN)


def _share(part: float, whole: float) -> str:
    return NumFmt.SHARE.format(part / whole if whole else None)


def _price(frame: pd.DataFrame) -> str:
    if "price_x_limit" not in frame:
        return NumFmt.SHARE.format(None)
    limit = float(frame["limit"].sum())
    return NumFmt.SHARE.format(float(frame["price_x_limit"].sum()) / limit if limit > 0 else None)


# ---- tables ----------------------------------------------------------------------------------


def _amount_columns(ctx: ReportContext, sums: pd.DataFrame) -> tuple[dict, dict]:
    """Granted and proposed limits, requested, EL and RWA in 万元 and the limit-weighted price
    of ``sums``."""
    columns, formats = {}, {}
    for column, key in (("granted", "granted"), ("proposed", "proposed"),
                        ("requested_amount", "requested"), ("expected_loss", "el"),
                        ("rwa", "rwa")):  # fmt: skip
        if column in sums:
            header = ctx.t(f"strategy.col.{key}")
            columns[header], formats[header] = (sums[column] / _WAN).tolist(), NumFmt.AMOUNT
    if "price_x_limit" in sums:
        header = ctx.t("strategy.col.price")
        limit = sums["limit"].to_numpy()
        price = np.divide(sums["price_x_limit"].to_numpy(), limit, out=np.full(len(limit), np.nan),
                          where=limit > 0)  # fmt: skip
        columns[header], formats[header] = price.tolist(), NumFmt.SHARE
    return columns, formats


def _decisions_table(ctx: ReportContext, frame: pd.DataFrame) -> Table:
    sums = _sums(frame, "decision").reindex(list(DECISIONS), fill_value=0)
    sums.loc["total"] = sums.sum()
    customers, share = ctx.t("common.customers"), ctx.t("common.share")
    table = pd.DataFrame({
        ctx.t("strategy.col.decision"): [_decision(ctx, d) for d in sums.index],
        customers: sums["n"].astype(int).tolist(), share: (sums["n"] / len(frame)).tolist(),
    })  # fmt: skip
    columns, formats = _amount_columns(ctx, sums)
    table = table.assign(**columns)
    return Table(ctx.t("strategy.table.decisions"), table,
                 {customers: NumFmt.INT, share: NumFmt.SHARE, **formats})  # fmt: skip


def _segments_table(ctx: ReportContext, frame: pd.DataFrame) -> tuple[Table, pd.DataFrame]:
    """Per segment, in taxonomy order; and the decision counts behind its chart."""
    if frame["segment"].isna().any():
        frame = frame.assign(segment=frame["segment"].cat.add_categories(["—"]).fillna("—"))
    sums = _sums(frame, "segment")
    counts = _decision_counts(frame, "segment")
    ids = _order(list(ctx.segment_names) + [str(c) for c in frame["segment"].cat.categories],
                 [str(s) for s in sums.index])  # fmt: skip
    sums, counts = sums.reindex(ids), counts.reindex(ids, fill_value=0)
    cols = {k: ctx.t(f"strategy.col.{k}") for k in ("segment", "approval_rate", "referred",
                                                   "declined", "top_product")}  # fmt: skip
    customers = ctx.t("common.customers")
    table = pd.DataFrame({
        cols["segment"]: [_segment(ctx, s) for s in ids], customers: sums["n"].astype(int).tolist(),
        cols["approval_rate"]: (counts["approve"] / sums["n"]).tolist(),
        cols["referred"]: counts["refer"].astype(int).tolist(),
        cols["declined"]: counts["decline"].astype(int).tolist(),
    })  # fmt: skip
    columns, formats = _amount_columns(ctx, sums.drop(columns="requested_amount", errors="ignore"))
    table = table.assign(**columns)
    if "product" in frame:
        top = frame.groupby(["segment", "product"], observed=True).size().unstack(fill_value=0)
        best = top.idxmax(axis=1).where(top.sum(axis=1) > 0)
        table[cols["top_product"]] = [_product(ctx, best.get(s)) for s in ids]
    formats |= {customers: NumFmt.INT, cols["approval_rate"]: NumFmt.SHARE,
                cols["referred"]: NumFmt.INT, cols["declined"]: NumFmt.INT}  # fmt: skip
    return Table(ctx.t("strategy.table.segments"), table, formats), counts


def _product(ctx: ReportContext, product: Any) -> str:
    return "—" if product is None or pd.isna(product) else _label(ctx, f"product:{product}")


def _products_table(ctx: ReportContext, frame: pd.DataFrame) -> Table:
    sums = _sums(frame, "product")
    ids = _order(_codes_in(ctx, "product"), [str(p) for p in sums.index])
    sums = sums.reindex(ids)
    approved = _decision_counts(frame, "product")["approve"].reindex(ids, fill_value=0)
    cols = {k: ctx.t(f"strategy.col.{k}") for k in ("product", "recommended", "approved")}
    table = pd.DataFrame({
        cols["product"]: [_product(ctx, p) for p in ids],
        cols["recommended"]: sums["n"].astype(int).tolist(),
        cols["approved"]: approved.astype(int).tolist(),
    })  # fmt: skip
    keep = sums[[c for c in ("limit", "granted", "proposed", "price_x_limit") if c in sums]]
    columns, formats = _amount_columns(ctx, keep)
    table = table.assign(**columns)
    grouped = frame.groupby("product", observed=True, sort=False)
    for column, key in (("pd", "mean_pd"), ("scenario_pd", "mean_scenario_pd")):
        same = column == "scenario_pd" and "pd" in frame and _same(frame["pd"], frame[column])
        if column in frame and not same:
            header = ctx.t(f"strategy.col.{key}")
            table[header], formats[header] = grouped[column].mean().reindex(ids).tolist(), \
                NumFmt.SHARE  # fmt: skip
    formats |= {cols["recommended"]: NumFmt.INT, cols["approved"]: NumFmt.INT}
    return Table(ctx.t("strategy.table.products"), table, formats)


def _same(a: pd.Series, b: pd.Series) -> bool:
    """Whether two PD columns agree (a baseline run: the scenario PD is the PD)."""
    return bool(np.allclose(a.to_numpy(), b.to_numpy(), equal_nan=True))


def _distribution(ctx: ReportContext, frame: pd.DataFrame, column: str, order: list[str],
                  names: list[str], title: str, head: str) -> Table:  # fmt: skip
    """Customers, share and total limit per value of ``column`` in ``order``."""
    sums = _sums(frame, column).reindex(order, fill_value=0)
    customers, share = ctx.t("common.customers"), ctx.t("common.share")
    total = sums["n"].sum()
    table = pd.DataFrame({
        head: names, customers: sums["n"].astype(int).tolist(),
        share: (sums["n"] / total if total else sums["n"] * 0.0).tolist(),
    })  # fmt: skip
    formats = {customers: NumFmt.INT, share: NumFmt.SHARE}
    for key in ("granted", "proposed"):
        if key in sums:
            header = ctx.t(f"strategy.col.{key}")
            table[header], formats[header] = (sums[key] / _WAN).tolist(), NumFmt.AMOUNT
    if column == "collateral_required" and "short" in frame:
        header = ctx.t("strategy.col.short")
        short = frame.groupby(column, observed=True)["short"].sum().reindex(order, fill_value=0)
        table[header], formats[header] = short.astype(int).tolist(), NumFmt.INT
    return Table(title, table, formats)


def _binding_table(ctx: ReportContext, frame: pd.DataFrame) -> Table:
    present = [str(c) for c in frame["limit_binding"].dropna().unique()]
    order = [c for c in _order([*CAPS, "baseline"], present)]
    names = [_label(ctx, f"cap:{c}") for c in order]
    return _distribution(ctx, frame, "limit_binding", order, names,
                         ctx.t("strategy.table.binding"), ctx.t("strategy.col.cap"))  # fmt: skip


def _review_table(ctx: ReportContext, frame: pd.DataFrame) -> Table:
    order = [lv.value for lv in ReviewLevel]
    names = [lv.label(ctx.lang) for lv in ReviewLevel]
    return _distribution(ctx, frame, "review_level", order, names,
                         ctx.t("strategy.table.review"), ctx.t("strategy.col.level"))  # fmt: skip


def _collateral_table(ctx: ReportContext, frame: pd.DataFrame) -> Table:
    order = [lv.value for lv in CollateralLevel]
    names = [lv.label(ctx.lang) for lv in CollateralLevel]
    return _distribution(ctx, frame, "collateral_required", order, names,
                         ctx.t("strategy.table.collateral"),
                         ctx.t("strategy.col.security"))  # fmt: skip


def _reason_counts(frame: pd.DataFrame, kind: str) -> Counter[str]:
    """How many ``kind`` (``decline`` / ``refer``) customers have each ``kind:`` reason code
    (and :data:`_BASELINE`), counted once per distinct ``decision_reasons`` text."""
    mine = frame.loc[frame["decision"] == kind, "decision_reasons"]
    counts: Counter[str] = Counter()
    for text, n in mine.value_counts(sort=False).items():
        if n:
            for code in str(text).split(SEPARATOR):
                if code.startswith(f"{kind}:") or code == _BASELINE:
                    counts[code] += int(n)
    return counts


def _reasons(ctx: ReportContext, frame: pd.DataFrame, kind: str) -> Table:
    counts = _reason_counts(frame, kind)
    total = int((frame["decision"] == kind).sum())
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:_TOP]
    reason, code = ctx.t("strategy.col.reason"), ctx.t("strategy.col.code")
    customers = ctx.t("common.customers")
    share = ctx.t("strategy.col.share_declined" if kind == "decline" else
                  "strategy.col.share_referred")  # fmt: skip
    table = pd.DataFrame({
        reason: [_label(ctx, c) for c, _ in top], code: [c for c, _ in top],
        customers: [n for _, n in top], share: [n / total for _, n in top],
    })  # fmt: skip
    notes = [ctx.t("strategy.reasons_multiple")]
    if len(counts) > _TOP:
        notes.insert(0, ctx.t("strategy.reasons_truncated", total=len(counts), n=_TOP))
    return Table(ctx.t(f"strategy.table.{kind}"), table,
                 {customers: NumFmt.INT, share: NumFmt.SHARE}, " ".join(notes))  # fmt: skip


def _programmes_table(ctx: ReportContext, frame: pd.DataFrame) -> Table:
    """Members, approved members and their granted limits per programme; ``programmes`` holds
    comma-joined ids, split once per distinct list."""
    keys = ["programmes", "decision"]
    grouped = frame.groupby(keys, observed=True)
    sums = grouped["granted"].sum() if "granted" in frame else grouped.size() * 0.0
    rows: dict[str, list[float]] = {}
    for (text, decision), n in grouped.size().items():
        for pid in filter(None, str(text).split(",")):
            row = rows.setdefault(pid, [0, 0, 0.0])
            row[0] += n
            row[1] += n if decision == "approve" else 0
            row[2] += float(sums[(text, decision)])
    ids = _order(_codes_in(ctx, "programme"), list(rows))
    cols = {k: ctx.t(f"strategy.col.{k}") for k in ("programme", "members", "approved")}
    cols["limit"] = ctx.t("strategy.col.granted")
    table = pd.DataFrame({
        cols["programme"]: [_label(ctx, f"programme:{p}") for p in ids],
        cols["members"]: [int(rows[p][0]) for p in ids],
        cols["approved"]: [int(rows[p][1]) for p in ids],
        cols["limit"]: [rows[p][2] / _WAN for p in ids],
    })  # fmt: skip
    formats = {cols["members"]: NumFmt.INT, cols["approved"]: NumFmt.INT,
               cols["limit"]: NumFmt.AMOUNT}  # fmt: skip
    return Table(ctx.t("strategy.table.programmes"), table, formats)


# ---- charts ----------------------------------------------------------------------------------


def decisions_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    title: str,
    *,
    value_name: str = "",
    colours: Sequence[str] = tuple(_COLOURS.values()),
) -> dict[str, Any]:
    """Horizontal stacked bars: one bar per category, one stack per series (approve, refer,
    decline by default in green, amber and red).

    >>> option = decisions_chart(["Micro", "Large"], [("Approve", [3, 1]), ("Decline", [1, 0])],
    ...                          "Decisions")
    >>> [s["name"] for s in option["series"]], option["series"][1]["data"]
    (['Approve', 'Decline'], [1, 0])
    """
    option = bar_chart(categories, [], title, value_name=value_name)
    option["series"] = [
        {"type": "bar", "name": name, "stack": "decision", "barMaxWidth": 28,
         "data": [_plain(v) for v in values]}
        for name, values in series
    ]  # fmt: skip
    option["color"] = list(colours)[: len(series)] or _base(title)["color"]
    option["legend"] = {"top": 22}
    option["grid"]["top"] = 56
    return option


def limits_chart(names: Sequence[str], wan: Sequence[float], title: str, *, unit: str = ""
                 ) -> dict[str, Any]:  # fmt: skip
    """Total limit per product (万元) as horizontal bars, the largest first.

    >>> limits_chart(["A", "B"], [1.5, 20.0], "Limits")["yAxis"]["data"]
    ['B', 'A']
    """
    pairs = sorted(zip(names, wan, strict=True), key=lambda p: -(_plain(p[1]) or 0.0))
    return bar_chart([n for n, _ in pairs], [v for _, v in pairs], title, series_name=unit,
                     value_name=unit)  # fmt: skip


def _limits(ctx: ReportContext, table: Table) -> Chart:
    names = table.frame.iloc[:, 0].tolist()
    wan = [round(float(v), 2) for v in table.frame[ctx.t("strategy.col.granted")].fillna(0.0)]
    title, unit = ctx.t("strategy.chart.limits"), ctx.t("unit.wan_yuan")
    option = limits_chart(names, wan, title, unit=unit)
    values = [v or 0.0 for v in option["series"][0]["data"]]
    hint = ExcelHint("bar", option["yAxis"]["data"], values, unit)
    return Chart("limits", title, option, hint, height=bar_height(len(names)))
