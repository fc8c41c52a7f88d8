"""`finseg scenarios compare`: a run's decisions under each scenario of its policy, side by
side per segment, as a table, strict JSON and an Excel workbook; exit 2 for an unknown
scenario or run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from finseg.cli import main
from finseg.pipeline import run_pipeline
from finseg.sample import generate_portfolio, write_sample
from finseg.workspace import init_workspace


def _strict_loads(text: str):
    def refuse(constant: str):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A workspace (language en) with one finished run of 400 customers."""
    root = tmp_path_factory.mktemp("scncli")
    workspace = init_workspace(root / "ws", language="en")
    data = root / "book.parquet"
    write_sample(generate_portfolio(400, seed=5), data)
    run_id = run_pipeline(workspace, data, scenario=None).run_id
    workspace.close()
    return workspace.root, run_id


def test_compare_prints_writes_json_and_excel(run, tmp_path, capsys) -> None:
    ws, run_id = run
    target, book = tmp_path / "out" / "cmp.json", tmp_path / "out" / "cmp.xlsx"
    target.parent.mkdir()
    args = ["scenarios", "compare", "--run", run_id, "-w", str(ws)]
    assert main([*args, "--json", str(target), "--out", str(book)]) == 0
    printed = capsys.readouterr().out
    assert f"Scenarios of run {run_id}" in printed
    assert "Downturn" in printed and "Micro" in printed and "Total" in printed
    payload = _strict_loads(target.read_text(encoding="utf-8"))
    assert payload["scenarios"] == ["baseline", "downturn", "upturn"]
    assert payload["run_scenario"] == "baseline"
    results = pd.read_parquet(ws / "runs" / run_id / "results.parquet")
    base = payload["total"]["baseline"]
    assert base["customers"] == len(results) == 400
    assert base["approve"] == (results["decision"] == "approve").sum()
    approved, referred = results["decision"] == "approve", results["decision"] == "refer"
    assert base["granted"] == pytest.approx(results.loc[approved, "limit"].sum())
    assert base["proposed"] == pytest.approx(results.loc[referred, "limit"].sum())
    assert base["proposed"] > 0  # the referred customers' limits are not counted as granted
    for scenario in payload["scenarios"]:
        for metric in ("customers", "approve", "refer", "decline"):
            by_segment = sum(s[scenario][metric] for s in payload["segments"].values())
            assert by_segment == payload["total"][scenario][metric]
        for metric in ("granted", "proposed", "expected_loss", "rwa"):
            by_segment = sum(s[scenario][metric] for s in payload["segments"].values())
            assert by_segment == pytest.approx(payload["total"][scenario][metric])
    for figures in payload["segments"].values():
        assert figures["downturn"]["approve"] <= figures["baseline"]["approve"]
        assert figures["downturn"]["granted"] <= figures["baseline"]["granted"]
    sheets = pd.read_excel(book, sheet_name=None, header=None, engine="calamine")
    assert list(sheets) == ["情景比较 Comparison", "明细 Long"]
    assert sorted(p.name for p in book.parent.iterdir()) == ["cmp.json", "cmp.xlsx"]
    cells = set(sheets["明细 Long"].astype(str).to_numpy().ravel())
    assert {"批准 / Approved", "情景 / Scenario", "downturn"} <= cells


def test_chosen_scenarios_in_chinese(run, tmp_path, capsys) -> None:
    ws, run_id = run
    target = tmp_path / "cmp.json"
    args = ["scenarios", "compare", "--run", run_id, "-w", str(ws), "--lang", "zh"]
    assert main([*args, "--scenarios", "downturn,baseline", "--json", str(target)]) == 0
    printed = capsys.readouterr().out
    assert "经济下行" in printed and "小微企业" in printed and "经济上行" not in printed
    assert _strict_loads(target.read_text(encoding="utf-8"))["scenarios"] == [
        "downturn",
        "baseline",
    ]


def test_unknown_scenario_or_run_exits_2(run, tmp_path, capsys) -> None:
    ws, run_id = run
    target = tmp_path / "never.json"
    args = ["scenarios", "compare", "-w", str(ws), "--json", str(target)]
    assert main([*args, "--run", run_id, "--scenarios", "baseline,crash"]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario(s) crash" in err and "baseline, downturn, upturn" in err
    assert main([*args, "--run", "no-such-run"]) == 2
    assert main([*args, "--run", run_id, "--out", str(tmp_path / "x.csv")]) == 2
    assert "expected an .xlsx file" in capsys.readouterr().err
    assert not target.exists()
