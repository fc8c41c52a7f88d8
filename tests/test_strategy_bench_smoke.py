"""Smoke run of the strategy benchmark on a small book: ``benchmarks/strategy_bench.py`` works
end to end and ``--write`` puts its section below the marker, keeping the rest.  Timings are
not asserted — only that both scenarios run and keep every customer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "strategy_bench.py"
MARKER = "<!-- other benchmarks below -->"


def test_small_run_writes_its_section(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\ntop\n\n{MARKER}\n\n## Models\n\nkeep me\n", encoding="utf-8")
    command = [sys.executable, str(SCRIPT), "--rows", "2000", "--workdir", str(tmp_path),
               "--write", str(doc)]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    for scenario in ("baseline", "downturn"):
        assert f"[{scenario}] run 1/1" in proc.stdout and f"[{scenario}] info" in proc.stdout
    assert "FAILED" not in proc.stdout
    text = doc.read_text(encoding="utf-8")
    assert text.startswith(f"# Benchmarks\n\ntop\n\n{MARKER}\n\n## Models\n\nkeep me\n")
    assert "## Strategy decisions / 差异化策略决策" in text and "| downturn | 2,000 |" in text
    assert (tmp_path / "strategy-input-quick-2000.parquet").is_file()
