"""Grade and segment migration on a 10-customer case counted by hand; the Sankey option; the
property that a migration matrix counts every common customer once."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finseg.monitoring import (
    grade_migration,
    pair_runs,
    portfolio_change,
    sankey_option,
    segment_migration,
)
from finseg.risk import default_master_scale

ORDER = default_master_scale().labels  # AAA … C, D


def _runs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """c1..c10 at the baseline; c10 has left and c11 joined."""
    before = pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(1, 11)],
        "grade": ["A", "A", "A", "BBB", "BBB", "BB", "BB", "B", "B", "CCC"],
        "segment": ["x", "x", "y", "y", "y", "z", "z", "z", "x", "z"],
    })  # fmt: skip
    after = pd.DataFrame({
        "customer_id": ["c11", "c9", "c8", "c7", "c6", "c5", "c4", "c3", "c2", "c1"],
        "grade": ["A", "BB", "B", "CCC", "BB", "B", "BBB", "AA", "BBB", "A"],
        "segment": ["x", "x", "z", "x", "z", "z", "y", "y", "y", "x"],
    })  # fmt: skip
    return before, after


def test_grade_migration_by_hand():
    before, after = _runs()
    m = grade_migration(before, after, pair_runs(before, after), ORDER)
    assert m["customers"] == 9
    assert m["matrix"] == {  # non-zero cells; no baseline customer was AA, so no AA row
        "A": {"AA": 1, "A": 1, "BBB": 1},
        "BBB": {"BBB": 1, "B": 1},
        "BB": {"BB": 1, "CCC": 1},
        "B": {"BB": 1, "B": 1},
    }
    assert list(m["matrix"]) == ["A", "BBB", "BB", "B"]  # master-scale order
    # A->AA -1, A->BBB +1, BBB->B +2, BB->CCC +2, B->BB -1; four unchanged
    assert (m["unchanged"], m["upgrades"], m["downgrades"]) == (4, 2, 3)
    assert m["notches"] == {"-1": 2, "0": 4, "1": 1, "2": 2}
    assert m["mean_notches"] == pytest.approx((-1 - 1 + 1 + 2 + 2) / 9)
    assert m["row_shares"]["A"] == pytest.approx({"AA": 1 / 3, "A": 1 / 3, "BBB": 1 / 3})
    assert m["order"] == ["AA", "A", "BBB", "BB", "B", "CCC"]


def test_segment_migration_and_portfolio_change_by_hand():
    before, after = _runs()
    pairing = pair_runs(before, after)
    s = segment_migration(before, after, pairing, ["z", "y", "x"])
    # c1 x>x, c2 x>y, c3 y>y, c4 y>y, c5 y>z, c6 z>z, c7 z>x, c8 z>z, c9 x>x
    assert s["matrix"] == {"z": {"z": 2, "x": 1}, "y": {"z": 1, "y": 2}, "x": {"y": 1, "x": 2}}
    assert s["unchanged"] == 6 and s["unchanged_share"] == pytest.approx(6 / 9)
    change = portfolio_change(before, after, pairing, ORDER, ["z", "y", "x"])
    assert (change["left"], change["entered"], change["common"]) == (1, 1, 9)
    assert change["left_by_grade"] == {"CCC": 1} and change["entered_by_grade"] == {"A": 1}
    assert change["left_by_segment"] == {"z": 1} and change["entered_by_segment"] == {"x": 1}


def test_sankey_option_is_pure_json():
    matrix = {"z": {"z": 2, "x": 1}, "x": {"x": 2}}
    option = sankey_option(matrix, "迁移", {"z": "高风险"}, ("基期", "本期"))
    assert json.loads(json.dumps(option)) == option
    series = option["series"][0]
    assert series["type"] == "sankey"
    assert [n["name"] for n in series["data"]] == ["高风险 (基期)", "x (基期)", "高风险 (本期)",
                                                   "x (本期)"]  # fmt: skip
    assert sum(link["value"] for link in series["links"]) == 5
    assert {"source": "高风险 (基期)", "target": "x (本期)", "value": 1} in series["links"]


ids = st.lists(st.integers(0, 30), min_size=1, max_size=30, unique=True)
grades = st.sampled_from([*ORDER, "NR"])


@settings(max_examples=100, deadline=None)
@given(ids, ids, st.data())
def test_matrices_count_every_common_customer_once(a, b, data):
    if not set(a) & set(b):
        return
    before = pd.DataFrame({"customer_id": [f"c{i}" for i in a],
                           "grade": data.draw(st.lists(grades, min_size=len(a), max_size=len(a))),
                           "segment": data.draw(st.lists(st.sampled_from("xyz"), min_size=len(a),
                                                         max_size=len(a)))})  # fmt: skip
    after = pd.DataFrame({"customer_id": [f"c{i}" for i in b],
                          "grade": data.draw(st.lists(grades, min_size=len(b), max_size=len(b))),
                          "segment": data.draw(st.lists(st.sampled_from("xyz"), min_size=len(b),
                                                        max_size=len(b)))})  # fmt: skip
    pairing = pair_runs(before, after)
    common = len(set(a) & set(b))
    for m in (grade_migration(before, after, pairing, ORDER),
              segment_migration(before, after, pairing)):  # fmt: skip
        assert sum(sum(row.values()) for row in m["matrix"].values()) == common
    g = grade_migration(before, after, pairing, ORDER)
    assert (
        g["upgrades"] + g["downgrades"] + sum(n for k, n in g["notches"].items() if k == "0")
        <= common
    )  # "NR" is off the scale
