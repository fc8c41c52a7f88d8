from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finseg.features import classify_industry
from finseg.features._industry import INDUSTRY_COLUMNS
from finseg.industry import SECTIONS


@pytest.mark.parametrize(
    ("code", "section", "division"),
    [
        ("C3825", "C", "38"),
        ("3825", "C", "38"),  # letter restored from the division
        ("c38", "C", "38"),
        (" D 4416 ", "D", "44"),
        ("K7010", "K", "70"),
        ("A", "A", None),  # a bare section has no division
        ("T97", "T", "97"),
        (3825, "C", "38"),  # integer from a spreadsheet
        (3825.0, "C", "38"),
    ],
)
def test_valid_codes(code: object, section: str, division: str | None) -> None:
    out = classify_industry(pd.DataFrame({"industry_code": [code]}))
    row = out.iloc[0]
    assert row["industry_section"] == section
    assert (row["industry_division"] == division) if division else pd.isna(row["industry_division"])
    assert row["industry_name_zh"] == SECTIONS[section].zh
    assert row["industry_name_en"] == SECTIONS[section].en
    assert pd.isna(row["industry_flag"])


@pytest.mark.parametrize("code", ["X99", "A38", "C3", "99", "C38251", "制造业"])
def test_invalid_codes_are_flagged_by_name(code: str) -> None:
    out = classify_industry(pd.DataFrame({"industry_code": [code]}))
    assert out["industry_flag"].iloc[0] == f"invalid_code:{code}"
    assert out.drop(columns="industry_flag").iloc[0].isna().all()


def test_missing_codes_and_column() -> None:
    out = classify_industry(pd.DataFrame({"industry_code": [None, np.nan, "  "]}))
    assert out["industry_flag"].tolist() == ["missing_code"] * 3
    out = classify_industry(pd.DataFrame({"x": [1]}))
    assert out["industry_flag"].tolist() == ["missing_code"]


def test_shape_index_and_dtypes() -> None:
    df = pd.DataFrame({"industry_code": pd.array(["F5123", "X1", None], dtype="string")})
    out = classify_industry(df.set_axis([7, 8, 9]))
    assert tuple(out.columns) == INDUSTRY_COLUMNS
    assert out.index.tolist() == [7, 8, 9]
    assert {str(t) for t in out.dtypes} == {"str"}
    assert out["industry_section"].tolist()[:1] == ["F"]


def test_every_section_by_its_first_division() -> None:
    codes = [f"{s.first_division:02d}" for s in SECTIONS.values()]
    out = classify_industry(pd.DataFrame({"industry_code": codes}))
    assert out["industry_section"].tolist() == list(SECTIONS)
    assert out["industry_division"].tolist() == codes
