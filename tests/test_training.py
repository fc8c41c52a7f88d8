"""finseg train / predict: canonical and generic tables, the registry, refusals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from finseg.cli import main
from finseg.sample import generate_portfolio
from finseg.training import load_table
from finseg.workspace import init_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("train") / "ws"
    workspace = init_workspace(root)
    generate_portfolio(3000, seed=8).to_parquet(root / "book.parquet")
    yield workspace
    workspace.close()


def test_train_registers_a_candidate_an_approver_promotes(ws, capsys, login_as):
    login_as(ws.root, "li")
    report = ws.root / "metrics.json"
    args = [
        "train",
        "--data",
        str(ws.root / "book.parquet"),
        "--cv",
        "3",
        "--name",
        "sc1",
        "--report",
        str(report),
        "-w",
        str(ws.root),
    ]
    assert main(args) == 0
    metrics = json.loads(report.read_text())
    assert {"auc", "gini", "ks", "brier"} <= set(metrics) and len(metrics["cv"]["folds"]) == 3
    assert 0.6 < metrics["auc"] < 1
    grades = metrics["grades"]
    assert sum(g["n"] for g in grades["per_grade"].values()) == 3000
    assert {g["traffic_light"] for g in grades["per_grade"].values()} <= {"green", "amber", "red"}
    assert 0 <= grades["hosmer_lemeshow"]["p_value"] <= 1 and 0 < grades["hhi"] <= 1
    assert "sc1 (candidate)" in capsys.readouterr().out
    login_as(ws.root, "wang", "approver")
    assert main(["models", "promote", "sc1", "-w", str(ws.root)]) == 0


def test_predict_with_the_champion(ws):
    out = ws.root / "scored.csv"
    assert (
        main(
            [
                "predict",
                "--data",
                str(ws.root / "book.parquet"),
                "--out",
                str(out),
                "-w",
                str(ws.root),
            ]
        )
        == 0
    )
    scored = pd.read_csv(out)
    assert len(scored) == 3000 and scored["customer_id"].is_unique
    assert {"pd", "score", "grade", "reason_1", "model"} <= set(scored.columns)
    assert ((scored["pd"] > 0) & (scored["pd"] < 1)).all() and set(scored["model"]) == {"sc1"}
    # higher score, lower PD
    assert np.corrcoef(scored["score"], scored["pd"])[0, 1] < 0


def test_a_tampered_model_is_refused(ws, capsys):
    path = ws.models_dir / "sc1.pkl"
    original = path.read_bytes()
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    try:
        code = main(
            [
                "predict",
                "--data",
                str(ws.root / "book.parquet"),
                "--out",
                str(ws.root / "x.csv"),
                "-w",
                str(ws.root),
            ]
        )
        assert code == 1 and "SHA-256" in capsys.readouterr().err
        assert not (ws.root / "x.csv").exists()
    finally:
        path.write_bytes(original)


def test_generic_table_mode(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(800, 3))
    y = (rng.random(800) < 1 / (1 + np.exp(-(x[:, 0] * 2 - 3)))).astype(int)
    frame = pd.DataFrame({"id": range(800), "a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "bad": y})
    frame.to_csv(tmp_path / "t.csv", index=False)
    table = load_table(tmp_path / "t.csv", "bad")
    assert table.mode == "generic" and list(table.X.columns) == ["a", "b", "c"]
    assert table.y.sum() == y.sum()


def test_bad_target_is_a_user_error(ws, capsys, login_as):
    login_as(ws.root, "li")
    assert (
        main(
            [
                "train",
                "--data",
                str(ws.root / "book.parquet"),
                "--target",
                "nope",
                "-w",
                str(ws.root),
            ]
        )
        == 2
    )
    assert "no column 'nope'" in capsys.readouterr().err


def test_a_run_is_graded_by_the_canonical_champion(ws):
    from finseg.pipeline import run_pipeline
    from finseg.store import list_runs, read_session

    result = run_pipeline(ws, ws.root / "book.parquet")
    frame = pd.read_parquet(result.results)
    assert set(frame["risk_model"]) == {"sc1"} and frame["grade"].notna().all()
    with read_session(ws.engine()) as s:
        assert list_runs(s)[0].model_ids == ["sc1"]


def test_gbm_trains_and_predicts(ws, tmp_path, login_as):
    login_as(ws.root, "li")
    assert (
        main(
            [
                "train",
                "--data",
                str(ws.root / "book.parquet"),
                "--model",
                "gbm",
                "--cv",
                "0",
                "--name",
                "g1",
                "-w",
                str(ws.root),
            ]
        )
        == 0
    )
    out = tmp_path / "g.parquet"
    assert (
        main(
            [
                "predict",
                "--model",
                "g1",
                "--data",
                str(ws.root / "book.parquet"),
                "--out",
                str(out),
                "-w",
                str(ws.root),
            ]
        )
        == 0
    )
    scored = pd.read_parquet(out)
    assert scored["grade"].notna().all() and (scored["model"] == "g1").all()
