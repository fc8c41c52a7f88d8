"""Report section: run metadata — data, policy and model versions, row counts, timings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd

from finseg.reporting._charts import bar_chart, bar_height
from finseg.reporting._context import ReportContext
from finseg.reporting._i18n import t_or
from finseg.reporting._sections import Chart, ExcelHint, NumFmt, Section, Table, register_section

__all__ = ["run_meta_table", "run_section"]

_META_KEYS = ("run_id", "status", "created_at", "finished_at", "finseg_version", "input_path",
              "input_sha256", "policy_version", "policy_hash", "model_ids")  # fmt: skip


@register_section("run", order=10)
def run_section(ctx: ReportContext) -> Section:
    """Run metadata: what was run on which data, with which policy and models, and how long.

    Examples
    --------
    >>> from finseg.reporting import ReportContext
    >>> ctx = ReportContext(run={"run_id": "r1", "timings": {"ingest": 1.5}}, lang="en")
    >>> section = run_section(ctx)
    >>> [tbl.title for tbl in section.tables], [c.id for c in section.charts]
    (['Run summary', 'Time per stage'], ['timings'])
    """
    section = Section.titled("run", 10, narrative=_narrative(ctx))
    section.tables.append(run_meta_table(ctx))
    rows = _row_counts(ctx)
    if not rows.frame.empty:
        section.tables.append(rows)
    timings = {str(k): float(v) for k, v in (ctx.run.get("timings") or {}).items()}
    if timings:
        section.tables.append(_timings_table(ctx, timings))
        section.charts.append(_timings_chart(ctx, timings))
    else:
        section.notes.append(ctx.t("chart.skipped_nodata", chart=ctx.t("run.chart.timings")))
    return section


def _narrative(ctx: ReportContext) -> str:
    if not ctx.run_id:
        return ""
    counts = ctx.run.get("row_counts") or {}
    rows = next((counts[k] for k in ("rows_in", "input") if k in counts), len(ctx.results))
    seconds = sum(float(v) for v in (ctx.run.get("timings") or {}).values())
    return ctx.t(
        "run.narrative", run_id=ctx.run_id, status=_status(ctx),
        rows=NumFmt.INT.format(rows), seconds=NumFmt.DECIMAL.format(seconds),
    )  # fmt: skip


def _status(ctx: ReportContext) -> str:
    status = str(ctx.run.get("status") or "")
    return t_or(f"status.{status}", ctx.lang, status) if status else "—"


def _as_time(value: Any) -> Any:
    """An ISO timestamp string as a datetime; anything else unchanged."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _text(value: Any) -> str:
    """A metadata value as one line of text."""
    if value is None or (isinstance(value, str) and not value):
        return "—"
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, Iterable) and not isinstance(value, str):
        return "; ".join(str(v) for v in value) or "—"
    return str(value)


def run_meta_table(ctx: ReportContext) -> Table:
    """The run's identity as an item/value table: data file and hash, policy, models.

    >>> from finseg.reporting import ReportContext
    >>> run_meta_table(ReportContext(lang="en")).frame.iloc[-1].tolist()
    ['Model IDs', 'none yet']
    """
    values = {key: _text(ctx.run.get(key)) for key in _META_KEYS}
    for key in ("created_at", "finished_at"):  # ISO text from the store reads better spaced
        values[key] = _text(_as_time(ctx.run.get(key)))
    values["status"] = _status(ctx)
    if values["model_ids"] == "—":
        values["model_ids"] = ctx.t("common.none_yet")
    frame = pd.DataFrame({
        ctx.t("common.item"): [ctx.t(f"run.{key}") for key in _META_KEYS],
        ctx.t("common.value"): [values[key] for key in _META_KEYS],
    })  # fmt: skip
    return Table(ctx.t("run.table.meta"), frame)


def _row_counts(ctx: ReportContext) -> Table:
    counts = dict(ctx.run.get("row_counts") or {})
    item, rows = ctx.t("run.col.count"), ctx.t("run.col.rows")
    frame = pd.DataFrame({
        item: [t_or(f"rows.{k}", ctx.lang, str(k)) for k in counts],
        rows: pd.array([int(v) for v in counts.values()], dtype="Int64"),
    })  # fmt: skip
    return Table(ctx.t("run.table.rows"), frame, {rows: NumFmt.INT})


def _stage(ctx: ReportContext, stage: str) -> str:
    return t_or(f"stage.{stage}", ctx.lang, stage)


def _timings_table(ctx: ReportContext, timings: dict[str, float]) -> Table:
    total = sum(timings.values())
    stage, seconds, share = ctx.t("run.col.stage"), ctx.t("run.col.seconds"), ctx.t("common.share")
    frame = pd.DataFrame({
        stage: [_stage(ctx, s) for s in timings],
        seconds: list(timings.values()),
        share: [v / total if total > 0 else float("nan") for v in timings.values()],
    })  # fmt: skip
    return Table(ctx.t("run.table.timings"), frame, {seconds: NumFmt.DECIMAL, share: NumFmt.SHARE})


def _timings_chart(ctx: ReportContext, timings: dict[str, float]) -> Chart:
    title = ctx.t("run.chart.timings")
    stages = [_stage(ctx, s) for s in timings]
    values = [round(v, 3) for v in timings.values()]
    option = bar_chart(stages, values, title, series_name=ctx.t("run.col.seconds"),
                       value_name=ctx.t("unit.seconds"))  # fmt: skip
    hint = ExcelHint("bar", stages, values, ctx.t("run.col.seconds"))
    return Chart("timings", title, option, hint, bar_height(len(stages)))
