from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finseg.exceptions import PolicyError
from finseg.features import (
    SizeClass,
    SizeConfig,
    classify_size,
    load_size_standard,
    size_industry,
)

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
    assert std.version == "miit-2011"
    assert std.fallback is SizeClass.MICRO
    assert set(std.tiers) == set(REFERENCE)
    for industry, tiers in REFERENCE.items():
        for tier, bounds in tiers:
            assert std.tiers[industry][SizeClass(tier)] == bounds, (industry, tier)
    assert any("2011" in s for s in std.sources) and any("2017" in s for s in std.sources)


def held(tier: str, bounds: dict[str, float]) -> str:
    return ",".join(f"{k}>={v:g}" for k, v in sorted(bounds.items())) + f" ({tier})"


def edge_cases(industry: str) -> list[tuple[dict[str, float], str, str]]:
    """(values, expected class, expected basis) just below, on and just above every bound."""
    tiers = dict(REFERENCE[industry])
    cases = []
    for tier, bounds in REFERENCE[industry]:
        cases.append((dict(bounds), tier, held(tier, bounds)))
        for letter, bound in bounds.items():
            step = 1 if letter == "X" else 0.000001  # one person, or one fen in 万元
            above, below = dict(bounds), dict(bounds)
            above[letter], below[letter] = bound + step, bound - step
            cases.append((above, tier, held(tier, bounds)))
            down = DOWN[tier]
            basis = f"{letter}<{bound:g} (micro)" if down == "micro" else held(down, tiers[down])
            cases.append((below, down, basis))
    return cases


@pytest.mark.parametrize("industry", sorted(REFERENCE))
def test_every_threshold_edge_below_equal_above(industry: str) -> None:
    cases = edge_cases(industry)
    out = classify_size(frame([(CODE_OF[industry], values) for values, _, _ in cases]))
    assert out["size_industry"].eq(industry).all()
    assert out["size_class"].tolist() == [c for _, c, _ in cases]
    assert out["size_basis"].tolist() == [b for _, _, b in cases]
    assert out["size_flag"].isna().all()


def test_edge_table_covers_the_special_industries() -> None:
    letters = {name: load_size_standard().required(name) for name in REFERENCE}
    assert letters["construction"] == letters["real_estate_dev"] == ("Y", "Z")
    assert letters["leasing_business"] == ("X", "Z")
    assert letters["agriculture"] == ("Y",) and letters["other"] == ("X",)
    # per tier: on every bound, plus one above and one below each bound
    assert sum(len(edge_cases(name)) for name in REFERENCE) == 14 * 3 * 5 + 2 * 3 * 3


def test_micro_needs_only_one_indicator_below() -> None:
    # industry: huge revenue but 19 employees is micro; 5000 staff and 299万 revenue too
    out = classify_size(frame([("C3011", {"X": 19, "Y": 1e6}), ("C3011", {"X": 5000, "Y": 299})]))
    assert out["size_class"].tolist() == ["micro", "micro"]
    assert out["size_basis"].tolist() == ["X<20 (micro)", "Y<300 (micro)"]


def test_not_meeting_all_bounds_drops_one_tier() -> None:
    out = classify_size(frame([("C3011", {"X": 5000, "Y": 2500})]))
    assert out["size_class"].tolist() == ["medium"]


def test_both_indicators_below_are_both_named() -> None:
    out = classify_size(frame([("E4710", {"Y": 10, "Z": 10})]))
    assert out["size_basis"].tolist() == ["Y<300,Z<300 (micro)"]


def test_missing_indicator_gives_unknown_never_a_guess() -> None:
    rows = [
        ("C3011", {"Y": 90000}),  # industry needs X
        ("E4710", {"Y": 90000, "X": 10}),  # construction needs Z, not X
        ("L7211", {}),  # leasing needs X and Z
        ("A0111", {"Y": 600}),  # agriculture needs only Y
        ("M7320", {"X": 150}),  # other needs only X
    ]
    out = classify_size(frame(rows))
    assert out["size_class"].tolist() == ["unknown", "unknown", "unknown", "medium", "medium"]
    assert out["size_basis"].iloc[:3].isna().all()
    assert out["size_flag"].tolist()[:3] == [
        "missing_indicator:X",
        "missing_indicator:Z",
        "missing_indicator:X,Z",
    ]
    assert out["size_flag"].iloc[3:].isna().all()


def test_missing_indicator_still_proves_micro() -> None:
    # 19 employees fail the small tier whatever the revenue: micro is proven, the gap flagged
    rows = [("C3011", {"X": 19}), ("C3011", {"X": 20}), ("K7010", {"Z": 1999})]
    out = classify_size(frame(rows))
    assert out["size_class"].tolist() == ["micro", "unknown", "micro"]
    assert out["size_basis"].tolist()[::2] == ["X<20 (micro)", "Z<2000 (micro)"]
    assert out["size_flag"].tolist() == [
        "missing_indicator:Y",
        "missing_indicator:Y",
        "missing_indicator:Y",
    ]


def test_missing_columns_and_codes() -> None:
    out = classify_size(pd.DataFrame({"industry_code": [None, "C3011"], "employees": [50, 50]}))
    assert out["size_industry"].tolist() == ["other", "industry"]
    assert out["size_class"].tolist() == ["small", "unknown"]


def test_result_keeps_index_and_str_dtypes() -> None:
    df = frame([("C3011", {"X": 20, "Y": 300})]).set_axis([42])
    out = classify_size(df)
    assert out.index.tolist() == [42]
    assert list(out.columns) == ["size_industry", "size_class", "size_basis", "size_flag"]
    assert out["size_class"].iloc[0] == SizeClass.SMALL
    assert {str(t) for t in out.dtypes} == {"str"}


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
    assert [c.label("zh") for c in SizeClass] == ["大型", "中型", "小型", "微型", "未知"]
    assert SizeClass.MICRO.label("en") == "Micro"
    assert SizeClass.UNKNOWN.label("en") == "Unknown"


def test_unknown_standard_is_a_bilingual_error() -> None:
    with pytest.raises(PolicyError, match="Unknown size standard") as info:
        load_size_standard("size_standard_2017")
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


# EU 2003/361/EC ------------------------------------------------------------------------------
EUR = 7.8e6  # yuan per EUR million at the packaged rate
EU = [("micro", 10, 2, 2), ("small", 50, 10, 10), ("medium", 250, 50, 43)]
UP = {"micro": "small", "small": "medium", "medium": "large"}
# An amount above a category's ceiling but within the next one's (or anything for medium).
BEYOND = {"micro": 5, "small": 20, "medium": 100}


def eu_frame(rows: list[tuple[float, float, float]]) -> pd.DataFrame:
    """Rows of (employees, turnover, balance sheet), amounts in EUR million."""
    return pd.DataFrame(
        {
            "industry_code": "C3825",
            "employees": [x for x, _, _ in rows],
            "operating_revenue": [np.nan if y is None else round(y * EUR, 2) for _, y, _ in rows],
            "total_assets": [np.nan if z is None else round(z * EUR, 2) for _, _, z in rows],
        }
    )


def eu_edges() -> list[tuple[tuple[float, float, float], str]]:
    cases = []
    fen = 0.01 / EUR  # one fen in EUR million
    for cls, x, y, z in EU:
        far = BEYOND[cls]
        cases += [
            ((x - 1, y - fen, far), cls),
            ((x - 1, y, far), cls),
            ((x - 1, y + fen, far), UP[cls]),
        ]
        cases += [
            ((x - 1, far, z - fen), cls),
            ((x - 1, far, z), cls),
            ((x - 1, far, z + fen), UP[cls]),
        ]
        cases += [((x - 1, 0, 0), cls), ((x, 0, 0), UP[cls]), ((x + 1, 0, 0), UP[cls])]
    return cases


def test_eu_standard_on_its_edges() -> None:
    cases = eu_edges()
    out = classify_size(eu_frame([v for v, _ in cases]), "eu-2003")
    assert out["size_industry"].eq("all").all()
    assert out["size_class"].tolist() == [c for _, c in cases]
    assert out["size_flag"].isna().all()


def test_eu_basis_names_the_tests_that_held_or_failed() -> None:
    out = classify_size(eu_frame([(5, 1, 30), (300, 1, 1), (100, 60, 45)]), "eu-2003")
    assert out["size_class"].tolist() == ["micro", "large", "large"]
    assert out["size_basis"].tolist() == [
        "X<10,Y<=2 (micro)",
        "X>=250 (large)",
        "Y>50,Z>43 (large)",
    ]


def test_eu_missing_indicators() -> None:
    rows = [(None, 1, 1), (5, None, 1), (5, None, 30), (300, None, None)]
    out = classify_size(eu_frame(rows).astype({"employees": "Float64"}), "eu-2003")
    assert out["size_class"].tolist() == ["unknown", "micro", "unknown", "large"]
    assert out["size_flag"].tolist() == [
        "missing_indicator:X",
        "missing_indicator:Y",
        "missing_indicator:Y",
        "missing_indicator:Y,Z",
    ]


def test_eu_rate_can_be_overridden() -> None:
    df = eu_frame([(5, 2.5, 30)])  # 19.5m yuan turnover: above EUR 2m at 7.8, below at 10
    assert classify_size(df, "eu-2003")["size_class"][0] == "small"
    assert classify_size(df, "eu-2003", eur_cny=10.0)["size_class"][0] == "micro"
    assert load_size_standard("eu-2003", 10.0).scale["Y"] == 1e7


def test_size_config_is_documented_and_closed() -> None:
    assert SizeConfig().standard == "miit-2011"
    assert all(" / " in f.description for f in SizeConfig.model_fields.values())
    with pytest.raises(ValueError, match="miit-2011"):
        SizeConfig(standard="nbs-1999")
    with pytest.raises(ValueError, match="extra"):
        SizeConfig(standrad="eu-2003")
