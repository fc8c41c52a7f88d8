"""``finseg demo``'s three annual snapshots: the monitoring of the downturn year shows the
deterioration the generator injected, in the industries it hit and about as much as it put
in; the year before (no shock) is stable.

The numbers in the comments were measured on this fixture (1,000 customers, seed 7; 176 in
the industries hit), every run graded by the scorecard the demo's analyst trains on the first
snapshot and its approver promotes; the expert model graded the demo before, and gave figures
within a few points of these (66.5 % against 33.4 % downgraded in the downturn year).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finseg.demo import DEMO_DOWNTURN, SNAPSHOTS, DemoResult, run_demo
from finseg.runs import run_metadata


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    result = run_demo(tmp_path_factory.mktemp("demo"), customers=1000, seed=7, lang="en")
    yield result
    result.workspace.close()


@pytest.fixture(scope="module")
def comparisons(demo: DemoResult) -> list[dict]:
    """Per comparison (2023 -> 2024, 2024 -> 2025): the monitoring payload, and each common
    customer's notches downgraded and whether the downturn hit its industry."""
    out = []
    for path, before, after in zip(demo.monitoring, demo.runs[:-1], demo.runs[1:], strict=True):
        payload = json.loads(path.read_text(encoding="utf-8"))
        rank = {g: i for i, g in enumerate(payload["grade_migration_summary"]["order"])}
        a = pd.read_parquet(before.results, columns=["customer_id", "grade"])
        b = pd.read_parquet(after.results, columns=["customer_id", "grade", "industry_code"])
        both = a.merge(b, on="customer_id", suffixes=("_before", "_after"))
        both["notches"] = both["grade_after"].map(rank) - both["grade_before"].map(rank)
        both["hit"] = DEMO_DOWNTURN.hits(both["industry_code"].astype(str))
        out.append({"payload": payload, "pairs": both, "results": b})
    return out


def _shares(pairs: pd.DataFrame) -> dict[str, float]:
    hit, other = pairs[pairs["hit"]], pairs[~pairs["hit"]]
    return {
        "hit_down": float((hit["notches"] > 0).mean()),
        "hit_up": float((hit["notches"] < 0).mean()),
        "hit_down2": float((hit["notches"] >= 2).mean()),
        "other_down": float((other["notches"] > 0).mean()),
        "other_up": float((other["notches"] < 0).mean()),
        "other_down2": float((other["notches"] >= 2).mean()),
    }


def _watch_share(c: dict) -> tuple[float, float]:
    """Share of the industries hit on the watch list, and in the portfolio."""
    codes = c["results"].set_index("customer_id")["industry_code"].astype(str)
    watched = [row["customer_id"] for row in c["payload"]["warnings"]["watchlist"]]
    return (float(DEMO_DOWNTURN.hits(codes.loc[watched]).mean()),
            float(DEMO_DOWNTURN.hits(codes).mean()))  # fmt: skip


def test_three_runs_the_last_in_the_downturn_scenario(demo: DemoResult):
    assert len(demo.runs) == 3 and demo.run is demo.runs[-1]
    meta = [run_metadata(demo.workspace, r.run_id)["params"] for r in demo.runs]
    assert [m["as_of"] for m in meta] == [d.isoformat() for d in SNAPSHOTS]
    assert [m["scenario"] for m in meta] == ["baseline", "baseline", "downturn"]
    assert all(r.rows == 1000 and r.quarantined == 0 for r in demo.runs)
    assert demo.monitoring == [r.run_dir / "monitoring.json" for r in demo.runs[1:]]
    html = demo.reports["html"].read_text(encoding="utf-8")
    assert demo.reports["html"].parent == demo.run.run_dir
    assert "Portfolio monitoring" in html and demo.reports["xlsx"].is_file()


def test_downturn_year_downgrades_the_industries_hit(comparisons):
    s = _shares(comparisons[1]["pairs"])
    # measured: 73.3 % of the firms hit downgraded against 24.2 % of the others (3.0x);
    # two notches or more 40.9 % against 5.1 % (8x); the others as many up as down
    assert s["hit_down"] > 0.5 and s["hit_down"] > 1.6 * s["other_down"]
    assert s["hit_down2"] > 0.35 and s["hit_down2"] > 2.0 * s["other_down2"]
    assert s["hit_down"] - s["hit_up"] > 0.35  # measured 0.70
    assert abs(s["other_down"] - s["other_up"]) < 0.1  # measured -0.02


def test_downturn_year_migration_matrix_leans_to_downgrades_for_the_industries_hit(comparisons):
    c = comparisons[1]
    order = c["payload"]["grade_migration_summary"]["order"]
    hit = c["pairs"][c["pairs"]["hit"]]
    matrix = pd.crosstab(hit["grade_before"], hit["grade_after"]).reindex(
        index=order, columns=order, fill_value=0
    )
    rows, cols = np.indices(matrix.shape)
    worse, better = matrix.to_numpy()[cols > rows].sum(), matrix.to_numpy()[cols < rows].sum()
    assert worse > 3 * better  # measured 129 against 6
    # the matrix in monitoring.json is the whole book's, and counts the same migrations
    total = sum(n for row in c["payload"]["grade_migration"].values() for n in row.values())
    assert total == c["payload"]["grade_migration_summary"]["customers"] == 1000


def test_downturn_year_watch_list_is_led_by_the_industries_hit(comparisons):
    watched, book = _watch_share(comparisons[1])
    # measured: 41.5 % of the 357 customers on the watch list against 17.6 % of the book
    assert watched > 1.5 * book
    fired = comparisons[1]["payload"]["warnings"]["fired"]
    quiet = comparisons[0]["payload"]["warnings"]["fired"]
    # measured 168 against 97 and 114 against 50
    assert (
        fired["receivable_days_up_30"]["customers"]
        > 1.3 * quiet["receivable_days_up_30"]["customers"]
    )
    assert fired["downgrade_2_notches"]["customers"] > quiet["downgrade_2_notches"]["customers"]


def test_the_year_without_a_shock_is_stable(comparisons):
    c = comparisons[0]
    summary, psi = c["payload"]["grade_migration_summary"], c["payload"]["psi"]["score"]
    # measured: score PSI 0.014 (green), 239 downgrades against 289 upgrades
    assert psi["psi"] < c["payload"]["thresholds"]["psi_significant"] and psi["light"] != "red"
    assert abs(summary["downgrades"] - summary["upgrades"]) < 0.12 * summary["customers"]
    s = _shares(c["pairs"])
    # measured: 26.1 % of the firms the downturn will hit downgraded against 23.4 % of the
    # others, and 34.7 % upgraded: none of the downturn year's pattern
    assert s["hit_down"] < 1.4 * s["other_down"] and s["hit_down"] - s["hit_up"] < 0.15
    watched, book = _watch_share(c)
    assert watched < 1.3 * book  # measured 22.0 % against 17.6 %


def test_the_report_files_are_in_the_last_run(demo: DemoResult):
    for path in demo.reports.values():
        assert Path(path).is_file() and Path(path).parent == demo.run.run_dir


def test_the_demo_people_play_maker_and_checker(demo: DemoResult):
    from finseg.store import get_model, list_overrides, list_users, read_session

    with read_session(demo.workspace.engine()) as s:
        roles = {u.name: u.role.value for u in list_users(s)}
        champion = get_model(s, "champion")
        (adjustment,) = list_overrides(s)
    assert roles == {"zhao": "admin", "li": "analyst", "wang": "approver"}
    assert (champion.id, champion.created_by, champion.promoted_by) == (
        "demo-scorecard", "li", "wang",
    )  # fmt: skip
    assert (adjustment.proposed_by, adjustment.decided_by, adjustment.status.value) == (
        "li", "wang", "approved",
    )  # fmt: skip
    meta = [run_metadata(demo.workspace, r.run_id) for r in demo.runs]
    assert all(m["model_ids"] == ["demo-scorecard"] for m in meta)  # every run: the champion
    assert [m["row_counts"]["overrides"] for m in meta] == [0, 1, 1]  # applied after approval
    assert all(m["policy_status"] == "active" for m in meta)
