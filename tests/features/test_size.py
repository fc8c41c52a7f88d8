from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finseg.exceptions import PolicyError
from finseg.features import SizeClass, classify_size, load_size_standard, size_industry

# The reference table of domain.md §1.1 (persons, 万元), copied independently of the YAML so
# that a typo in the packaged data fails here.
REFERENCE = {
    "agriculture": [("large", {"Y": 20000}), ("medium", {"Y": 500}), ("small", {"Y": 50})],
    "industry": [
        ("large", {"X": 1000, "Y": 40000}),
        ("medium", {"X": 300, "Y": 2000}),
        ("small", {"X": 20, "Y": 300}),
    ],
    "construction": [
        ("large", {"Y": 80000, "Z": 80000}),
        ("medium", {"Y": 6000, "Z": 5000}),
        ("small", {"Y": 300, "Z": 300}),
    ],
    "wholesale": [
        ("large", {"X": 200, "Y": 40000}),
        ("medium", {"X": 20, "Y": 5000}),
        ("small", {"X": 5, "Y": 1000}),
    ],
    "retail": [
        ("large", {"X": 300, "Y": 20000}),
        ("medium", {"X": 50, "Y": 500}),
        ("small", {"X": 10, "Y": 100}),
    ],
    "transport": [
        ("large", {"X": 1000, "Y": 30000}),
        ("medium", {"X": 300, "Y": 3000}),
        ("small", {"X": 20, "Y": 200}),
    ],
    "warehousing": [
        ("large", {"X": 200, "Y": 30000}),
        ("medium", {"X": 100, "Y": 1000}),
        ("small", {"X": 20, "Y": 100}),
    ],
    "postal": [
        ("large", {"X": 1000, "Y": 30000}),
        ("medium", {"X": 300, "Y": 2000}),
        ("small", {"X": 20, "Y": 100}),
    ],
    "accommodation": [
        ("large", {"X": 300, "Y": 10000}),
        ("medium", {"X": 100, "Y": 2000}),
        ("small", {"X": 10, "Y": 100}),
    ],
    "catering": [
        ("large", {"X": 300, "Y": 10000}),
        ("medium", {"X": 100, "Y": 2000}),
        ("small", {"X": 10, "Y": 100}),
    ],
    "info_transmission": [
        ("large", {"X": 2000, "Y": 100000}),
        ("medium", {"X": 100, "Y": 1000}),
        ("small", {"X": 10, "Y": 100}),
    ],
    "software_it": [
        ("large", {"X": 300, "Y": 10000}),
        ("medium", {"X": 100, "Y": 1000}),
        ("small", {"X": 10, "Y": 50}),
    ],
    "real_estate_dev": [
        ("large", {"Y": 200000, "Z": 10000}),
        ("medium", {"Y": 1000, "Z": 5000}),
        ("small", {"Y": 100, "Z": 2000}),
    ],
    "property_mgmt": [
        ("large", {"X": 1000, "Y": 5000}),
        ("medium", {"X": 300, "Y": 1000}),
        ("small", {"X": 100, "Y": 500}),
    ],
    "leasing_business": [
        ("large", {"X": 300, "Z": 120000}),
        ("medium", {"X": 100, "Z": 8000}),
        ("small", {"X": 10, "Z": 100}),
    ],
    "other": [("large", {"X": 300}), ("medium", {"X": 100}), ("small", {"X": 10})],
}
CODE_OF = {
    "agriculture": "A0111",
    "industry": "C3825",
    "construction": "E4710",
    "wholesale": "F5123",
    "retail": "F5211",
    "transport": "G5430",
    "warehousing": "G5920",
    "postal": "G6020",
    "accommodation": "H6110",
    "catering": "H6210",
    "info_transmission": "I6410",
    "software_it": "I6513",
    "real_estate_dev": "K7010",
    "property_mgmt": "K7020",
    "leasing_business": "L7211",
    "other": "M7320",
}
COLUMN = {"X": "employees", "Y": "operating_revenue", "Z": "total_assets"}
DOWN = {"large": "medium", "medium": "small", "small": "micro"}


def frame(rows: list[tuple[str, dict[str, float]]]) -> pd.DataFrame:
    """Rows of (industry code, {letter: value in persons / 万元}); absent letters are NaN."""
    data = {
        "industry_code": [code for code, _ in rows],
        "employees": pd.array([v.get("X") for _, v in rows], dtype="Int64"),
        "operating_revenue": [v["Y"] * 10_000 if "Y" in v else np.nan for _, v in rows],
        "total_assets": [v["Z"] * 10_000 if "Z" in v else np.nan for _, v in rows],
    }
    return pd.DataFrame(data)


def test_packaged_table_matches_reference() -> None:
    std = load_size_standard()
    assert std.version == "size_standard_2017"
    assert set(std.tiers) == set(REFERENCE)
    for industry, tiers in REFERENCE.items():
        for tier, bounds in tiers:
            assert std.tiers[industry][SizeClass(tier)] == bounds, (industry, tier)


@pytest.mark.parametrize("industry", sorted(REFERENCE))
def test_exact_boundaries_are_inclusive(industry: str) -> None:
    code = CODE_OF[industry]
    rows, expected = [], []
    for tier, bounds in REFERENCE[industry]:
        rows.append((code, dict(bounds)))  # exactly on every bound: this tier
        expected.append(tier)
        for letter in bounds:  # one unit (person / fen) below one bound: one tier down
            below = dict(bounds)
            below[letter] -= 1 if letter == "X" else 0.000001
            rows.append((code, below))
            expected.append(DOWN[tier])
    out = classify_size(frame(rows))
    assert out["size_industry"].eq(industry).all()
    assert out["size_class"].tolist() == expected
    assert out["size_flag"].isna().all()


def test_micro_needs_only_one_indicator_below() -> None:
    # industry: huge revenue but 19 employees is micro; 5000 staff and 299万 revenue too
    out = classify_size(frame([("C3011", {"X": 19, "Y": 1e6}), ("C3011", {"X": 5000, "Y": 299})]))
    assert out["size_class"].tolist() == ["micro", "micro"]


def test_not_meeting_all_bounds_drops_one_tier() -> None:
    out = classify_size(frame([("C3011", {"X": 5000, "Y": 2500})]))
    assert out["size_class"].tolist() == ["medium"]


def test_missing_indicator_falls_to_micro_with_flag() -> None:
    rows = [
        ("C3011", {"Y": 90000}),  # industry needs X
        ("E4710", {"Y": 90000, "X": 10}),  # construction needs Z, not X
        ("A0111", {"Y": 600}),  # agriculture needs only Y
        ("M7320", {"X": 150}),  # other needs only X
    ]
    out = classify_size(frame(rows))
    assert out["size_class"].tolist() == ["micro", "micro", "medium", "medium"]
    assert out["size_flag"].tolist()[:2] == ["missing_indicator"] * 2
    assert out["size_flag"].iloc[2:].isna().all()


def test_result_keeps_index_and_str_dtypes() -> None:
    df = frame([("C3011", {"X": 20, "Y": 300})]).set_axis([42])
    out = classify_size(df)
    assert out.index.tolist() == [42]
    assert list(out.columns) == ["size_industry", "size_class", "size_flag"]
    assert out["size_class"].iloc[0] == SizeClass.SMALL


@pytest.mark.parametrize(
    ("code", "industry"),
    [
        ("F5123", "wholesale"),
        ("F52", "retail"),
        ("5211", "retail"),
        ("G5310", "other"),  # railway is excluded from transport
        ("G5430", "transport"),
        ("G59", "warehousing"),
        ("G6020", "postal"),
        ("K7010", "real_estate_dev"),
        ("K7020", "property_mgmt"),
        ("K7030", "other"),
        ("K7090", "other"),
        ("L7211", "leasing_business"),
        ("I6510", "software_it"),
        ("I6311", "info_transmission"),
        ("D4415", "industry"),
        ("B0610", "industry"),
        ("J6620", "other"),
        ("Q8411", "other"),
        ("A", "agriculture"),
        ("F", "other"),  # a bare section spanning several size industries
        ("not a code", "other"),
        (None, "other"),
    ],
)
def test_code_mapping(code: str | None, industry: str) -> None:
    assert size_industry(code) == industry


def test_labels_are_bilingual() -> None:
    assert [c.label("zh") for c in SizeClass] == ["大型", "中型", "小型", "微型"]
    assert SizeClass.MICRO.label("en") == "Micro"


def test_unknown_standard_is_a_bilingual_error() -> None:
    with pytest.raises(PolicyError, match="Unknown size standard") as info:
        load_size_standard("size_standard_1999")
    assert "未知" in info.value.zh


RANK = {"micro": 0, "small": 1, "medium": 2, "large": 3}


@settings(max_examples=200, deadline=None)
@given(
    industry=st.sampled_from(sorted(CODE_OF)),
    x=st.integers(0, 5000),
    y=st.floats(0, 3e5),
    z=st.floats(0, 3e5),
    letter=st.sampled_from("XYZ"),
    cut=st.floats(0, 1),
)
def test_size_never_increases_when_an_indicator_decreases(
    industry: str, x: int, y: float, z: float, letter: str, cut: float
) -> None:
    before = {"X": x, "Y": y, "Z": z}
    after = dict(before)
    after[letter] = int(x * cut) if letter == "X" else before[letter] * cut
    out = classify_size(frame([(CODE_OF[industry], before), (CODE_OF[industry], after)]))
    first, second = out["size_class"].map(RANK).tolist()
    assert second <= first
