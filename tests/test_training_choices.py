"""finseg train: --model auto and expert, --segment-by, --time-col, central tendency, folds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from finseg.cli import main
from finseg.exceptions import InsufficientDataError, UserError
from finseg.risk import CentralTendencyModel, SegmentedModel, TrainingPolicy
from finseg.sample import generate_portfolio
from finseg.training import load_table, splits, train
from finseg.workspace import init_workspace


@pytest.fixture(scope="module")
def generic(tmp_path_factory):
    """Segment ``a``: risk rises with x1; ``b``: falls; four years of data."""
    root = tmp_path_factory.mktemp("choices")
    rng = np.random.default_rng(1)
    n = 4000
    df = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "grp": rng.choice(["a", "b"], n),
            "year": rng.choice([2020, 2021, 2022, 2023], n),
        }
    )
    slope = np.where(df["grp"] == "a", 1.8, -1.8)
    df["bad"] = (rng.random(n) < 1 / (1 + np.exp(2.5 - slope * df["x1"] - 0.5 * df["x2"]))).astype(
        int
    )
    df.to_csv(root / "gen.csv", index=False)
    return root / "gen.csv"


def test_time_folds_train_on_the_past_only():
    y = np.array([0, 1] * 10)
    t = pd.Series(np.repeat([2019, 2020, 2021, 2022, 2023], 4), name="year")
    folds = splits(y, 3, t)
    assert [sorted(set(t.iloc[te])) for _, te in folds] == [[2021], [2022], [2023]]
    for train_rows, test_rows in folds:
        assert t.iloc[train_rows].max() < t.iloc[test_rows].min()


def test_time_folds_refuse_missing_times_and_a_single_period():
    y = np.array([0, 1] * 4)
    with pytest.raises(UserError, match="have no value"):
        splits(y, 3, pd.Series([2020, None] * 4, name="year"))
    with pytest.raises(InsufficientDataError, match="two periods"):
        splits(y, 3, pd.Series([2020] * 8, name="year"))


def test_segment_by_keeps_segment_models_that_win_in_cv(generic, tmp_path):
    table = load_table(generic, "bad", segment_by="grp")
    assert list(table.X.columns) == ["x1", "x2", "year", "grp"]  # grp routes, last
    result = train(table, "scorecard", TrainingPolicy(min_segment_defaults=40), folds=3)
    assert isinstance(result.estimator, SegmentedModel)
    rows = {r["segment"]: r for r in result.metrics["segments"]["rows"]}
    assert {r["chosen"] for r in rows.values()} == {"segment"}
    assert all(r["segment_auc"] > r["pooled_auc"] for r in rows.values())
    assert result.metrics["cv"]["k"] == 3 and result.metrics["auc"] > 0.75
    json.dumps(result.metrics, allow_nan=False)  # strict JSON: no NaN


def test_time_col_validates_forward_in_time(generic):
    table = load_table(generic, "bad", time_col="year")
    assert "year" not in table.X.columns
    result = train(table, "scorecard", folds=5)
    cv = result.metrics["cv"]
    assert cv["scheme"] == "time" and cv["k"] == 3  # 2021, 2022, 2023 tested
    assert result.metrics["rows"] == int((table.time > 2020).sum())
    assert set(result.metrics["psi_train_test"]) == {"mean", "max", "folds"}


def test_central_tendency_shifts_the_mean_pd(generic):
    table = load_table(generic, "bad")
    result = train(table, "scorecard", TrainingPolicy(central_tendency=0.02), folds=3)
    assert isinstance(result.estimator, CentralTendencyModel)
    pd_ = result.estimator.predict_proba(table.X)[:, 1]
    assert pd_.mean() == pytest.approx(0.02, rel=1e-6)
    record = result.metrics["central_tendency"]
    assert record["target"] == 0.02 and record["offset"] < 0
    assert record["sample_rate"] == pytest.approx(table.y.mean())


def test_auto_prefers_the_scorecard_within_the_margin(generic):
    table = load_table(generic, "bad")
    result = train(table, "auto", TrainingPolicy(auto_margin=1.0), folds=3)
    sel = result.metrics["selection"]
    assert result.kind == sel["chosen"] == "scorecard"
    assert set(sel["candidates"]) == {"scorecard", "gbm"}
    assert result.metrics["cv"]["auc_mean"] == sel["candidates"]["scorecard"]


def test_auto_falls_back_to_expert_with_few_defaults(tmp_path):
    book = generate_portfolio(600, seed=2)
    book.to_parquet(tmp_path / "b.parquet")
    table = load_table(tmp_path / "b.parquet", "default_12m")
    result = train(table, "auto", TrainingPolicy(auto_min_defaults=10_000), folds=3)
    assert result.kind == "expert" and "expert" in result.metrics["selection"]["reason"]


def test_cli_expert_and_auto_register_and_grade_a_run(tmp_path, capsys, login_as):
    ws = init_workspace(tmp_path / "ws")
    login_as(ws.root, "li")
    generate_portfolio(1500, seed=4).to_parquet(tmp_path / "book.parquet")
    report = tmp_path / "m.json"
    common = ["--data", str(tmp_path / "book.parquet"), "-w", str(ws.root), "--cv", "3"]
    assert (
        main(["train", "--model", "expert", "--name", "ex", *common, "--report", str(report)]) == 0
    )
    metrics = json.loads(report.read_text())
    assert metrics["cv"]["k"] == 3 and 0.5 < metrics["auc"] < 1
    assert "ex (candidate)" in capsys.readouterr().out
    login_as(ws.root, "wang", "approver")
    assert main(["models", "promote", "ex", "-w", str(ws.root)]) == 0
    from finseg.pipeline import run_pipeline

    frame = pd.read_parquet(run_pipeline(ws, tmp_path / "book.parquet").results)
    assert set(frame["risk_model"]) == {"ex"} and frame["grade"].notna().all()
    ws.close()


def test_cli_refuses_expert_on_a_generic_table_and_unknown_kinds(
    generic, tmp_path, capsys, login_as
):
    ws = init_workspace(tmp_path / "ws")
    login_as(ws.root, "li")
    args = ["train", "--data", str(generic), "--target", "bad", "-w", str(ws.root)]
    assert main([*args, "--model", "expert"]) == 2
    assert "canonical portfolio" in capsys.readouterr().err
    assert main([*args, "--model", "forest"]) == 2
    assert "expected one of scorecard, gbm, expert, auto" in capsys.readouterr().err
    assert main([*args, "--segment-by", "nope"]) == 2
    assert "no segment column(s) nope" in capsys.readouterr().err
    ws.close()


def test_models_export_writes_a_bilingual_table_and_sql(tmp_path, capsys, login_as):
    ws = init_workspace(tmp_path / "ws")
    login_as(ws.root, "li")
    generate_portfolio(1500, seed=5).to_parquet(tmp_path / "book.parquet")
    args = ["--data", str(tmp_path / "book.parquet"), "-w", str(ws.root), "--cv", "0"]
    assert main(["train", "--name", "sc", *args]) == 0
    assert main(["train", "--name", "ex", "--model", "expert", *args]) == 0
    xlsx, sql = tmp_path / "card.xlsx", tmp_path / "card.sql"
    export = ["models", "export", "-w", str(ws.root)]
    assert main([*export, "sc", "--table", str(xlsx), "--sql", str(sql)]) == 0
    sheets = pd.read_excel(xlsx, sheet_name=None, engine="calamine")
    assert list(sheets) == ["中文", "English"] and len(sheets["中文"]) == len(sheets["English"]) > 0
    text = sql.read_text(encoding="utf-8")
    assert text.count("CASE WHEN") >= 2 and "EXP(" in text
    assert main([*export, "ex", "--sql", str(tmp_path / "x.sql")]) == 2
    assert "not a scorecard" in capsys.readouterr().err
    assert not (tmp_path / "x.sql").exists()
    assert main([*export, "sc", "--table", str(tmp_path / "t.txt")]) == 2
    ws.close()
