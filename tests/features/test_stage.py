"""The features stage as the pipeline and the command line use it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from finseg.cli import main
from finseg.config import check_policy_text
from finseg.features import FeaturesPolicy, compute_features, feature_columns
from finseg.sample import generate_portfolio

REQUIRED_COLUMNS = {
    "debt_to_assets", "debt_to_equity", "current_ratio", "quick_ratio", "cash_ratio",
    "interest_coverage", "gross_margin", "net_margin", "roa", "roe", "cfo_to_debt",
    "receivable_days", "inventory_days", "asset_turnover", "revenue_growth", "profit_growth",
    "rd_intensity", "collateral_coverage", "leverage_multiple", "altman_x1", "altman_x2",
    "altman_x3", "altman_x4", "altman_x5", "altman_z2", "altman_zone", "size_class", "size_basis",
    "industry_section", "industry_division", "green_category", "strategic_emerging", "new_energy",
    "tech_enterprise", "lifecycle_stage", "cashflow_pattern", "financial_condition",
    "financial_condition_reason",
}  # fmt: skip


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    return generate_portfolio(2000, seed=5)


def test_every_issue_column_is_added(book):
    out = compute_features(book)
    assert set(out.columns) >= REQUIRED_COLUMNS
    assert list(out.columns[: len(book.columns)]) == list(book.columns)  # inputs kept, in order
    assert len(out) == len(book) and out.index.equals(book.index)
    numeric = out[[c for c in REQUIRED_COLUMNS if out[c].dtype == "float64"]].to_numpy()
    assert not np.isinf(numeric).any()


def test_pure_and_deterministic(book):
    before = book.copy()
    first, second = compute_features(book), compute_features(book)
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(book, before)
    assert compute_features(first).columns.tolist() == first.columns.tolist()  # re-run replaces


def test_policy_changes_the_result(book):
    eu = compute_features(book, FeaturesPolicy(size={"standard": "eu-2003"}))
    miit = compute_features(book)
    assert (eu["size_class"] != miit["size_class"]).any()
    strict = FeaturesPolicy(lifecycle={"startup_max_age": 50})
    assert (compute_features(book, strict)["lifecycle_stage"] == "startup").mean() > 0.9


def test_feature_columns_lists_what_is_added(book):
    assert set(feature_columns()) == set(compute_features(book).columns) - set(book.columns)


def test_policy_section_is_validated_with_line_numbers():
    text = "name: {zh: 甲, en: A}\nfeatures:\n  size:\n    standard: iso-9000\n"
    policy, problems = check_policy_text(text)
    assert policy is None and problems[0].line == 4 and "features.size.standard" in problems[0].path


def test_cli_features(tmp_path, capsys):
    src, out = tmp_path / "book.csv", tmp_path / "features.parquet"
    generate_portfolio(300, seed=2).to_csv(src, index=False)
    assert main(["features", str(src), "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 300 and "size_class" in summary["counts"]
    assert set(pd.read_parquet(out).columns) >= REQUIRED_COLUMNS
    assert main(["features", str(src), "--out", str(tmp_path / "f.txt")]) == 2
    assert not (tmp_path / "f.txt").exists()
