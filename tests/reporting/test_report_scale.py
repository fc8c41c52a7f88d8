"""The report at scale: sections are built once for both formats, and the portfolio
breakdowns and histograms aggregate whole columns (same numbers as a plain groupby)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finseg.reporting import _render, histogram_bins, render_report
from finseg.reporting._section_portfolio import _breakdown


def test_both_formats_share_one_build_of_the_sections(make_ctx, monkeypatch, tmp_path: Path):
    calls = []
    real = _render.build_sections

    def counting(ctx):
        calls.append(ctx)
        return real(ctx)

    monkeypatch.setattr(_render, "build_sections", counting)
    paths = render_report(make_ctx("en"), tmp_path, ["both"])
    assert sorted(paths) == ["html", "xlsx"] and all(p.stat().st_size for p in paths.values())
    assert len(calls) == 1


def test_breakdown_matches_a_groupby_with_missing_keys_last(make_ctx) -> None:
    ctx = make_ctx("en", n=500)
    keys = ctx.results["region"].astype("string").str.strip()
    got = _breakdown(ctx, keys, {"北京": "Beijing"})
    unknown = ctx.t("common.unknown")
    frame = pd.DataFrame({"key": keys.fillna(unknown),
                          "req": ctx.results["requested_amount"] / 10_000})  # fmt: skip
    want = frame.groupby("key")["req"].agg(["size", "sum"])
    assert got.index[-1] == unknown and keys.isna().any()
    assert got["customers"].to_dict() == want["size"].to_dict()
    assert np.allclose(got["requested"], want.loc[got.index, "sum"].to_numpy())
    head = got["customers"].iloc[:-1].tolist()
    assert head == sorted(head, reverse=True)
    assert got.loc["北京", "label"] == "Beijing"
    assert got["share"].sum() == pytest.approx(1.0)


def test_histogram_of_a_column_equals_that_of_its_values() -> None:
    values = pd.Series([np.nan, -3.0, 0.0, 1.5, 3.0, 3.0, 40.0, np.inf, 2e9])
    for column in (values, values.to_numpy()):
        assert histogram_bins(column) == histogram_bins(values.tolist())
