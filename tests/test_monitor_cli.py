"""`finseg monitor` on real runs: a sample book and a later snapshot of it (one industry worse
off, new overdue, defaults, leavers and joiners) — the JSON in the run directory and at
--json, its figures against independent counts from the two results files, the Excel watch
list, the report section, and exit code 2 for the user's errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from finseg.cli import main
from finseg.pipeline import run_pipeline
from finseg.sample import generate_portfolio, write_sample
from finseg.workspace import init_workspace

sys.path.insert(0, str(Path(__file__).parent / "monitoring"))
from _later import later_snapshot


def _strict_loads(text: str):
    def refuse(constant: str):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, str]:
    """Baseline (500 customers), its later snapshot, and a run sharing no customer."""
    root = tmp_path_factory.mktemp("moncli")
    workspace = init_workspace(root / "ws")
    book = generate_portfolio(500, seed=3)
    stranger = generate_portfolio(30, seed=5)
    stranger["customer_id"] = [f"X{i:05d}" for i in range(len(stranger))]
    stranger["as_of_date"] = stranger["as_of_date"] + pd.DateOffset(years=1)  # a later run
    frames = [book, later_snapshot(book, generate_portfolio(25, seed=9)), stranger]
    ids = []
    for i, frame in enumerate(frames):
        write_sample(frame, root / f"book-{i}.parquet")
        ids.append(run_pipeline(workspace, root / f"book-{i}.parquet").run_id)
    workspace.close()
    return workspace.root, *ids


def _results(ws: Path, run_id: str) -> pd.DataFrame:
    return pd.read_parquet(ws / "runs" / run_id / "results.parquet")


def test_monitor_writes_strict_json_with_independent_counts(runs, tmp_path, capsys):
    ws, base, cur, _ = runs
    target, excel = tmp_path / "m.json", tmp_path / "w.xlsx"
    args = ["monitor", "--baseline", base, "--current", cur, "-w", str(ws), "--lang", "en"]
    assert main([*args, "--json", str(target), "--watchlist", str(excel)]) == 0
    printed = capsys.readouterr().out
    assert "Stability (PSI/CSI)" in printed and "Back-test" in printed
    text = target.read_text(encoding="utf-8")
    assert (ws / "runs" / cur / "monitoring.json").read_text(encoding="utf-8") == text
    p = _strict_loads(text)
    before, after = _results(ws, base), _results(ws, cur)
    both = before.merge(after, on="customer_id", suffixes=("_b", "_a"))
    assert p["customers"]["common"] == len(both) and p["customers"]["entered"] == 25
    assert p["customers"]["left"] == len(before) - len(both)
    counts = both.groupby(["grade_b", "grade_a"]).size()
    assert {(f, t): n for f, row in p["grade_migration"].items() for t, n in row.items()} == {
        k: int(v) for k, v in counts.items()}  # fmt: skip
    seg = both.groupby([both["segment_b"].astype(str), both["segment_a"].astype(str)]).size()
    matrix = p["segment_migration"]["matrix"]
    assert {(f, t): n for f, row in matrix.items() for t, n in row.items()} == {
        k: int(v) for k, v in seg.items()}  # fmt: skip
    assert {"score", "debt_to_assets", "receivable_days"} <= set(p["psi"])
    assert p["psi"]["score"]["variable"] == "score"
    backtest = p["backtest"]
    known = both[both["grade_b"] != "D"]
    assert backtest["available"] and backtest["customers"] == len(known)
    assert backtest["portfolio"]["d"] == int(known["default_12m_a"].sum())
    assert p["warnings"]["fired"]["new_overdue"]["customers"] > 0
    assert p["adjustments"]["adjusted_customers"] == 0 and p["adjustments"]["note"]
    assert p["segment_names"]["micro_small"]["zh"] == "小微企业"
    sheet = pd.read_excel(excel, engine="calamine")
    assert "客户编号 / Customer ID" in sheet.columns
    assert len(sheet) == len(p["warnings"]["watchlist"]) > 0


def test_report_has_the_monitoring_section(runs):
    ws, base, cur, _ = runs
    assert main(["monitor", "--baseline", base, "--current", cur, "-w", str(ws)]) == 0
    assert main(["report", cur, "-w", str(ws), "--lang", "zh", "--format", "both"]) == 0
    html = (ws / "runs" / cur / "report.html").read_text(encoding="utf-8")
    assert "组合监控" in html and "sankey" in html and "观察名单" in html
    assert main(["report", base, "-w", str(ws), "--lang", "en", "--format", "html"]) == 0
    assert "Portfolio monitoring" not in (ws / "runs" / base / "report.html").read_text("utf-8")


@pytest.mark.parametrize(
    ("which", "message"),
    [("same", "same run"), ("unknown", "nope"), ("stranger", "no customer in common")],
)
def test_user_errors_exit_2(runs, capsys, which, message):
    ws, base, _, stranger = runs
    other = {"same": base, "unknown": "nope", "stranger": stranger}[which]
    assert main(["monitor", "--baseline", base, "--current", other, "-w", str(ws)]) == 2
    err = capsys.readouterr().err
    assert message in err and "错误" in err


def test_a_run_without_grades_exits_2(runs, tmp_path, capsys):
    ws, base, _, stranger = runs
    path = ws / "runs" / stranger / "results.parquet"
    saved = path.read_bytes()
    try:
        pd.read_parquet(path).drop(columns=["grade"]).to_parquet(path)
        assert main(["monitor", "--baseline", base, "--current", stranger, "-w", str(ws)]) == 2
        assert "grade" in capsys.readouterr().err
    finally:
        path.write_bytes(saved)
