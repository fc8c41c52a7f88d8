"""docs/monitoring.md names every derived comparison column and every JSON key."""

from __future__ import annotations

from pathlib import Path

from finseg.monitoring import DERIVED_COLUMNS, TRACKED_COLUMNS

DOC = Path(__file__).parents[2] / "docs" / "monitoring.md"


def test_every_derived_column_and_json_key_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for name, (kind, _) in DERIVED_COLUMNS.items():
        if name.startswith("prev_") and name.removeprefix("prev_") in TRACKED_COLUMNS:
            continue
        if name.endswith("_change") and name.removesuffix("_change") in TRACKED_COLUMNS:
            continue
        assert f"| `{name}` | {kind.value} |" in text, name
    for column in TRACKED_COLUMNS:
        assert column in text
    keys = (
        "baseline_run_id",
        "customers",
        "method",
        "thresholds",
        "features_source",
        "psi",
        "shares",
        "grade_migration",
        "grade_migration_summary",
        "segment_migration",
        "backtest",
        "warnings",
        "adjustments",
        "drift",
        "resegmentation",
        "timings",
    )
    for key in keys:
        assert f"`{key}`" in text, key
