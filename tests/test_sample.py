from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from finseg.creditcode import is_valid
from finseg.exceptions import UserError
from finseg.features import classify_size
from finseg.industry import normalise_code
from finseg.sample import Sample, build_sample, generate_portfolio, write_sample
from finseg.schema import FIELD_BY_NAME, FIELDS, REQUIRED, Kind

MONEY = [f.name for f in FIELDS if f.kind is Kind.MONEY]
PREV = ["operating_revenue", "net_profit", "total_assets", "accounts_receivable", "inventory"]
DICKINSON = {
    (-1, -1, 1): "introduction",
    (1, -1, 1): "growth",
    (1, -1, -1): "mature",
    (-1, -1, -1): "shake_out",
    (1, 1, 1): "shake_out",
    (1, 1, -1): "shake_out",
    (-1, 1, 1): "decline",
    (-1, 1, -1): "decline",
}


@pytest.fixture(scope="module")
def sample() -> Sample:
    return build_sample(4000, seed=11)


@pytest.fixture(scope="module")
def df(sample: Sample) -> pd.DataFrame:
    return sample.frame


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return generate_portfolio(800, seed=5, as_of=dt.date(2024, 12, 31), periods=3)


def auc(score: np.ndarray, y: np.ndarray) -> float:
    """Rank AUC (Mann-Whitney), ties averaged."""
    ranks = pd.Series(score).rank().to_numpy()
    pos, neg = y.sum(), len(y) - y.sum()
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def logistic_scores(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A plain logistic regression fitted by Newton's method; returns the linear scores."""
    x = np.column_stack([np.ones(len(x)), x])
    beta = np.zeros(x.shape[1])
    for _ in range(25):
        p = 1 / (1 + np.exp(-x @ beta))
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + 1e-6 * np.eye(len(beta))
        beta += np.linalg.solve(hessian, x.T @ (y - p))
    return x @ beta


def stages(df: pd.DataFrame) -> pd.Series:
    signs = np.sign(df[["cfo", "cfi", "cff"]].to_numpy())
    return pd.Series([DICKINSON[tuple(s)] for s in signs.astype(int)], index=df.index)


# shape and types -----------------------------------------------------------------------------
def test_columns_and_dtypes_follow_the_catalogue(df: pd.DataFrame) -> None:
    assert list(df.columns) == [f.name for f in FIELDS]
    assert {c: str(t) for c, t in df.dtypes.items()} == {f.name: f.dtype for f in FIELDS}
    assert len(df) == 4000
    assert df["customer_id"].is_unique
    assert df["customer_id"].iloc[0] == "C000001"


def test_required_fields_never_missing_and_some_optional_ones_are(df: pd.DataFrame) -> None:
    assert df[list(REQUIRED)].notna().all().all()
    share = df[["region", "rd_expense", "patents", "tax_credit_rating"]].isna().mean()
    assert share.between(0.002, 0.1).all()


def test_bounds_of_the_catalogue_hold(df: pd.DataFrame) -> None:
    for f in FIELDS:
        values = pd.to_numeric(df[f.name], errors="coerce") if f.lo is not None else None
        if values is not None:
            assert (values.dropna() >= f.lo).all(), f.name
        if f.hi is not None:
            assert (values.dropna() <= f.hi).all(), f.name
        if f.choices:
            assert set(df[f.name].dropna()) <= set(f.choices), f.name


def test_money_is_rounded_to_fen(df: pd.DataFrame) -> None:
    cents = df[MONEY].to_numpy() * 100
    finite = np.isfinite(cents)
    assert np.allclose(cents[finite], np.round(cents[finite]), atol=1e-4)


# accounting identities -----------------------------------------------------------------------
def test_balance_sheet_identities(df: pd.DataFrame) -> None:
    d = df.fillna({"intangible_assets": 0.0})
    assert np.allclose(d.total_assets, d.total_liabilities + d.owners_equity, atol=0.011, rtol=0)
    assert (d.current_assets <= d.total_assets).all()
    assert (d.cash + d.inventory + d.accounts_receivable <= d.current_assets + 0.02).all()
    assert (d.fixed_assets + d.intangible_assets + d.current_assets <= d.total_assets + 0.02).all()
    assert (d.current_liabilities <= d.total_liabilities).all()
    assert (d.short_term_debt <= d.current_liabilities).all()
    assert (d.long_term_debt <= d.total_liabilities - d.current_liabilities + 0.02).all()
    negative = (d.owners_equity < 0).mean()
    assert 0 < negative < 0.03


def test_income_statement_identities(df: pd.DataFrame) -> None:
    assert (df.operating_cost <= df.operating_revenue).mean() > 0.97
    profitable = df.total_profit > 0
    assert (df.net_profit[profitable] <= df.total_profit[profitable]).all()
    assert (df.net_profit[~profitable] == df.total_profit[~profitable]).all()
    debt = df.short_term_debt + df.long_term_debt
    rate = df.interest_expense[debt > 1e5] / debt[debt > 1e5]
    assert rate.between(0.024, 0.091).all()
    assert (df.interest_expense[debt == 0] == 0).all()
    assert (df.outstanding_loans <= debt + 0.01).all()


# identity fields -----------------------------------------------------------------------------
def test_credit_and_industry_codes_are_valid(df: pd.DataFrame) -> None:
    assert df["credit_code"].map(is_valid).all()
    assert df["credit_code"].is_unique
    assert df["credit_code"].str.startswith("91").all()
    assert df["industry_code"].map(lambda c: normalise_code(c) == (c, None)).all()


def test_industry_mix_is_manufacturing_heavy(df: pd.DataFrame) -> None:
    sections = df["industry_code"].str[0].value_counts(normalize=True)
    assert sections.index[0] == "C" and 0.2 < sections["C"] < 0.45
    assert {"A", "C", "D", "E", "F", "G", "I", "K", "L"} <= set(sections.index)


def test_names_regions_groups_and_listing(df: pd.DataFrame) -> None:
    assert df["customer_name"].str.endswith("有限公司").all()
    assert df["region"].dropna().str.match(r".+(省|市|自治区)$").all()
    assert 0.05 < df["group_id"].notna().mean() < 0.15
    assert df.groupby("group_id").size().min() >= 1
    assert 0.01 < df["listed"].mean() < 0.06


def test_sizes_are_the_intended_ones(sample: Sample, df: pd.DataFrame) -> None:
    sizes = classify_size(df)
    assert (sizes["size_class"].to_numpy() == sample.size_class).all()
    assert sizes["size_flag"].isna().all()
    share = sizes["size_class"].value_counts(normalize=True)
    assert share["micro"] + share["small"] > 0.6
    assert share["large"] < share["medium"] < share["small"]


def test_cash_flow_signs_follow_the_stage(sample: Sample, df: pd.DataFrame) -> None:
    assert (stages(df).to_numpy() == sample.stage).all()
    age = (df["as_of_date"] - df["founded_date"]).dt.days / 365.25
    by_stage = age.groupby(stages(df)).median()
    assert by_stage["introduction"] < by_stage["growth"] < by_stage["mature"]
    assert (df["founded_date"].dropna() < df["as_of_date"][df["founded_date"].notna()]).all()


def test_innovation_flags_go_together(df: pd.DataFrame) -> None:
    tech = df["high_tech"]
    assert 0.05 < tech.mean() < 0.3 and 0.01 < df["specialized_sme"].mean() < 0.15
    assert df["patents"][tech].mean() > 4 * df["patents"][~tech].mean()
    intensity = df["rd_expense"] / df["operating_revenue"]
    assert intensity[tech].median() > 0.03 > intensity[~tech].median()
    ip = df["collateral_type"] == "ip"
    assert ip[tech].mean() > 2 * ip[~tech].mean()


def test_financing_request_scales_with_size(df: pd.DataFrame) -> None:
    size = classify_size(df)["size_class"]
    median = df["requested_amount"].groupby(size).median()
    assert median["micro"] < median["small"] < median["medium"] < median["large"]
    unsecured = df["collateral_type"].isin(["none", "guarantee"])
    assert (df["collateral_value"][unsecured] == 0).all()
    assert (df["collateral_value"][~unsecured] > 0).all()


# risk ----------------------------------------------------------------------------------------
def test_default_rate_and_its_segments(df: pd.DataFrame) -> None:
    y = df["default_12m"].astype(int)
    assert 0.02 <= y.mean() <= 0.06
    by_size = y.groupby(classify_size(df)["size_class"]).mean()
    assert by_size["micro"] > by_size["large"]
    by_stage = y.groupby(stages(df)).mean()
    assert by_stage["decline"] > by_stage["mature"]


def test_credit_history_tracks_risk(df: pd.DataFrame) -> None:
    y = df["default_12m"].astype(int).to_numpy()
    bad = df["overdue_count_24m"].to_numpy(dtype=float) > 0
    assert y[bad].mean() > 1.5 * y[~bad].mean()
    assert (df["loan_classification"] == "pass").mean() > 0.85
    assert (df["max_days_past_due_24m"][df["overdue_count_24m"] == 0] == 0).all()


def test_a_pd_model_has_real_signal(sample: Sample, df: pd.DataFrame) -> None:
    y = df["default_12m"].astype(int).to_numpy()
    assert auc(sample.pd_true, y) >= 0.75
    ta = df["total_assets"]
    ratios = np.column_stack(
        [
            (df["total_liabilities"] / ta).clip(0, 1.5),
            (df["net_profit"] / ta).clip(-0.3, 0.3),
            np.log((df["current_assets"] / df["current_liabilities"].clip(lower=1)).clip(0.2, 5)),
            np.log1p(df["overdue_count_24m"].to_numpy(dtype=float)),
        ]
    )
    assert auc(logistic_scores(ratios, y), y) >= 0.7


# determinism and periods ---------------------------------------------------------------------
def test_same_seed_same_frame_other_seed_other_frame(df: pd.DataFrame) -> None:
    again = generate_portfolio(4000, seed=11)
    pd.testing.assert_frame_equal(df, again)
    assert df.to_csv(index=False) == again.to_csv(index=False)
    assert not generate_portfolio(4000, seed=12)["total_assets"].equals(df["total_assets"])


def test_periods_are_consecutive_year_ends(panel: pd.DataFrame) -> None:
    assert len(panel) == 3 * 800
    dates = sorted(panel["as_of_date"].unique())
    assert [d.date() for d in pd.to_datetime(dates)] == [
        dt.date(2022, 12, 31),
        dt.date(2023, 12, 31),
        dt.date(2024, 12, 31),
    ]
    assert (panel.groupby("customer_id").size() == 3).all()
    assert (panel["founded_date"].dropna() < pd.Timestamp("2022-12-31")).all()


def test_prior_year_fields_chain(panel: pd.DataFrame) -> None:
    ordered = panel.sort_values(["customer_id", "as_of_date"])
    later = ordered.groupby("customer_id").nth([1, 2])
    earlier = ordered.groupby("customer_id").nth([0, 1])
    for name in PREV:
        assert np.array_equal(later[name + "_prev"].to_numpy(), earlier[name].to_numpy()), name


def test_young_firms_have_no_prior_year(df: pd.DataFrame) -> None:
    young = (df["as_of_date"] - df["founded_date"]).dt.days < 365
    assert young.any()
    assert df.loc[young, [p + "_prev" for p in PREV]].isna().all().all()
    old = (df["as_of_date"] - df["founded_date"]).dt.days > 400
    assert df.loc[old, "operating_revenue_prev"].notna().all()


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_bad_sizes_are_user_errors(bad: float) -> None:
    with pytest.raises(UserError, match="customers must be a positive whole number"):
        generate_portfolio(bad)  # type: ignore[arg-type]


# writing -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small(df: pd.DataFrame) -> pd.DataFrame:
    return df.head(300)


def test_xlsx_looks_like_a_bank_export(small: pd.DataFrame, tmp_path: Path) -> None:
    path = write_sample(small, tmp_path / "export.xlsx")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户数据").to_python()
    assert rows[0][0].startswith("对公客户财务及信用数据导出")
    assert rows[1][0] == "单位：万元　导出日期：2025-12-31"
    header = rows[2]
    assert header[: len(FIELDS)] == [
        f"{f.zh}(万元)" if f.kind is Kind.MONEY else f.zh for f in FIELDS
    ]
    assert "营业收入(万元)" in header
    body = pd.DataFrame(rows[3:], columns=header)
    assert len(body) == len(small)
    for f in (FIELD_BY_NAME[n] for n in MONEY):
        got = pd.to_numeric(body[f"{f.zh}(万元)"].replace("", np.nan)).to_numpy() * 10_000
        want = small[f.name].to_numpy()
        assert np.allclose(got, want, atol=0.01, rtol=0, equal_nan=True), f.name
    assert set(body["是否上市"]) <= {"是", "否"}
    assert set(body["五级分类"]) <= {"正常", "关注", "次级", "可疑", "损失"}
    assert body["报表日期"].iloc[0] == dt.date(2025, 12, 31)
    assert (body["纳税信用等级"] == "").sum() == small["tax_credit_rating"].isna().sum()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_csv_and_parquet_round_trip(small: pd.DataFrame, tmp_path: Path, suffix: str) -> None:
    path = write_sample(small, tmp_path / f"sample{suffix}")
    back = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert list(back.columns) == list(small.columns)
    assert np.allclose(back["total_assets"], small["total_assets"])
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_unknown_suffix_is_a_bilingual_user_error(small: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"must end in \.csv, \.parquet or \.xlsx") as info:
        write_sample(small, tmp_path / "sample.json")
    assert "文件名须以" in info.value.zh
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("n", [1, 2, 3, 7, 30, 61])
def test_tiny_books_generate(n: int) -> None:
    # a book of 30 once failed: three group members but labels for two
    for seed in (2, 5):
        book = generate_portfolio(n, seed=seed)
        assert len(book) == n and book["customer_id"].is_unique
