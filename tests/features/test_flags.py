from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finseg.exceptions import PolicyError
from finseg.features import (
    Catalogue,
    FlagRules,
    TechRule,
    load_catalogue,
    policy_flags,
)

GREEN_NAMES = {
    "1": "节能环保产业",
    "2": "清洁生产产业",
    "3": "清洁能源产业",
    "4": "生态环境产业",
    "5": "基础设施绿色升级",
    "6": "绿色服务",
}
SE_NAMES = [
    "新一代信息技术产业",
    "高端装备制造产业",
    "新材料产业",
    "生物产业",
    "新能源汽车产业",
    "新能源产业",
    "节能环保产业",
    "数字创意产业",
    "相关服务业",
]


def flags(codes: list[object], **columns: list[object]) -> pd.DataFrame:
    return policy_flags(pd.DataFrame({"industry_code": codes, **columns}))


def test_packaged_catalogues_are_versioned_and_unverified() -> None:
    green, se = load_catalogue("green-2019"), load_catalogue("strategic-emerging-2018")
    assert (green.kind, se.kind) == ("green", "strategic_emerging")
    assert not green.verified and not se.verified
    assert {k: v[0] for k, v in green.categories.items()} == GREEN_NAMES
    assert [se.categories[f"SE0{i}"][0] for i in range(1, 10)] == SE_NAMES
    assert set(green.codes.values()) - {None} == set(GREEN_NAMES)  # every L1 has a code
    assert set(se.codes.values()) - {None} == set(se.categories)


@pytest.mark.parametrize(
    ("code", "green", "se", "new_energy"),
    [
        ("D4416", "3", "SE06", True),  # solar power
        ("D4415", "3", "SE06", True),  # wind power
        ("D4413", "3", None, True),  # hydro: green clean energy, not SE new energy
        ("D4411", None, None, False),  # thermal power
        ("C3612", "1", "SE05", True),  # NEV manufacturing
        ("C3611", None, None, False),  # petrol/diesel vehicles
        ("C3841", "1", "SE06", True),  # lithium batteries
        ("N7711", "4", None, False),  # ecological protection (N77)
        ("N7721", "1", "SE07", False),  # water pollution control: longer prefix N772 wins
        ("N7726", "4", "SE07", False),  # soil remediation: class beats group
        ("N7724", "2", "SE07", False),
        ("G5412", "5", None, False),
        ("M7461", "6", "SE07", False),
        ("M7463", None, None, False),  # excluded by null
        ("C3973", None, "SE01", False),  # integrated circuits (C39)
        ("C3951", None, None, False),  # TV sets excluded from C39 by null
        ("C2761", None, "SE04", False),
        ("M7520", None, "SE09", False),
        ("3825", "3", "SE06", True),  # code without its letter
        ("F5123", None, None, False),
    ],
)
def test_code_mapping(code: str, green: str | None, se: str | None, new_energy: bool) -> None:
    out = flags([code]).iloc[0]
    assert (out["green_category"] == green) if green else pd.isna(out["green_category"])
    assert (out["strategic_emerging"] == se) if se else pd.isna(out["strategic_emerging"])
    assert out["new_energy"] == new_energy


def test_invalid_missing_codes_and_versions() -> None:
    out = flags(["X99", None, "C"])
    assert out["green_category"].isna().all() and out["strategic_emerging"].isna().all()
    assert not out["new_energy"].any()
    assert out["catalogue_versions"].eq("green-2019;strategic-emerging-2018").all()


def test_extra_new_energy_codes_from_rules() -> None:
    df = pd.DataFrame({"industry_code": ["C3670", "C3611"]})
    out = policy_flags(df, rules=FlagRules(new_energy_codes=["C367"]))
    assert out["new_energy"].tolist() == [True, False]


def test_custom_catalogues_and_errors() -> None:
    green = Catalogue("g-test", "green", ("甲", "A"), "test", True, {"3": ("清洁能源", "CE")},
                      {"C": "3", "C30": None})  # fmt: skip
    se = load_catalogue("strategic-emerging-2018")
    out = policy_flags(pd.DataFrame({"industry_code": ["C3011", "C3411"]}), [se, green])
    assert out["green_category"].tolist()[1] == "3" and pd.isna(out["green_category"][0])
    assert out["catalogue_versions"][0] == "g-test;strategic-emerging-2018"
    with pytest.raises(PolicyError, match="needs a green catalogue"):
        policy_flags(pd.DataFrame({"industry_code": ["C3011"]}), [se])
    with pytest.raises(PolicyError, match="Unknown catalogue") as info:
        load_catalogue("green-2024")
    assert "未知" in info.value.zh


def tech(**columns: list[object]) -> list[bool]:
    n = len(next(iter(columns.values())))
    return flags(["C3011"] * n, **columns)["tech_enterprise"].tolist()


def test_tech_by_certificates() -> None:
    out = flags(["C3011"] * 4, high_tech=pd.array([True, False, None, True], dtype="boolean"),
                specialized_sme=pd.array([False, True, None, True], dtype="boolean"))  # fmt: skip
    assert out["tech_enterprise"].tolist() == [True, True, False, True]
    assert out["tech_basis"].tolist()[:2] == ["high_tech", "specialized_sme"]
    assert pd.isna(out["tech_basis"][2])
    assert out["tech_basis"][3] == "high_tech,specialized_sme"


def test_tech_by_rd_intensity_and_patents_at_the_edges() -> None:
    revenue = [1e7] * 6
    rd = [3e5, 3e5 - 1, 3e5, 3e5, 1e6, 1e6]  # intensity 0.03 is enough, a yuan less is not
    patents = [5, 5, 4, 6, None, 5]
    assert tech(operating_revenue=revenue, rd_expense=rd, patents=patents) == [
        True, False, False, True, False, True,
    ]  # fmt: skip


def test_tech_with_undefined_intensity_is_not_met() -> None:
    assert tech(operating_revenue=[0.0, -1e6, np.nan], rd_expense=[1e5] * 3, patents=[9] * 3) == [
        False, False, False,
    ]  # fmt: skip


def test_tech_thresholds_come_from_rules() -> None:
    df = pd.DataFrame({"industry_code": ["C3011"], "operating_revenue": [1e7],
                       "rd_expense": [1e5], "patents": [1]})  # fmt: skip
    loose = FlagRules(tech=TechRule(rd_intensity_min=0.01, patents_min=1))
    assert policy_flags(df, rules=loose)["tech_enterprise"].tolist() == [True]
    assert policy_flags(df)["tech_enterprise"].tolist() == [False]


def test_rules_are_documented_and_closed() -> None:
    for model in (FlagRules, TechRule):
        assert all(" / " in f.description for f in model.model_fields.values())
    with pytest.raises(ValueError, match="green-2019"):
        FlagRules(green_catalogue="green-2024")
