"""Rating basis: a rating on missing inputs says so, in the results, the run, the report and
``explain`` (issue: a file without retained earnings and total profit rated every customer
B or worse without a word)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finseg.cli import main
from finseg.features import compute_features
from finseg.risk import EXPERT_FIELDS, RatingBasis, rating_basis, risk_stage
from finseg.sample import generate_portfolio
from finseg.workspace import init_workspace


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    return generate_portfolio(300, seed=5)


def test_full_inputs_are_full_and_name_nothing(book) -> None:
    out = risk_stage(compute_features(book.dropna(subset=list(EXPERT_FIELDS))))
    assert set(out["rating_basis"]) == {"full"} and set(out["rating_missing"]) == {""}


def test_without_retained_earnings_and_profit_every_rating_is_a_named_fallback(book) -> None:
    out = risk_stage(compute_features(book.drop(columns=["retained_earnings", "total_profit"])))
    assert set(out["rating_basis"]) == {"fallback"}
    assert out["rating_missing"].str.startswith("retained_earnings;total_profit").all()
    # the fallback PD is the policy's missing_pd times the credit-record multipliers, and
    # the rating says it is one: it cannot pass for a weak customer measured on full data
    assert (out["pd"] >= 0.03 - 1e-12).all()


def test_a_missing_credit_field_is_partial(book) -> None:
    df = compute_features(book)
    df.loc[df.index[:10], "litigation_count"] = np.nan
    out = risk_stage(df)
    first = out.iloc[:10]
    full_z2 = first["altman_z2"].notna()
    assert (first.loc[full_z2, "rating_basis"] == "partial").all()
    assert first.loc[full_z2, "rating_missing"].str.contains("litigation_count").all()


def test_trained_model_basis_follows_the_share_of_missing_characteristics() -> None:
    df = pd.DataFrame({"a": [1.0, None, None], "b": [1.0, 1.0, None], "c": [1.0, 1.0, None]})
    out = rating_basis(df, ["a", "b", "c"], fallback_share=0.5)
    assert out["rating_basis"].tolist() == ["full", "partial", "fallback"]
    assert out["rating_missing"].tolist() == ["", "a", "a;b;c"]


def test_many_characteristics_name_their_missing_ones() -> None:
    rng = np.random.default_rng(0)
    values = np.where(rng.random((200, 80)) < 0.1, np.nan, 1.0)
    df = pd.DataFrame(values, columns=[f"x{i}" for i in range(80)])
    out = rating_basis(df, list(df.columns))
    for i in range(20):
        expected = ";".join(c for c in df.columns if np.isnan(df.iloc[i][c]))
        assert out["rating_missing"].iloc[i] == expected


def test_labels_are_bilingual() -> None:
    assert RatingBasis("fallback").label("zh") == "主要输入缺失，采用保守默认值"


def test_run_report_and_explain_show_the_fallback(tmp_path: Path, capsys) -> None:
    ws = init_workspace(tmp_path / "ws", language="en")
    ws.close()
    data = tmp_path / "book.csv"
    frame = generate_portfolio(29, seed=2).drop(columns=["retained_earnings", "total_profit"])
    frame.to_csv(data, index=False)
    assert main(["run", "--data", str(data), "--workspace", str(ws.root)]) == 0
    assert "29 户主要输入缺失" in capsys.readouterr().err
    assert main(["run", "--data", str(data), "--workspace", str(ws.root), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["rating_basis"] == {"full": 0, "partial": 0, "fallback": 29}
    run_id = payload["run_id"]
    assert main(["report", run_id, "--workspace", str(ws.root), "--format", "html"]) == 0
    html = (Path(payload["results"]).parent / "report.html").read_text(encoding="utf-8")
    assert html.count("Warning — rating basis: 29 customer(s) rated on a fallback basis") == 2
    customer = pd.read_parquet(payload["results"])["customer_id"].iloc[0]
    argv = ["explain", "--run", run_id, "--customer", customer, "--workspace", str(ws.root)]
    assert main([*argv, "--lang", "en"]) == 0
    assert "Rating basis: principal input missing: default PD (retained_earnings" in (
        capsys.readouterr().out
    )
