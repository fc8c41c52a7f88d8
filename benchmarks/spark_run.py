"""The Spark engine against the pandas engine, and its scaling (issue 20).

    python benchmarks/spark_run.py                           # 1M vs pandas; Spark at 1, 2, 5M
    python benchmarks/spark_run.py --sizes 20000 --pandas 20000   # a smoke run
    python benchmarks/spark_run.py --write docs/benchmarks.md

Each run is a whole ``finseg run`` (ingest, every stage, the files, the store) in a fresh
child process on a fresh workspace with the default policy: the pandas engine over one
Parquet file, the Spark engine (``local[2]``, ``spark.driver.memory`` from ``--driver-memory``)
over the same rows as a Parquet dataset of 100,000-row part files.  The Spark wall time
includes starting the JVM and the session (reported apart as well).  Peak memory is the
largest resident set of the child's whole process tree (the JVM and the Python workers for
Spark), sampled every 0.2 s.  Inputs are tiled from one generated 100,000-customer book
(``_inputs.py``) into ``bench-out/`` and reused.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from _inputs import _copies
from _machine import describe
from _report import publish

HEADING = "## Spark engine / Spark 引擎"
_CHILD = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from finseg.workspace import init_workspace
engine, data, root, memory = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
ws = init_workspace(root, language="en")
session_seconds = 0.0
if engine == "pandas":
    from finseg.pipeline import run_pipeline
    result = run_pipeline(ws, data)
else:
    from finseg.config import SparkSettings
    from finseg.engines._session import spark_session
    from finseg.engines.spark import SparkInput, run_spark
    conf = {"spark.driver.memory": memory, "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false", "spark.sql.shuffle.partitions": "8"}
    spark = spark_session(SparkSettings(master="local[2]", conf=conf))
    spark.sparkContext.setLogLevel("ERROR")
    session_seconds = time.perf_counter() - t0
    result = run_spark(ws, SparkInput(path=data), session=spark)
json.dump({"rows": result.rows, "seconds": time.perf_counter() - t0,
           "session_seconds": session_seconds, "timings": result.timings},
          open(root.parent / "report.json", "w"))
"""


def _dataset(workdir: Path, rows: int, seed: int) -> tuple[Path, Path]:
    """The input as one Parquet file and as a dataset of 100,000-row parts (reused)."""
    folder = workdir / f"spark-{rows}-{seed}"
    single, parts = folder / "book.parquet", folder / "book"
    if (folder / "done").exists():
        return single, parts
    shutil.rmtree(folder, ignore_errors=True)
    parts.mkdir(parents=True)
    frames = []
    for i, part in enumerate(_copies(rows, seed)):
        part.to_parquet(parts / f"part-{i:05d}.parquet", index=False)
        if rows <= 2_000_000:
            frames.append(part)
    if frames:
        pd.concat(frames, ignore_index=True).to_parquet(single, index=False)
    (folder / "done").touch()
    return single, parts


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


def run_once(engine: str, data: Path, workdir: Path, memory: str) -> dict:
    """One whole run in a child; its report with the peak tree RSS (MB) added."""
    root = workdir / f"ws-{engine}"
    shutil.rmtree(root, ignore_errors=True)
    (workdir / "report.json").unlink(missing_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-c", _CHILD, engine, str(data), str(root), memory]
    with (workdir / "spark-bench.log").open("ab") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        peak, start = 0, time.perf_counter()
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.2)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        return {"failed": proc.returncode, "seconds": seconds, "peak_mb": peak / 1e6}
    report = json.loads((workdir / "report.json").read_text())
    shutil.rmtree(root, ignore_errors=True)
    return {**report, "wall": seconds, "peak_mb": peak / 1e6}


def _row(engine: str, rows: int, r: dict) -> str:
    if "failed" in r:
        return f"| {engine} | {rows:,} | FAILED (exit {r['failed']}) | | | | |"
    t = r["timings"]
    stages = t.get("stages", sum(t.get(k, 0) for k in ("features", "risk", "segments",
                                                         "strategy")))  # fmt: skip
    per_m = r["peak_mb"] / (rows / 1e6)
    return (
        f"| {engine} | {rows:,} | {r['wall']:.1f} | {r['session_seconds']:.1f} | "
        f"{t.get('ingest', 0):.1f} | {stages:.1f} | {r['peak_mb']:,.0f} ({per_m:,.0f}/M) |"
    )


def section(lines: list[str], machine, memory: str) -> str:
    head = [
        HEADING, "",
        f"`python benchmarks/spark_run.py --write docs/benchmarks.md`, {time.strftime('%Y-%m-%d')}"
        f"; Spark `local[2]`, `spark.driver.memory={memory}`, `spark.sql.shuffle.partitions=8`; "
        "default policy, expert model.",
        "", *machine.lines(), "",
        "| engine | customers | wall s | session s | ingest s | stages s | peak MB (per M) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    notes = [
        "",
        "Wall time is the whole child (imports, session start, every stage, the files and the "
        "store); *stages* is features through strategy (Spark runs them fused in one pass). "
        "Peak memory is the whole process tree (JVM and Python workers). See `docs/scale.md`.",
    ]
    return "\n".join(head + lines + notes) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("bench-out"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 2_000_000, 5_000_000])
    parser.add_argument("--pandas", type=int, nargs="*", default=[1_000_000],
                        help="sizes also run on the pandas engine")  # fmt: skip
    parser.add_argument("--driver-memory", default="6g")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args(argv)
    machine = describe()
    args.workdir.mkdir(parents=True, exist_ok=True)
    lines = []
    for rows in sorted(set(args.sizes) | set(args.pandas)):
        single, parts = _dataset(args.workdir, rows, args.seed)
        engines = (["pandas"] if rows in args.pandas else []) + (
            ["spark"] if rows in args.sizes else [])  # fmt: skip
        for engine in engines:
            data = single if engine == "pandas" else parts
            result = run_once(engine, data, args.workdir, args.driver_memory)
            print(f"[{engine} {rows:,}] {json.dumps(result)}", flush=True)
            lines.append(_row(engine, rows, result))
            # written after every run: a long scaling series keeps what it measured
            publish(section(lines, machine, args.driver_memory), args.write, HEADING)
    return 0


if __name__ == "__main__":
    sys.exit(main())
