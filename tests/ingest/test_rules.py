"""Every rule ingest reports has a short label in both languages."""

from __future__ import annotations

from pathlib import Path

from finseg.ingest import RULES, ingest, rule_label

DATA = Path(__file__).parents[1] / "data"


def test_rules_reported_on_the_messy_export_all_have_labels():
    report = ingest([DATA / "messy_export.xlsx"]).report
    reported = {p.rule for p in report.problems}
    assert len(reported) >= 14
    assert reported <= set(RULES), reported - set(RULES)


def test_labels_are_bilingual():
    for rule, (zh, en) in RULES.items():
        assert zh and en and zh != en, rule
    assert rule_label("duplicate", "zh") == "重复行"
    assert rule_label("duplicate", "en") == "duplicate row"
    assert rule_label("something_new", "en") == "something_new"
