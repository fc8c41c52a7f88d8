from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from finseg.features import (
    DickinsonStage,
    LifecycleRules,
    LifecycleStage,
    classify_lifecycle,
)

AS_OF = pd.Timestamp("2024-12-31")
OLD = AS_OF - pd.Timedelta(days=3650)  # ten years


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows with defaults: a ten-year-old firm with flat revenue and a growth pattern."""
    base = {"cfo": 1.0, "cfi": -1.0, "cff": 1.0, "founded_date": OLD, "as_of_date": AS_OF,
            "operating_revenue": 100.0, "operating_revenue_prev": 100.0}  # fmt: skip
    return pd.DataFrame([{**base, **row} for row in rows])


@pytest.mark.parametrize(
    ("signs", "pattern", "dickinson", "stage"),
    [
        ((-1, -1, 1), "--+", "introduction", "startup"),
        ((1, -1, 1), "+-+", "growth", "growth"),
        ((1, -1, -1), "+--", "mature", "mature"),
        ((-1, -1, -1), "---", "shake_out", "mature"),  # flat revenue: growth >= 0
        ((1, 1, 1), "+++", "shake_out", "mature"),
        ((1, 1, -1), "++-", "shake_out", "mature"),
        ((-1, 1, 1), "-++", "decline", "decline"),
        ((-1, 1, -1), "-+-", "decline", "decline"),
    ],
)
def test_every_dickinson_pattern(signs, pattern: str, dickinson: str, stage: str) -> None:
    cfo, cfi, cff = (s * 7.5 for s in signs)
    out = classify_lifecycle(frame([{"cfo": cfo, "cfi": cfi, "cff": cff}])).iloc[0]
    assert (out["cashflow_pattern"], out["dickinson_stage"]) == (pattern, dickinson)
    assert out["lifecycle_stage"] == stage
    assert pd.isna(out["lifecycle_flag"])


def test_zero_counts_as_plus_and_is_flagged() -> None:
    rows = [{"cfo": 0.0}, {"cfo": 0.0, "cfi": 0.0, "cff": 0.0}, {"cff": 0.0, "cfo": -1.0}]
    out = classify_lifecycle(frame(rows))
    assert out["cashflow_pattern"].tolist() == ["+-+", "+++", "--+"]
    assert out["dickinson_stage"].tolist() == ["growth", "shake_out", "introduction"]
    assert out["lifecycle_flag"].tolist() == ["zero:cfo", "zero:cfo;zero:cfi;zero:cff", "zero:cff"]


def test_missing_cash_flow_is_unknown() -> None:
    out = classify_lifecycle(frame([{"cfi": np.nan}, {"cfo": None, "cff": None}]))
    assert out["cashflow_pattern"].isna().all() and out["dickinson_stage"].isna().all()
    assert out["lifecycle_stage"].tolist() == ["unknown", "unknown"]
    assert out["lifecycle_basis"].isna().all()
    assert out["lifecycle_flag"].tolist() == ["missing:cfi", "missing:cfo;missing:cff"]


def test_missing_columns_are_unknown() -> None:
    out = classify_lifecycle(pd.DataFrame({"x": [1, 2]}))
    assert out["lifecycle_stage"].tolist() == ["unknown"] * 2
    assert out["lifecycle_flag"][0].endswith("missing_age;missing_growth")


@pytest.mark.parametrize(
    ("days", "stage", "basis"),
    [(1095, "startup", "age<3"), (1096, "mature", "mature"), (0, "startup", "age<3")],
)
def test_startup_age_edge(days: int, stage: str, basis: str) -> None:
    # 3 years = 1095.75 days: 1095 days is younger, 1096 is not
    row = {"cfi": -1.0, "cff": -1.0, "founded_date": AS_OF - pd.Timedelta(days=days)}
    out = classify_lifecycle(frame([row])).iloc[0]
    assert (out["lifecycle_stage"], out["lifecycle_basis"]) == (stage, basis)


def test_young_firm_is_startup_even_without_cash_flows() -> None:
    row = {"cfo": None, "founded_date": AS_OF - pd.Timedelta(days=365)}
    assert classify_lifecycle(frame([row]))["lifecycle_stage"][0] == "startup"


def test_bad_or_missing_age_never_makes_a_startup() -> None:
    rows = [{"founded_date": AS_OF + pd.Timedelta(days=10)}, {"founded_date": None}]
    out = classify_lifecycle(frame(rows))
    assert out["lifecycle_stage"].tolist() == ["growth", "growth"]
    assert out["lifecycle_flag"].tolist() == ["missing_age", "missing_age"]


@pytest.mark.parametrize(
    ("revenue", "stage"),
    [(129.99, "growth"), (130.0, "expansion"), (130.01, "expansion"), (250.0, "expansion")],
)
def test_expansion_growth_edge(revenue: float, stage: str) -> None:
    out = classify_lifecycle(frame([{"operating_revenue": revenue}])).iloc[0]
    assert out["lifecycle_stage"] == stage
    if stage == "expansion":
        assert out["lifecycle_basis"] == "growth>=0.3,cfi<0"


def test_expansion_needs_evidence_of_growth() -> None:
    rows = [
        {"operating_revenue_prev": None},
        {"operating_revenue_prev": 0.0, "operating_revenue": 9.0},
    ]
    out = classify_lifecycle(frame(rows))
    assert out["lifecycle_stage"].tolist() == ["growth", "growth"]
    assert out["lifecycle_flag"].tolist() == ["missing_growth", "missing_growth"]


def test_growth_uses_the_absolute_base() -> None:
    # loss-making revenue base: from -100 to -50 is +50 %
    row = {"operating_revenue": -50.0, "operating_revenue_prev": -100.0}
    assert classify_lifecycle(frame([row]))["lifecycle_stage"][0] == "expansion"


@pytest.mark.parametrize(
    ("revenue", "stage", "basis"),
    [
        (99.99, "decline", "shake_out,growth<0"),
        (100.0, "mature", "shake_out,growth>=0"),
        (100.01, "mature", "shake_out,growth>=0"),
        (None, "unknown", None),
    ],
)
def test_shake_out_split_by_growth(revenue, stage: str, basis: str | None) -> None:
    row = {"cfo": -1.0, "cff": -1.0, "operating_revenue": revenue}
    out = classify_lifecycle(frame([row])).iloc[0]
    assert out["dickinson_stage"] == "shake_out" and out["lifecycle_stage"] == stage
    assert (out["lifecycle_basis"] == basis) if basis else pd.isna(out["lifecycle_basis"])


def test_rules_change_thresholds_and_mapping() -> None:
    rules = LifecycleRules(
        startup_max_age=12,
        expansion_min_growth=0.1,
        shake_out_decline_below=0.05,
        stage_of={"growth": "growth", "mature": "mature", "decline": "mature"},
    )
    rows = [{}, {"cfo": -1.0, "cfi": 1.0}, {"cfo": -1.0, "cff": -1.0, "operating_revenue": 104.0}]
    out = classify_lifecycle(frame(rows), rules)
    assert out["lifecycle_stage"].tolist() == ["startup"] * 3
    rules = rules.model_copy(update={"startup_max_age": 1.0})
    rows[0] = {"operating_revenue": 110.0}
    out = classify_lifecycle(frame(rows), rules)
    assert out["lifecycle_stage"].tolist() == ["expansion", "mature", "decline"]
    assert out["lifecycle_basis"].tolist()[2] == "shake_out,growth<0.05"


def test_rules_are_validated_and_documented() -> None:
    with pytest.raises(ValidationError, match="exactly growth, mature and decline"):
        LifecycleRules(stage_of={"introduction": "startup"})
    with pytest.raises(ValidationError, match="extra"):
        LifecycleRules(startup_age=3)
    assert all(" / " in f.description for f in LifecycleRules.model_fields.values())


def test_labels_and_dtypes() -> None:
    assert [s.label("zh") for s in LifecycleStage] == [
        "初创期", "快速扩张期", "成长期", "成熟期", "衰退期", "未知",
    ]  # fmt: skip
    assert [s.label("zh") for s in DickinsonStage] == [
        "导入期",
        "成长期",
        "成熟期",
        "淘汰期",
        "衰退期",
    ]
    out = classify_lifecycle(frame([{}]).set_axis([5]))
    assert out.index.tolist() == [5] and {str(t) for t in out.dtypes} == {"str"}
