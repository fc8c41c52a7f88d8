"""Sections built from a synthetic run, and their robustness to missing and empty data."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from finseg.exceptions import UserError
from finseg.ingest import QualityReport
from finseg.reporting import (
    NumFmt,
    ReportContext,
    Section,
    build_sections,
    register_section,
    registered_sections,
    unregister_section,
)


def _by_key(ctx: ReportContext) -> dict[str, Section]:
    return {s.key: s for s in build_sections(ctx)}


def _assert_well_formed(section: Section) -> None:
    for chart in section.charts:
        json.dumps(chart.option, allow_nan=False)
        if chart.excel:
            assert len(chart.excel.categories) == len(chart.excel.values)
    for table in section.tables:
        assert set(table.formats) <= set(table.frame.columns), table.title
        assert table.frame.columns.is_unique, table.title


def test_sections_come_in_registry_order(ctx):
    sections = build_sections(ctx)
    assert [s.key for s in sections] == ["run", "quality", "portfolio"]
    assert [s.order for s in sections] == [10, 20, 30]
    for section in sections:
        _assert_well_formed(section)


def test_run_section(make_ctx):
    run = _by_key(make_ctx("en"))["run"]
    meta = run.tables[0].frame.set_index("Item")["Value"]
    assert meta["Data file SHA-256"] == "9f" * 32
    assert meta["Policy version"] == "2024.06"
    assert meta["Model IDs"] == "none yet"
    assert meta["Status"] == "finished"
    timings = run.tables[2]
    assert timings.frame["Stage"].tolist() == ["Ingest", "Customer dimensions", "Store"]
    assert timings.fmt("Share") is NumFmt.SHARE
    assert run.charts[0].option["series"][0]["data"] == [1.234, 0.4, 0.05]
    assert run.charts[0].excel.kind == "bar"
    assert "20240630-0001" in run.narrative


def test_run_section_in_chinese_with_models(make_ctx):
    ctx = make_ctx("zh")
    ctx.run["model_ids"] = ["pd-gbm-3", "pd-lr-1"]
    run = _by_key(ctx)["run"]
    meta = run.tables[0].frame.set_index("项目")["内容"]
    assert meta["模型编号"] == "pd-gbm-3; pd-lr-1"
    assert meta["状态"] == "已完成"
    assert run.title("zh") == "运行信息"


def test_quality_section(make_ctx):
    quality = _by_key(make_ctx("zh", n_problems=230))["quality"]
    titles = [tbl.title for tbl in quality.tables]
    assert titles == ["各文件读取情况", "按规则统计的问题", "问题明细（前 200 个）", "未识别的列"]
    problems = quality.tables[2].frame
    assert len(problems) == 200
    assert problems.columns.tolist() == [
        "文件",
        "工作表",
        "行号",
        "列",
        "取值",
        "规则",
        "级别",
        "说明",
    ]
    assert problems.iloc[0].tolist() == [
        "客户财务_2024.xlsx",
        "资产负债",
        10,
        "资产总计 (D)",
        "=-0",
        "out_of_bounds",
        "错误",
        "超出允许范围",
    ]
    by_rule = quality.charts[0].option
    assert sum(by_rule["series"][0]["data"]) == 230
    assert any("230" in note for note in quality.notes)
    assert "研发费用、专利数量" in quality.narrative
    assert quality.tables[3].frame.iloc[0].tolist() == ["客户财务_2024.xlsx", "资产负债", "备注"]


def test_quality_section_messages_follow_the_language(make_ctx):
    quality = _by_key(make_ctx("en"))["quality"]
    problems = quality.tables[2]
    assert problems.title == "Problems"
    assert problems.frame["Message"].iloc[0] == "out of bounds"
    assert problems.frame["Severity"].tolist()[:3] == ["Error", "Error", "Warning"]
    assert quality.notes == []


def test_portfolio_section(make_ctx):
    ctx = make_ctx("zh")
    portfolio = _by_key(ctx)["portfolio"]
    ids = [c.id for c in portfolio.charts]
    assert ids == [
        "industry",
        "size",
        "region",
        "hist_total_assets",
        "hist_operating_revenue",
        "hist_requested_amount",
    ]
    industry = portfolio.charts[0]
    counts = ctx.results["industry_section"].value_counts()
    assert industry.option["yAxis"]["data"][0] == f"{counts.index[0]} 制造业"
    assert industry.option["series"][0]["data"] == counts.tolist()
    size = portfolio.charts[1].option["series"][0]["data"]
    assert [d["name"] for d in size] == ["大型", "中型", "小型", "微型"]
    assert portfolio.charts[2].option["yAxis"]["data"][:1] == ["四川"]
    for chart in portfolio.charts[3:]:
        assert sum(chart.option["series"][0]["data"]) == ctx.results[chart.id[5:]].notna().sum()
    assert any("4 个地区" in note for note in portfolio.notes)  # 18 regions + blank, top 15


def test_portfolio_amount_summary_is_in_wan_yuan(make_ctx):
    ctx = make_ctx("en")
    table = _by_key(ctx)["portfolio"].tables[-1]
    assert table.title == "Key amounts (CNY 10k)"
    row = table.frame.set_index("Amount").loc["Total assets"]
    assets = ctx.results["total_assets"] / 1e4
    assert row["Sum"] == pytest.approx(assets.sum())
    assert row["Median"] == pytest.approx(assets.median())
    assert row["P10"] == pytest.approx(assets.quantile(0.1))
    assert row["P90"] == pytest.approx(assets.quantile(0.9))
    assert table.fmt("Sum") is NumFmt.AMOUNT


def test_missing_columns_skip_charts_and_say_so(make_ctx):
    ctx = make_ctx("en")
    ctx.results = ctx.results.drop(
        columns=["size_class", "region", "requested_amount", "industry_section"]
    )
    portfolio = _by_key(ctx)["portfolio"]
    ids = [c.id for c in portfolio.charts]
    assert ids == ["industry", "hist_total_assets", "hist_operating_revenue"]  # from industry_code
    assert len(portfolio.notes) == 3
    assert any("Size class" in n or "size_class" in n for n in portfolio.notes)
    assert any("Requested amount" in n for n in portfolio.notes)
    _assert_well_formed(portfolio)


def test_columns_present_but_empty_are_skipped(make_ctx):
    ctx = make_ctx("zh")
    ctx.results["total_assets"] = float("nan")
    ctx.results["region"] = pd.Series([None] * len(ctx.results), dtype="string")
    portfolio = _by_key(ctx)["portfolio"]
    assert "hist_total_assets" not in [c.id for c in portfolio.charts]
    assert any("没有可用的数值" in n and "资产总计" in n for n in portfolio.notes)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_empty_context_still_builds_every_section(lang):
    sections = _by_key(ReportContext(lang=lang))
    assert list(sections) == ["run", "quality", "portfolio"]
    assert sections["portfolio"].charts == [] and sections["portfolio"].narrative
    assert sections["quality"].tables == [] and sections["quality"].narrative
    assert sections["run"].charts == [] and sections["run"].notes


def test_empty_results_with_columns(make_ctx):
    ctx = make_ctx("en")
    ctx.results = ctx.results.iloc[0:0]
    ctx.quality = QualityReport()
    portfolio = _by_key(ctx)["portfolio"]
    assert portfolio.narrative == "This run has no customer rows."


def test_unknown_language_is_refused():
    with pytest.raises(UserError, match="'fr'"):
        ReportContext(lang="fr")


def test_registry_adds_orders_and_refuses_a_taken_key():
    @register_section("test_extra", order=15)
    def extra(ctx: ReportContext) -> Section:
        return Section("ignored", 0, "附加", "Extra", "text")

    try:
        keys = [s.key for s in build_sections(ReportContext(lang="en"))]
        assert keys == ["run", "test_extra", "quality", "portfolio"]
        with pytest.raises(ValueError, match="already registered"):
            register_section("test_extra", order=1)(lambda ctx: None)
    finally:
        unregister_section("test_extra")
    assert "test_extra" not in dict(registered_sections())


def test_a_builder_may_leave_its_section_out():
    register_section("test_none", order=1)(lambda ctx: None)
    try:
        assert "test_none" not in [s.key for s in build_sections(ReportContext())]
    finally:
        unregister_section("test_none")


@pytest.mark.parametrize(
    ("fmt", "value", "text"),
    [
        (NumFmt.INT, 1234567, "1,234,567"),
        (NumFmt.AMOUNT, 1234.5, "1,234.50"),
        (NumFmt.SHARE, 0.5, "50.00%"),
        (NumFmt.DECIMAL, 0.4, "0.400"),
        (NumFmt.TEXT, "x", "x"),
        (NumFmt.AMOUNT, float("nan"), "—"),
        (NumFmt.INT, pd.NA, "—"),
    ],
)
def test_number_formats(fmt, value, text):
    assert fmt.format(value) == text


def test_odd_values_and_dtypes(tmp_path):
    odd = pd.DataFrame(
        {
            "industry_code": pd.array(["C3825", None, "x9", "F51"], dtype="string"),
            "size_class": ["SMALL", "giant", None, "micro"],
            "region": [None, None, None, None],
            "total_assets": pd.array([5e6, None, 5e6, 5e6], dtype="Float64"),
            "operating_revenue": [-1e5, 0, float("inf"), None],
            "requested_amount": pd.array([100000, None, 0, 20000], dtype="Int64"),
            "as_of_date": ["2024-12-31", None, "bad", "2023-06-30"],
        }
    )
    ctx = ReportContext(results=odd, lang="en")
    portfolio = _by_key(ctx)["portfolio"]
    _assert_well_formed(portfolio)
    charts = {c.id: c.option for c in portfolio.charts}
    assert charts["industry"]["yAxis"]["data"] == [
        "C Manufacturing",
        "F Wholesale and Retail Trade",
        "Not given",
    ]
    size = [d["name"] for d in charts["size"]["series"][0]["data"]]
    assert size == ["Small", "Micro", "giant", "Not given"]
    assert charts["hist_total_assets"]["series"][0]["data"] == [3]
    assert charts["hist_operating_revenue"]["xAxis"]["data"] == ["≤0"]  # infinity dropped
    assert "2023-06-30 to 2024-12-31" in portfolio.narrative
    assert any("Region" in note for note in portfolio.notes)
