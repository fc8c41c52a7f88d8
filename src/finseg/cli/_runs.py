"""``finseg run``, ``finseg runs list|show`` and ``finseg report``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from finseg.cli._app import LangOption, app, check_lang, err, out, parse_date
from finseg.cli._workspace import WorkspaceOption
from finseg.exceptions import UserError

__all__ = ["StageProgress"]

runs_app = typer.Typer(help="Runs / 运行记录", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


class StageProgress:
    """A Rich progress display with one line per stage, fed by pipeline events."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> StageProgress:
        if self.enabled:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()

    def __call__(self, key: str, label: str, event: str) -> None:
        if not self.enabled:
            return
        if event == "start":
            self.tasks[key] = self.bar.add_task(label, total=1)
        else:
            self.bar.update(self.tasks[key], completed=1)


@app.command("run")
def run_command(
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Customer file to run; with --engine spark a Parquet dataset directory / "
            "客户数据文件（Spark 引擎：Parquet 数据集目录）",
        ),
    ] = None,
    workspace: WorkspaceOption = Path("."),
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Statement date to use when a file holds several (default: latest) / 报表日期",
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            help="Macro scenario of policy.yaml strategy.scenarios (default: its "
            "default_scenario) / 宏观情景",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object / 输出 JSON")
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            "--engine", help="pandas (one process, default) or spark / 计算引擎：pandas 或 spark"
        ),
    ] = "pandas",
    table: Annotated[
        str | None,
        typer.Option("--table", help="Spark engine: a Hive table db.name / Spark 引擎：Hive 表"),
    ] = None,
    spark_conf: Annotated[
        list[str] | None,
        typer.Option(
            "--spark-conf",
            help="Spark engine: KEY=VALUE over finseg.toml [spark] (repeatable) / Spark 配置",
        ),
    ] = None,
) -> None:
    """Run the pipeline over a file and record the run / 运行客户细分流程.

    No login needed; the run records the logged-in user when there is one.
    """
    from finseg.cli._login import optional_actor
    from finseg.store import SYSTEM
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    day = parse_date(as_of, "--as-of")
    person = optional_actor(ws)
    actor = person.name if person is not None else SYSTEM
    with StageProgress(ws.settings.progress and not as_json) as progress:
        result = _run(ws, engine, data, table, spark_conf or [], day, progress, scenario,
                      actor)  # fmt: skip
    ws.close()
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    out.print(
        f"运行完成 / Run done: [bold]{result.run_id}[/] — {result.rows:,} 户 / customers, "
        f"{result.quarantined:,} 行隔离 / quarantined, {result.seconds:.1f} s"
    )
    if result.other_dates:
        out.print(
            f"[yellow]{result.other_dates:,} 行属于其他报表日期，未用于本次运行 / rows of other "
            "statement dates not used (see the data-quality report)[/]"
        )
    out.print(f"结果 / Results: {result.results}")
    fallback, partial = (result.rating_basis.get(k, 0) for k in ("fallback", "partial"))
    if fallback or partial:
        err.print(
            f"[yellow]警告 / Warning:[/] 评级依据 / rating basis — {fallback:,} 户主要输入缺失"
            f"（保守默认 PD）/ on a fallback PD, {partial:,} 户部分输入缺失 / on partial "
            "inputs (docs/risk.md)"
        )
    if result.empty_segments:
        err.print(
            f"[yellow]警告 / Warning:[/] {len(result.empty_segments)} 个分群没有客户 / "
            f"segment(s) match no customer: {', '.join(result.empty_segments)} — "
            "请检查其规则 / check their rules"
        )
    if result.policy_status == "draft":
        from finseg.reporting._context import DRAFT_BANNER

        err.print(f"[bold red]{DRAFT_BANNER}[/]")


#: Run statuses as people read them (``abandoned``: running, but its process is gone).
_RUN_STATUS = {
    "running": ("运行中", "running"),
    "done": ("已完成", "done"),
    "failed": ("失败", "failed"),
    "abandoned": ("已中断", "abandoned"),
}
_SCENARIOS = {"baseline": "基准", "downturn": "下行", "upturn": "上行"}


def _scenario(scenario: str | None, zh: bool) -> str:
    if not scenario:
        return "—"
    return _SCENARIOS.get(scenario, scenario) if zh else scenario


def _run(ws, engine, data, table, spark_conf, day, progress, scenario, actor):
    """The run on the chosen engine (the CLI face of both)."""
    from finseg.engines import ENGINES

    if engine not in ENGINES:
        raise UserError(
            f"--engine {engine!r}: expected one of {', '.join(ENGINES)}",
            f"--engine {engine!r}：应为 {'、'.join(ENGINES)} 之一",
        )
    if engine == "spark":
        from finseg.engines._session import parse_conf
        from finseg.engines.spark import SparkInput, run_spark

        conf = parse_conf(spark_conf)
        return run_spark(ws, SparkInput(data, table), as_of=day, progress=progress,
                         scenario=scenario, conf=conf, actor=actor)  # fmt: skip
    if table is not None or spark_conf:
        raise UserError(
            "--table and --spark-conf need --engine spark",
            "--table 与 --spark-conf 仅用于 --engine spark",
        )
    if data is None:
        raise UserError("--data: a customer file is required", "--data：必须指定客户数据文件")
    from finseg.pipeline import run_pipeline

    return run_pipeline(ws, data, as_of=day, progress=progress, scenario=scenario, actor=actor)


@runs_app.command("list")
def runs_list(
    workspace: WorkspaceOption = Path("."), limit: int = 20, lang: LangOption = None
) -> None:
    """List recent runs with their statement date, scenario, model and policy version (the
    input file, times and counts: `runs show`); a running run whose process is gone shows as
    abandoned, a run on a draft policy is marked draft / 列出最近的运行."""
    from finseg.pipeline import recover_runs
    from finseg.runs import policy_status
    from finseg.store import is_abandoned, list_runs, read_session
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    recover_runs(ws)  # a run killed between its commit and its rename gets its directory
    zh = check_lang(lang, ws.settings.language.value) == "zh"
    heads = (
        ("运行编号", "状态", "报表日期", "情景", "模型", "策略")
        if zh
        else ("run id", "status", "statement", "scenario", "model", "policy")
    )
    table = Table(*heads, box=box.SIMPLE_HEAD, pad_edge=False)
    for i, width in ((0, 23), (1, 9), (2, 10), (3, 8)):  # never cut: ids are copied from here
        table.columns[i].no_wrap, table.columns[i].min_width = True, width
    table.columns[4].overflow = "fold"  # a long model id folds rather than lose its end
    table.columns[4].min_width = 10
    with read_session(ws.engine()) as s:
        for run in list_runs(s, limit=limit):
            params = run.params or {}
            status = "abandoned" if is_abandoned(run) else run.status.value
            policy = "" if run.policy_version_id is None else f"#{run.policy_version_id}"
            if policy_status(run.params) == "draft":
                policy += " 草案" if zh else " draft"
            table.add_row(
                run.id,
                _RUN_STATUS[status][0 if zh else 1],
                params.get("statement_date") or params.get("as_of") or "—",
                _scenario(params.get("scenario"), zh),
                ", ".join(run.model_ids or []) or "—",
                policy,
            )
    out.print(table)
    ws.close()


@runs_app.command("show")
def runs_show(run_id: str, workspace: WorkspaceOption = Path(".")) -> None:
    """Show one run: data, policy, counts, timings, files / 显示运行详情."""
    from finseg.runs import run_metadata
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    typer.echo(json.dumps(run_metadata(ws, run_id), ensure_ascii=False, indent=2))
    ws.close()


@runs_app.command("verify")
def runs_verify(
    run_id: Annotated[
        str | None, typer.Argument(help="Run id (see `finseg runs list`) / 运行编号")
    ] = None,
    all_runs: Annotated[
        bool, typer.Option("--all", help="Every finished run / 所有已完成的运行")
    ] = False,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
) -> None:
    """Check a run's files against their recorded SHA-256 / 核验运行文件的校验值.

    Exit 0 when every recorded file matches; 2 (naming each file) when one was changed or
    removed since its run.
    """
    from finseg.exceptions import UserError
    from finseg.runs import verify_runs
    from finseg.workspace import open_workspace

    if (run_id is None) == (not all_runs):
        raise UserError("give a RUN_ID or --all (not both)", "请给出运行编号或 --all（二选一）")
    ws = open_workspace(workspace)
    zh = check_lang(lang, ws.settings.language.value) == "zh"
    checks = verify_runs(ws, None if all_runs else run_id)
    ws.close()
    table = Table(*(("运行编号", "文件", "结果") if zh else ("run id", "file", "result")))
    labels = {
        "ok": ("一致", "ok"),
        "changed": ("已被改动", "CHANGED"),
        "missing": ("缺失", "MISSING"),
    }
    for c in checks:
        table.add_row(c.run_id, c.name, labels[c.status][0 if zh else 1])
    out.print(table)
    bad = [c for c in checks if c.status != "ok"]
    if bad:
        names = ", ".join(str(c.path) for c in bad)
        raise UserError(
            f"{len(bad)} run file(s) do not match their recorded SHA-256: {names}",
            f"{len(bad)} 个运行文件与登记的 SHA-256 不一致：{names}",
        )
    out.print(f"{len(checks)} 个文件一致 / file(s) verified")


@app.command("report")
def report_command(
    run_id: Annotated[str, typer.Argument(help="Run id (see `finseg runs list`) / 运行编号")],
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    fmt: Annotated[str, typer.Option("--format", help="html, xlsx or both / 报告格式")] = "both",
) -> None:
    """Write the HTML and/or Excel report of a run / 生成运行报告."""
    from finseg.runs import report_run
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    paths = report_run(ws, run_id, check_lang(lang, ws.settings.language.value), [fmt])
    ws.close()
    for kind, path in paths.items():
        out.print(f"{kind}: {path}")


@app.command("demo")
def demo_command(
    workspace: WorkspaceOption = Path("demo-workspace"),
    customers: Annotated[int, typer.Option(help="Sample customers / 示例客户数")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed / 随机种子")] = 7,
    lang: LangOption = None,
) -> None:
    """Run the main job end to end / 端到端演示.

    Workspace, seeded sample of three annual snapshots (a Chinese bank export, the last in a
    downturn), a run per snapshot, monitoring of each year against the one before, HTML and
    Excel reports of the last run.
    """
    import pandas as pd

    from finseg.demo import run_demo
    from finseg.exceptions import UserError

    if customers < 1:
        raise UserError("--customers must be at least 1", "--customers 至少为 1")
    lang = check_lang(lang)
    zh = lang == "zh"
    with StageProgress(True) as progress:
        demo = run_demo(workspace, customers=customers, seed=seed, lang=lang, progress=progress)
    results = pd.read_parquet(demo.run.results)
    _print_summary(results, demo.run, zh)
    out.print(("示例数据 / sample: " if zh else "Sample: ") + str(demo.sample))
    out.print(("报告 / report: " if zh else "Report: ") + str(demo.reports["html"]))
    out.print(("Excel 报告 / workbook: " if zh else "Workbook: ") + str(demo.reports["xlsx"]))
    for path in demo.monitoring:
        _print_monitoring(json.loads(path.read_text(encoding="utf-8")), demo.runs, zh)
    demo.workspace.close()


def _print_monitoring(payload: dict, runs: list, zh: bool) -> None:
    """One line per comparison: the score's PSI and light, downgrades, watch-list size."""
    from finseg.demo import SNAPSHOTS

    ids = [r.run_id for r in runs]
    days = [SNAPSHOTS[ids.index(payload[k])] for k in ("baseline_run_id", "current_run_id")]
    psi = payload["psi"]["score"]
    light = {"green": ("绿灯", "green"), "amber": ("黄灯", "amber"), "red": ("红灯", "red")}
    light_zh, light_en = light.get(psi["light"], ("—", "—"))
    down = payload["grade_migration_summary"]["downgrades"]
    watch = len(payload["warnings"]["watchlist"])
    out.print(
        f"监控 / monitoring {days[0]} → {days[1]}：评分 PSI {psi['psi']:.3f}（{light_zh}），"
        f"评级下调 {down:,} 户，观察名单 {watch:,} 户"
        if zh
        else f"Monitoring {days[0]} → {days[1]}: score PSI {psi['psi']:.3f} ({light_en}), "
        f"{down:,} downgraded, watch list {watch:,}"
    )


def _print_summary(results, run, zh: bool) -> None:
    from finseg.features import FinancialCondition, SizeClass
    from finseg.industry import SECTIONS

    lang = "zh" if zh else "en"
    table = Table(title=("运行 " if zh else "Run ") + run.run_id)
    table.add_column("项目" if zh else "item")
    table.add_column("数值" if zh else "value", justify="right")
    table.add_row("客户数" if zh else "customers", f"{run.rows:,}")
    table.add_row("隔离行" if zh else "quarantined rows", f"{run.quarantined:,}")
    if "rating_basis" in results:
        from finseg.risk import RatingBasis

        counts = results["rating_basis"].value_counts()
        for basis in RatingBasis:
            table.add_row(basis.label(lang), f"{int(counts.get(basis.value, 0)):,}")
    for size in SizeClass:
        n = int((results["size_class"] == size.value).sum())
        if n or size is not SizeClass.UNKNOWN:
            table.add_row(size.label(lang), f"{n:,}")
    for condition, n in results["financial_condition"].value_counts().items():
        table.add_row(FinancialCondition(condition).label(lang), f"{n:,}")
    for code, n in results["industry_section"].value_counts().head(5).items():
        table.add_row(SECTIONS[code].label(lang), f"{n:,}")
    if "decision" in results:
        labels = {"approve": ("批准", "approved"), "refer": ("转人工", "referred"),
                  "decline": ("拒绝", "declined")}  # fmt: skip
        for decision, (z, e) in labels.items():
            table.add_row(z if zh else e, f"{int((results['decision'] == decision).sum()):,}")
        for decision, (z, e) in (
            ("approve", ("批准额度合计（万元）", "granted limits (CNY 10k)")),
            (
                "refer",
                ("转人工拟议额度（万元，未批准）", "proposed for referred (CNY 10k, not granted)"),
            ),
        ):
            wan = results.loc[results["decision"] == decision, "limit"].sum() / 1e4
            table.add_row(z if zh else e, f"{wan:,.0f}")
    if "allocated_amount" in results:
        wan = results["allocated_amount"].sum() / 1e4
        table.add_row("已分配额度（万元）" if zh else "allocated (CNY 10k)", f"{wan:,.0f}")
    table.add_row("用时 (秒)" if zh else "seconds", f"{run.seconds:.1f}")
    out.print(table)
