"""``finseg allocate`` and ``finseg allocate frontier``: the credit budget optimiser.

The book is either a file (``--input FILE``, the workspace policy) or a finished run
(``--run RUN_ID``: its approved and referred customers with a limit, under the policy the run
used); ``--budget`` overrides the policy's ``allocation.budget``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from finseg.cli._app import app, err, out
from finseg.cli._workspace import WorkspaceOption
from finseg.exceptions import UserError

if TYPE_CHECKING:
    import pandas as pd

    from finseg.allocation import AllocationPolicy

__all__ = ["allocate_command", "frontier_command"]

allocate_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)
app.add_typer(allocate_app, name="allocate")

InputOption = Annotated[
    Path | None,
    typer.Option("--input", help="Book to allocate: CSV or Parquet / 待分配的客户表"),
]
RunOption = Annotated[
    str | None,
    typer.Option(
        "--run",
        help="Allocate over a finished run's approved and referred customers, under the "
        "policy it used / 对已完成运行中获批与待复核的客户分配",
    ),
]
BudgetOption = Annotated[
    float | None,
    typer.Option(
        "--budget",
        help="Credit budget in yuan (default: the policy's allocation.budget) / "
        "信贷预算（元，默认取策略 allocation.budget）",
    ),
]


@dataclass
class _Book:
    """What to allocate: the checked book, the policy, the budget and, for ``--run``, the
    run's results."""

    book: pd.DataFrame
    policy: AllocationPolicy
    budget: float
    results: pd.DataFrame | None = None
    run_id: str | None = None
    policy_status: str = "active"  # "draft": a what-if run on a policy not yet activated


def _one_source(input_: Path | None, run: str | None) -> None:
    if (input_ is None) == (run is None):
        raise UserError(
            "finseg allocate needs exactly one of --input FILE and --run RUN_ID",
            "finseg allocate 需要 --input 文件 与 --run 运行编号 二者之一（且只能一个）",
        )


def _budget(budget: float | None, policy: AllocationPolicy) -> float:
    amount = policy.budget if budget is None else budget
    if amount is None:
        raise UserError(
            "finseg allocate needs --budget AMOUNT (the policy sets no allocation.budget)",
            "finseg allocate 需要 --budget 金额（策略未设置 allocation.budget）",
        )
    if not math.isfinite(amount) or amount < 0:
        raise UserError(f"--budget: expected an amount ≥ 0 in yuan, got {amount!r}",
                        f"--budget：应为不小于 0 的金额（元），实际为 {amount!r}")  # fmt: skip
    return float(amount)


def _load(workspace: Path, input_: Path | None, run: str | None, budget: float | None) -> _Book:
    """The book and policy of ``--input`` (the workspace policy) or ``--run`` (the run's)."""
    from finseg.allocation import STRATEGY_COLUMNS, read_book, results_book
    from finseg.runs import run_metadata, run_policy, run_results
    from finseg.workspace import open_workspace

    _one_source(input_, run)
    ws = open_workspace(workspace)
    try:
        if run is None:
            policy = ws.policy().allocation
            return _Book(read_book(input_), policy, _budget(budget, policy))
        results = run_results(ws, run, ("customer_id", "pd", *STRATEGY_COLUMNS),
                              ("to allocate", "无法分配"))  # fmt: skip
        policy = run_policy(ws, run).allocation
        amount = _budget(budget, policy)
        status = run_metadata(ws, run)["policy_status"]
        return _Book(results_book(results, f"run {run}"), policy, amount, results, run, status)
    finally:
        ws.close()


def _check_json(path: Path | None, option: str, input_: Path | None) -> None:
    from finseg._safe import check_output

    if path is not None:
        check_output(path, option=option, suffixes=(".json",), inputs=[input_])


def _write_json(path: Path, data: Any) -> None:
    from finseg._files import atomic_target

    with atomic_target(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


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


def _run_table(results: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Every customer of the run with its decision and limit, and what the allocation
    ``frame`` of its candidates (in results order) gave it; nothing outside them."""
    import numpy as np
    import pandas as pd

    from finseg.allocation import candidates

    mask = candidates(results)
    table = results[["customer_id", "decision", "limit"]].reset_index(drop=True)
    table["allocated_amount"] = 0.0
    table.loc[mask, "allocated_amount"] = frame["allocated_amount"].to_numpy(float)
    table["funded"] = table["allocated_amount"] > 0
    for column in ("binding_reason", "binding_reason_zh"):
        text = np.full(len(table), None, dtype=object)
        text[mask] = frame[column].to_numpy(object)
        table[column] = pd.array(text, dtype="string")
    for column in ("margin", "expected_loss", "rwa"):
        table[column] = np.nan
        table.loc[mask, column] = frame[column].to_numpy(float)
    return table


@allocate_app.callback()
def allocate_command(
    ctx: typer.Context,
    input_: InputOption = None,
    run: RunOption = None,
    budget: BudgetOption = None,
    mode: Annotated[
        str | None,
        typer.Option(
            "--mode",
            help="lp or milp (default: the policy's allocation.mode) / "
            "求解模式（默认取策略 allocation.mode）",
        ),
    ] = None,
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
    `finseg allocate frontier` traces return versus the EL budget.

    The book is --input FILE (CSV or Parquet, the workspace policy) or --run RUN_ID (the
    run's approved and referred customers with a positive limit, under the policy that run
    used; --out then lists every customer of the run).  --budget and --mode override the
    policy's allocation.budget and allocation.mode.
    """
    if ctx.invoked_subcommand is not None:
        return
    from finseg.allocation import allocate
    from finseg.ingest import check_output, write_table

    _one_source(input_, run)
    if out_path is not None:
        check_output(out_path, [input_])
    _check_json(json_path, "--json", input_)
    loaded = _load(workspace, input_, run, budget)
    with err.status("求解中 / solving…"):
        result = allocate(loaded.book, loaded.policy, loaded.budget,
                          str(mode or loaded.policy.mode), with_baselines)  # fmt: skip
    summary = (
        result.summary
        if run is None
        else {"run_id": run, "policy_status": loaded.policy_status, **result.summary}
    )
    if out_path is not None:
        table = result.frame
        if loaded.results is not None:
            table = _run_table(loaded.results, result.frame)
        write_table(table, out_path)
    if json_path is not None:
        _write_json(json_path, summary)
    _print_summary(summary)
    for target in (out_path, json_path):
        if target is not None:
            out.print(f"已写入 / Written: {target}")


@allocate_app.command("frontier")
def frontier_command(
    input_: InputOption = None,
    run: RunOption = None,
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
    """Return versus expected-loss budget (the EL frontier) / 收益与预期损失前沿.

    The book is --input FILE or --run RUN_ID, as for `finseg allocate`.
    """
    from finseg.allocation import frontier
    from finseg.ingest import check_output, write_table

    _one_source(input_, run)
    if out_path is not None:
        check_output(out_path, [input_])
    _check_json(json_path, "--json", input_)
    loaded = _load(workspace, input_, run, budget)
    with err.status("求解中 / solving…"):
        table = frontier(loaded.book, loaded.policy, loaded.budget, points)
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
