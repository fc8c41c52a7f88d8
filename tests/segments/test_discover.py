"""Segment discovery: k-prototypes finds planted clusters, is stable, profiles add up, the
advice flags a segment built to lump two clusters, and the command runs end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from finseg.cli import main
from finseg.segments._discover import Discovery, KPrototypes, MixedEncoder, discover
from finseg.segments._discover_report import advice, cluster_profiles, discovery_json

RATIOS = [
    "debt_to_assets",
    "current_ratio",
    "roa",
    "net_margin",
    "revenue_growth",
    "receivable_days",
]
# three groups well apart on every ratio (noise sd ~ 1/6 of the gap between centres)
CENTRES = np.array(
    [
        [0.30, 2.5, 0.08, 0.10, 0.20, 40.0],
        [0.60, 1.6, 0.03, 0.04, 0.05, 90.0],
        [0.90, 0.7, -0.05, -0.06, -0.10, 200.0],
    ]
)
SIZES = np.array([["large", "medium"], ["medium", "small"], ["small", "micro"]])


def _planted(n_per: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = np.repeat([0, 1, 2], n_per)
    noise = rng.normal(size=(len(truth), len(RATIOS))) * (np.abs(CENTRES[2] - CENTRES[0]) / 12)
    df = pd.DataFrame(CENTRES[truth] + noise, columns=RATIOS)
    df.loc[rng.random(len(df)) < 0.05, "roa"] = np.nan  # some missing, with an indicator
    pick = rng.random(len(df)) < 0.8
    df["size_class"] = np.where(pick, SIZES[truth, 0], SIZES[truth, 1])
    df["lifecycle_stage"] = np.array(["mature", "growth", "decline"])[truth]
    df["industry_section"] = rng.choice(["C", "F", "I"], len(df))
    df["pd"] = np.array([0.01, 0.03, 0.15])[truth]
    df["default_12m"] = (rng.random(len(df)) < df["pd"]).astype(int)
    # segment "mixed" lumps groups 0 and 2; groups 1 is cut at random into "b1" and "b2"
    df["segment"] = np.where(truth == 1, np.where(rng.random(len(df)) < 0.5, "b1", "b2"), "mixed")
    return df, truth


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, np.ndarray, Discovery]:
    df, truth = _planted()
    return df, truth, discover(df, k="auto", max_k=6, n_boot=5, seed=0)


def test_auto_k_finds_the_three_planted_clusters(planted):
    _, truth, result = planted
    assert result.k == 3
    assert adjusted_rand_score(truth, result.labels) > 0.9
    best = max(result.scores, key=lambda s: s["silhouette"])
    assert best["k"] == 3 and [s["k"] for s in result.scores] == [2, 3, 4, 5, 6]
    assert result.method["missing_indicators"] == ["roa"]
    # clusters are numbered by mean PD: C1 is the safe group, C3 the risky one
    assert (result.labels[truth == 0] == 1).mean() > 0.95
    assert (result.labels[truth == 2] == 3).mean() > 0.95


def test_bootstrap_stability_is_high_on_clear_structure(planted):
    _, _, result = planted
    assert result.stability["n_boot"] == 5 and len(result.stability["ari"]) == 5
    assert result.stability["min"] > 0.9 and result.stability["mean"] > 0.95


def test_advice_flags_the_segment_that_lumps_two_clusters(planted):
    df, _, result = planted
    notes = advice(df, result, {"mixed": ("混合分群", "Mixed"), "b1": ("乙一", "B1")})
    lumps = [a for a in notes if a["kind"] == "lumps"]
    assert [a["segment"] for a in lumps] == ["mixed"]
    assert lumps[0]["clusters"] == ["C1", "C3"] and lumps[0]["p_value"] < 0.05
    assert lumps[0]["risk"][1] > 5 * lumps[0]["risk"][0]
    assert "混合分群" in lumps[0]["zh"] and "Mixed" in lumps[0]["en"]
    splits = [a for a in notes if a["kind"] == "splits"]
    assert [sorted(a["segments"]) for a in splits] == [["b1", "b2"]]
    assert splits[0]["cluster"] == "C2" and "乙一" in splits[0]["zh"]


def test_json_document_is_plain_json(planted):
    df, _, result = planted
    doc = discovery_json(df, result, run_id="r1")
    back = json.loads(json.dumps(doc, allow_nan=False))
    assert back["k"] == 3 and len(back["profiles"]) == 3
    assert sum(sum(row) for row in back["crosstab"]["counts"]) == len(df)
    assert back["crosstab"]["segments"] == ["b1", "b2", "mixed"]


def test_profiles_match_hand_computation():
    df = pd.DataFrame(
        {
            "debt_to_assets": [0.2, 0.4, 0.6, 0.8, 0.9, 1.0],
            "current_ratio": [2.0, 3.0, 4.0, 1.0, 1.0, 0.5],
            "size_class": ["small", "small", "micro", "large", "large", "large"],
            "industry_section": ["C", "C", "F", "C", "C", "C"],
            "pd": [0.01, 0.02, 0.03, 0.2, 0.3, 0.4],
            "default_12m": [0, 0, 0, 1, 0, 1],
        }
    )
    enc = MixedEncoder(["debt_to_assets", "current_ratio"], ["size_class"]).fit(df)
    result = Discovery(
        2,
        np.array([1, 1, 1, 2, 2, 2]),
        [],
        {},
        enc,
        {"ratios": ["debt_to_assets", "current_ratio"]},
    )
    one, two = cluster_profiles(df, result)
    assert (one["n"], one["share"], two["defaults"]) == (3, 0.5, 2)
    assert one["medians"] == {"debt_to_assets": 0.4, "current_ratio": 3.0}
    assert two["medians"] == {"debt_to_assets": 0.9, "current_ratio": 1.0}
    assert one["default_rate"] == 0.0 and two["default_rate"] == pytest.approx(2 / 3)
    assert one["mean_pd"] == pytest.approx(0.02) and two["mean_pd"] == pytest.approx(0.3)
    assert one["size_class"] == [
        {"value": "small", "share": pytest.approx(2 / 3)},
        {"value": "micro", "share": pytest.approx(1 / 3)},
    ]
    assert one["industry_section"][0] == {"value": "C", "share": pytest.approx(2 / 3)}
    assert two["notable"][0]["direction"] in ("high", "low")


def test_kprototypes_uses_categories_when_ratios_are_alike():
    rng = np.random.default_rng(1)
    codes = np.repeat([0, 1], 50)
    X = np.column_stack([rng.normal(size=100) * 0.01, codes])
    model = KPrototypes(2, categorical=(1,), gamma=1.0, random_state=0).fit(X)
    assert adjusted_rand_score(codes, model.labels_) == 1.0
    assert model.predict(X[:3]).tolist() == model.labels_[:3].tolist()


def test_fixed_k_and_too_few_rows():
    df, _ = _planted(n_per=20)
    result = discover(df, k=4, n_boot=0)
    assert result.k == 4 and [s["k"] for s in result.scores] == [4]
    assert sorted(np.unique(result.labels)) == [1, 2, 3, 4] and result.stability["mean"] is None
    from finseg.exceptions import InsufficientDataError

    with pytest.raises(InsufficientDataError, match="at least 10 customers"):
        discover(df.head(5))


def test_command_end_to_end(tmp_path, capsys):
    from finseg.sample import generate_portfolio

    ws, data = tmp_path / "ws", tmp_path / "book.parquet"
    assert main(["init", str(ws), "--lang", "en"]) == 0
    generate_portfolio(600, seed=3).to_parquet(data)
    capsys.readouterr()
    assert main(["run", "--data", str(data), "-w", str(ws), "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_id"]
    extra = tmp_path / "copy.json"
    args = [
        "segments",
        "discover",
        "--run",
        run_id,
        "--k",
        "auto",
        "--max-k",
        "5",
        "--bootstrap",
        "3",
        "-w",
        str(ws),
        "--json",
        str(extra),
    ]
    assert main([*args, "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "Stability ARI" in printed and "discovery.html" in printed
    run_dir = ws / "runs" / run_id
    doc = json.loads((run_dir / "discovery.json").read_text(encoding="utf-8"))
    assert 2 <= doc["k"] <= 5 and json.loads(extra.read_text(encoding="utf-8")) == doc
    assert sum(p["n"] for p in doc["profiles"]) == 600
    html = (run_dir / "discovery.html").read_text(encoding="utf-8")
    assert "Segment discovery" in html and "echarts" in html.lower()
    assert (run_dir / "discovery.xlsx").stat().st_size > 0
    assert main([*args, "--lang", "zh"]) == 0
    assert "聚类发现" in (run_dir / "discovery.html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["segments", "discover", "--run", "no-such-run", "-w", str(ws)]) == 2
    assert "no-such-run" in capsys.readouterr().err
    assert main(["segments", "discover", "--run", run_id, "--k", "1", "-w", str(ws)]) == 2


def test_kprototypes_obeys_the_scikit_learn_contract():
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(KPrototypes(random_state=0), on_fail=None)
    assert [r["check_name"] for r in results if r["status"] == "failed"] == []
