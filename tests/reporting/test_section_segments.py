"""The customer-segments report section: exact figures from a hand-made run, both languages,
HTML and Excel, robustness to missing columns, and end to end from `finseg run` to
`finseg report`."""

from __future__ import annotations

import json
import re
import zipfile

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from finseg.cli import main
from finseg.reporting import ReportContext, registered_sections, render_html, render_xlsx
from finseg.reporting._section_segments import segments_section
from finseg.sample import generate_portfolio, write_sample
from finseg.workspace import init_workspace

NAMES = {"b": ("乙类", "Beta"), "a": ("甲类", "Alpha")}  # taxonomy order: b before a


def _results() -> pd.DataFrame:
    """Segment a: 100 customers, 5 defaults, PD 5 %; b: 100, 30 defaults, PD 30 %; c: 10
    customers (too small), no defaults, PD 1 %.  Every customer owes 10,000 yuan."""
    seg = ["a"] * 100 + ["b"] * 100 + ["c"] * 10
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(210)],
            "segment": seg,
            "pd": [0.05] * 100 + [0.30] * 100 + [0.01] * 10,
            "default_12m": [1] * 5 + [0] * 95 + [1] * 30 + [0] * 70 + [0] * 10,
            "grade": ["A"] * 60 + ["BBB"] * 40 + ["BB"] * 50 + ["CCC"] * 50 + ["AA"] * 10,
            "outstanding_loans": [10_000.0] * 210,
        }
    )


def _ctx(lang: str, results: pd.DataFrame | None = None) -> ReportContext:
    results = _results() if results is None else results
    return ReportContext(results=results, lang=lang, segment_names=NAMES, min_segment_size=30)


def _table(section, title: str) -> pd.DataFrame:
    return next(t.frame for t in section.tables if t.title == title)


def test_segments_table_in_english():
    section = segments_section(_ctx("en"))
    frame = _table(section, "Segments")
    assert frame.columns.tolist() == [
        "Segment", "ID", "Customers", "Share", "Defaults", "Observed default rate", "Mean PD",
        "Exposure (CNY 10k)", "Too small",
    ]  # fmt: skip
    assert frame["Segment"].tolist() == ["Beta", "Alpha", "c"]
    assert frame["ID"].tolist() == ["b", "a", "c"]
    assert frame["Customers"].tolist() == [100, 100, 10]
    assert frame["Share"].tolist() == pytest.approx([100 / 210, 100 / 210, 10 / 210])
    assert frame["Defaults"].tolist() == [30, 5, 0]
    assert frame["Observed default rate"].tolist() == pytest.approx([0.30, 0.05, 0.0])
    assert frame["Mean PD"].tolist() == pytest.approx([0.30, 0.05, 0.01])
    assert frame["Exposure (CNY 10k)"].tolist() == pytest.approx([100.0, 100.0, 10.0])
    assert frame["Too small"].tolist() == ["", "", "yes"]


def test_narrative_in_english():
    paragraphs = segments_section(_ctx("en")).paragraphs
    assert paragraphs == [
        "210 customers fall into 3 segments; the largest is 'Beta' with 100 (47.62%).",
        "Riskiest by observed default rate: 'Beta' (30.00%).",
        # chi-square of [[30, 70], [5, 95], [0, 10]] is 24.6 on 2 df, p = 4.6e-6
        "Chi-square test: default rates differ significantly across segments (statistic "
        "24.600, 2 degrees of freedom, p-value < 0.001). Ordered by mean PD, 1 of 2 "
        "neighbouring pairs differ significantly in default rate (Fisher's exact test, "
        "p < 0.05). The segments explain 100.00% of the variance of PD (η²).",
        "Segments with fewer than 30 customers, too few for reliable figures: c.",
    ]


def test_tables_in_chinese():
    section = segments_section(_ctx("zh"))
    assert section.title("zh") == "客户细分"
    frame = _table(section, "分群概况")
    assert frame["分群"].tolist() == ["乙类", "甲类", "c"]
    assert frame["违约数"].tolist() == [30, 5, 0]
    assert frame["实际违约率"].tolist() == pytest.approx([0.30, 0.05, 0.0])
    assert frame["敞口（万元）"].tolist() == pytest.approx([100.0, 100.0, 10.0])
    assert frame["过小"].tolist() == ["", "", "是"]
    first = "210 户客户分为 3 个分群；最大的分群是“乙类”，100 户（47.62%）。"
    assert section.paragraphs[0] == first
    assert (
        "卡方检验：各分群违约率差异显著（χ² = 24.600，自由度 2，p 值 < 0.001）。"
        in (section.paragraphs[2])
    )
    assert section.paragraphs[3] == "以下分群少于 30 户，统计结论不可靠：c。"
    grades = _table(section, "分群 × 等级（客户数）")
    assert grades.columns.tolist() == ["分群", "AA", "A", "BBB", "BB", "CCC", "合计"]
    assert grades.values.tolist() == [
        ["乙类", 0, 0, 0, 50, 50, 100],
        ["甲类", 0, 60, 40, 0, 0, 100],
        ["c", 10, 0, 0, 0, 0, 10],
    ]


def test_pd_distribution_adjacent_tests_and_charts():
    section = segments_section(_ctx("en"))
    quantiles = _table(section, "PD distribution per segment")
    assert quantiles.columns.tolist() == [
        "Segment", "Mean PD", "P10", "P25", "P50", "P75", "P90", "PD std. dev.",
    ]  # fmt: skip
    assert quantiles.iloc[0, 1:7].tolist() == pytest.approx([0.30] * 6)
    assert quantiles["PD std. dev."].tolist() == pytest.approx([0.0, 0.0, 0.0])
    adjacent = _table(section, "Neighbouring segments (Fisher's exact test)")
    assert adjacent.iloc[:, 0].tolist() == ["c", "Alpha"]
    assert adjacent.iloc[:, 1].tolist() == ["Alpha", "Beta"]
    assert adjacent.iloc[:, 2].tolist() == pytest.approx([0.0, 0.05])
    assert adjacent.iloc[:, 4].tolist() == pytest.approx([1.0, 3.5476954553e-06])
    assert adjacent.iloc[:, 5].tolist() == ["", "yes"]
    charts = {c.id: c for c in section.charts}
    assert list(charts) == ["sizes", "rates", "pd", "grades"]
    assert charts["sizes"].excel.categories == ["Beta", "Alpha", "c"]
    assert charts["sizes"].excel.values == [100, 100, 10]
    assert charts["rates"].excel.values == [30.0, 5.0, 0.0]
    assert charts["pd"].option["series"][0]["data"][0] == [30, 30, 30, 30, 30]
    assert charts["pd"].option["xAxis"]["type"] == "log"
    grade_series = charts["grades"].option["series"]
    assert [s["name"] for s in grade_series] == ["AA", "A", "BBB", "BB", "CCC"]
    assert grade_series[3]["data"] == [50, 0, 0]
    for chart in section.charts:
        json.dumps(chart.option, allow_nan=False)


def test_no_segment_column_means_no_section():
    assert segments_section(_ctx("en", _results().drop(columns="segment"))) is None
    assert segments_section(ReportContext(lang="zh")) is None
    assert segments_section(_ctx("en", _results().iloc[:0])) is None


def test_without_outcomes_pd_grades_or_exposure():
    bare = _results()[["customer_id", "segment"]]
    section = segments_section(_ctx("en", bare))
    assert _table(section, "Segments").columns.tolist() == [
        "Segment", "ID", "Customers", "Share", "Mean PD", "Too small",
    ]  # fmt: skip
    assert [c.id for c in section.charts] == ["sizes"]
    assert "Too few known outcomes to test default rates." in section.paragraphs


def test_categorical_order_and_unnamed_segments():
    df = _results()
    df["segment"] = pd.Categorical(df["segment"], categories=["c", "b", "a", "unused"])
    section = segments_section(ReportContext(results=df, lang="en"))
    assert _table(section, "Segments")["Segment"].tolist() == ["c", "b", "a"]


def test_section_follows_validation():
    keys = [key for key, _ in registered_sections()]
    assert keys.index("segments") == keys.index("validation") + 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_and_excel_carry_the_section(tmp_path, lang):
    ctx = _ctx(lang)
    html = render_html(ctx, tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="sec-segments"' in html
    assert "chart-segments-pd" in html and "chart-segments-grades" in html
    path = render_xlsx(ctx, tmp_path / "r.xlsx")
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(ctx.t("section.segments.title"))
    cells = {c for row in sheet.to_python() for c in row if c != ""}
    assert {ctx.t("segments.table.segments"), ctx.t("segments.table.adjacent")} <= cells
    assert {NAMES["b"][lang == "en"], 30, 0.3, 100} <= cells
    with zipfile.ZipFile(path) as z:  # sizes and default rates are native Excel charts
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) >= 2


def test_run_and_report_end_to_end(tmp_path, capsys):
    workspace = init_workspace(tmp_path / "ws")
    ws, runs_dir = workspace.root, workspace.runs_dir
    workspace.close()
    data = tmp_path / "book.parquet"
    write_sample(generate_portfolio(400, seed=3), data)
    assert main(["run", "--data", str(data), "-w", str(ws), "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_id"]
    expected = (("zh", "客户细分", "高风险关注"), ("en", "Customer segments", "High-risk watch"))
    for lang, title, name in expected:
        args = ["report", run_id, "-w", str(ws), "--lang", lang, "--format", "html"]
        assert main(args) == 0
        html = (runs_dir / run_id / "report.html").read_text(encoding="utf-8")
        assert re.search(rf"<h2>\d+\. {title}</h2>", html), lang
        assert name in html  # segment names come from the run's policy taxonomy
