"""Smoke run of the quarterly-review benchmark (``benchmarks/review.py``) on a small book:
every step runs in its own process and the section lands below the marker.  Slow (seven
child processes): run with FINSEG_SLOW=1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- other benchmarks below -->"


@pytest.mark.slow
def test_review_runs_every_step_and_writes_its_section(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nkeep me\n\n{MARKER}\n\n## Models\n\nkeep\n", "utf-8")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "review.py"), "--customers", "2000",
         "--no-postgres", "--workdir", str(tmp_path), "--write", str(doc)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for step in ("ingest", "run", "report", "monitor"):
        assert f"[2,000] {step}: " in proc.stdout and "exit 0" in proc.stdout
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nkeep me\n")
    assert "## Quarterly review / 季度检视" in text and "## Models\n\nkeep" in text
    assert "| 2,000 | customer upsert, sqlite, again |" in text
    assert (tmp_path / "review-ws-2000" / "monitor.json").is_file()
