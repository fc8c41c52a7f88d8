"""`finseg segments validate`: the validation figures of a run's segments as a table and strict
JSON, membership stability against another run with `--compare`, and exit 2 for an unknown
run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from finseg.cli import main
from finseg.pipeline import run_pipeline
from finseg.sample import generate_portfolio, write_sample
from finseg.segments import DEFAULT_TAXONOMY, membership_stability
from finseg.workspace import init_workspace


def _strict_loads(text: str):
    def refuse(constant: str):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A workspace with two finished runs: 400 customers, then 300 (ids C000001.. overlap)."""
    root = tmp_path_factory.mktemp("segcli")
    workspace = init_workspace(root / "ws")
    run_ids = []
    for n, seed in ((400, 3), (300, 4)):
        data = root / f"book-{n}.parquet"
        write_sample(generate_portfolio(n, seed=seed), data)
        run_ids.append(run_pipeline(workspace, data).run_id)
    workspace.close()
    return workspace.root, run_ids[0], run_ids[1]


def _results(ws: Path, run_id: str) -> pd.DataFrame:
    return pd.read_parquet(ws / "runs" / run_id / "results.parquet")


def test_validate_prints_a_table_and_writes_strict_json(two_runs, tmp_path, capsys):
    ws, first, _ = two_runs
    target = tmp_path / "out" / "segments.json"
    args = ["segments", "validate", "--run", first, "-w", str(ws), "--json", str(target)]
    assert main([*args, "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert f"Run {first}" in printed and "chi-square" in printed
    payload = _strict_loads(target.read_text(encoding="utf-8"))
    assert payload["run_id"] == first and payload["min_segment_size"] == 30
    segments = payload["segments"]
    assert sum(s["n"] for s in segments.values()) == 400
    counts = _results(ws, first)["segment"].astype(str).value_counts()
    assert {k: s["n"] for k, s in segments.items()} == counts.to_dict()
    assert list(segments) == [s.id for s in DEFAULT_TAXONOMY if s.id in segments]
    assert payload["names"]["micro_small"] == {"zh": "小微企业", "en": "Micro and small firms"}
    assert 0 <= payload["chi_square"]["p_value"] <= 1 and payload["adjacent"]
    assert "stability" not in payload
    assert [p.name for p in target.parent.iterdir()] == ["segments.json"]  # no temp left


def test_compare_adds_membership_stability(two_runs, tmp_path, capsys):
    ws, first, second = two_runs
    target = tmp_path / "cmp.json"
    args = ["segments", "validate", "--run", second, "--compare", first, "-w", str(ws)]
    assert main([*args, "--json", str(target), "--lang", "zh"]) == 0
    assert "分群迁移" in capsys.readouterr().out
    stability = _strict_loads(target.read_text(encoding="utf-8"))["stability"]
    before, after = (_results(ws, r).set_index("customer_id")["segment"] for r in (first, second))
    expected = membership_stability(before, after)
    assert stability == {"compare_run_id": first, **expected}
    common = before.index.intersection(after.index)
    assert stability["customers"] == len(common) == 300
    assert (stability["only_before"], stability["only_after"]) == (100, 0)
    moved = stability["migration"]
    assert sum(sum(row.values()) for row in moved.values()) == len(common)
    assert sum(row.get(src, 0) for src, row in moved.items()) == stability["unchanged"]
    same = (before.loc[common].astype(str) == after.loc[common].astype(str)).sum()
    assert stability["unchanged"] == same


def test_a_run_against_itself_is_perfectly_stable(two_runs, capsys):
    ws, first, _ = two_runs
    assert main(["segments", "validate", "--run", first, "--compare", first, "-w", str(ws)]) == 0
    assert "1.000" in capsys.readouterr().out  # adjusted Rand index


@pytest.mark.parametrize("flag", ["--run", "--compare"])
def test_unknown_run_exits_2(two_runs, flag, capsys):
    ws, first, _ = two_runs
    args = ["segments", "validate", "--run", first, "-w", str(ws)]
    args = [*args[:3], "no-such-run", *args[4:]] if flag == "--run" else args
    if flag == "--compare":
        args += ["--compare", "no-such-run"]
    assert main(args) == 2
    assert "no-such-run" in capsys.readouterr().err
