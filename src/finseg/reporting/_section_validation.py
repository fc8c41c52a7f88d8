"""Report section: model validation — how the model(s) that graded the run did when trained.

Everything comes from the model cards in :attr:`ReportContext.models`: discrimination (AUC,
Gini, KS), accuracy (Brier, log-loss), cross-validation, population stability (PSI train vs
test), the calibration curve, per-grade back-tests with Hosmer–Lemeshow and the grade
concentration, and the segment and model-kind comparisons made in training.  Every key of
a card's ``metrics`` is optional: the section draws what is there and skips the rest.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from finseg.reporting._charts import _base, _plain
from finseg.reporting._context import ReportContext
from finseg.reporting._i18n import t_or
from finseg.reporting._section_risk import _order
from finseg.reporting._sections import Chart, ExcelHint, NumFmt, Section, Table, register_section

__all__ = ["calibration_chart", "psi_light", "validation_section"]

_LIGHTS = {"green": "🟢", "amber": "🟡", "red": "🔴"}
_HEADLINE = ("auc", "gini", "ks", "brier", "log_loss")


@register_section("validation", order=55)
def validation_section(ctx: ReportContext) -> Section | None:
    """Validation of each model in ``ctx.models`` that has metrics; ``None`` if there is none.

    Examples
    --------
    >>> card = {"params": {"kind": "scorecard"}, "metrics": {"auc": 0.8, "gini": 0.6}}
    >>> section = validation_section(ReportContext(lang="en", models={"sc1": card}))
    >>> section.tables[0].frame.iloc[:, 1].tolist()
    [0.8, 0.6]
    >>> validation_section(ReportContext(models={"sc1": {"metrics": {}}})) is None
    True
    """
    cards = {mid: card for mid, card in ctx.models.items() if (card or {}).get("metrics")}
    if not cards:
        return None
    section = Section.titled("validation", 55)
    paragraphs: list[str] = []
    for i, (model_id, card) in enumerate(cards.items()):
        label = _Labeller(ctx, model_id if len(cards) > 1 else None)
        metrics = card["metrics"]
        paragraphs += _narrative(ctx, model_id, card)
        section.tables += _headline_tables(ctx, metrics, label)
        points = metrics.get("calibration_curve") or []
        if points:
            title = label(ctx.t("validation.chart.calibration"))
            section.charts.append(_calibration(ctx, points, title, i if len(cards) > 1 else None))
            section.tables.append(_calibration_table(ctx, points, label))
        grades = metrics.get("grades") or {}
        if grades.get("per_grade"):
            section.tables.append(_grades_table(ctx, grades["per_grade"], label))
        segments = metrics.get("segments") or {}
        if segments.get("rows"):
            section.tables.append(_segments_table(ctx, segments, label))
        selection = metrics.get("selection") or {}
        if selection.get("candidates"):
            section.tables.append(_selection_table(ctx, selection, label))
    section.narrative = "\n\n".join(paragraphs)
    return section


class _Labeller:
    """Adds the model id to table and chart titles when the section covers several models."""

    def __init__(self, ctx: ReportContext, model_id: str | None) -> None:
        self.ctx, self.model_id = ctx, model_id

    def __call__(self, title: str) -> str:
        if self.model_id is None:
            return title
        return self.ctx.t("validation.for_model", title=title, model=self.model_id)


def psi_light(psi: float | None) -> str | None:
    """The traffic light of a population stability index: green below 0.10, amber below
    0.25, red from there on (``None`` when the PSI is missing).

    >>> psi_light(0.04), psi_light(0.1), psi_light(0.3), psi_light(None)
    ('green', 'amber', 'red', None)
    """
    if psi is None or not math.isfinite(float(psi)):
        return None
    return "green" if psi < 0.10 else "amber" if psi < 0.25 else "red"


def _light(ctx: ReportContext, light: str | None) -> str:
    """A traffic light as a coloured word: ``🟢 绿`` / ``🟢 Green``."""
    if not light:
        return "—"
    word = t_or(f"validation.light.{light}", ctx.lang, str(light))
    return f"{_LIGHTS[light]} {word}" if light in _LIGHTS else word


def _kind(ctx: ReportContext, kind: Any) -> str:
    return t_or(f"validation.kind.{kind}", ctx.lang, str(kind)) if kind else "—"


def _when(text: Any) -> str:
    """An ISO 8601 time as ``YYYY-MM-DD HH:MM UTC`` (the text itself when it is not one)."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text) if text else "—"
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M")


def _narrative(ctx: ReportContext, model_id: str, card: dict[str, Any]) -> list[str]:
    metrics = card["metrics"]
    sha = str(card.get("training_sha256") or "")
    parts = [
        ctx.t(
            "validation.narrative",
            model=model_id,
            kind=_kind(ctx, (card.get("params") or {}).get("kind")),
            rows=NumFmt.INT.format(metrics.get("rows")),
            rate=NumFmt.SHARE.format(metrics.get("default_rate")),
            at=_when(card.get("created_at")),
            sha=sha[:12] or "—",
        )
    ]
    cv = metrics.get("cv") or {}
    if cv:
        k = cv.get("k") or len(cv.get("folds") or []) or "—"
        oos = ctx.t("validation.out_of_sample", k=k, scheme=_scheme(ctx, cv))
        parts[0] += oos if ctx.lang == "zh" else f" {oos}"
    grades = metrics.get("grades") or {}
    hl, hhi = grades.get("hosmer_lemeshow"), grades.get("hhi")
    if hl or hhi is not None:
        hl = hl or {}
        parts.append(
            ctx.t(
                "validation.hosmer_lemeshow",
                statistic=NumFmt.DECIMAL.format(hl.get("statistic")),
                df=NumFmt.INT.format(hl.get("df")),
                p=NumFmt.DECIMAL.format(hl.get("p_value")),
                hhi=NumFmt.DECIMAL.format(hhi),
            )
        )
    central = metrics.get("central_tendency") or {}
    if central:
        offset = central.get("offset")
        parts.append(
            ctx.t(
                "validation.central_tendency",
                sample=NumFmt.SHARE.format(central.get("sample_rate")),
                target=NumFmt.SHARE.format(central.get("target")),
                offset="—" if offset is None else f"{float(offset):+.3f}",
            )
        )
    segments = metrics.get("segments") or {}
    if segments.get("rows"):
        parts.append(
            ctx.t(
                "validation.segments",
                column=segments.get("column") or "—",
                min_defaults=NumFmt.INT.format(segments.get("min_defaults")),
            )
        )
    return parts


def _scheme(ctx: ReportContext, cv: dict[str, Any]) -> str:
    scheme = cv.get("scheme") or "stratified"  # cards before time-ordered CV were stratified
    return t_or(f"validation.scheme.{scheme}", ctx.lang, str(scheme))


def _headline_tables(ctx: ReportContext, metrics: dict[str, Any], label: _Labeller) -> list[Table]:
    """The headline metrics and, when the card has them, the cross-validation folds."""
    metric, value, assess = (ctx.t(f"validation.col.{k}") for k in ("metric", "value", "note"))
    rows = [
        (ctx.t(f"validation.metric.{k}"), metrics[k], "")
        for k in _HEADLINE
        if metrics.get(k) is not None
    ]
    cv, psi = metrics.get("cv") or {}, metrics.get("psi_train_test") or {}
    if cv.get("auc_mean") is not None:
        k = cv.get("k") or len(cv.get("folds") or []) or "—"
        std = NumFmt.DECIMAL.format(cv.get("auc_std"))
        note = ctx.t("validation.note.cv", std=std, k=k, scheme=_scheme(ctx, cv))
        rows.append((ctx.t("validation.metric.cv_auc"), cv["auc_mean"], note))
    for key in ("mean", "max"):
        if psi.get(key) is not None:
            light = _light(ctx, psi_light(psi[key]))
            rows.append((ctx.t(f"validation.metric.psi_{key}"), psi[key], light))
    tables = []
    if rows:
        frame = pd.DataFrame(rows, columns=[metric, value, assess])
        if not frame[assess].astype(bool).any():
            frame = frame.drop(columns=assess)
        title = label(ctx.t("validation.table.headline"))
        tables.append(Table(title, frame, {value: NumFmt.DECIMAL}))
    aucs, psis = list(cv.get("folds") or []), list(psi.get("folds") or [])
    n = max(len(aucs), len(psis))
    if n:
        fold, auc_col, psi_col = (ctx.t(f"validation.col.{k}") for k in ("fold", "auc", "psi"))
        frame = pd.DataFrame({fold: list(range(1, n + 1))})
        formats = {fold: NumFmt.INT}
        if aucs:
            frame[auc_col], formats[auc_col] = aucs + [None] * (n - len(aucs)), NumFmt.DECIMAL
        if psis:
            padded = psis + [None] * (n - len(psis))
            frame[psi_col], formats[psi_col] = padded, NumFmt.DECIMAL
            frame[ctx.t("validation.col.light")] = [_light(ctx, psi_light(p)) for p in padded]
        tables.append(Table(label(ctx.t("validation.table.folds")), frame, formats))
    return tables


def calibration_chart(
    points: list[tuple[float, float]],
    title: str,
    *,
    x_name: str = "",
    y_name: str = "",
    series_name: str = "",
    diagonal_name: str = "",
) -> dict[str, Any]:
    """Observed default rate against mean predicted PD (both in %) with the diagonal.

    >>> option = calibration_chart([(1.0, 0.8), (4.0, 5.1)], "Calibration")
    >>> option["series"][1]["data"], option["xAxis"]["max"]
    ([[1, 0.8], [4, 5.1]], 5.5)
    """
    data = [[_plain(x), _plain(y)] for x, y in points]
    top = max((v for pair in data for v in pair if v is not None), default=0) * 1.05
    if top <= 0:
        top = 1.0
    else:  # round up to a multiple of half a power of ten
        magnitude = 10 ** math.floor(math.log10(top))
        top = round(math.ceil(top / magnitude * 2) / 2 * magnitude, 10)
    axis = {"type": "value", "min": 0, "max": top, "nameLocation": "middle"}
    grey = "#8a8f98"
    return _base(title) | {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "grid": {"left": 40, "right": 24, "top": 44, "bottom": 56, "containLabel": True},
        "xAxis": axis | {"name": x_name, "nameGap": 26},
        "yAxis": axis | {"name": y_name, "nameGap": 30},
        "series": [
            {"type": "line", "name": diagonal_name, "data": [[0, 0], [top, top]],
             "symbol": "none", "silent": True, "lineStyle": {"type": "dashed", "color": grey},
             "itemStyle": {"color": grey}},
            {"type": "line", "name": series_name, "data": data, "symbolSize": 8,
             "connectNulls": True},
        ],
    }  # fmt: skip


def _calibration(
    ctx: ReportContext, points: list[dict[str, Any]], title: str, index: int | None
) -> Chart:
    pairs = [
        (100 * float(p["mean_pd"]), 100 * float(p["odr"]))
        for p in points
        if p.get("mean_pd") is not None and p.get("odr") is not None
    ]
    odr_name = ctx.t("validation.chart.odr")
    option = calibration_chart(
        [(round(x, 4), round(y, 4)) for x, y in pairs],
        title,
        x_name=ctx.t("validation.chart.mean_pd"),
        y_name=odr_name,
        series_name=ctx.t("validation.col.odr"),
        diagonal_name=ctx.t("validation.chart.diagonal"),
    )
    hint = ExcelHint(
        "column", [f"{x:.2f}%" for x, _ in pairs], [round(y, 3) for _, y in pairs], odr_name
    )
    chart_id = "calibration" if index is None else f"calibration-{index + 1}"
    return Chart(chart_id, title, option, hint, height=360)


def _calibration_table(ctx: ReportContext, points: list[dict[str, Any]], label: _Labeller) -> Table:
    cols = {k: ctx.t(f"validation.col.{k}") for k in ("bin", "mean_pd", "odr")}
    customers = ctx.t("common.customers")
    frame = pd.DataFrame(
        {
            cols["bin"]: list(range(1, len(points) + 1)),
            customers: [p.get("n") for p in points],
            cols["mean_pd"]: [p.get("mean_pd") for p in points],
            cols["odr"]: [p.get("odr") for p in points],
        }
    )
    formats = {cols["bin"]: NumFmt.INT, customers: NumFmt.INT,
               cols["mean_pd"]: NumFmt.SHARE, cols["odr"]: NumFmt.SHARE}  # fmt: skip
    return Table(label(ctx.t("validation.table.calibration")), frame, formats)


def _grades_table(ctx: ReportContext, per_grade: dict[str, Any], label: _Labeller) -> Table:
    keys = ("grade", "mean_pd", "defaults", "odr", "binomial_p", "jeffreys_p", "light")
    cols = {k: ctx.t(f"validation.col.{k}") for k in keys}
    customers, share = ctx.t("common.customers"), ctx.t("common.share")
    grades = _order(ctx, list(per_grade))
    rows = [per_grade[g] for g in grades]
    total = sum(float(r.get("n") or 0) for r in rows)
    frame = pd.DataFrame(
        {
            cols["grade"]: grades,
            customers: [r.get("n") for r in rows],
            share: [(r.get("n") or 0) / total if total else None for r in rows],
            cols["mean_pd"]: [r.get("mean_pd") for r in rows],
            cols["defaults"]: [r.get("defaults") for r in rows],
            cols["odr"]: [r.get("odr") for r in rows],
            cols["binomial_p"]: [r.get("binomial_p") for r in rows],
            cols["jeffreys_p"]: [r.get("jeffreys_p") for r in rows],
            cols["light"]: [_light(ctx, r.get("traffic_light")) for r in rows],
        }
    )
    formats = {customers: NumFmt.INT, share: NumFmt.SHARE, cols["mean_pd"]: NumFmt.SHARE,
               cols["defaults"]: NumFmt.INT, cols["odr"]: NumFmt.SHARE,
               cols["binomial_p"]: NumFmt.DECIMAL, cols["jeffreys_p"]: NumFmt.DECIMAL}  # fmt: skip
    return Table(label(ctx.t("validation.table.grades")), frame, formats)


def _segments_table(ctx: ReportContext, segments: dict[str, Any], label: _Labeller) -> Table:
    keys = ("segment", "defaults", "pooled_auc", "segment_auc", "chosen", "reason")
    cols = {k: ctx.t(f"validation.col.{k}") for k in keys}
    customers, rows = ctx.t("common.customers"), segments["rows"]
    frame = pd.DataFrame(
        {
            cols["segment"]: [str(r.get("segment", "—")) for r in rows],
            customers: [r.get("n") for r in rows],
            cols["defaults"]: [r.get("defaults") for r in rows],
            cols["pooled_auc"]: [r.get("pooled_auc") for r in rows],
            cols["segment_auc"]: [r.get("segment_auc") for r in rows],
            cols["chosen"]: [_chosen(ctx, r.get("chosen")) for r in rows],
            cols["reason"]: [_reason(ctx, r.get("reason")) for r in rows],
        }
    )
    formats = {customers: NumFmt.INT, cols["defaults"]: NumFmt.INT,
               cols["pooled_auc"]: NumFmt.DECIMAL, cols["segment_auc"]: NumFmt.DECIMAL}  # fmt: skip
    return Table(label(ctx.t("validation.table.segments")), frame, formats)


def _chosen(ctx: ReportContext, chosen: Any) -> str:
    return t_or(f"validation.chosen.{chosen}", ctx.lang, str(chosen)) if chosen else "—"


def _reason(ctx: ReportContext, reason: Any) -> str:
    """A reason code in the report's language when the catalogue knows it, else as given."""
    return t_or(f"validation.reason.{reason}", ctx.lang, str(reason)) if reason else ""


def _selection_table(ctx: ReportContext, selection: dict[str, Any], label: _Labeller) -> Table:
    kind, cv_auc, chosen = (ctx.t(f"validation.col.{k}") for k in ("kind", "cv_auc", "chosen"))
    candidates, winner = selection["candidates"], selection.get("chosen")
    frame = pd.DataFrame(
        {
            kind: [_kind(ctx, k) for k in candidates],
            cv_auc: list(candidates.values()),
            chosen: [ctx.t("validation.chosen.yes") if k == winner else "" for k in candidates],
        }
    )
    note = ""
    if winner:
        reason = _reason(ctx, selection.get("reason"))
        note = ctx.t("validation.selection", kind=_kind(ctx, winner), reason=reason).strip()
    return Table(label(ctx.t("validation.table.selection")), frame, {cv_auc: NumFmt.DECIMAL}, note)
