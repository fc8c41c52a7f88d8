"""The risk-grades section from a real scored frame."""

from __future__ import annotations

import pytest

from finseg.features import compute_features
from finseg.reporting import ReportContext, render_html
from finseg.reporting._section_risk import risk_section
from finseg.risk import risk_stage
from finseg.sample import generate_portfolio


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_grades_table_and_chart(tmp_path, lang):
    results = risk_stage(compute_features(generate_portfolio(500, seed=4)))
    section = risk_section(ReportContext(results=results, lang=lang))
    grades = section.tables[0].frame
    assert grades.iloc[:, 1].sum() == len(results)
    assert grades.iloc[0, 0] in ("AAA", "AA", "A")  # best grade first
    assert grades.shape[1] == 5  # grade, customers, share, mean PD, observed default rate
    html = render_html(ReportContext(results=results, lang=lang), tmp_path / "r.html")
    assert "chart-risk-grades" in html.read_text(encoding="utf-8")
