"""Smoke run of the ingest benchmarks: ``benchmarks/run.py --quick`` works end to end.

Timings are not asserted — CI machines vary — only that every case runs, writes all its
rows and that ``--write`` keeps what other benchmarks put below the marker.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "run.py"
MARKER = "<!-- other benchmarks below -->"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    """One ``--quick`` run writing a doc that already has a section below the marker."""
    work = tmp_path_factory.mktemp("bench")
    doc = work / "benchmarks.md"
    doc.write_text(f"# old\n\nstale table\n\n{MARKER}\n\n## Models\n\nkeep me\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--workdir", str(work), "--write", str(doc)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    return proc, doc


def test_quick_run_exits_zero_and_names_every_case(quick_run) -> None:
    proc, _ = quick_run
    assert proc.returncode == 0, proc.stderr
    for case in ("csv", "xlsx", "features", "csv-gbk"):
        assert f"[{case}] run 1/1" in proc.stdout
    assert "FAILED" not in proc.stdout


def test_write_replaces_the_section_and_keeps_the_rest(quick_run) -> None:
    _, doc = quick_run
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks")
    assert "stale table" not in text
    assert "| csv-gbk |" in text and "peak RSS MB" in text
    assert text.count(MARKER) == 1
    assert text.endswith(f"{MARKER}\n\n## Models\n\nkeep me\n")


@pytest.mark.slow
def test_verify_bench_smoke(tmp_path: Path) -> None:
    """The verified-read benchmark at a tiny size: it runs, reads every row both ways and
    writes its section below the marker."""
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\n{MARKER}\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "verify_bench.py"), "--customers", "2000",
         "--seed-customers", "100", "--repeat", "1", "--workdir", str(tmp_path),
         "--write", str(doc)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = doc.read_text(encoding="utf-8")
    assert "## Verified run files" in text and "| 2,000 | " in text and "| info |" in text
