"""The customer-dimensions section, built from a real features frame."""

from __future__ import annotations

import pandas as pd
import pytest

from finseg.features import compute_features
from finseg.reporting import ReportContext, build_sections, render_html, render_xlsx
from finseg.reporting._section_features import features_section
from finseg.sample import generate_portfolio


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    return compute_features(generate_portfolio(600, seed=9))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_section_has_charts_and_tables(results, lang):
    section = features_section(ReportContext(results=results, lang=lang))
    assert [c.id for c in section.charts] == ["condition", "lifecycle", "altman"]
    titles = [t.title for t in section.tables]
    assert len(titles) == 4
    crosstab = section.tables[0].frame
    assert crosstab.iloc[:, -1].sum() == len(results)  # every customer counted once
    condition = section.charts[0].excel
    assert sum(condition.values) == len(results)
    assert ("财务状况" if lang == "zh" else "financial condition") in section.narrative


def test_absent_without_the_stage():
    ctx = ReportContext(results=pd.DataFrame({"customer_id": ["a"]}), lang="en")
    assert "features" not in [s.key for s in build_sections(ctx)]


def test_renders_in_both_formats(results, tmp_path):
    ctx = ReportContext(results=results, lang="zh")
    html = render_html(ctx, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "客户维度" in html and "chart-features-condition" in html
    assert render_xlsx(ctx, tmp_path / "r.xlsx").stat().st_size > 0
