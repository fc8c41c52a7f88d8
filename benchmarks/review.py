"""The quarterly review of a whole book: ingest, run, report and monitor, step by step.

    python benchmarks/review.py                                   # 1,000,000 customers
    python benchmarks/review.py --customers 1000000 2000000 5000000 --write docs/benchmarks.md
    python benchmarks/review.py --customers 20000                 # a smoke run

For each book size: a seeded bank export (CSV, English headers, yuan) of this quarter and
the same customers a period earlier, both from :func:`finseg.sample.generate_portfolio`
(``periods=2``; larger books tile a 100,000-firm base with new ids and one amount scale per
firm, shared by both snapshots).  Untimed set-up: ``finseg init`` and last quarter's
``finseg ingest`` + ``finseg run`` (the baseline).  Timed, each in a fresh process:

1. ``finseg ingest`` of this quarter's CSV;
2. ``finseg run`` over the canonical table (stages, results file, customer upsert);
3. ``finseg report --format both`` of that run;
4. ``finseg monitor`` of that run against last quarter's.

Then the customer upsert alone, in a fresh process on this run's customers: into an empty
SQLite database (all new) and again (all seen before), and the same on a throwaway
PostgreSQL server when its binaries are installed (CPU s: the client's plus the server
backend's).  Wall time, CPU time (user + system) and
peak resident memory of every child are recorded; a size is skipped when the memory it
would need (measured per million customers on the smallest size) is not free.

Acceptance (1,000,000 customers): run <= 40 s and <= 4 GB; upsert <= 3 s on SQLite and
<= 5 s on PostgreSQL; report <= 10 s; results.parquet <= 250 MB; the four steps <= 60 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv

from _inputs import BASE_CUSTOMERS, _arrow
from _machine import describe
from _measure import Run, measure
from _report import publish

HEADING = "## Quarterly review / 季度检视"
#: Bump when the books change, so stale files are regenerated.
BOOK_VERSION = 1
TARGETS = {"run": (40.0, 4000.0), "report": (10.0, None), "review": (60.0, None)}
UPSERT_TARGETS = {"sqlite": 3.0, "postgresql": 5.0}
RESULTS_MB = 250.0
_CLI = "import sys; from finseg.cli import main; sys.exit(main(sys.argv[1:]))"


@dataclass
class Step:
    """One timed child."""

    name: str
    run: Run
    detail: str = ""


@dataclass
class Review:
    """Every step of one book size."""

    customers: int
    steps: list[Step] = field(default_factory=list)
    results_mb: float = float("nan")
    results_split: dict[str, float] = field(default_factory=dict)  # MB by kind of column
    upserts: dict[str, dict[str, float]] = field(default_factory=dict)

    def step(self, name: str) -> Run | None:
        return next((s.run for s in self.steps if s.name == name), None)

    def review_seconds(self) -> float:
        return sum(s.run.seconds for s in self.steps)

    def review_cpu(self) -> float:
        return sum(s.run.cpu_seconds for s in self.steps)

    def peak_mb(self) -> float:
        return max((s.run.peak_mb for s in self.steps), default=float("nan"))


# books ---------------------------------------------------------------------------------------


def _money() -> list[str]:
    from finseg.schema import FIELDS, Kind

    return [f.name for f in FIELDS if f.kind is Kind.MONEY]


def _snapshots(customers: int, seed: int) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """(last quarter, this quarter) in copies of a generated base book with two periods."""
    from finseg.sample import generate_portfolio

    base = generate_portfolio(min(customers, BASE_CUSTOMERS), seed=seed, periods=2)
    dates = sorted(base["as_of_date"].unique())
    before, after = (base[base["as_of_date"] == d].reset_index(drop=True) for d in dates)
    rng, money = np.random.default_rng(seed + 1), _money()
    copies = math.ceil(customers / len(after))
    width = len(str(copies - 1))
    for k in range(copies):
        n = min(len(after), customers - k * len(after))
        parts = [before.iloc[:n].copy(), after.iloc[:n].copy()]
        scale = rng.uniform(0.8, 1.25, n) if k else None
        for part in parts:
            if copies > 1:  # C000001 becomes C0000001, C1000001, ...
                part["customer_id"] = f"C{k:0{width}d}" + part["customer_id"].str[1:]
            if scale is not None:  # copy 0 is the generated book itself
                for name in money:
                    part[name] = (part[name] * scale).round(2)
        yield parts[0], parts[1]


def make_books(workdir: Path, customers: int, seed: int) -> tuple[Path, Path]:
    """Last quarter's and this quarter's CSV exports, made once and reused."""
    previous, current = (workdir / f"review-{customers}-{w}.csv" for w in ("previous", "current"))
    meta = workdir / f"review-{customers}.meta.json"
    wanted = {"customers": customers, "seed": seed, "version": BOOK_VERSION}
    if previous.exists() and current.exists() and meta.exists():
        with contextlib.suppress(ValueError):
            if json.loads(meta.read_text()) == wanted:
                return previous, current
    workdir.mkdir(parents=True, exist_ok=True)
    meta.unlink(missing_ok=True)
    writers: list[pacsv.CSVWriter] = []
    try:
        for parts in _snapshots(customers, seed):
            tables = [_arrow(p) for p in parts]
            if not writers:
                writers = [pacsv.CSVWriter(str(p), t.schema)
                           for p, t in zip((previous, current), tables, strict=True)]  # fmt: skip
            for writer, table in zip(writers, tables, strict=True):
                writer.write_table(table)
    finally:
        for writer in writers:
            writer.close()
    meta.write_text(json.dumps(wanted))
    return previous, current


# steps ---------------------------------------------------------------------------------------


def finseg(*args: str) -> list[str]:
    """The real command line in a child: ``finseg ARGS``."""
    return [sys.executable, "-c", _CLI, *args]


def _quiet(command: list[str], log: Path) -> None:
    """An untimed set-up step; its output goes to ``log``."""
    with log.open("ab") as fh:
        subprocess.run(command, stdout=fh, stderr=subprocess.STDOUT, check=True)


def _new_run(ws: Path, before: set[str]) -> str:
    """The run directory that appeared since ``before``."""
    (run_id,) = {p.name for p in (ws / "runs").iterdir() if p.is_dir()} - before
    return run_id


def _runs(ws: Path) -> set[str]:
    return {p.name for p in (ws / "runs").iterdir() if p.is_dir()}


def _timed(review: Review, name: str, command: list[str], log: Path, detail: str = "") -> Run:
    run = measure(command, log, log.with_suffix(".none"))
    review.steps.append(Step(name, run, detail))
    print(f"[{review.customers:,}] {name}: {run.seconds:.1f} s ({run.cpu_seconds:.1f} s CPU), "
          f"peak {run.peak_mb:,.0f} MB, exit {run.exit_code}", flush=True)  # fmt: skip
    if run.exit_code:
        raise RuntimeError(f"{name} failed (exit {run.exit_code}); see {log}")
    return run


def review_book(workdir: Path, customers: int, seed: int, pg_bin: Path | None) -> Review:
    """Set up a workspace with last quarter's run, then time the four steps and the upsert."""
    previous, current = make_books(workdir, customers, seed)
    ws, log = workdir / f"review-ws-{customers}", workdir / f"review-{customers}.log"
    shutil.rmtree(ws, ignore_errors=True)
    log.unlink(missing_ok=True)
    _quiet(finseg("init", str(ws), "--lang", "en"), log)
    prev_parquet, cur_parquet = ws / "previous.parquet", ws / "current.parquet"
    _quiet(finseg("ingest", str(previous), "--out", str(prev_parquet), "--lang", "en"), log)
    _quiet(finseg("run", "-w", str(ws), "--data", str(prev_parquet)), log)
    baseline = _new_run(ws, set())
    review = Review(customers)
    _timed(review, "ingest", finseg("ingest", str(current), "--out", str(cur_parquet),
                                    "--lang", "en"), log)  # fmt: skip
    before = _runs(ws)
    _timed(review, "run", finseg("run", "-w", str(ws), "--data", str(cur_parquet)), log)
    run_id = _new_run(ws, before)
    review.results_mb = (ws / "runs" / run_id / "results.parquet").stat().st_size / 1e6
    review.results_split = results_split(ws / "runs" / run_id / "results.parquet")
    _timed(review, "report", finseg("report", run_id, "-w", str(ws), "--format", "both",
                                    "--lang", "en"), log)  # fmt: skip
    _timed(review, "monitor", finseg("monitor", "--baseline", baseline, "--current", run_id,
                                     "-w", str(ws), "--json", str(ws / "monitor.json"),
                                     "--lang", "en"), log)  # fmt: skip
    results = ws / "runs" / run_id / "results.parquet"
    review.upserts["sqlite"] = upsert(f"sqlite:///{workdir / 'review-upsert.db'}", results, log)
    if pg_bin is not None:
        with postgres(pg_bin) as url:
            review.upserts["postgresql"] = upsert(url, results, log)
    return review


def results_split(path: Path) -> dict[str, float]:
    """Compressed MB of the results file by kind of column: money amounts (the schema's
    money fields), other floating-point columns, and everything else."""
    import pyarrow.parquet as pq

    meta, money = pq.ParquetFile(path).metadata, set(_money())
    out = {"money": 0.0, "other floats": 0.0, "rest": 0.0}
    for j in range(meta.num_columns):
        column = meta.schema.column(j)
        floating = column.physical_type in ("DOUBLE", "FLOAT")
        kind = "money" if column.name in money else "other floats" if floating else "rest"
        out[kind] += sum(meta.row_group(i).column(j).total_compressed_size
                         for i in range(meta.num_row_groups)) / 1e6  # fmt: skip
    return out


# the upsert alone ----------------------------------------------------------------------------

# Upserts the run's customers twice into an empty database (first all new, then all seen
# again) and prints the seconds of each upsert transaction: wall, and CPU of this process
# plus, on PostgreSQL, of the server backend doing the COPY and the merge.
_UPSERT_CHILD = """
import json, os, sys, time
import pandas as pd
import sqlalchemy as sa
from finseg.store import make_engine, start_run, transaction, upgrade, upsert_customers
url, path = sys.argv[1], sys.argv[2]
columns = ["customer_id", "customer_name", "credit_code", "industry_code", "region", "group_id"]
frame = pd.read_parquet(path, columns=columns)
engine = make_engine(url)
upgrade(engine)
with transaction(engine) as s:
    start_run(s, run_id="previous"), start_run(s, run_id="current")
def server_cpu(s):  # CPU seconds of the PostgreSQL backend of this session (0 on SQLite)
    if engine.dialect.name != "postgresql":
        return 0.0
    pid = s.scalar(sa.text("SELECT pg_backend_pid()"))
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
out = {}
for run_id, name in (("previous", "new"), ("current", "again")):
    start, cpu = time.perf_counter(), time.process_time()
    with transaction(engine) as s:
        server = server_cpu(s)
        counts = upsert_customers(s, frame, run_id=run_id)
        server = server_cpu(s) - server
    out[name] = time.perf_counter() - start
    out[name + "_cpu"] = time.process_time() - cpu + server
    out[name + "_counts"] = counts
engine.dispose()
print("UPSERT " + json.dumps(out))
"""


def upsert(url: str, results: Path, log: Path) -> dict[str, float]:
    """Seconds of the upsert of ``results``' customers into ``url``: new, then seen again."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-c", _UPSERT_CHILD, url, str(results)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    with log.open("a") as fh:
        fh.write(done.stdout + done.stderr)
    line = next(x for x in done.stdout.splitlines() if x.startswith("UPSERT "))
    out = json.loads(line.removeprefix("UPSERT "))
    print(f"upsert on {url.split(':')[0]}: new {out['new']:.2f} s ({out['new_cpu']:.2f} s CPU), "
          f"again {out['again']:.2f} s ({out['again_cpu']:.2f} s CPU)", flush=True)  # fmt: skip
    return out


def pg_bindir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are, or ``None``."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@contextlib.contextmanager
def postgres(bindir: Path) -> Iterator[str]:
    """A throwaway PostgreSQL server (as in ``tests/conftest.py``): its URL, then stopped."""
    base = Path(tempfile.mkdtemp(prefix="finseg-bench-pg-"))
    as_pg: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        import pwd

        pw = pwd.getpwnam("postgres")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        as_pg = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run([*as_pg, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                    "postgres", "-E", "UTF8", "--locale=C", "--no-sync"],
                   check=True, capture_output=True)  # fmt: skip
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l",
                    str(base / "server.log"), "-w", "-t", "60", "start"],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], capture_output=True)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


# the doc -------------------------------------------------------------------------------------


def _verdict(seconds: float, mb: float | None, target: tuple[float, float | None] | None) -> str:
    if target is None:
        return "info"
    checks = {"time": seconds <= target[0], "memory": target[1] is None or (mb or 0) <= target[1]}
    missed = [what for what, ok in checks.items() if not ok]
    return f"MISSED ({' and '.join(missed)})" if missed else "PASS"


def _target_text(target: tuple[float, float | None] | None) -> str:
    if target is None:
        return "—"
    return f"≤ {target[0]:g} s" + (f", ≤ {target[1] / 1000:g} GB" if target[1] else "")


def rows(review: Review) -> list[list[str]]:
    """The table rows of one book size."""
    acceptance = review.customers == 1_000_000
    out = []
    for s in review.steps:
        target = TARGETS.get(s.name) if acceptance else None
        out.append([f"{review.customers:,}", s.name, f"{s.run.seconds:.1f}",
                    f"{s.run.cpu_seconds:.1f}", f"{s.run.peak_mb:,.0f}", _target_text(target),
                    _verdict(s.run.seconds, s.run.peak_mb, target)])  # fmt: skip
    target = TARGETS["review"] if acceptance else None
    out.append([f"{review.customers:,}", "**review** (the four steps)",
                f"{review.review_seconds():.1f}", f"{review.review_cpu():.1f}",
                f"{review.peak_mb():,.0f}", _target_text(target),
                _verdict(review.review_seconds(), None, target)])  # fmt: skip
    size_target = RESULTS_MB if acceptance else None
    out.append([f"{review.customers:,}", "results.parquet (MB)", f"{review.results_mb:,.0f}", "",
                "", f"≤ {size_target:g} MB" if size_target else "—",
                ("PASS" if review.results_mb <= size_target else "MISSED (size)")
                if size_target else "info"])  # fmt: skip
    for db, u in review.upserts.items():
        limit = UPSERT_TARGETS[db] if acceptance else None
        for kind in ("new", "again"):
            verdict = "info" if limit is None else ("PASS" if u[kind] <= limit else "MISSED (time)")
            out.append([f"{review.customers:,}", f"customer upsert, {db}, {kind}",
                        f"{u[kind]:.2f}", f"{u[kind + '_cpu']:.2f}", "",
                        f"≤ {limit:g} s" if limit else "—", verdict])  # fmt: skip
    return out


def markdown(reviews: list[Review], skipped: list[int], machine: list[str], command: str) -> str:
    headers = ["customers", "step", "wall s", "CPU s", "peak RSS MB", "target", "result"]
    table = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    table += ["| " + " | ".join(r) + " |" for review in reviews for r in rows(review)]
    per_million = [f"{r.customers:,}: {r.peak_mb() / (r.customers / 1e6):,.0f} MB"
                   for r in reviews]  # fmt: skip
    lines = [HEADING, "", "Reproduce with:", "", "```sh", command, "```", "", *machine, "",
             *table, "",
             "Peak memory per million customers (the largest step): " + "; ".join(per_million)
             + "."]  # fmt: skip
    lines += ["", "results.parquet by kind of column (MB): " + "; ".join(
        f"{r.customers:,}: " + ", ".join(f"{k} {v:,.0f}" for k, v in r.results_split.items())
        for r in reviews) + ".  The file is lossless (zstd, dictionary-encoded text, "
        "byte-stream-split floats; every value as the run computed it): amounts with cents "
        "and full-precision ratios are close to random bits and compress little."]  # fmt: skip
    if skipped:
        lines += ["", "Skipped for lack of free memory: "
                  + ", ".join(f"{n:,}" for n in skipped) + " customers."]  # fmt: skip
    lines += ["", (__doc__ or "").split("\n\n", 2)[2].split("\n\nAcceptance")[0]]
    return "\n".join(lines) + "\n"


def _available_mb() -> float:
    """Free memory as the kernel estimates it (``MemAvailable``)."""
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024 / 1e6
    return float("inf")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("bench-out"))
    parser.add_argument("--write", type=Path, help="markdown file to put the section in")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL upsert")
    parser.add_argument("--upsert-only", type=Path, help="only the upserts of this results file")
    args = parser.parse_args(argv)
    if args.upsert_only:
        upsert(f"sqlite:///{args.workdir / 'review-upsert.db'}", args.upsert_only, Path(os.devnull))
        if not args.no_postgres and (pg := pg_bindir()) is not None:
            with postgres(pg) as url:
                upsert(url, args.upsert_only, Path(os.devnull))
        return 0
    machine = describe().lines()
    pg_bin = None if args.no_postgres else pg_bindir()
    reviews, skipped = [], []
    for customers in sorted(args.customers):
        if reviews:  # the memory a larger book needs, from the smallest one measured
            need = reviews[0].peak_mb() * customers / reviews[0].customers * 1.2
            if need > _available_mb():
                print(f"[{customers:,}] skipped: needs about {need:,.0f} MB", flush=True)
                skipped.append(customers)
                continue
        reviews.append(review_book(args.workdir, customers, args.seed, pg_bin))
        # after every size: a long run stopped later keeps what it measured
        command = " ".join(["python benchmarks/review.py", *argv])
        publish(markdown(reviews, skipped, machine, command), args.write, HEADING)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
