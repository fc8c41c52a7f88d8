"""``finseg allocate --run RUN_ID``: allocation over a finished run under the policy it used."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from finseg.allocation import candidates
from finseg.cli import main

from ._runs import add_strategy_columns, make_run, rerecord, results_path, set_allocation

POLICY = """
allocation:
  budget: 5.0e+7
  net_capital: 2.0e+9
  industry_max_share: {default: 0.4}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A workspace with one 300-customer run whose results carry the strategy columns; the
    workspace policy is changed afterwards, so only the run's stored policy has budget 5e7."""
    ws, run_id = make_run(tmp_path_factory.mktemp("allocrun"), 300, 3, POLICY)
    add_strategy_columns(results_path(ws, run_id))
    set_allocation(ws, "allocation:\n  budget: 1.0e+3\n  mode: milp\n")
    return ws, run_id


@pytest.fixture(scope="module")
def results(run) -> pd.DataFrame:
    ws, run_id = run
    return pd.read_parquet(results_path(ws, run_id))


def _budget(results: pd.DataFrame) -> float:
    return round(0.4 * float(results.loc[candidates(results), "limit"].sum()), -3)


def test_run_writes_every_customer_and_the_summary(run, results, tmp_path, capsys):
    ws, run_id = run
    out, summary = tmp_path / "alloc.parquet", tmp_path / "summary.json"
    budget = _budget(results)
    args = ["allocate", "--run", run_id, "--budget", str(budget), "--mode", "lp",
            "-w", str(ws), "--out", str(out), "--json", str(summary)]  # fmt: skip
    assert main(args) == 0
    s = json.loads(summary.read_text(encoding="utf-8"))
    assert s["run_id"] == run_id and s["status"] == "optimal" and s["budget"] == budget
    assert s["mode"] == "lp" and s["allocated_total"] <= budget * (1 + 1e-9)
    table = pd.read_parquet(out)
    assert table["customer_id"].tolist() == results["customer_id"].tolist()
    mask = candidates(results)
    assert s["n_customers"] == int(mask.sum()) > 0
    assert (table.loc[~mask, "allocated_amount"] == 0).all()
    assert table.loc[~mask, "binding_reason"].isna().all()
    assert table.loc[mask, "binding_reason"].notna().all()
    assert (table["allocated_amount"] <= results["limit"] + 1e-6).all()
    assert table["allocated_amount"].sum() == pytest.approx(s["allocated_total"])
    assert "Credit allocation" in capsys.readouterr().out


def test_run_uses_the_budget_and_mode_of_the_run_policy(run, tmp_path):
    ws, run_id = run
    summary = tmp_path / "s.json"
    args = ["allocate", "--run", run_id, "-w", str(ws), "--json", str(summary),
            "--no-baselines"]  # fmt: skip
    assert main(args) == 0
    s = json.loads(summary.read_text(encoding="utf-8"))
    assert s["budget"] == 5.0e7 and s["mode"] == "lp"  # not today's 1e3 and milp


def test_run_frontier(run, results, tmp_path):
    ws, run_id = run
    out = tmp_path / "frontier.csv"
    args = ["allocate", "frontier", "--run", run_id, "--budget", str(_budget(results)),
            "--points", "3", "-w", str(ws), "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == 3


def test_run_without_strategy_columns_exit_2_names_them(run, tmp_path, capsys):
    ws, run_id = run
    path = results_path(ws, run_id)
    original = path.read_bytes()
    frame = pd.read_parquet(path)
    try:  # as a run made before the strategy stage
        frame.drop(columns=["decision", "limit", "price", "lgd", "maturity_years"]).to_parquet(path)
        rerecord(path)
        assert main(["allocate", "--run", run_id, "--budget", "1e7", "-w", str(ws)]) == 2
    finally:
        path.write_bytes(original)
        rerecord(path)
    err = capsys.readouterr().err
    assert "decision, limit, price, lgd, maturity_years" in err
    assert "缺少列" in err


@pytest.mark.parametrize("sources", [[], ["--input", "book.csv", "--run", "R1"]])
def test_exactly_one_source(run, sources, capsys):
    ws, _ = run
    assert main(["allocate", *sources, "--budget", "1e7", "-w", str(ws)]) == 2
    err = capsys.readouterr().err
    assert "exactly one of --input FILE and --run RUN_ID" in err and "二者之一" in err


def test_unknown_run_exit_2(run, capsys):
    ws, _ = run
    assert main(["allocate", "--run", "no-such-run", "--budget", "1e7", "-w", str(ws)]) == 2
    assert "no-such-run" in capsys.readouterr().err
