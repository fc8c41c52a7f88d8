from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from finseg.exceptions import UserError
from finseg.risk import Grade, GradeBand, MasterScale, default_master_scale, log_linear_scale

SCALE = default_master_scale()
# domain.md §6.3: (label, lower, upper, representative PD), in %
TABLE = [
    ("AAA", 0.00, 0.05, 0.05), ("AA", 0.05, 0.10, 0.071), ("A", 0.10, 0.25, 0.158),
    ("BBB", 0.25, 0.75, 0.433), ("BB", 0.75, 2.00, 1.225), ("B", 2.00, 6.00, 3.464),
    ("CCC", 6.00, 15.00, 9.487), ("CC", 15.00, 30.00, 21.21), ("C", 30.00, 100.0, 54.77),
]  # fmt: skip
LOG_LINEAR = [0.030, 0.044, 0.065, 0.095, 0.139, 0.204, 0.300, 0.440, 0.646, 0.949,
              1.39, 2.04, 3.00, 4.40, 6.46, 9.49, 13.9, 20.4, 30.0]  # fmt: skip


def test_default_scale_is_the_domain_table():
    assert SCALE.labels == [g.value for g in Grade]
    for band, (label, lo, hi, rep) in zip(SCALE.grades, TABLE, strict=False):
        assert (band.label, band.pd_lower * 100, band.pd_upper * 100) == pytest.approx(
            (label, lo, hi)
        )
        got = SCALE.representative_pd([label])[0] * 100
        assert round(got, len(str(rep).split(".")[1])) == rep
    assert SCALE.representative_pd(["D"]).tolist() == [1.0]


@pytest.mark.parametrize(("label", "lo", "hi"), [(t[0], t[1] / 100, t[2] / 100) for t in TABLE])
def test_band_edges_are_lower_inclusive_upper_exclusive(label, lo, hi):
    below_upper = np.nextafter(hi, 0.0)
    assert SCALE.grade([lo, below_upper]).tolist() == [label, label]
    if hi < 1.0:
        assert SCALE.grade([hi])[0] != label


def test_default_and_missing():
    got = SCALE.grade([1.0, 1.5, np.nan, np.nan, 0.01], default=[0, 0, 0, 1, 1])
    assert got.tolist() == ["D", "D", None, "D", "D"]
    with pytest.raises(UserError, match="must not be negative"):
        SCALE.grade([-0.1])


def test_grade_keeps_the_input_shape():
    assert SCALE.grade(np.array([[0.0, 0.5]])).tolist() == [["AAA", "C"]]


def test_floors():
    assert SCALE.pd_floor == 0.0005
    basel2 = default_master_scale(pd_floor=0.0003)
    assert basel2.representative_pd(["AAA"]).tolist() == [0.0003]  # √(0·0.0005) = 0 -> floor
    assert SCALE.representative_pd(["AA"]).tolist() == pytest.approx([np.sqrt(0.0005 * 0.001)])


def test_representative_pd_rejects_unknown_labels():
    with pytest.raises(UserError, match="unknown grade 'E'"):
        SCALE.representative_pd(["AAA", "E"])
    assert np.isnan(SCALE.representative_pd([None])[0])


def test_log_linear_scale_matches_domain_values():
    s = log_linear_scale()
    assert len(s.grades) == 20 and s.grades[-1].label == "D"
    reps = [g.pd_representative * 100 for g in s.grades[:-1]]
    for got, want in zip(reps, LOG_LINEAR, strict=True):
        assert got == pytest.approx(want, abs=0.5 * 10 ** -(len(str(want).split(".")[1])))
    assert s.representative_pd(["AAA"]).tolist() == [0.0005]  # 0.03 % lifted by the floor
    assert log_linear_scale(pd_floor=0.0003).representative_pd(["AAA"]).tolist() == [0.0003]
    # each representative PD grades into its own grade
    assert s.grade([g.pd_representative for g in s.grades[:-1]]).tolist() == s.labels[:-1]


def test_log_linear_scale_with_other_sizes():
    assert log_linear_scale(n=7).labels == [*(f"G{g}" for g in range(1, 8)), "D"]
    with pytest.raises(UserError, match="at least 7 non-default grades"):
        log_linear_scale(n=6)
    with pytest.raises(UserError, match="0 < low < high < 1"):
        log_linear_scale(low=0.3, high=0.1)


def bands(edges, labels=None):
    labels = labels or [f"G{k}" for k in range(1, len(edges))]
    grades = [
        GradeBand(label=lab, pd_lower=lo, pd_upper=hi)
        for lab, lo, hi in zip(labels, edges[:-1], edges[1:], strict=True)
    ]
    return [*grades, GradeBand(label="D", pd_lower=1.0)]


EDGES = [0.0, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 1.0]


def test_validator_accepts_seven_grades():
    assert len(MasterScale(grades=bands(EDGES)).grades) == 8


def test_validator_rejects_a_gap_naming_the_grades():
    grades = bands(EDGES)
    grades[3] = GradeBand(label="G4", pd_lower=0.006, pd_upper=0.01)
    with pytest.raises(ValidationError, match="gap between grades G3 and G4") as err:
        MasterScale(grades=grades)
    assert "缺口" in str(err.value)


def test_validator_rejects_an_overlap():
    grades = bands(EDGES)
    grades[3] = GradeBand(label="G4", pd_lower=0.004, pd_upper=0.01)
    with pytest.raises(ValidationError, match="overlap between grades G3 and G4"):
        MasterScale(grades=grades)


def test_validator_rejects_non_increasing_band():
    grades = bands(EDGES)
    grades[2] = GradeBand(label="G3", pd_lower=0.002, pd_upper=0.002)
    with pytest.raises(ValidationError, match="grade G3 needs a PD upper bound above"):
        MasterScale(grades=grades)


def test_validator_rejects_too_few_grades_and_bad_ends():
    with pytest.raises(ValidationError, match="only 6 non-default grades; at least 7"):
        MasterScale(grades=bands([0.0, 0.001, 0.002, 0.005, 0.01, 0.1, 1.0]))
    with pytest.raises(ValidationError, match="the first grade G1 must start at PD 0"):
        MasterScale(grades=bands([0.0001, *EDGES[1:]]))
    with pytest.raises(ValidationError, match="G7 must end at PD 1"):
        MasterScale(grades=bands([*EDGES[:-1], 0.9]))
    with pytest.raises(ValidationError, match="the last grade must be the default grade"):
        MasterScale(grades=bands(EDGES)[:-1])
    with pytest.raises(ValidationError, match="grade G1 appears twice"):
        MasterScale(grades=bands(EDGES, ["G1", "G2", "G3", "G1", "G5", "G6", "G7"]))


def test_every_setting_is_documented_in_both_languages():
    for model in (MasterScale, GradeBand):
        for info in model.model_fields.values():
            assert " / " in (info.description or "")
    assert Grade.AAA.label("zh") == "信用极好" and Grade.D.label() == "Default"
