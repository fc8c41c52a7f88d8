"""Benchmarks: time and peak memory of ``finseg ingest`` on large bank exports and of the
features stage on a million customers.

    python benchmarks/run.py                      # full sizes, print the table
    python benchmarks/run.py --write docs/benchmarks.md   # what ``make bench`` runs
    python benchmarks/run.py --quick              # small inputs, a smoke run

Acceptance targets: a 1,000,000-row CSV with all fields in <= 30 s and <= 3 GB peak memory;
a 100,000-row xlsx in <= 60 s; reading a 1,000,000-customer results file verified against
its recorded SHA-256 in <= 1 s more than a plain read (``--case verify``); the features
stage for 1,000,000 customers in <= 10 s and
<= 4 GB (measured together with loading its input); the segments stage for 1,000,000
customers in <= 5 s (the stage alone, after features and expert risk grading).  A missed
target is reported as MISSED; the exit code is still 0 (a child that fails is FAILED and
also exits 0 — the table says what happened).

The ``review`` case runs ``benchmarks/review.py`` (the quarterly review — ingest, run,
report, monitor — of 1,000,000, 2,000,000 and 5,000,000 customers, each size where memory
allows) and writes its own section below the marker; ``--quick`` runs it only when asked
for with ``--case review``, at 20,000 customers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import verify_bench

# Run as a script, ``benchmarks/`` is on sys.path and the helpers import as top-level modules.
from _inputs import canonical_parquet, ensure_input, gbk_csv, plain_csv, xlsx_export
from _machine import describe
from _measure import Runs, features_command, ingest_command, measure
from _report import Result, Target, markdown, text_table, write_doc

#: Book sizes of the ``review`` case (``benchmarks/review.py``), full and ``--quick``.
REVIEW_SIZES = (1_000_000, 2_000_000, 5_000_000)
REVIEW_QUICK = (20_000,)


@dataclass(frozen=True)
class Case:
    """One benchmark: an input file of ``rows`` rows made by ``make``, and its target."""

    name: str
    description: str
    filename: str
    rows: int
    make: Callable[[Path, int, int], None]
    target: Target | None
    repeat: int = 1
    stage: str = "ingest"


def cases(quick: bool, repeat: int | None) -> list[Case]:
    """The acceptance cases (or their ``--quick`` sizes) and the GBK/万元 variant."""
    csv_rows, xlsx_rows = (20_000, 5_000) if quick else (1_000_000, 100_000)
    tag = "quick" if quick else "full"
    csv_target = None if quick else Target(seconds=30, peak_mb=3000)
    xlsx_target = None if quick else Target(seconds=60)
    return [
        Case(
            "csv",
            "CSV, UTF-8, English headers, yuan",
            f"ingest-{tag}-{csv_rows}.csv",
            csv_rows,
            plain_csv,
            csv_target,
            repeat or 1,
        ),
        Case(
            "xlsx",
            "XLSX bank export, Chinese headers, 万元, title rows",
            f"ingest-{tag}-{xlsx_rows}.xlsx",
            xlsx_rows,
            xlsx_export,
            xlsx_target,
            repeat or 1,
        ),
        Case(
            "features",
            "features stage over the canonical table (load + stage)",
            f"canonical-{tag}-{csv_rows}.parquet",
            csv_rows,
            canonical_parquet,
            None if quick else Target(seconds=10, peak_mb=4000),
            repeat or 1,
            "features",
        ),
        Case(
            "segments",
            "segments stage (taxonomy rules) after features and expert risk; stage timed alone",
            f"canonical-{tag}-{csv_rows}.parquet",
            csv_rows,
            canonical_parquet,
            None if quick else Target(seconds=5, on_stage=True),
            repeat or 1,
            "segments",
        ),
        Case(
            "csv-gbk",
            "CSV, GBK, Chinese headers, 万元, title rows",
            f"ingest-{tag}-{csv_rows}-gbk.csv",
            csv_rows,
            gbk_csv,
            None,
            repeat or 1,
        ),
    ]


# Loads the canonical table, runs features and the expert risk stage untimed, then times the
# segments stage alone (with the default taxonomy, built before the clock starts as the
# pipeline builds it with the policy).
_SEGMENTS_CHILD = """
import json, sys, time
import pandas as pd
from finseg.features import compute_features
from finseg.risk import risk_stage
from finseg.segments import SegmentsPolicy, segments_stage
frame = risk_stage(compute_features(pd.read_parquet(sys.argv[1])))
cfg = SegmentsPolicy()
start, cpu = time.perf_counter(), time.process_time()
out = segments_stage(frame, cfg)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
report = {"rows_out": len(out), "stage_seconds": seconds, "stage_cpu_seconds": cpu}
json.dump(report, open(sys.argv[2], "w"))
counts = out["segment"].value_counts(sort=False).to_dict()
print(f"segments: {len(out):,} rows, stage {seconds:.2f} s ({cpu:.2f} s CPU), {counts}")
"""


def segments_command(source: Path, report: Path) -> list[str]:
    """Features and expert risk over a canonical Parquet file, then the timed segments stage."""
    return [sys.executable, "-c", _SEGMENTS_CHILD, str(source), str(report)]


def _stage_seconds(report: Path) -> tuple[float, float] | None:
    """The timed stage's wall and CPU seconds as the child recorded them."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        return float(data["stage_seconds"]), float(data["stage_cpu_seconds"])
    except (OSError, ValueError, KeyError):
        return None


def run_case(case: Case, workdir: Path, seed: int) -> Result:
    """Make (or reuse) the input, then time ``case.repeat`` fresh children."""
    source, reused = ensure_input(workdir / case.filename, case.rows, seed, case.make)
    print(f"[{case.name}] input {source} ({'reused' if reused else 'generated'})", flush=True)
    out = workdir / f"out-{case.name}.parquet"
    report = workdir / f"out-{case.name}.json"
    runs, stage = Runs(), []
    for i in range(case.repeat):
        if case.stage == "features":
            command = features_command(source, report)
        elif case.stage == "segments":
            command = segments_command(source, report)
        else:
            command = ingest_command(source, out, report)
        run = measure(command, workdir / "bench.log", report)
        runs.runs.append(run)
        timed = _stage_seconds(report) if case.stage == "segments" else None
        if timed is not None:
            stage.append(timed[0])
        print(
            f"[{case.name}] run {i + 1}/{case.repeat}: {run.seconds:.1f} s "
            f"({run.cpu_seconds:.1f} s CPU), "
            + (f"stage {timed[0]:.2f} s ({timed[1]:.2f} s CPU), " if timed else "")
            + f"peak {run.peak_mb:,.0f} MB, exit {run.exit_code}",
            flush=True,
        )
    size = source.stat().st_size
    return Result(case.name, case.description, case.rows, size, runs, case.target, stage)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("bench-out"), help="inputs, outputs")
    parser.add_argument("--write", type=Path, help="rewrite this Markdown file with the results")
    parser.add_argument("--quick", action="store_true", help="20,000-row CSV, 5,000-row xlsx")
    parser.add_argument("--repeat", type=int, help="runs per case (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample portfolio")
    parser.add_argument("--case", action="append", help="run only this case (repeatable)")
    parser.add_argument(
        "--spark", action="store_true", help="also the Spark engine (benchmarks/spark_run.py)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    machine = describe()  # before the runs: the load average at the start
    chosen = [c for c in cases(args.quick, args.repeat) if not args.case or c.name in args.case]
    if chosen:
        results = [run_case(c, args.workdir, args.seed) for c in chosen]
        print()
        print(text_table(results))
        missed = [r.name for r in results if r.verdict().startswith(("MISSED", "FAILED"))]
        if missed:
            print(f"\nMISSED or FAILED: {', '.join(missed)} — see the table above.")
        if args.write:
            command = "python benchmarks/run.py --quick" if args.quick else "make bench"
            write_doc(args.write, markdown(results, machine, args.seed, command))
            print(f"\nWrote {args.write}")
    # verified run files (benchmarks/verify_bench.py): its input needs a pipeline run, so a
    # --quick smoke run does it only when asked (--case verify)
    if (args.case and "verify" in args.case) or (not args.case and not args.quick):
        n, repeat, seed = (20_000, 1, 300) if args.quick else (1_000_000, 3, 2000)
        verify = verify_bench.measure(args.workdir, n, repeat, seed)
        print(f"[verify] {json.dumps(verify)}", flush=True)
        if args.write:
            command = "python benchmarks/run.py --quick" if args.quick else "make bench"
            section = verify_bench.markdown(verify, machine.lines(), command)
            verify_bench.publish(section, args.write, verify_bench.HEADING)
    if (args.case and "review" in args.case) or (not args.case and not args.quick):
        run_review(args)
    if args.spark:  # its own section of the doc (needs pyspark and Java)
        import spark_run

        sizes = ["--sizes", "20000", "--pandas", "20000"] if args.quick else []
        write = ["--write", str(args.write)] if args.write else []
        spark_run.main(["--workdir", str(args.workdir), *sizes, *write])
    return 0


def run_review(args: argparse.Namespace) -> None:
    """The ``review`` case: ``benchmarks/review.py`` at the full (or ``--quick``) sizes."""
    import review

    sizes = REVIEW_QUICK if args.quick else REVIEW_SIZES
    argv = ["--customers", *map(str, sizes), "--workdir", str(args.workdir),
            "--seed", str(args.seed)]  # fmt: skip
    review.main(argv + (["--write", str(args.write)] if args.write else []))


if __name__ == "__main__":
    sys.exit(main())
