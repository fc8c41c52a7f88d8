"""Chart option builders: pure, JSON-serialisable, with the right numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from finseg.reporting import bar_chart, histogram, histogram_bins, log_bins, pie_chart


def _roundtrip(option: dict) -> dict:
    return json.loads(json.dumps(option, allow_nan=False))


def test_bar_chart_horizontal_puts_categories_on_y_axis():
    option = bar_chart(
        ["C 制造业", "F 批发和零售业"], [np.int64(12), 3.5], "行业", series_name="客户数"
    )
    assert _roundtrip(option) == option
    assert option["yAxis"]["data"] == ["C 制造业", "F 批发和零售业"]
    assert option["yAxis"]["inverse"] is True  # first category on top
    assert option["xAxis"]["type"] == "value"
    assert option["series"][0] == option["series"][0] | {
        "type": "bar",
        "data": [12, 3.5],
        "name": "客户数",
    }
    assert type(option["series"][0]["data"][0]) is int
    assert option["title"]["text"] == "行业"
    assert option["animation"] is False


def test_bar_chart_vertical_and_missing_values_become_null():
    option = bar_chart(["a", "b", "c"], [1, float("nan"), None], "T", horizontal=False)
    assert option["xAxis"]["data"] == ["a", "b", "c"]
    assert option["series"][0]["data"] == [1, None, None]
    assert _roundtrip(option) == option


def test_pie_chart_pairs_names_and_values():
    option = pie_chart(["Small", "Micro"], [np.int64(3), 1], "Size")
    assert _roundtrip(option) == option
    assert option["series"][0]["type"] == "pie"
    assert option["series"][0]["data"] == [
        {"name": "Small", "value": 3},
        {"name": "Micro", "value": 1},
    ]
    with pytest.raises(ValueError):
        pie_chart(["a"], [1, 2], "mismatch")


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (3, 70, [2, 5, 10, 20, 50, 100]),
        (1, 1, [1, 2]),
        (0.15, 0.3, [0.1, 0.2, 0.5]),
        (100, 100.5, [100, 200]),
    ],
)
def test_log_bins_follow_the_1_2_5_series(low, high, expected):
    assert log_bins(low, high) == [float(e) for e in expected]


def test_log_bins_fall_back_to_decades_for_wide_ranges():
    edges = log_bins(1, 5e9)
    assert edges == [10.0**k for k in range(11)]
    assert len(log_bins(1, 5e9, max_bins=40)) == 31  # 1-2-5 series fits when allowed


def test_log_bins_reject_non_positive_bounds():
    with pytest.raises(ValueError, match="0 < low <= high"):
        log_bins(0, 10)


def test_histogram_bins_count_every_value_once():
    values = [0, -5, 1.5, 3, 3, 40, 50, float("nan"), None]
    bins = histogram_bins(values)
    assert bins.labels == ["≤0", "1–2", "2–5", "5–10", "10–20", "20–50", "50–100"]
    assert bins.counts == [2, 1, 2, 0, 0, 1, 1]
    assert sum(bins.counts) == 7  # NaN and None dropped


def test_histogram_bins_of_nothing_is_empty():
    bins = histogram_bins([])
    assert (bins.labels, bins.counts, bins.edges) == ([], [], [])


def test_histogram_labels_use_thousands_separators():
    bins = histogram_bins([1500, 4800])
    assert bins.labels == ["1,000–2,000", "2,000–5,000"]


def test_histogram_option_matches_bins():
    rng = np.random.default_rng(0)
    values = rng.lognormal(5, 1.5, 500)
    option = histogram(values, "资产总计", value_name="万元", count_name="客户数")
    bins = histogram_bins(values)
    assert _roundtrip(option) == option
    assert option["xAxis"]["data"] == bins.labels
    assert option["series"][0]["data"] == bins.counts
    assert sum(option["series"][0]["data"]) == 500
    assert option["xAxis"]["name"] == "万元"
