"""Strategy decisions: the strategy stage on 1,000,000 customers, baseline and downturn.

    python benchmarks/strategy_bench.py                              # 1,000,000 customers, print
    python benchmarks/strategy_bench.py --quick                      # 20,000 customers, a smoke run
    python benchmarks/strategy_bench.py --write docs/benchmarks.md   # also write its section

The input is made as ``benchmarks/run.py`` makes the segments case's: the seeded canonical
portfolio (the same ``canonical-<tag>-<rows>.parquet`` in the work directory), then the
features, expert risk and segments stages with the shipped policy.  That prepared table is
written once to ``strategy-input-<tag>-<rows>.parquet`` beside it and reused (``--refresh``
rebuilds it after the earlier stages change).  Each case runs in a fresh child process that
loads the prepared table and times ``strategy_stage`` alone with the shipped policy's
``strategy``, ``allocation`` and master scale — ``baseline``, and ``downturn``, a tightening
scenario that decides the baseline as well.  The child then builds the report's strategy
section from the result (timed for information).  Peak memory is the child's own maximum
resident set (``ru_maxrss`` from ``os.wait4``), loading the input included.

Target (issue acceptance): decisions for 1,000,000 customers <= 15 s, judged on the median
stage time of each scenario.  ``--quick`` and other sizes are informative only.  A missed
target is reported as MISSED (exit code 0).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script, ``benchmarks/`` is on sys.path and the helpers import as top-level modules.
from _inputs import canonical_parquet, ensure_input
from _machine import describe
from _report import publish

HEADING = "## Strategy decisions / 差异化策略决策"
ACCEPTANCE_ROWS = 1_000_000
QUICK_ROWS = 20_000
TARGET_SECONDS = 15.0
SCENARIOS = ("baseline", "downturn")


def _policy():
    """The shipped ``policy.yaml`` (what ``finseg init`` writes into a workspace)."""
    from finseg._policy import load_policy
    from finseg.config import DEFAULTS_DIR

    return load_policy(DEFAULTS_DIR / "policy.yaml")


def prepare(canonical: Path) -> Callable[[Path, int, int], None]:
    """A maker for :func:`ensure_input`: features, expert risk and segments over the
    canonical table, as the pipeline runs them, written as Parquet."""

    def make(path: Path, rows: int, seed: int) -> None:
        import pandas as pd

        from finseg.features import compute_features
        from finseg.risk import risk_stage
        from finseg.segments import segments_stage

        policy = _policy()
        frame = compute_features(pd.read_parquet(canonical), policy.features)
        frame = segments_stage(risk_stage(frame, policy.risk), policy.segments)
        frame.to_parquet(path, index=False)

    return make


def child(source: Path, scenario: str) -> dict:
    """Load the prepared table, time the strategy stage, then the report section."""
    import pandas as pd

    from finseg.reporting import ReportContext, strategy_labels
    from finseg.reporting._section_strategy import strategy_section
    from finseg.strategy import strategy_stage

    policy = _policy()
    frame = pd.read_parquet(source)
    start, cpu = time.perf_counter(), time.process_time()
    out = strategy_stage(frame, policy.strategy, capital=policy.allocation,
                         scale=policy.risk.master_scale, scenario=scenario)  # fmt: skip
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    names = {s.id: (s.zh, s.en) for s in policy.segments.taxonomy}
    ctx = ReportContext(results=out, lang="en", segment_names=names,
                        strategy_labels=strategy_labels(policy.strategy))  # fmt: skip
    start = time.perf_counter()
    section = strategy_section(ctx)
    report_seconds = time.perf_counter() - start
    counts = out["decision"].value_counts().to_dict()
    return {"scenario": scenario, "rows_out": len(out), "stage_s": seconds, "cpu_s": cpu,
            "report_s": report_seconds, "tables": len(section.tables) if section else 0,
            "decisions": {str(k): int(v) for k, v in counts.items()},
            "limit": float(out["limit"].sum())}  # fmt: skip


def run(source: Path, scenario: str) -> dict:
    """The case in a fresh child process, with its peak resident memory."""
    cmd = [sys.executable, __file__, "--child", scenario, "--source", str(source)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    text = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen the child is reaped
    if proc.returncode != 0:
        return {"scenario": scenario, "failed": f"exit {proc.returncode}"}
    row = json.loads(text.strip().splitlines()[-1])
    row["peak_mb"] = usage.ru_maxrss * 1024 / 1e6
    return row


def verdict(runs: list[dict], rows: int, judged: bool) -> str:
    """PASS / MISSED against :data:`TARGET_SECONDS`, FAILED, or ``info`` off the target size."""
    failed = [r["failed"] for r in runs if "failed" in r]
    if failed:
        return f"FAILED ({', '.join(failed)})"
    if any(r["rows_out"] != rows for r in runs):
        return "FAILED (rows lost)"
    if not judged:
        return "info"
    median = statistics.median(r["stage_s"] for r in runs)
    return "PASS" if median <= TARGET_SECONDS else "MISSED (time)"


def markdown(results: dict[str, list[dict]], rows: int, judged: bool, machine: list[str],
             command: str) -> str:  # fmt: skip
    """The section of ``docs/benchmarks.md``."""
    head = ("| scenario | customers | stage s (best / median) | stage CPU s | customers/s | "
            "peak RSS MB | approve / refer / decline | total limit (CNY bn) | report section s "
            "| runs | target | result |")  # fmt: skip
    target = f"stage ≤ {TARGET_SECONDS:g} s" if judged else "— (not the acceptance size)"
    lines = [HEADING, "", f"Run {datetime.date.today().isoformat()}: `{command}`", "",
             *machine, "", head, "|" + "---|" * 12]  # fmt: skip
    for scenario, runs in results.items():
        ok = [r for r in runs if "failed" not in r]
        if not ok:
            lines.append(f"| {scenario} | {rows:,} |" + " |" * 9 + f" {target} | "
                         f"{verdict(runs, rows, judged)} |")  # fmt: skip
            continue
        stage = [r["stage_s"] for r in ok]
        median = statistics.median(stage)
        d = ok[0]["decisions"]
        counts = " / ".join(f"{d.get(k, 0):,}" for k in ("approve", "refer", "decline"))
        lines.append(
            f"| {scenario} | {rows:,} | {min(stage):.2f} / {median:.2f} | "
            f"{statistics.median(r['cpu_s'] for r in ok):.2f} | {rows / median:,.0f} | "
            f"{statistics.median(r['peak_mb'] for r in ok):,.0f} | {counts} | "
            f"{ok[0]['limit'] / 1e9:,.1f} | {statistics.median(r['report_s'] for r in ok):.2f} | "
            f"{len(runs)} | {target} | {verdict(runs, rows, judged)} |"
        )
    lines += [
        "",
        "- Input: the seeded canonical portfolio (`benchmarks/_inputs.py`, the file the "
        "segments case of `benchmarks/run.py` reads) after the features, expert risk and "
        "segments stages with the shipped `policy.yaml`; prepared once and reused.",
        "- Timed: `strategy_stage` alone in a fresh child process (`time.perf_counter()`; CPU "
        "s is the process time over the same span).  `downturn` is a tightening scenario, so "
        "the stage decides the baseline too and keeps the stricter of the two.",
        "- Peak RSS is the child's maximum resident set (`ru_maxrss`), loading the prepared "
        "table and building the report's strategy section included.  Report section s is "
        "`strategy_section` on the stage's result (information, no target).",
    ]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("bench-out"), help="inputs")
    parser.add_argument("--write", type=Path, help="markdown file to put the section in")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} customers")
    parser.add_argument("--rows", type=int, help="customers (overrides --quick)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample portfolio")
    parser.add_argument("--refresh", action="store_true", help="rebuild the prepared input")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def inputs(args: argparse.Namespace, rows: int) -> Path:
    """The prepared table (made, or reused when its metadata matches)."""
    tag = "full" if rows == ACCEPTANCE_ROWS else "quick"
    canonical, reused = ensure_input(args.workdir / f"canonical-{tag}-{rows}.parquet", rows,
                                     args.seed, canonical_parquet)  # fmt: skip
    print(f"canonical input {canonical} ({'reused' if reused else 'generated'})", flush=True)
    path = args.workdir / f"strategy-input-{tag}-{rows}.parquet"
    if args.refresh:
        path.with_name(path.name + ".meta.json").unlink(missing_ok=True)
    started = time.perf_counter()
    prepared, reused = ensure_input(path, rows, args.seed, prepare(canonical))
    print(f"prepared input {prepared} ({'reused' if reused else 'made'} in "
          f"{time.perf_counter() - started:.1f} s)", flush=True)  # fmt: skip
    return prepared


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(args.source, args.child)))
        return 0
    rows = args.rows or (QUICK_ROWS if args.quick else ACCEPTANCE_ROWS)
    judged = rows == ACCEPTANCE_ROWS
    machine = describe()  # before the runs: the load average at the start
    source = inputs(args, rows)
    results: dict[str, list[dict]] = {}
    for scenario in SCENARIOS:
        results[scenario] = []
        for i in range(args.repeat):
            row = run(source, scenario)
            results[scenario].append(row)
            print(
                f"[{scenario}] run {i + 1}/{args.repeat}: "
                + json.dumps({k: v for k, v in row.items() if k != "scenario"}),
                flush=True,
            )
        print(f"[{scenario}] {verdict(results[scenario], rows, judged)}", flush=True)
    command = " ".join(["python benchmarks/strategy_bench.py", *argv])
    section = markdown(results, rows, judged, machine.lines(), command)
    publish(section, args.write, HEADING)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
