"""``finseg monitor``: compare a current run with a baseline run — stability, migration,
back-test, early warnings, adjustment outcomes, re-segmentation advice.

The figures are written as strict JSON into the current run's directory
(``runs/<run_id>/monitoring.json``, read by the report's monitoring section) by the service
:func:`finseg.monitoring.monitor_runs` and, with ``--json``, to a file of the user's choice;
``--watchlist`` exports the ranked watch list to Excel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from finseg.cli._app import LangOption, app, check_lang, out
from finseg.cli._workspace import WorkspaceOption

__all__ = ["monitor_command"]


@app.command("monitor")
def monitor_command(
    baseline: Annotated[str, typer.Option("--baseline", help="Baseline run id / 基期运行编号")],
    current: Annotated[str, typer.Option("--current", help="Current run id / 本期运行编号")],
    workspace: WorkspaceOption = Path("."),
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the JSON here / 另存 JSON 文件")
    ] = None,
    watchlist: Annotated[
        Path | None,
        typer.Option("--watchlist", help="Export the watch list to Excel / 导出观察名单"),
    ] = None,
    drift: Annotated[
        bool | None,
        typer.Option("--drift/--no-drift", help="Cluster drift check on a sample / 聚类漂移检查"),
    ] = None,
    rescore: Annotated[
        bool,
        typer.Option(
            "--rescore/--no-rescore",
            help="When the runs used different models, grade the baseline again with the "
            "current run's model so the figures show portfolio drift (default) / "
            "模型不同时用本期模型重评基期",
        ),
    ] = True,
    lang: LangOption = None,
) -> None:
    """Monitor a run against a baseline: PSI, migration, back-test, warnings / 组合监控."""
    from finseg._files import atomic_target
    from finseg._safe import check_output
    from finseg.monitoring import monitor_runs, to_json, write_watchlist
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        for path, option, suffix in ((json_path, "--json", ".json"),
                                     (watchlist, "--watchlist", ".xlsx")):  # fmt: skip
            if path is not None:  # before any work: never over a run's files
                check_output(path, option=option, suffixes=(suffix,), runs_dir=ws.runs_dir,
                             existing_folder=False)  # fmt: skip
        zh = check_lang(lang, ws.settings.language.value) == "zh"
        payload, _ = monitor_runs(ws, baseline, current, drift, rescore=rescore)
    finally:
        ws.close()
    if json_path is not None:
        with atomic_target(json_path) as tmp:
            tmp.write_text(to_json(payload) + "\n", encoding="utf-8")
    if watchlist is not None:
        from finseg.reporting._context import DRAFT_BANNER

        banner = DRAFT_BANNER if payload.get("policy_status") == "draft" else None
        write_watchlist(payload["warnings"]["watchlist"], watchlist, banner)
    _print(payload, zh)
    for label, target in (("JSON", json_path), ("Excel", watchlist)):
        if target is not None:
            out.print(f"{label}: {target}")


def _num(value: Any, pattern: str) -> str:
    return "—" if value is None else pattern.format(value)


_LIGHTS = {"green": ("绿", "green"), "amber": ("黄", "amber"), "red": ("红", "red")}


def _light(value: str | None, zh: bool) -> str:
    return "—" if value is None else _LIGHTS[value][0 if zh else 1]


def _print_changes(p: dict[str, Any], zh: bool) -> None:
    """First: what else changed between the runs, and what the model change alone moved."""
    dates = p.get("statement_dates") or {}
    out.print(
        f"报表日期 {dates.get('baseline')} → {dates.get('current')}"
        if zh
        else f"Statement dates {dates.get('baseline')} → {dates.get('current')}"
    )
    changes = p.get("changes") or {}
    if "model" in changes:
        m = changes["model"]
        old, new = ", ".join(m["baseline"]) or "—", ", ".join(m["current"]) or "—"
        out.print(
            f"[bold yellow]注意：两次运行使用了不同的模型[/]（基期 {old}，本期 {new}）。"
            if zh
            else f"[bold yellow]Note: the runs were graded by different models[/] (baseline "
            f"{old}, current {new})."
        )
    if "policy" in changes:
        out.print(
            "[bold yellow]注意：两次运行使用了不同的策略版本。[/]"
            if zh
            else "[bold yellow]Note: the runs used different policy versions.[/]"
        )
    effect = p.get("model_effect")
    if effect:
        out.print(
            f"基期已用本期模型重新评级，以下指标反映组合变化；模型更换本身的影响：评分 PSI "
            f"{effect['score_psi']:.3f}（{_light(effect['light'], zh)}），"
            f"下调 {effect['downgrades']:,} 户，上调 {effect['upgrades']:,} 户。"
            if zh
            else "The baseline was graded again by the current model, so the figures below "
            f"show portfolio drift; the model change alone: score PSI {effect['score_psi']:.3f} "
            f"({_light(effect['light'], zh)}), {effect['downgrades']:,} downgraded, "
            f"{effect['upgrades']:,} upgraded."
        )
    elif "model" in changes:
        out.print(
            "基期未重新评级：以下指标同时包含模型更换与组合变化。"
            if zh
            else "The baseline was not graded again: the figures below mix the model change "
            "with portfolio drift."
        )


def _print(p: dict[str, Any], zh: bool) -> None:
    _print_changes(p, zh)
    c = p["customers"]
    out.print(
        f"基期 {p['baseline_run_id']} → 本期 {p['current_run_id']}：共同客户 {c['common']:,} 户，"
        f"退出 {c['left']:,} 户，新进入 {c['entered']:,} 户。"
        if zh
        else f"Baseline {p['baseline_run_id']} → current {p['current_run_id']}: {c['common']:,} "
        f"customers in both, {c['left']:,} left, {c['entered']:,} entered."
    )
    table = Table(*(("变量", "PSI", "信号灯") if zh else ("variable", "PSI", "light")),
                  title="稳定性（PSI/CSI）" if zh else "Stability (PSI/CSI)")  # fmt: skip
    for name, r in p["psi"].items():
        table.add_row(name, f"{r['psi']:.4f}", _light(r["light"], zh))
    out.print(table)
    g = p["grade_migration_summary"]
    out.print(
        f"评级迁移：不变 {g['unchanged']:,}，上调 {g['upgrades']:,}，下调 {g['downgrades']:,}。"
        if zh
        else f"Grade migration: {g['unchanged']:,} unchanged, {g['upgrades']:,} upgraded, "
        f"{g['downgrades']:,} downgraded."
    )
    _print_backtest(p["backtest"], zh)
    w = p["warnings"]
    out.print(
        f"预警：{w['customers_warned']:,} 户触发预警；"
        + "，".join(f"{k} {v['customers']:,}" for k, v in w["fired"].items())
        if zh
        else f"Early warnings: {w['customers_warned']:,} customers warned; "
        + ", ".join(f"{k} {v['customers']:,}" for k, v in w["fired"].items())
    )
    note = p["adjustments"].get("note")
    if note:
        out.print(note["zh" if zh else "en"])
    for kind in ("grade", "segment"):
        a = p["adjustments"].get(kind)
        if a:
            out.print(f"{kind}: {a['adjusted']:,} — {a['verdict']['zh' if zh else 'en']}")
    out.print(p["resegmentation"]["zh" if zh else "en"])


def _print_backtest(b: dict[str, Any], zh: bool) -> None:
    if not b["available"]:
        out.print(b["reason"]["zh" if zh else "en"])
        return
    head = (
        ("等级", "户数", "违约", "违约率", "基期PD", "二项 p", "Jeffreys p", "信号灯")
        if zh
        else ("grade", "n", "defaults", "ODR", "PD", "binomial p", "Jeffreys p", "light")
    )
    table = Table(*head, title="回测（按基期等级）" if zh else "Back-test (baseline grade)")
    for grade, r in b["grades"].items():
        table.add_row(
            grade,
            f"{r['n']:,}",
            f"{r['d']:,}",
            f"{r['odr']:.2%}",
            f"{r['pd']:.2%}",
            f"{r['binomial_p']:.3g}",
            f"{r['jeffreys_p']:.3g}",
            _light(r["light"], zh),
        )
    out.print(table)
    hl, d = b["hosmer_lemeshow"], b["discrimination"]
    if hl:
        out.print(f"Hosmer–Lemeshow: {hl['statistic']:.2f}, df {hl['df']}, p = {hl['p_value']:.3g}")
    out.print(
        f"AUC {_num(d['auc'], '{:.3f}')} (dev {_num(d['development_auc'], '{:.3f}')}), "
        f"KS {_num(d['ks'], '{:.3f}')} (dev {_num(d['development_ks'], '{:.3f}')})"
    )
