"""The credit-allocation report section: built from the run's ``allocation.json`` and the
results' ``allocated_amount``; absent without the file; the frontier chart option."""

from __future__ import annotations

import json

import numpy as np
import pytest
from python_calamine import CalamineWorkbook

from finseg.allocation import (
    AllocationPolicy,
    allocation_stage,
    synthetic_book,
    write_allocation_summary,
)
from finseg.reporting import ReportContext, registered_sections, render_html, render_xlsx
from finseg.reporting._section_allocation import allocation_section, frontier_chart

NAMES = {"micro": ("微型企业", "Micro firms"), "large": ("大型企业", "Large firms")}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> tuple:
    """A run directory holding ``allocation.json``, and the results of that allocation."""
    book = synthetic_book(300, seed=4)
    decision = np.where(np.arange(300) % 5 == 0, "decline", "approve")
    frame = book.assign(decision=decision)
    total = float(frame["limit"].sum())
    policy = AllocationPolicy(
        budget=0.3 * total, el_budget=0.003 * total, rwa_budget=0.15 * total,
        quotas={"inclusive": 0.3}, frontier_points=3,
    )  # fmt: skip
    results = allocation_stage(frame, policy)
    folder = tmp_path_factory.mktemp("run")
    write_allocation_summary(results, folder)
    return folder, results


def _ctx(run_dir, lang: str) -> ReportContext:
    folder, results = run_dir
    return ReportContext(results=results, lang=lang, run_dir=folder, segment_names=NAMES)


def test_registered_after_segments():
    order = dict(registered_sections())
    assert order["allocation"] == 75 > order["segments"]


def test_absent_without_allocation_json(run_dir, tmp_path):
    _, results = run_dir
    assert allocation_section(ReportContext(results=results, run_dir=tmp_path)) is None
    assert allocation_section(ReportContext(results=results)) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_section_tables_and_charts(run_dir, lang):
    ctx = _ctx(run_dir, lang)
    summary = json.loads((run_dir[0] / "allocation.json").read_text(encoding="utf-8"))
    section = allocation_section(ctx)
    assert section.title(lang) == ctx.t("section.allocation.title")
    titles = [t.title for t in section.tables]
    for key in ("summary", "baselines", "shadow", "frontier", "segments", "industries"):
        assert ctx.t(f"allocation.table.{key}") in titles, key
    assert [c.id for c in section.charts] == ["frontier", "segments", "industries"]
    base = section.tables[titles.index(ctx.t("allocation.table.baselines"))].frame
    advantage = base[ctx.t("allocation.col.advantage")].tolist()
    assert advantage[1] == pytest.approx(summary["objective"] - summary["lagrangian_objective"])
    assert advantage[1] >= 0  # the optimiser beats the Lagrangian greedy
    seg = section.tables[titles.index(ctx.t("allocation.table.segments"))].frame
    amounts = seg[ctx.t("allocation.col.amount")]
    assert amounts.sum() == pytest.approx(summary["allocated_total"])
    assert seg[ctx.t("allocation.col.share")].sum() == pytest.approx(1.0)
    assert NAMES["micro"][lang == "en"] in seg.iloc[:, 0].tolist()
    industries = section.tables[titles.index(ctx.t("allocation.table.industries"))].frame
    assert ("C 制造业" if lang == "zh" else "C Manufacturing") in industries.iloc[:, 0].tolist()
    assert summary["lagrangian_gap"] > 0.001  # RWA budget and quota: one λ cannot price both
    sentence = section.paragraphs[1]
    assert f"{summary['lagrangian_gap']:.2%}" in sentence
    assert f"{summary['objective'] - summary['lagrangian_objective']:,.0f}" in sentence
    json.dumps([c.option for c in section.charts], allow_nan=False)


def test_renders_in_html_and_excel(run_dir, tmp_path):
    ctx = _ctx(run_dir, "en")
    html = render_html(ctx, tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="sec-allocation"' in html and "chart-allocation-frontier" in html
    path = render_xlsx(ctx, tmp_path / "r.xlsx")
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Credit allocation")
    cells = {c for row in sheet.to_python() for c in row if c != ""}
    assert {"Against the rules of thumb", "Allocation by segment"} <= cells


def test_without_per_customer_amounts_says_so(run_dir):
    folder, results = run_dir
    ctx = ReportContext(results=results.drop(columns=["allocated_amount"]), lang="en",
                        run_dir=folder)  # fmt: skip
    section = allocation_section(ctx)
    assert ctx.t("allocation.no_results") in section.notes
    assert [c.id for c in section.charts] == ["frontier"]


def test_frontier_chart_option():
    option = frontier_chart([1.0, 2.5, 4.0], [10.0, 18.0, 20.0], "F", x_name="EL",
                            y_name="Return", series_name="LP", current=(4.0, 20.0),
                            current_name="now")  # fmt: skip
    assert option["series"][0] == option["series"][0] | {
        "type": "line",
        "name": "LP",
        "data": [[1, 10], [2.5, 18], [4, 20]],
    }
    assert option["series"][1]["type"] == "scatter" and option["series"][1]["data"] == [[4, 20]]
    assert option["xAxis"]["name"] == "EL" and option["yAxis"]["name"] == "Return"
    assert option["animation"] is False
    assert json.loads(json.dumps(option, allow_nan=False)) == option
    nan = frontier_chart([1.0, float("nan")], [2.0, 3.0], "F", current=(None, 1.0))
    assert nan["series"][0]["data"][1] == [None, 3] and len(nan["series"]) == 1


@pytest.mark.parametrize(("lagrangian", "words"), [
    (100.0, "It beats the Lagrangian greedy rule (best λ = 0.5) by 900 yuan a year (90.00%"),
    (1000.0, "reaches the optimum"),
    (1500.0, "returns 500 yuan a year more than the optimiser"),
])  # fmt: skip
def test_narrative_beats_ties_or_behind(tmp_path, lagrangian, words):
    summary = {
        "status": "optimal", "mode": "milp", "budget": 1e6, "objective": 1000.0,
        "allocated_total": 5e5, "n_customers": 10, "n_funded": 4, "expected_loss": 10.0,
        "rwa": 4e5, "gap": 0.0, "solve_seconds": 0.1, "shadow_prices": [], "frontier": [],
        "greedy_objective": 800.0, "greedy_gap": 0.2, "greedy_meets_quotas": True,
        "lagrangian_objective": lagrangian, "lagrangian_gap": (1000 - lagrangian) / 1000,
        "lagrangian_meets_quotas": True, "lagrangian_lambda": 0.5,
        "fcfs_objective": -50.0, "fcfs_gap": 1.05, "fcfs_meets_quotas": False,
    }  # fmt: skip
    (tmp_path / "allocation.json").write_text(json.dumps(summary), encoding="utf-8")
    section = allocation_section(ReportContext(lang="en", run_dir=tmp_path))
    assert words in section.narrative
    assert "miss a policy quota: First come, first served" in section.narrative
    assert ReportContext(lang="en").t("allocation.no_results") in section.notes
    assert [c.id for c in section.charts] == []
