"""Judge benchmark results against their targets; print them and write ``docs/benchmarks.md``."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from _machine import Machine
from _measure import Runs

__all__ = [
    "MARKER",
    "Result",
    "Target",
    "markdown",
    "publish",
    "text_table",
    "write_doc",
    "write_section",
]

#: Everything below this line in the doc belongs to other benchmarks and is kept as is.
MARKER = "<!-- other benchmarks below -->"


@dataclass(frozen=True)
class Target:
    """The acceptance limits of a case (``None``: no limit on that measure).

    With ``on_stage`` the time limit applies to the stage's own seconds, which the child
    records, rather than to the child's wall time (start-up, loading and earlier stages).
    """

    seconds: float | None = None
    peak_mb: float | None = None
    on_stage: bool = False

    def describe(self) -> str:
        parts = []
        if self.seconds is not None:
            parts.append(f"≤ {self.seconds:g} s" + (" (stage)" if self.on_stage else ""))
        if self.peak_mb is not None:
            parts.append(f"≤ {self.peak_mb / 1000:g} GB")
        return ", ".join(parts) or "—"


@dataclass
class Result:
    """One case: what was read, how it was measured, and the verdict."""

    name: str
    description: str
    rows: int
    file_bytes: int
    runs: Runs
    target: Target | None  # None: informative only, or not at the acceptance size
    stage_seconds: list[float] = field(default_factory=list)  # the timed stage, per run

    def verdict(self) -> str:
        """PASS, MISSED (with what was missed), FAILED (child error) or ``info``."""
        if not self.runs.ok:
            codes = sorted({r.exit_code for r in self.runs.runs})
            return f"FAILED (exit {', '.join(map(str, codes))})"
        if self.runs.runs[0].rows_out not in (None, self.rows):
            return f"FAILED (wrote {self.runs.runs[0].rows_out:,} of {self.rows:,} rows)"
        if self.target is None:
            return "info"
        missed = []
        if self.target.on_stage and len(self.stage_seconds) != len(self.runs.runs):
            return "FAILED (no stage time recorded)"
        seconds = (
            statistics.median(self.stage_seconds)
            if self.target.on_stage
            else self.runs.median_seconds()
        )
        if self.target.seconds is not None and seconds > self.target.seconds:
            missed.append("time")
        if self.target.peak_mb is not None and self.runs.median_mb() > self.target.peak_mb:
            missed.append("memory")
        verdict = f"MISSED ({' and '.join(missed)})" if missed else "PASS"
        if self.stage_seconds:
            verdict += f" (stage {statistics.median(self.stage_seconds):.2f} s)"
        return verdict

    def cells(self) -> list[str]:
        r = self.runs
        ok = bool(r.runs)
        return [
            self.name,
            self.description,
            f"{self.rows:,}",
            f"{self.file_bytes / 1e6:,.0f}",
            f"{r.best_seconds():.1f} / {r.median_seconds():.1f}" if ok else "—",
            f"{r.median_cpu():.1f}" if ok else "—",
            f"{self.rows / r.median_seconds():,.0f}" if ok else "—",
            f"{r.best_mb():,.0f} / {r.median_mb():,.0f}" if ok else "—",
            f"{len(r.runs)}",
            self.target.describe() if self.target else "—",
            self.verdict(),
        ]


HEADERS = [
    "case",
    "input",
    "rows",
    "file MB",
    "wall s (best / median)",
    "CPU s",
    "rows/s",
    "peak RSS MB (best / median)",
    "runs",
    "target",
    "result",
]


def text_table(results: list[Result]) -> str:
    """An aligned plain-text table for the terminal."""
    rows = [HEADERS] + [r.cells() for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


_HOW = """\
## How it is measured

- Inputs are generated into the work directory (`bench-out/` by default) from the seeded
  sample portfolio (`finseg.sample.generate_portfolio`, seed {seed}) and reused on later runs.
  The 1,000,000-row files tile a 100,000-customer book ten times with new customer ids and a
  per-row scale on all amounts (so the accounting identities still hold); every catalogue
  field is present.  The workbook is `finseg.sample.write_sample`'s bank export: title rows,
  Chinese headers, amounts in 万元.
- Each run is a fresh child process running the real command line,
  `finseg ingest FILE --out OUT.parquet --report OUT.json`, so the time includes interpreter
  start-up, imports, reading, parsing, checks and writing the Parquet and JSON outputs.
- Wall time is `time.perf_counter()` around the child; CPU s is the child's user + system
  time (median), which other work on the machine inflates much less than wall time.  Peak
  memory is the child's own maximum resident set size (`ru_maxrss` from `os.wait4`), in MB
  of 10^6 bytes.
- A target is judged on the median of the runs.  Targets apply at the acceptance sizes only;
  `info` rows (the GBK/万元 variant, `--quick` sizes) are for comparison.
- The machine has other work running at the same time (see the load average), so times are
  an upper bound rather than a best case.
"""


def markdown(results: list[Result], machine: Machine, seed: int, command: str) -> str:
    """The benchmark section of ``docs/benchmarks.md``."""
    table = [
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join("---" for _ in HEADERS) + "|",
        *("| " + " | ".join(r.cells()) + " |" for r in results),
    ]
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "Speed and memory of finseg on large inputs.  Reproduce with:",
            "",
            "```sh",
            command,
            "```",
            "",
            f"## Ingest — {dt.date.today().isoformat()}",
            "",
            *machine.lines(),
            "",
            *table,
            "",
            _HOW.format(seed=seed),
        ]
    )


def write_doc(path: Path, section: str) -> None:
    """Replace the part of ``path`` above :data:`MARKER`, keeping everything below it."""
    below = ""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if MARKER in text:
            below = text.split(MARKER, 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{section.rstrip()}\n\n{MARKER}{below or chr(10)}", encoding="utf-8")


def write_section(path: Path, heading: str, section: str) -> None:
    """Put ``section`` (starting with ``heading``) below :data:`MARKER` of ``path``, replacing
    an earlier copy of it; everything else is kept byte for byte (the marker is appended if
    missing).  The other benchmark scripts each own one such section."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if MARKER not in text:
        text += ("" if not text or text.endswith("\n") else "\n") + f"\n{MARKER}\n"
    above, below = text.split(MARKER, 1)
    start = below.find(heading)
    if start >= 0:
        end = below.find("\n## ", start + len(heading))
        tail = below[end + 1 :] if end >= 0 else ""
        below = below[:start] + section + ("\n" + tail if tail else "")
    else:
        below = below.rstrip("\n") + "\n\n" + section
    path.write_text(above + MARKER + below, encoding="utf-8")


def publish(section: str, path: Path | None, heading: str) -> None:
    """Print ``section`` and, when ``path`` is given (``--write``), put it into that file
    with :func:`write_section`."""
    print()
    print(section)
    if path:
        write_section(path, heading, section)
        print(f"wrote the section to {path}")
