"""`finseg explain`: one customer's decision from a real run — caps, price parts, covenants
and every reason in the run's language; exit 2 for an unknown customer or run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from finseg.cli import main
from finseg.pipeline import run_pipeline
from finseg.sample import generate_portfolio, write_sample
from finseg.strategy import CAPS, split_reasons
from finseg.workspace import init_workspace


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, pd.DataFrame]:
    root = tmp_path_factory.mktemp("explain")
    workspace = init_workspace(root / "ws")
    data = root / "book.parquet"
    write_sample(generate_portfolio(300, seed=5), data)
    run_id = run_pipeline(workspace, data).run_id
    workspace.close()
    results = pd.read_parquet(workspace.root / "runs" / run_id / "results.parquet")
    return workspace.root, run_id, results


def _explain(ws: Path, run_id: str, customer: str, *extra: str) -> int:
    return main(["explain", "--run", run_id, "--customer", customer, "-w", str(ws), *extra])


def test_json_carries_the_whole_decision(run, capsys):
    ws, run_id, results = run
    row = results[results["decision"] == "approve"].iloc[0]
    assert _explain(ws, run_id, row["customer_id"], "--json", "--lang", "en") == 0
    info = json.loads(capsys.readouterr().out)
    assert info["decision"] == "approve" and info["limit"] == row["limit"]
    assert set(info["caps"]) == set(CAPS) and info["limit_binding"] == row["limit_binding"]
    assert info["eligible_products"][0]["id"] == row["product"]
    assert len(info["reasons"]) == len(split_reasons(row["decision_reasons"]))
    assert info["reasons"][0].startswith("Recommended product: ")
    parts = sum(info["price_parts"].values())
    assert info["price"] == pytest.approx(min(max(parts, 0.025), 0.18), rel=1e-9)


def test_a_decline_is_explained_in_chinese(run, capsys):
    ws, run_id, results = run
    row = results[results["decision"] == "decline"].iloc[0]
    assert _explain(ws, run_id, row["customer_id"], "--lang", "zh") == 0
    text = capsys.readouterr().out
    assert "决策" in text and "decline" in text and "拒绝" in text


def test_unknown_customer_or_run_exits_2(run, capsys):
    ws, run_id, _ = run
    assert _explain(ws, run_id, "NOPE") == 2
    assert "NOPE" in capsys.readouterr().err
    assert _explain(ws, "20990101T000000Z-000000", "C000001") == 2
