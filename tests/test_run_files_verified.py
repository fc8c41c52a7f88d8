"""Verified run files: every command that reads a finished run checks the SHA-256 of each
file it reads against ``runs.files`` and refuses a changed file (exit 2, naming it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from finseg.cli import main
from finseg.pipeline import run_pipeline
from finseg.sample import generate_portfolio, write_sample
from finseg.workspace import init_workspace, open_workspace


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    root = tmp_path_factory.mktemp("verified")
    workspace = init_workspace(root / "ws")
    data = root / "book.parquet"
    write_sample(generate_portfolio(300, seed=5, periods=2), data)
    # two annual snapshots: monitoring needs the baseline to be the earlier one
    first = run_pipeline(workspace, data, as_of=date(2024, 12, 31)).run_id
    second = run_pipeline(workspace, data).run_id
    workspace.close()
    return workspace.root, first, second


def _edit(path: Path) -> None:
    """C000005 turned into a 9.99e9 limit, as an insider with file access would."""
    frame = pd.read_parquet(path).copy()
    frame.loc[frame["customer_id"] == "C000005", ["decision", "limit"]] = ["approve", 9.99e9]
    frame.to_parquet(path)


@pytest.fixture
def tampered(runs: tuple[Path, str, str]) -> Iterator[tuple[Path, str, str, Path]]:
    ws, first, second = runs
    path = ws / "runs" / second / "results.parquet"
    original = path.read_bytes()
    _edit(path)
    try:
        yield ws, first, second, path
    finally:
        path.write_bytes(original)


def _readers(ws: Path, first: str, second: str, out: Path) -> dict[str, list[str]]:
    w = ["-w", str(ws)]
    return {
        "report": ["report", second, *w],
        "explain": ["explain", "--run", second, "--customer", "C000005", *w],
        "export marketing": ["export", "marketing", "--run", second, "--out",
                             str(out / "m.xlsx"), *w],
        "monitor": ["monitor", "--baseline", first, "--current", second, *w],
        "allocate": ["allocate", "--run", second, "--budget", "1e8", *w],
        "scenarios compare": ["scenarios", "compare", "--run", second, *w],
        "segments validate": ["segments", "validate", "--run", second, *w],
        "segments discover": ["segments", "discover", "--run", second, "--bootstrap", "0", *w],
        "policy replay": ["policy", "replay", "--policy", str(ws / "policy.yaml"),
                          "--run", second, *w],
        "runs verify": ["runs", "verify", second, *w],
        "runs verify --all": ["runs", "verify", "--all", *w],
    }  # fmt: skip


@pytest.mark.parametrize(
    "command",
    ["report", "explain", "export marketing", "monitor", "allocate", "scenarios compare",
     "segments validate", "segments discover", "policy replay", "runs verify",
     "runs verify --all"],
)  # fmt: skip
def test_an_edited_results_file_is_refused_by_every_reader(tampered, tmp_path, capsys, command):
    ws, first, second, path = tampered
    assert main(_readers(ws, first, second, tmp_path)[command]) == 2
    err = capsys.readouterr().err
    assert str(path) in err.replace("\n", "")
    assert "SHA-256" in err and ("被改动" in err or "不一致" in err)
    assert not (tmp_path / "m.xlsx").exists()


def test_the_untouched_run_verifies_and_reads(runs, capsys):
    ws, _, second = runs
    assert main(["runs", "verify", "--all", "-w", str(ws), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert text.count("ok") == 6 and "6 个文件一致 / file(s) verified" in text
    assert main(["explain", "--run", second, "--customer", "C000005", "-w", str(ws)]) == 0


def test_a_run_file_that_was_removed_is_named(runs, capsys):
    ws, _, second = runs
    path = ws / "runs" / second / "segments.json"
    original = path.read_bytes()
    path.unlink()
    try:
        assert main(["runs", "verify", second, "-w", str(ws), "--lang", "en"]) == 2
        captured = capsys.readouterr()
        assert "MISSING" in captured.out and str(path) in captured.err.replace("\n", "")
    finally:
        path.write_bytes(original)


def test_monitoring_json_is_recorded_and_verified_by_the_report(runs, capsys):
    ws, first, second = runs
    assert main(["monitor", "--baseline", first, "--current", second, "-w", str(ws)]) == 0
    path = ws / "runs" / second / "monitoring.json"
    workspace = open_workspace(ws)
    from finseg.runs import run_metadata, verify_run

    files = run_metadata(workspace, second)["files"]
    assert "monitoring.json" in files
    assert {c.name: c.status for c in verify_run(workspace, second)}["monitoring.json"] == "ok"
    workspace.close()
    original = path.read_bytes()
    doc = json.loads(original)
    doc["psi"]["score"]["psi"] = 0.0  # hide the drift from the report
    path.write_text(json.dumps(doc), encoding="utf-8")
    capsys.readouterr()
    try:
        assert main(["report", second, "-w", str(ws), "--format", "html"]) == 2
        assert str(path) in capsys.readouterr().err.replace("\n", "")
    finally:
        path.write_bytes(original)
    assert main(["report", second, "-w", str(ws), "--format", "html"]) == 0


def test_an_unrecorded_file_in_the_run_directory_is_not_used(runs, capsys):
    ws, _, second = runs
    path = ws / "runs" / second / "allocation.json"
    assert not path.exists()  # the default policy sets no budget
    path.write_text('{"objective": 1e12}', encoding="utf-8")
    try:
        assert main(["report", second, "-w", str(ws), "--format", "html"]) == 2
        err = capsys.readouterr().err.replace("\n", "")
        assert str(path) in err and "no checksum recorded" in err
    finally:
        path.unlink()


def test_runs_verify_needs_a_run_or_all(runs, capsys):
    ws, first, _ = runs
    assert main(["runs", "verify", "-w", str(ws)]) == 2
    assert main(["runs", "verify", first, "--all", "-w", str(ws)]) == 2
