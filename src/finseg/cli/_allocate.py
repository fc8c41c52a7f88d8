"""``finseg allocate`` and ``finseg allocate frontier``: the credit budget optimiser.

Only ``--input FILE`` is supported for now; ``--run RUN_ID`` waits for the strategy stage that
produces limits and prices inside a run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from finseg.cli._app import app, err, out
from finseg.cli._workspace import WorkspaceOption
from finseg.exceptions import UserError

__all__ = ["allocate_command", "frontier_command"]

allocate_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)
app.add_typer(allocate_app, name="allocate")

InputOption = Annotated[
    Path | None,
    typer.Option("--input", help="Book to allocate: CSV or Parquet / 待分配的客户表"),
]
BudgetOption = Annotated[
    float | None, typer.Option("--budget", help="Credit budget in yuan / 信贷预算（元）")
]


def _required(input_: Path | None, budget: float | None) -> tuple[Path, float]:
    if input_ is None or budget is None:
        raise UserError(
            "finseg allocate needs --input FILE and --budget AMOUNT",
            "finseg allocate 需要 --input 文件 与 --budget 金额",
        )
    return input_, budget


def _check_json(path: Path | None, option: str) -> None:
    if path is not None and (path.is_dir() or not path.parent.is_dir()):
        raise UserError(
            f"{option} {path}: not a file in an existing folder",
            f"{option} {path}：不是已有文件夹中的文件路径",
        )


def _write_json(path: Path, data: Any) -> None:
    from finseg._files import atomic_target

    with atomic_target(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


def _policy(workspace: Path):
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        return ws.policy().allocation
    finally:
        ws.close()


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _print_summary(s: dict) -> None:
    table = Table(title=f"信贷额度分配 / Credit allocation ({s['status']}, {s['mode']})")
    table.add_column("指标 / measure")
    table.add_column("数值 / value", justify="right")
    rows = [
        ("目标：风险调整后收益（元/年）/ objective, yuan per year", _money(s["objective"])),
        ("已分配总额 / allocated total", _money(s["allocated_total"])),
        ("预算 / budget", _money(s["budget"])),
        ("获批客户数 / customers funded", f"{s['n_funded']:,} / {s['n_customers']:,}"),
        ("预期损失 / expected loss", _money(s["expected_loss"])),
        ("风险加权资产 / RWA", _money(s["rwa"])),
        ("求解时间（秒）/ solve seconds", f"{s['solve_seconds']:.2f}"),
    ]
    if s.get("gap") is not None:
        rows.append(("最优间隙 / optimality gap", f"{s['gap']:.4%}"))
    for name, zh in (("greedy", "贪心"), ("lagrangian", "拉格朗日贪心"), ("fcfs", "先到先得")):
        if f"{name}_objective" in s:
            gap = s[f"{name}_gap"]
            note = "" if s[f"{name}_meets_quotas"] else " (配额未满足 / quotas not met)"
            rows.append(
                (f"{zh} / {name}", f"{_money(s[f'{name}_objective'])}"
                 f" ({'—' if gap is None else f'{gap:.2%}'} 低于最优 / below optimum){note}")
            )  # fmt: skip
    for label, value in rows:
        table.add_row(label, value)
    out.print(table)
    if s["shadow_prices"]:
        prices = Table(title="约束影子价格 / shadow prices of binding constraints")
        prices.add_column("约束 / constraint")
        prices.add_column("每单位价值 / value per unit", justify="right")
        for sp in s["shadow_prices"]:
            prices.add_row(f"{sp['label_zh']} / {sp['label_en']}", f"{sp['shadow_price']:.6f}")
        out.print(prices)


@allocate_app.callback()
def allocate_command(
    ctx: typer.Context,
    input_: InputOption = None,
    budget: BudgetOption = None,
    mode: Annotated[str, typer.Option("--mode", help="lp or milp / 求解模式")] = "lp",
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="Per-customer result: .csv or .parquet / 逐户分配结果"),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Summary as JSON / 汇总 JSON")
    ] = None,
    with_baselines: Annotated[
        bool,
        typer.Option("--baselines/--no-baselines", help="Also run the rules of thumb / 基准规则"),
    ] = True,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Allocate a credit budget across customers (LP or MILP on HiGHS) / 优化分配信贷额度.

    Maximises Σ amount·margin, margin = price − funding cost − opex − PD·LGD − hurdle·K
    (Basel IRB), within the budget, customer limits, single-customer, group and industry
    caps, EL and RWA budgets and policy quotas from the workspace policy (allocation).
    Also reports greedy, Lagrangian-greedy and first-come-first-served baselines.
    `finseg allocate frontier` traces return versus the EL budget.  (--run RUN_ID is not
    available yet: it needs the strategy stage.)
    """
    if ctx.invoked_subcommand is not None:
        return
    from finseg.allocation import allocate, read_book
    from finseg.ingest import check_output, write_table

    path, amount = _required(input_, budget)
    if out_path is not None:
        check_output(out_path)
    _check_json(json_path, "--json")
    policy = _policy(workspace)
    book = read_book(path)
    with err.status("求解中 / solving…"):
        result = allocate(book, policy, amount, mode, with_baselines)
    if out_path is not None:
        write_table(result.frame, out_path)
    if json_path is not None:
        _write_json(json_path, result.summary)
    _print_summary(result.summary)
    for target in (out_path, json_path):
        if target is not None:
            out.print(f"已写入 / Written: {target}")


@allocate_app.command("frontier")
def frontier_command(
    input_: InputOption = None,
    budget: BudgetOption = None,
    points: Annotated[int, typer.Option("--points", help="Points on the curve / 点数")] = 10,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Frontier as .csv or .parquet / 前沿表")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Frontier as JSON / 前沿 JSON")
    ] = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Return versus expected-loss budget (the EL frontier) / 收益与预期损失前沿."""
    from finseg.allocation import frontier, read_book
    from finseg.ingest import check_output, write_table

    path, amount = _required(input_, budget)
    if out_path is not None:
        check_output(out_path)
    _check_json(json_path, "--json")
    policy = _policy(workspace)
    with err.status("求解中 / solving…"):
        table = frontier(read_book(path), policy, amount, points)
    shown = Table(title="收益与预期损失前沿 / return vs expected-loss budget")
    for col in ("预期损失预算 / EL budget", "收益 / return", "预期损失 / EL",
                "分配总额 / allocated", "EL 影子价格 / EL shadow price"):  # fmt: skip
        shown.add_column(col, justify="right")
    for row in table.itertuples():
        shown.add_row(_money(row.el_budget), _money(row.objective), _money(row.expected_loss),
                      _money(row.allocated_total), f"{row.el_shadow_price:.4f}")  # fmt: skip
    out.print(shown)
    if out_path is not None:
        write_table(table, out_path)
    if json_path is not None:
        _write_json(json_path, table.to_dict(orient="records"))
