"""``finseg export …``: lists for other teams.  ``finseg export marketing`` writes the
marketing and service lists of a run (精准营销) as an Excel workbook: an overview per
segment, the customer list with each segment's offerings, the high-potential list and the
offerings catalogue."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from finseg.cli._app import LangOption, app, check_lang, out
from finseg.cli._workspace import WorkspaceOption
from finseg.exceptions import UserError

__all__ = ["marketing_command", "marketing_frames", "write_marketing_workbook"]

export_app = typer.Typer(help="Export lists / 导出名单", no_args_is_help=True)
app.add_typer(export_app, name="export")

#: Rows an Excel worksheet holds.
EXCEL_ROWS = 1_048_576
_REQUIRED = ("segment", "decision", "limit", "product")
_MONEY = {"limit", "requested_amount", "unmet_amount", "outstanding_loans", "total_limit"}
_FORMATS = {"pd": "0.00%", "revenue_growth": "0.0%", "potential_score": "0.0000"}
_HEADERS = {  # columns of the offerings sheet (zh, en)
    "offering": ("服务编号", "Offering id"),
    "name": ("服务内容", "Offering"),
    "channel": ("渠道", "Channel"),
}
_SHEETS = {  # key: (zh, en)
    "overview": ("概览", "Overview"),
    "customers": ("客户名单", "Customers"),
    "high_potential": ("高潜力客户", "High potential"),
    "offerings": ("服务清单", "Offerings"),
}


def _check_out(path: Path) -> None:
    from finseg._safe import check_output

    check_output(path, option="--out", suffixes=(".xlsx",))


def _offerings_table(policy: Any, ids: list[str], names: dict, lang: str) -> pd.DataFrame:
    rows = [
        (s, (names.get(s) or (s, s))[lang != "zh"], o.id, o.label(lang), o.channel.label(lang))
        for s in ids
        for o in policy.offerings(s)
    ]
    return pd.DataFrame(rows, columns=["segment", "segment_name", "offering", "name", "channel"])


def marketing_frames(ws: Any, run_id: str, segment: str, lang: str) -> dict[str, Any]:
    """The tables of ``finseg export marketing``: ``overview``, ``customers``,
    ``high_potential`` and ``offerings`` (canonical column names), with ``names`` (segment
    id → (zh, en)) and the ``policy`` used.  With a segment other than ``all`` the customer
    and high-potential lists hold that segment's customers only."""
    from finseg.runs import run_metadata, run_policy, run_results
    from finseg.strategy._marketing import high_potential, marketing_list, marketing_overview

    policy = run_policy(ws, run_id)
    names = {s.id: (s.zh, s.en) for s in policy.segments.taxonomy}
    if segment != "all" and segment not in names:
        raise UserError(
            f"--segment: unknown segment {segment!r}; valid: all, {', '.join(names)}",
            f"--segment：未知分群 {segment!r}；可选：all、{'、'.join(names)}",
        )
    results = run_results(ws, run_id, _REQUIRED, ("to export marketing lists", "无法导出营销名单"))
    marketing, grades = policy.strategy.marketing, policy.risk.master_scale.labels
    chosen = results if segment == "all" else results[(results["segment"] == segment).to_numpy()]
    return {
        "overview": marketing_overview(results, marketing, grades, lang, names=names),
        "customers": marketing_list(chosen, marketing, None, lang, names=names),
        "high_potential": high_potential(chosen, marketing, grades, lang, names=names),
        "offerings": _offerings_table(marketing, list(names), names, lang),
        "names": names,
        "policy": marketing,
        "policy_status": run_metadata(ws, run_id)["policy_status"],
    }


def _criteria_text(hp: Any, lang: str) -> str:
    growth = f"{hp.min_revenue_growth:.0%}"
    excluded = ", ".join(hp.exclude_segments) or "—"
    if lang == "zh":
        return (
            f"入选条件：营收增长 ≥ {growth}；评级不低于 {hp.worst_grade}；未被拒绝；"
            f"申请金额高于批复额度或无存量贷款；不含分群 {excluded}；最多 {hp.max_list} 户。"
        )
    return (
        f"Criteria: revenue growth ≥ {growth}; grade {hp.worst_grade} or better; not "
        f"declined; requested more than granted or no current financing; segments "
        f"{excluded} excluded; at most {hp.max_list} customers."
    )


def _text_width(value: Any) -> int:
    """Display width in Excel columns: CJK characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


class _Book:
    """The workbook being written: cell formats and one method per sheet."""

    def __init__(self, wb: Any, lang: str) -> None:
        self.wb, self.lang, self.n_tables = wb, lang, 0
        font = "Microsoft YaHei" if lang == "zh" else "Calibri"
        base = {"font_name": font, "font_size": 10, "valign": "top"}
        fmt = {"title": base | {"bold": True, "font_size": 14, "font_color": "#12365F"},
               "bold": base | {"bold": True}, "text": base,
               "note": base | {"italic": True, "font_color": "#8A5A00"},
               "header": base | {"bold": True, "bg_color": "#DCE6F1", "border": 1,
                                 "text_wrap": True},
               "money": base | {"num_format": "#,##0"}}  # fmt: skip
        fmt |= {col: base | {"num_format": code} for col, code in _FORMATS.items()}
        self.formats = {k: wb.add_format(v) for k, v in fmt.items()}

    def _format(self, column: str) -> Any:
        if column in _MONEY:
            return self.formats["money"]
        return self.formats.get(column, self.formats["text"])

    def sheet(
        self,
        name: tuple[str, str],
        title: str,
        frame: pd.DataFrame,
        facts: Sequence[tuple[str, str]] = (),
        notes: Sequence[str] = (),
    ) -> None:
        """A sheet: title, facts and notes, then ``frame`` as an Excel table with filters."""
        from finseg.strategy._marketing import COLUMN_LABELS

        zh, f = self.lang == "zh", self.formats
        ws = self.wb.add_worksheet(name[0] if zh else name[1])
        ws.write_string(0, 0, title, f["title"])
        row = 2
        for label, value in facts:
            ws.write_string(row, 0, label, f["bold"])
            ws.write_string(row, 1, value, f["text"])
            row += 1
        for note in notes:
            ws.write_string(row, 0, note, f["note"])
            row += 1
        row += bool(facts or notes)
        headers = [COLUMN_LABELS.get(c, _HEADERS.get(c, (c, c)))[not zh] for c in frame.columns]
        if frame.empty:
            ws.write_row(row, 0, headers, f["header"])
            ws.write_string(row + 1, 0, "无记录" if zh else "No rows", f["note"])
        else:
            self.n_tables += 1
            data = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
            columns = [{"header": h, "header_format": f["header"], "format": self._format(c)}
                       for h, c in zip(headers, frame.columns, strict=True)]  # fmt: skip
            ws.add_table(row, 0, row + len(data), len(headers) - 1, {
                "name": f"Table_{self.n_tables}", "data": data, "columns": columns,
                "style": "Table Style Light 9"})  # fmt: skip
        for col, (header, column) in enumerate(zip(headers, frame.columns, strict=True)):
            sample = frame[column].head(200).dropna()
            width = max([_text_width(header), *map(_text_width, sample)], default=8)
            ws.set_column(col, col, min(60, max(8, width + 2)))
        ws.freeze_panes(row + 1, 0)


def _check_rows(frames: dict[str, Any]) -> None:
    n = len(frames["customers"])
    if n + 10 > EXCEL_ROWS:
        raise UserError(
            f"{n:,} customers do not fit in one Excel sheet ({EXCEL_ROWS:,} rows); export one "
            "segment at a time with --segment",
            f"{n:,} 户客户超出 Excel 单表行数上限（{EXCEL_ROWS:,} 行）；"
            "请用 --segment 逐个分群导出",
        )


def write_marketing_workbook(
    path: Path, frames: dict[str, Any], run_id: str, segment: str, lang: str
) -> Path:
    """Write the tables of :func:`marketing_frames` as a workbook at ``path`` (atomically:
    a temporary file in the same folder, renamed when complete)."""
    from finseg._safe import safe_workbook

    _check_rows(frames)
    zh = lang == "zh"
    label = ("全部" if zh else "all") if segment == "all" else frames["names"][segment][not zh]
    title = ("精准营销名单 — 运行 " if zh else "Marketing lists — run ") + run_id
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    facts = [("运行" if zh else "Run", run_id), ("分群" if zh else "Segment", label),
             ("生成时间" if zh else "Generated", when)]  # fmt: skip
    if frames.get("policy_status") == "draft":
        from finseg.reporting._context import DRAFT_BANNER

        facts.insert(0, ("草案策略" if zh else "DRAFT POLICY", DRAFT_BANNER))
    with safe_workbook(path) as wb:
        wb.set_properties({"title": title, "comments": run_id})
        book = _Book(wb, lang)
        book.sheet(_SHEETS["overview"], title, frames["overview"], facts)
        name = _SHEETS["customers"][not zh]
        book.sheet(_SHEETS["customers"], f"{name}：{label}" if zh else f"{name}: {label}",
                   frames["customers"])  # fmt: skip
        book.sheet(_SHEETS["high_potential"], _SHEETS["high_potential"][not zh],
                   frames["high_potential"],
                   notes=[_criteria_text(frames["policy"].high_potential, lang)])  # fmt: skip
        book.sheet(_SHEETS["offerings"], _SHEETS["offerings"][not zh], frames["offerings"])
    return path


@export_app.command("marketing")
def marketing_command(
    run_id: Annotated[str, typer.Option("--run", help="Run id / 运行编号")],
    out_path: Annotated[Path, typer.Option("--out", help="Workbook to write (.xlsx) / 输出文件")],
    segment: Annotated[
        str, typer.Option("--segment", help="Segment id, or all / 分群编号，或 all（全部）")
    ] = "all",
    lang: LangOption = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Export the marketing and service lists of a run / 导出精准营销与服务名单."""
    from finseg.workspace import open_workspace

    _check_out(out_path)
    ws = open_workspace(workspace)
    try:
        lang = check_lang(lang, ws.settings.language.value)
        frames = marketing_frames(ws, run_id, segment, lang)
    finally:
        ws.close()
    write_marketing_workbook(out_path, frames, run_id, segment, lang)
    _print(out_path, frames, lang)


def _print(path: Path, frames: dict[str, Any], lang: str) -> None:
    zh = lang == "zh"
    table = Table("工作表" if zh else "sheet", "行数" if zh else "rows",
                  title="精准营销名单" if zh else "Marketing lists")  # fmt: skip
    for key, name in _SHEETS.items():
        table.add_row(name[not zh], f"{len(frames[key]):,}")
    out.print(table)
    out.print(f"{'已写入' if zh else 'Written'}: {path}")
