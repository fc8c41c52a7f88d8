"""``finseg scenarios compare``: a run's approvals, granted and proposed limits, expected loss
and RWA by segment under each macro scenario of its policy, side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from finseg.cli._app import LangOption, app, check_lang, out
from finseg.cli._workspace import WorkspaceOption

__all__ = ["compare_command", "scenarios_app", "scenarios_payload"]

scenarios_app = typer.Typer(help="Macro scenarios / 宏观情景", no_args_is_help=True)
app.add_typer(scenarios_app, name="scenarios")

#: Metrics shown in the terminal per scenario: (zh, en) headers.
_SHOWN = {
    "approve": ("批/转/拒", "appr/ref/decl"),
    "granted": ("批准额度", "granted"),
    "proposed": ("拟议额度", "proposed"),
    "expected_loss": ("预期损失", "EL"),
    "rwa": ("RWA", "RWA"),
    "mean_price": ("利率", "price"),
}
_CAPTION = (
    "批/转/拒 = 批准 / 转人工 / 拒绝户数；批准额度 = 已批准客户的额度，拟议额度 = 转人工客户的"
    "建议额度（尚未批准）；金额单位万元；利率按额度加权",
    "appr/ref/decl = approved / referred / declined customers; granted = limits of approved "
    "customers, proposed = limits proposed for referred customers (not granted); money in CNY "
    "10k; price weighted by limit",
)
_WAN = ("granted", "proposed", "expected_loss", "rwa")


def scenarios_payload(ws: Any, run_id: str, scenarios: str | None) -> tuple[dict, pd.DataFrame]:
    """The strict-JSON comparison (:func:`~finseg.strategy.compare_payload`, with the run's
    own scenario as ``run_scenario``) and its long table."""
    from finseg.runs import run_metadata, run_policy, run_results
    from finseg.strategy import compare_payload, compare_scenarios, pick_scenarios

    meta = run_metadata(ws, run_id)  # an unknown run is a user error
    policy = run_policy(ws, run_id)
    chosen = pick_scenarios(policy, None if scenarios is None else scenarios.split(","))
    results = run_results(
        ws, run_id, ("segment", "pd", "grade", "decision"), ("to compare scenarios", "无法比较情景")
    )
    table = compare_scenarios(results, policy, chosen)
    payload = compare_payload(table, policy, run_id)
    payload["run_scenario"] = (meta.get("params") or {}).get("scenario")
    payload["policy_status"] = meta.get("policy_status", "active")  # "draft": a what-if run
    return payload, table


@scenarios_app.command("compare")
def compare_command(
    run_id: Annotated[str, typer.Option("--run", help="Run id / 运行编号")],
    scenarios: Annotated[
        str | None,
        typer.Option(
            "--scenarios",
            help="Scenario ids, comma-separated (default: all, baseline first) / "
            "情景编号，逗号分隔（默认全部）",
        ),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the comparison as JSON / 写入 JSON 文件")
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write an Excel workbook (.xlsx) / 输出 Excel")
    ] = None,
    lang: LangOption = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Compare a run under each macro scenario, by segment / 按分群比较各宏观情景."""
    from finseg.cli._xlsx import check_json_path, check_xlsx_path, write_json
    from finseg.workspace import open_workspace

    check_xlsx_path(out_path)
    check_json_path(json_path)
    ws = open_workspace(workspace)
    try:
        zh = check_lang(lang, ws.settings.language.value) == "zh"
        payload, table = scenarios_payload(ws, run_id, scenarios)
    finally:
        ws.close()
    if json_path is not None:
        write_json(json_path, payload)
    if out_path is not None:
        _workbook(out_path, payload, table)
    _print(payload, zh)
    for label, path in (("JSON", json_path), ("Excel", out_path)):
        if path is not None:
            out.print(f"{label}: {path}")


def _cell(metric: str, value: Any) -> str:
    if value is None:
        return "—"
    if metric in _WAN:
        return f"{value / 10_000:,.0f}"
    return f"{value:.2%}" if metric == "mean_price" else f"{value:,}"


def _block(figures: dict[str, Any]) -> str:
    """One scenario's figures of one segment, a line per metric of :data:`_SHOWN`."""
    decisions = " / ".join(f"{figures[d]:,}" for d in ("approve", "refer", "decline"))
    return "\n".join([decisions, *(_cell(m, figures[m]) for m in _SHOWN if m != "approve")])


def _print(payload: dict[str, Any], zh: bool) -> None:
    """Segments as rows, one column per scenario; each cell a small block of figures."""
    lang = "zh" if zh else "en"
    scenarios, names = payload["scenarios"], payload["names"]
    table = Table(
        "分群" if zh else "segment",
        "客户数" if zh else "customers",
        "指标" if zh else "figure",
        title=("运行 {} 的情景比较" if zh else "Scenarios of run {}").format(payload["run_id"]),
        caption=_CAPTION[not zh],
    )
    table.columns[0].min_width = 10
    table.columns[2].no_wrap = True
    for s in scenarios:
        table.add_column(payload["scenario_names"][s][lang], justify="right", no_wrap=True)
    labels = "\n".join(header[not zh] for header in _SHOWN.values())
    rows = [(names.get(seg, {}).get(lang, seg), by) for seg, by in payload["segments"].items()]
    for label, by in [*rows, ("合计" if zh else "Total", payload["total"])]:
        customers = f"{by[scenarios[0]]['customers']:,}"
        table.add_row(label, customers, labels, *(_block(by[s]) for s in scenarios),
                      end_section=True)  # fmt: skip
    out.print(table)
    for note in payload.get("notes", []):
        out.print(note[lang])


def _workbook(path: Path, payload: dict[str, Any], table: pd.DataFrame) -> None:
    from finseg.cli._xlsx import Sheet, write_workbook
    from finseg.strategy import METRICS, TOTAL

    names, scn_names = payload["names"], payload["scenario_names"]
    wide = table.pivot(index="segment", columns="scenario", values=list(METRICS)[1:])
    order = [*payload["segments"], TOTAL]
    wide = wide.reindex(order)[[(m, s) for s in payload["scenarios"] for m in list(METRICS)[1:]]]
    wide.columns = [f"{s}__{m}" for m, s in wide.columns]
    customers = table.drop_duplicates("segment").set_index("segment")["customers"]
    wide.insert(0, "customers", customers.reindex(order).to_numpy())
    labels = [names.get(s, {"zh": "合计", "en": "Total"} if s == TOTAL else {"zh": s, "en": s})
              for s in order]  # fmt: skip
    wide.insert(0, "segment_name", [f"{n['zh']} / {n['en']}" for n in labels])
    wide.insert(0, "segment", order)
    headers = {"segment": ("分群", "Segment"), "segment_name": ("分群名称", "Segment name"),
               "customers": METRICS["customers"]}  # fmt: skip
    kinds = {"customers": "count"}
    for s in payload["scenarios"]:
        for m in list(METRICS)[1:]:
            zh, en = METRICS[m]
            headers[f"{s}__{m}"] = (f"{scn_names[s]['zh']}·{zh}", f"{scn_names[s]['en']}: {en}")
            kinds[f"{s}__{m}"] = "rate" if m == "mean_price" else "count"
    long_headers = {"scenario": ("情景", "Scenario"), "segment": ("分群", "Segment"), **METRICS}
    long_kinds = {m: "rate" if m == "mean_price" else "count" for m in METRICS}
    title = f"情景比较 / Scenario comparison — {payload['run_id']}"
    facts = [("运行 / Run", payload["run_id"]),
             ("运行情景 / Run scenario", str(payload.get("run_scenario") or "—"))]  # fmt: skip
    facts += [("说明 / Note", f"{n['zh']} / {n['en']}") for n in payload.get("notes", [])]
    if payload.get("policy_status") == "draft":
        from finseg.reporting._context import DRAFT_BANNER

        facts.insert(0, ("草案策略 / DRAFT POLICY", DRAFT_BANNER))
    write_workbook(path, title, facts, [
        Sheet(("情景比较", "Comparison"), title, wide.reset_index(drop=True), headers, kinds),
        Sheet(("明细", "Long"), title, table, long_headers, long_kinds),
    ])  # fmt: skip
