"""Membership stability between two runs: hand-computed migration counts, unchanged share and
adjusted Rand index; customers in one run only are counted and left out."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from finseg.segments import membership_stability


def _runs() -> tuple[pd.Series, pd.Series]:
    """C1..C6 in both runs (C3 moves from a to b), C7 only before, C8 and C9 only after."""
    before = pd.Series(list("aaabbca"), index=[f"C{i}" for i in range(1, 8)])
    after = pd.Series(list("xcabbbac"), index=[f"C{i}" for i in (9, 6, 1, 3, 4, 5, 2, 8)])
    return before, after


def test_counts_shares_migration_and_ari():
    before, after = _runs()
    s = membership_stability(before, after)
    assert (s["customers"], s["only_before"], s["only_after"]) == (6, 1, 2)
    assert s["unchanged"] == 5 and s["unchanged_share"] == pytest.approx(5 / 6)
    assert s["migration"] == {"a": {"a": 2, "b": 1}, "b": {"b": 2}, "c": {"c": 1}}
    # contingency [[2, 1, 0], [0, 2, 0], [0, 0, 1]], n = 6: sum C(n_ij, 2) = 2,
    # rows (3, 2, 1) -> 4, columns (2, 3, 1) -> 4; expected 4 * 4 / 15 = 16/15,
    # max (4 + 4) / 2 = 4; ARI = (2 - 16/15) / (4 - 16/15) = 14/44
    assert s["adjusted_rand"] == pytest.approx(14 / 44)
    json.dumps(s, allow_nan=False)


def test_identical_partitions_with_renamed_segments_have_ari_one():
    before = pd.Series(list("aabbc"), index=list("vwxyz"))
    after = pd.Series(list("ppqqr"), index=list("vwxyz"))
    s = membership_stability(before, after)
    assert s["unchanged"] == 0 and s["adjusted_rand"] == pytest.approx(1.0)
    assert s["migration"] == {"a": {"p": 2}, "b": {"q": 2}, "c": {"r": 1}}


def test_taxonomy_order_from_categories_and_missing_segments():
    ids = ["high", "mid", "low"]
    before = pd.Series(pd.Categorical(["low", "high", None], categories=ids), index=list("abc"))
    after = pd.Series(pd.Categorical(["mid", "high", "low"], categories=ids), index=list("abc"))
    s = membership_stability(before, after)
    assert list(s["migration"]) == ["high", "low", "—"]
    assert s["migration"]["low"] == {"mid": 1} and s["migration"]["—"] == {"low": 1}


def test_no_common_customers():
    s = membership_stability(pd.Series(["a"], index=["C1"]), pd.Series(["a"], index=["C2"]))
    assert s == {
        "customers": 0, "only_before": 1, "only_after": 1, "unchanged": 0,
        "unchanged_share": None, "migration": {}, "adjusted_rand": None,
    }  # fmt: skip


def test_repeated_customer_ids_are_refused():
    with pytest.raises(ValueError, match="unique"):
        membership_stability(pd.Series(["a", "b"], index=["C1", "C1"]), pd.Series(["a"], ["C1"]))
