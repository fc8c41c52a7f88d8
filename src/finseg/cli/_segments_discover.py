"""``finseg segments discover``: clustering of a run's customers, compared with the taxonomy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from finseg.cli._app import LangOption, check_lang, out
from finseg.cli._segments import segments_app
from finseg.cli._workspace import WorkspaceOption
from finseg.exceptions import UserError

__all__: list[str] = []


def _k_value(text: str) -> int | str:
    if text == "auto":
        return "auto"
    if text.isdigit() and int(text) >= 2:
        return int(text)
    raise UserError(
        f"--k: expected auto or a whole number >= 2, got {text!r}",
        f"--k：应为 auto 或不小于 2 的整数，实际为 {text!r}",
    )


def _check(name: str, value: int, low: int) -> None:
    if value < low:
        raise UserError(
            f"{name}: expected at least {low}, got {value}", f"{name}：至少为 {low}，实际为 {value}"
        )


def _segment_names(ws: Any, run_id: str) -> dict[str, tuple[str, str]]:
    from finseg.runs import run_policy  # the taxonomy the run used, not today's file

    try:
        taxonomy = run_policy(ws, run_id).segments.taxonomy
    except Exception:  # names are cosmetic; the ids remain
        return {}
    return {s.id: (s.zh, s.en) for s in taxonomy}


def _results(ws: Any, run_id: str):
    from finseg.runs import run_results

    # unknown or unfinished run, or a results file changed since the run: a UserError (exit 2)
    return run_results(
        ws, run_id, (), ("to discover segments", "无法发现分群")
    ), ws.runs_dir / run_id


def _summary(doc: dict[str, Any], lang: str) -> Table:
    zh = lang == "zh"
    risk = "default_rate" if doc["risk_measure"] == "default_rate" else "mean_pd"
    head = ("违约率" if zh else "default rate") if risk == "default_rate" else "PD"
    table = Table(
        "簇" if zh else "cluster",
        "客户数" if zh else "customers",
        "占比" if zh else "share",
        head,
        "特征" if zh else "what sets it apart",
        title=f"k = {doc['k']}",
    )
    for p in doc["profiles"]:
        rate = p.get(risk)
        table.add_row(
            p["cluster"],
            f"{p['n']:,}",
            f"{p['share']:.1%}",
            "—" if rate is None else f"{rate:.2%}",
            p["description"][lang],
        )
    return table


@segments_app.command("discover")
def discover_command(
    run_id: Annotated[
        str, typer.Option("--run", help="Run id (see `finseg runs list`) / 运行编号")
    ],
    k: Annotated[str, typer.Option("--k", help="auto or a number >= 2 / 簇数")] = "auto",
    max_k: Annotated[int, typer.Option("--max-k", help="Largest k tried / 最大簇数")] = 10,
    sample: Annotated[int, typer.Option(help="Customers to fit on / 拟合样本量")] = 50_000,
    seed: Annotated[int, typer.Option(help="Random seed / 随机种子")] = 0,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap refits / 自助重抽样次数")] = 10,
    workspace: WorkspaceOption = Path("."),
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the JSON here / 另存 JSON")
    ] = None,
    lang: LangOption = None,
) -> None:
    """Discover customer clusters and compare them with the taxonomy / 聚类发现与分群对照.

    Advice only: the policy is never changed.  Writes discovery.json, .html and .xlsx into
    the run's directory.
    """
    from finseg._files import atomic_target
    from finseg._safe import check_output
    from finseg.segments._discover import discover
    from finseg.segments._discover_render import render_discovery
    from finseg.segments._discover_report import discovery_json
    from finseg.workspace import open_workspace

    k_value = _k_value(k)
    _check("--max-k", max_k, 2)
    _check("--sample", sample, 10)
    _check("--bootstrap", bootstrap, 0)
    ws = open_workspace(workspace)
    try:
        if json_out is not None:
            check_output(json_out, option="--json", suffixes=(".json",), runs_dir=ws.runs_dir,
                         existing_folder=False)  # fmt: skip
        lang = check_lang(lang, ws.settings.language.value)
        df, run_dir = _results(ws, run_id)
        names = _segment_names(ws, run_id)
    finally:
        ws.close()
    result = discover(df, k=k_value, max_k=max_k, sample=sample, seed=seed, n_boot=bootstrap)
    doc = discovery_json(df, result, run_id=run_id, names=names)
    text = json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False)
    for target in [run_dir / "discovery.json", *([json_out] if json_out else [])]:
        with atomic_target(target) as tmp:
            tmp.write_text(text + "\n", encoding="utf-8")
    paths = render_discovery(doc, run_dir, lang)
    zh = lang == "zh"
    out.print(_summary(doc, lang))
    for a in doc["advice"]:
        out.print(("• 建议：" if zh else "• Advice: ") + a[lang])
    if not doc["advice"]:
        out.print("未发现需要提示的差异。" if zh else "No advice: no rule fired.")
    st = doc["stability"]
    if st["mean"] is not None:
        mean, low = f"{st['mean']:.3f}", f"{st['min']:.3f}"
        out.print(
            f"稳定性 ARI：平均 {mean}，最低 {low}"
            if zh
            else f"Stability ARI: mean {mean}, min {low}"
        )
    for path in [run_dir / "discovery.json", *paths.values()]:
        out.print(f"{'已写入' if zh else 'Wrote'}: {path}")
