"""Run one ingest in a fresh child process; measure its wall time and peak resident memory.

The child is waited for with :func:`os.wait4`, which returns the resource usage of that one
child (Linux reports ``ru_maxrss`` in KiB), so each run's peak is its own and not the maximum
over every child this process has had, as ``getrusage(RUSAGE_CHILDREN)`` would give.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Run", "Runs", "features_command", "ingest_command", "measure"]

# ``main(argv)`` returns the exit code instead of exiting, so the child exits with it.
_CHILD = "import sys; from finseg.cli import main; sys.exit(main(sys.argv[1:]))"


@dataclass(frozen=True)
class Run:
    """One timed child: wall seconds, CPU seconds (user + system), peak RSS in MB (10^6
    bytes), exit code and rows written.  CPU time shows how much of the wall time other
    work on a busy machine took away."""

    seconds: float
    cpu_seconds: float
    peak_mb: float
    exit_code: int
    rows_out: int | None


@dataclass
class Runs:
    """All repeats of one case."""

    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.exit_code == 0 for r in self.runs)

    def best_seconds(self) -> float:
        return min(r.seconds for r in self.runs)

    def median_seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    def median_cpu(self) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs)

    def best_mb(self) -> float:
        return min(r.peak_mb for r in self.runs)

    def median_mb(self) -> float:
        return statistics.median(r.peak_mb for r in self.runs)


def ingest_command(source: Path, out: Path, report: Path) -> list[str]:
    """The real CLI path, ``finseg ingest SOURCE --out OUT --report REPORT``, as a child."""
    return [
        sys.executable,
        "-c",
        _CHILD,
        "ingest",
        str(source),
        "--out",
        str(out),
        "--report",
        str(report),
        "--lang",
        "en",
    ]


# Loads the canonical table, then runs the features stage on it; the report records the rows
# and the seconds of the stage alone (the wall time measured outside includes the load).
_FEATURES_CHILD = """
import json, sys, time
import pandas as pd
from finseg.features import compute_features
frame = pd.read_parquet(sys.argv[1])
start = time.perf_counter()
out = compute_features(frame)
seconds = time.perf_counter() - start
json.dump({"rows_out": len(out), "stage_seconds": seconds}, open(sys.argv[2], "w"))
print(f"features: {len(out):,} rows, {out.shape[1]} columns, stage {seconds:.2f} s")
"""


def features_command(source: Path, report: Path) -> list[str]:
    """The features stage over a canonical Parquet file, as a child."""
    return [sys.executable, "-c", _FEATURES_CHILD, str(source), str(report)]


def measure(command: list[str], log: Path, report: Path) -> Run:
    """Run ``command`` once; its output goes to ``log`` (appended)."""
    report.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}
    with log.open("ab") as fh:
        fh.write(f"$ {' '.join(command)}\n".encode())
        fh.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=fh, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen the child is reaped
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss * 1024 / 1e6, proc.returncode, _rows_out(report))


def _rows_out(report: Path) -> int | None:
    try:
        return int(json.loads(report.read_text(encoding="utf-8"))["rows_out"])
    except (OSError, ValueError, KeyError):
        return None
