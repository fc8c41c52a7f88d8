"""ECharts option dicts made by pure functions: no browser, no I/O, JSON-serialisable output.

Each function returns the ``option`` that ``echarts.init(el).setOption(option)`` draws.  The
report template adds only what JSON cannot carry (number formatters with thousands
separators).  Animation is off: a report is a document that is printed and screenshotted.

>>> import json
>>> option = bar_chart(["C", "F"], [12, 3], "Customers by section")
>>> option["series"][0]["data"]
[12, 3]
>>> json.loads(json.dumps(option)) == option
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FONT_FAMILY",
    "HistogramBins",
    "bar_chart",
    "bar_height",
    "histogram",
    "histogram_bins",
    "log_bins",
    "pie_chart",
]

#: CJK-capable font stack shared by the HTML page and the charts.
FONT_FAMILY = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
    '"Hiragino Sans GB", "Helvetica Neue", Arial, sans-serif'
)
_COLOURS = ["#1f5fa8", "#e08a2c", "#3a9a6b", "#c2453d", "#7a5ba6", "#3aa0b5", "#b3883c",
            "#5c6b7a", "#d46a9b", "#8aa63a"]  # fmt: skip


def _plain(value: Any) -> int | float | None:
    """A JSON-safe Python number (``None`` for NaN, infinity and missing)."""
    try:
        number = float(value)
    except (TypeError, ValueError):  # None, pd.NA
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _base(title: str) -> dict[str, Any]:
    return {
        "title": {"text": title, "left": 0, "top": 0, "textStyle": {"fontSize": 14}},
        "color": list(_COLOURS),
        "animation": False,
        "aria": {"enabled": True},
        "textStyle": {"fontFamily": FONT_FAMILY},
    }


def bar_height(n_categories: int, *, horizontal: bool = True) -> int:
    """A chart height in pixels that gives each category of a bar chart room for its label.

    >>> bar_height(3), bar_height(20)
    (240, 620)
    """
    if not horizontal:
        return 320
    return max(240, 60 + 28 * n_categories)


def bar_chart(
    categories: Sequence[str],
    values: Sequence[float],
    title: str,
    *,
    horizontal: bool = True,
    series_name: str = "",
    value_name: str = "",
    show_labels: bool = True,
) -> dict[str, Any]:
    """A one-series bar chart.

    Horizontal bars (the default) list the first category at the top and leave room for
    long labels such as industry names; vertical bars suit short labels.

    >>> bar_chart(["a", "b"], [1, 2.5], "T", horizontal=False)["xAxis"]["data"]
    ['a', 'b']
    """
    category_axis = {"type": "category", "data": [str(c) for c in categories],
                     "axisTick": {"alignWithLabel": True}}  # fmt: skip
    value_axis: dict[str, Any] = {"type": "value", "name": value_name, "minInterval": 0}
    if horizontal:
        category_axis |= {"inverse": True, "axisLabel": {"width": 230, "overflow": "truncate"}}
        value_axis |= {"nameLocation": "middle", "nameGap": 26}
    option = _base(title) | {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 48, "top": 44 if horizontal else 64,
                 "bottom": 30 if horizontal else 8, "containLabel": True},
        "xAxis": value_axis if horizontal else category_axis,
        "yAxis": category_axis if horizontal else value_axis,
        "series": [{
            "type": "bar", "name": series_name, "data": [_plain(v) for v in values],
            "barMaxWidth": 28,
            "label": {"show": show_labels, "position": "right" if horizontal else "top"},
        }],
    }  # fmt: skip
    return option


def pie_chart(
    names: Sequence[str], values: Sequence[float], title: str, *, series_name: str = ""
) -> dict[str, Any]:
    """A pie (ring) chart with percentages in the labels.

    >>> pie_chart(["Small", "Micro"], [3, 1], "Size")["series"][0]["data"][1]
    {'name': 'Micro', 'value': 1}
    """
    data = [{"name": str(n), "value": _plain(v)} for n, v in zip(names, values, strict=True)]
    return _base(title) | {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"type": "scroll", "bottom": 0},
        "series": [{
            "type": "pie", "name": series_name, "radius": ["35%", "65%"],
            "center": ["50%", "52%"], "data": data,
            "label": {"formatter": "{b}\n{d}%"},
        }],
    }  # fmt: skip


def log_bins(low: float, high: float, *, max_bins: int = 18) -> list[float]:
    """Log-spaced bin edges on the 1-2-5 series covering ``[low, high]`` (both > 0).

    Falls back to whole decades when the 1-2-5 series would need more than ``max_bins``.

    >>> log_bins(3, 70)
    [2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
    >>> log_bins(1, 1e9)[:3]
    [1.0, 10.0, 100.0]
    """
    if not (0 < low <= high and math.isfinite(high)):
        raise ValueError(f"log_bins needs 0 < low <= high, got low={low!r}, high={high!r}")
    for mantissas in ((1, 2, 5), (1,)):
        edges = _edges(low, high, mantissas)
        if len(edges) - 1 <= max_bins:
            return edges
    return edges


def _edges(low: float, high: float, mantissas: tuple[int, ...]) -> list[float]:
    candidates = [
        float(f"{m}e{e}")  # via text: exact decimal edges such as 0.2, not 0.20000000000000001
        for e in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 2)
        for m in mantissas
    ]
    start = max(c for c in candidates if c <= low)
    stop = min(c for c in candidates if c > high)
    return [c for c in candidates if start <= c <= stop]


@dataclass(frozen=True)
class HistogramBins:
    """Bin labels and counts of a histogram; ``edges`` excludes the non-positive bin."""

    labels: list[str]
    counts: list[int]
    edges: list[float]


def _edge_text(edge: float) -> str:
    return f"{edge:,.0f}" if edge >= 1 else f"{edge:g}"


def histogram_bins(values: Iterable[float], *, nonpositive_label: str = "≤0") -> HistogramBins:
    """Count values in log-spaced bins ``[a, b)`` (the last bin closed).

    Non-positive values, which a log axis cannot hold, get a first bin of their own (shown
    only when there are any); missing values are dropped.

    >>> b = histogram_bins([0, 1.5, 3, 3, 40])
    >>> b.labels, b.counts
    (['≤0', '1–2', '2–5', '5–10', '10–20', '20–50'], [1, 1, 2, 0, 0, 1])
    """
    if isinstance(values, np.ndarray | pd.Series):  # a column: no per-value Python objects
        numbers = pd.to_numeric(pd.Series(values, copy=False), errors="coerce")
    else:
        numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    array = numbers.to_numpy(dtype=float, na_value=np.nan)
    array = array[np.isfinite(array)]
    positive = array[array > 0]
    n_nonpositive = int((array <= 0).sum())
    labels: list[str] = [nonpositive_label] if n_nonpositive else []
    counts: list[int] = [n_nonpositive] if n_nonpositive else []
    if positive.size == 0:
        return HistogramBins(labels, counts, [])
    edges = log_bins(float(positive.min()), float(positive.max()))
    hist, _ = np.histogram(positive, bins=np.asarray(edges))
    labels += [f"{_edge_text(a)}–{_edge_text(b)}" for a, b in itertools.pairwise(edges)]
    counts += [int(c) for c in hist]
    return HistogramBins(labels, counts, edges)


def histogram(
    values: Iterable[float],
    title: str,
    *,
    value_name: str = "",
    count_name: str = "",
    nonpositive_label: str = "≤0",
) -> dict[str, Any]:
    """A histogram over log-spaced bins (see :func:`histogram_bins`) as a column chart.

    >>> option = histogram([12, 15, 180, 2400], "Total assets", value_name="万元")
    >>> option["xAxis"]["data"][:2], option["series"][0]["data"][:2]
    (['10–20', '20–50'], [2, 0])
    """
    bins = histogram_bins(values, nonpositive_label=nonpositive_label)
    option = bar_chart(
        bins.labels, bins.counts, title, horizontal=False, series_name=count_name,
        value_name=count_name,
    )  # fmt: skip
    option["xAxis"] |= {"name": value_name, "nameLocation": "middle", "nameGap": 52,
                        "axisLabel": {"rotate": 35, "interval": 0, "fontSize": 11}}  # fmt: skip
    option["grid"] |= {"bottom": 28}
    option["series"][0]["barCategoryGap"] = "4%"
    option["series"][0].pop("barMaxWidth")
    return option
