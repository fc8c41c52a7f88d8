"""``finseg allocate`` end to end: outputs, infeasible quotas, bad cells."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from finseg.allocation import synthetic_book
from finseg.cli import main

from ._runs import set_allocation

POLICY = """
allocation:
  net_capital: 2.0e+9
  industry_max_share: {{default: 0.3}}
  quotas: {quotas}
  el_budget: 2.0e+7
"""


@pytest.fixture(scope="module")
def book_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "book.csv"
    synthetic_book(400, seed=5).to_csv(path, index=False)
    return path


def _workspace(tmp_path, quotas="{inclusive: 0.2}"):
    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--lang", "en"]) == 0
    set_allocation(ws, POLICY.format(quotas=quotas))
    return ws


def test_allocate_writes_outputs(tmp_path, book_csv, capsys):
    ws = _workspace(tmp_path)
    out, summary = tmp_path / "alloc.parquet", tmp_path / "summary.json"
    args = ["allocate", "--input", str(book_csv), "--budget", "3e8", "-w", str(ws),
            "--out", str(out), "--json", str(summary)]  # fmt: skip
    assert main(args) == 0
    frame = pd.read_parquet(out)
    s = json.loads(summary.read_text(encoding="utf-8"))
    assert s["status"] == "optimal"
    assert frame["allocated_amount"].sum() == pytest.approx(s["allocated_total"])
    assert s["allocated_total"] <= 3e8 * (1 + 1e-9)
    assert "Credit allocation" in capsys.readouterr().out


def test_frontier(tmp_path, book_csv):
    ws = _workspace(tmp_path)
    out = tmp_path / "frontier.csv"
    args = ["allocate", "frontier", "--input", str(book_csv), "--budget", "3e8",
            "--points", "3", "-w", str(ws), "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert len(table) == 3
    assert table["objective"].is_monotonic_increasing


def test_conflicting_quotas_exit_2_and_name_them(tmp_path, book_csv, capsys):
    ws = _workspace(tmp_path, quotas="{micro: 0.7, large: 0.5}")  # disjoint segments
    args = ["allocate", "--input", str(book_csv), "--budget", "3e8", "-w", str(ws)]
    assert main(args) == 2
    text = capsys.readouterr().err
    assert "quota micro" in text or "quota large" in text
    assert "政策配额" in text


def test_bad_cell_exit_2_names_row_and_column(tmp_path, book_csv, capsys):
    ws = _workspace(tmp_path)
    frame = pd.read_csv(book_csv, dtype=str, keep_default_na=False)
    frame.loc[6, "pd"] = "1.7"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    args = ["allocate", "--input", str(bad), "--budget", "3e8", "-w", str(ws)]
    assert main(args) == 2
    text = capsys.readouterr().err
    assert "row 8, column pd" in text  # header is line 1, index 6 is line 8
    assert "'1.7'" in text


def test_missing_options_exit_2(tmp_path, book_csv, capsys):
    ws = _workspace(tmp_path)
    assert main(["allocate", "-w", str(ws)]) == 2
    assert "--input FILE and --run RUN_ID" in capsys.readouterr().err
    assert main(["allocate", "--input", str(book_csv), "-w", str(ws)]) == 2
    assert "--budget" in capsys.readouterr().err  # the policy sets no allocation.budget


def test_policy_budget_and_mode_apply_to_input(tmp_path, book_csv):
    ws = _workspace(tmp_path)
    set_allocation(ws, "allocation:\n  budget: 2.0e+8\n  mode: milp\n  min_ticket: 1.0e+6\n")
    summary = tmp_path / "s.json"
    args = ["allocate", "--input", str(book_csv), "-w", str(ws), "--json", str(summary)]
    assert main(args) == 0
    s = json.loads(summary.read_text(encoding="utf-8"))
    assert (s["budget"], s["mode"]) == (2.0e8, "milp")
    assert main([*args, "--budget", "1e8", "--mode", "lp", "--no-baselines"]) == 0
    s = json.loads(summary.read_text(encoding="utf-8"))
    assert (s["budget"], s["mode"]) == (1.0e8, "lp")
