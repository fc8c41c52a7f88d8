"""The strategy report section, on decisions made by the real stages over a sample book:
totals and reason counts agree with the frame, both languages render, the chart options."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from finseg._policy import load_policy
from finseg.config import DEFAULTS_DIR
from finseg.features import compute_features
from finseg.reporting import (
    ReportContext,
    registered_sections,
    render_html,
    render_xlsx,
    strategy_labels,
)
from finseg.reporting._section_strategy import decisions_chart, limits_chart, strategy_section
from finseg.risk import risk_stage
from finseg.sample import generate_portfolio
from finseg.segments import segments_stage
from finseg.strategy import strategy_stage

TABLES = ("decisions", "segments", "products", "binding", "review", "collateral", "decline",
          "refer", "programmes")  # fmt: skip


@pytest.fixture(scope="module")
def policy():
    return load_policy(DEFAULTS_DIR / "policy.yaml")


@pytest.fixture(scope="module")
def prepared(policy) -> pd.DataFrame:
    frame = compute_features(generate_portfolio(400, seed=11), policy.features)
    return segments_stage(risk_stage(frame, policy.risk), policy.segments)


@pytest.fixture(scope="module", params=["baseline", "downturn"])
def results(request, policy, prepared) -> pd.DataFrame:
    return strategy_stage(prepared, policy.strategy, capital=policy.allocation,
                          scale=policy.risk.master_scale, scenario=request.param)  # fmt: skip


def _ctx(policy, results: pd.DataFrame, lang: str) -> ReportContext:
    names = {s.id: (s.zh, s.en) for s in policy.segments.taxonomy}
    return ReportContext(results=results, lang=lang, segment_names=names,
                         strategy_labels=strategy_labels(policy.strategy))  # fmt: skip


def _table(ctx: ReportContext, section, key: str) -> pd.DataFrame:
    titles = [t.title for t in section.tables]
    return section.tables[titles.index(ctx.t(f"strategy.table.{key}"))].frame


def test_registered_between_segments_and_allocation():
    order = dict(registered_sections())
    assert order["segments"] < order["strategy"] == 70 < order["allocation"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tables_charts_and_totals(policy, results, lang):
    ctx = _ctx(policy, results, lang)
    section = strategy_section(ctx)
    assert section.title(lang) == ctx.t("section.strategy.title")
    assert [t.title for t in section.tables] == [ctx.t(f"strategy.table.{k}") for k in TABLES]
    assert [c.id for c in section.charts] == ["decisions", "limits"]
    totals = _table(ctx, section, "decisions").set_index(ctx.t("strategy.col.decision"))
    counts = results["decision"].value_counts()
    customers = ctx.t("common.customers")
    granted, proposed = ctx.t("strategy.col.granted"), ctx.t("strategy.col.proposed")
    approved, referred = results["decision"] == "approve", results["decision"] == "refer"
    granted_wan = results.loc[approved, "limit"].sum() / 1e4
    proposed_wan = results.loc[referred, "limit"].sum() / 1e4
    assert proposed_wan > 0  # referred customers' limits exist, and are not granted
    for d in ("approve", "refer", "decline"):
        assert totals.loc[ctx.t(f"strategy.decision.{d}"), customers] == counts[d]
    total = totals.loc[ctx.t("strategy.decision.total")]
    assert total[customers] == len(results)
    assert total[granted] == pytest.approx(granted_wan)
    assert total[proposed] == pytest.approx(proposed_wan)
    assert totals.loc[ctx.t("strategy.decision.refer"), granted] == 0
    assert totals.loc[ctx.t("strategy.decision.approve"), proposed] == 0
    requested = total[ctx.t("strategy.col.requested")]
    assert requested == pytest.approx(results["requested_amount"].sum() / 1e4)
    assert total[ctx.t("strategy.col.el")] == pytest.approx(results["expected_loss"].sum() / 1e4)
    assert totals.loc[ctx.t("strategy.decision.decline"), [granted, proposed]].sum() == 0
    segments = _table(ctx, section, "segments")
    assert segments[customers].sum() == len(results)
    assert segments[granted].sum() == pytest.approx(granted_wan)
    assert segments[proposed].sum() == pytest.approx(proposed_wan)
    taxonomy = [s.zh if lang == "zh" else s.en for s in policy.segments.taxonomy]
    shown = segments.iloc[:, 0].tolist()
    assert shown == [n for n in taxonomy if n in shown] and len(set(shown)) == len(shown)
    products = _table(ctx, section, "products")
    recommended = products[ctx.t("strategy.col.recommended")]
    assert recommended.sum() == results["product"].notna().sum()
    assert products[granted].sum() == pytest.approx(granted_wan)
    labels = {p.zh if lang == "zh" else p.en for p in policy.strategy.products}
    assert set(products.iloc[:, 0]) <= labels
    binding = _table(ctx, section, "binding")
    assert binding[customers].sum() == results["limit_binding"].notna().sum()
    assert _table(ctx, section, "review")[customers].sum() == len(results)
    assert ctx.t("strategy.narrative").split("{")[0] in section.narrative
    json.dumps([c.option for c in section.charts], allow_nan=False)


def _direct(results: pd.DataFrame, kind: str) -> Counter:
    """Reason codes of the ``kind`` customers, counted row by row."""
    counts: Counter = Counter()
    for decision, text in zip(results["decision"], results["decision_reasons"], strict=True):
        if decision == kind:
            counts.update(c for c in text.split(" | ")
                          if c.startswith(f"{kind}:") or c == "decision:baseline")  # fmt: skip
    return counts


@pytest.mark.parametrize("kind", ["decline", "refer"])
def test_reason_counts_equal_a_direct_count(policy, results, kind):
    ctx = _ctx(policy, results, "en")
    table = _table(ctx, strategy_section(ctx), kind)
    direct = _direct(results, kind)
    shown = dict(zip(table["Code"], table["Customers"], strict=True))
    assert shown == dict(direct.most_common(len(shown)))
    assert len(shown) == min(10, len(direct)) > 0
    assert table["Customers"].is_monotonic_decreasing
    built_in = {"decline:no_product": "No eligible product",
                "decline:limit_below_minimum": "Limit below the product's minimum amount",
                "refer:collateral_short": "Required security not held"}  # fmt: skip
    for code, reason in zip(table["Code"], table["Reason"], strict=True):
        assert reason != code.split(":")[1] or code not in built_in
        if code in built_in:
            assert reason == built_in[code]


def test_programme_members_and_limits(policy, results):
    ctx = _ctx(policy, results, "en")
    table = _table(ctx, strategy_section(ctx), "programmes").set_index("Programme")
    for prog in policy.strategy.programmes:
        member = (
            results["programmes"].astype(str).str.split(",").map(lambda ids, p=prog: p.id in ids)
        )
        if member.any():
            row = table.loc[prog.en]
            assert row["Members"] == member.sum()
            assert row["Approved"] == (member & (results["decision"] == "approve")).sum()
            approved = member & (results["decision"] == "approve")
            assert row["Granted limit"] == pytest.approx(results.loc[approved, "limit"].sum() / 1e4)


def test_languages_differ_and_labels_fall_back_to_ids(policy, results):
    zh, en = (strategy_section(_ctx(policy, results, lang)) for lang in ("zh", "en"))
    assert zh.title("zh") != en.title("en")
    assert [t.title for t in zh.tables] != [t.title for t in en.tables]
    bare = strategy_section(ReportContext(results=results, lang="en"))
    products = bare.tables[2].frame.iloc[:, 0].tolist()
    assert set(products) <= {p.id for p in policy.strategy.products}


def test_none_without_decisions(results):
    assert strategy_section(ReportContext(results=results.drop(columns="decision"))) is None
    assert strategy_section(ReportContext(results=results.iloc[:0])) is None


def test_minimal_results_render_without_optional_columns():
    df = pd.DataFrame({"decision": ["approve", "refer", "decline"], "limit": [1e6, 2e6, 0.0]})
    section = strategy_section(ReportContext(results=df, lang="zh"))
    assert len(section.tables) == 1 and section.charts == []
    assert section.notes == [ReportContext(lang="zh").t("strategy.no_segment")]


def test_renders_in_html_and_excel(policy, results, tmp_path):
    ctx = _ctx(policy, results, "en")
    html = render_html(ctx, tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="sec-strategy"' in html and "chart-strategy-decisions" in html
    path = render_xlsx(ctx, tmp_path / "r.xlsx")
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Financing strategy")
    cells = {c for row in sheet.to_python() for c in row if c != ""}
    assert {"Most frequent decline reasons", "Which cap sets the limit"} <= cells


def test_decisions_chart_option():
    series = [("Approve", [5, 2]), ("Refer", [1, 0]), ("Decline", [0, 3.0])]
    option = decisions_chart(["Micro", "Large"], series, "Decisions", value_name="Customers")
    assert option["yAxis"]["data"] == ["Micro", "Large"]
    assert [s["name"] for s in option["series"]] == ["Approve", "Refer", "Decline"]
    assert {s["stack"] for s in option["series"]} == {"decision"}
    assert option["series"][2]["data"] == [0, 3]
    assert option["color"] == ["#3a9a6b", "#e0a72c", "#c2453d"]
    assert json.loads(json.dumps(option, allow_nan=False)) == option


def test_limits_chart_option_sorts_and_drops_nan():
    option = limits_chart(["a", "b", "c"], [1.0, 30.5, float("nan")], "Limits", unit="CNY 10k")
    assert option["yAxis"]["data"][:2] == ["b", "a"]
    assert option["series"][0]["data"][:2] == [30.5, 1]
    assert option["series"][0]["name"] == "CNY 10k"
    json.dumps(option, allow_nan=False)
