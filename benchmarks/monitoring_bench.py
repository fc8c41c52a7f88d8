"""Portfolio monitoring of two 1,000,000-customer runs (target <= 20 s).

    python benchmarks/monitoring_bench.py                         # 1M, print
    python benchmarks/monitoring_bench.py --customers 100000      # a smaller case
    python benchmarks/monitoring_bench.py --write docs/benchmarks.md

The two inputs are results Parquet files with the columns monitoring reads (customer id and
name, PD, score, grade on the default master scale, segment, ten key ratios, overdue
history, five-category classification, default flag, expert-adjustment ids), generated
vectorised from a seed into the work directory (``bench-out/`` by default) and reused.  The
second snapshot is the first a year on: 3 % of customers left and 3 % joined, 15 % have a
worse PD (downgrades), construction (section F) is more leveraged and slower to collect,
5 % are newly overdue, and defaults are drawn from the baseline PD (with a 30 % uplift for
section F).

Timed, in a fresh child process: reading both Parquet files, :func:`finseg.monitoring.monitor`
(PSI/CSI, migration, back-test, early warnings, adjustments, trigger) and the strict JSON
text — the whole of ``finseg monitor`` but the run look-ups.  Peak memory is the child's
maximum resident set size.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _machine import describe
from _report import publish

HEADING = "## Monitoring / 组合监控"
TARGET_SECONDS = 20.0
_RATIOS = {  # name: (generator, drift applied to section F)
    "debt_to_assets": (lambda r, n: r.beta(5, 4, n), 0.12),
    "current_ratio": (lambda r, n: r.lognormal(0.3, 0.5, n), -0.25),
    "interest_coverage": (lambda r, n: r.lognormal(1.2, 1.0, n), -1.5),
    "roa": (lambda r, n: r.normal(0.04, 0.05, n), -0.03),
    "net_margin": (lambda r, n: r.normal(0.06, 0.08, n), -0.04),
    "receivable_days": (lambda r, n: r.gamma(3, 25, n), 45.0),
    "revenue_growth": (lambda r, n: r.normal(0.08, 0.2, n), -0.1),
    "cfo_to_debt": (lambda r, n: r.normal(0.15, 0.2, n), -0.08),
    "altman_z2": (lambda r, n: r.normal(3.5, 2.0, n), -1.0),
    "asset_turnover": (lambda r, n: r.lognormal(-0.2, 0.5, n), -0.1),
}
_SEGMENTS = ["high_risk", "green_energy", "tech_startup", "high_leverage", "fast_expanding",
             "large_group", "mature_manufacturer", "micro_small", "other"]  # fmt: skip
_SECTIONS = list("ABCDEFGHIJKLMNOPQRST")


def baseline_frame(n: int, seed: int = 1) -> pd.DataFrame:
    """A realistic results table of ``n`` customers (vectorised; no loop over rows)."""
    from finseg.risk import default_master_scale

    rng = np.random.default_rng(seed)
    pd_ = np.clip(rng.lognormal(-4.3, 1.3, n), 0.0005, 0.99)
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 8))
    frame = pd.DataFrame({"customer_id": ids, "customer_name": np.char.add("企业", ids)})
    frame["industry_section"] = rng.choice(_SECTIONS, n)
    for name, (make, _) in _RATIOS.items():
        values = make(rng, n)
        values[rng.random(n) < 0.02] = np.nan  # undefined ratios
        frame[name] = values
    frame["overdue_count_24m"] = rng.poisson(0.3, n)
    frame["max_days_past_due_24m"] = np.where(
        frame["overdue_count_24m"] > 0, rng.integers(1, 120, n), 0
    ).astype(float)
    frame["loan_classification"] = np.where(rng.random(n) < 0.05, "special_mention", "pass")
    _grade(frame, pd_, default_master_scale())
    frame["segment"] = pd.Categorical(
        rng.choice(_SEGMENTS, n, p=[0.06, 0.08, 0.05, 0.12, 0.08, 0.04, 0.12, 0.35, 0.10]),
        categories=_SEGMENTS,
    )
    frame["default_12m"] = (rng.random(n) < pd_).astype("int8")
    adjusted = rng.random(n) < 0.002
    frame["grade_override_id"] = pd.array(np.where(adjusted, np.arange(n), 0), dtype="Int64")
    frame.loc[~adjusted, "grade_override_id"] = pd.NA
    frame["segment_override_id"] = pd.array([pd.NA] * n, dtype="Int64")
    return frame


def _grade(frame: pd.DataFrame, pd_: np.ndarray, scale) -> None:
    frame["pd"] = pd_
    odds = np.clip(pd_, 1e-6, 1 - 1e-6)
    frame["score"] = np.round(600 - 28.85 * np.log(odds / (1 - odds)))
    frame["grade"] = scale.grade(pd_)


def later_frame(base: pd.DataFrame, seed: int = 2) -> pd.DataFrame:
    """``base`` a year on: leavers, joiners, downgrades, drifted ratios, new overdue."""
    from finseg.risk import default_master_scale

    rng = np.random.default_rng(seed)
    n = len(base)
    out = base[rng.random(n) >= 0.03].reset_index(drop=True)
    joiners = baseline_frame(int(0.03 * n), seed=seed + 10)
    joiners["customer_id"] = np.char.add("N", np.char.zfill(np.arange(len(joiners)).astype(str), 8))
    out = pd.concat([out, joiners], ignore_index=True)
    m = len(out)
    hit = (out["industry_section"] == "F").to_numpy()
    for name, (_, drift) in _RATIOS.items():
        out[name] = out[name] + np.where(hit, drift, 0.0) + rng.normal(0, 0.01, m)
    worse = rng.random(m) < 0.15
    pd_ = np.clip(out["pd"].to_numpy() * np.where(worse, rng.uniform(1.5, 6, m), 1.0), 0.0005, 1)
    late = rng.random(m) < 0.05
    out["overdue_count_24m"] += late
    out["max_days_past_due_24m"] = np.where(late, 30.0, out["max_days_past_due_24m"])
    _grade(out, pd_, default_master_scale())
    uplift = np.where(hit, 1.3, 1.0)
    out["default_12m"] = (rng.random(m) < np.minimum(out["pd"] * uplift, 1)).astype("int8")
    out["grade_override_id"] = pd.array([pd.NA] * m, dtype="Int64")
    return out


def inputs(workdir: Path, n: int) -> tuple[Path, Path]:
    """The two results files for ``n`` customers, generated once."""
    a, b = workdir / f"monitor-base-{n}.parquet", workdir / f"monitor-later-{n}.parquet"
    if not (a.is_file() and b.is_file()):
        workdir.mkdir(parents=True, exist_ok=True)
        base = baseline_frame(n)
        base.to_parquet(a)
        later_frame(base).to_parquet(b)
    return a, b


def child(a: Path, b: Path) -> dict:
    """Read both files, monitor, serialise; the timings."""
    from finseg.monitoring import monitor, to_json

    start = time.perf_counter()
    cpu = time.process_time()
    before, after = pd.read_parquet(a), pd.read_parquet(b)
    read = time.perf_counter() - start
    payload = monitor(before, after, run_ids=(a.stem, b.stem))
    text = to_json(payload)
    total = time.perf_counter() - start
    return {"baseline": len(before), "current": len(after), "read_s": read, "total_s": total,
            "cpu_s": time.process_time() - cpu, "stages": payload["timings"],
            "json_bytes": len(text.encode("utf-8")), "score_psi": payload["psi"]["score"]["psi"],
            "warned": payload["warnings"]["customers_warned"],
            "downgrades": payload["grade_migration_summary"]["downgrades"]}  # fmt: skip


def run(a: Path, b: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", str(a), str(b)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    text = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        return {"status": f"child failed ({status})"}
    row = json.loads(text.strip().splitlines()[-1])
    row["peak_mb"] = usage.ru_maxrss * 1024 / 1e6
    return row


def markdown(n: int, rows: list[dict], machine_lines: list[str], command: str) -> str:
    ok = [r for r in rows if "total_s" in r]
    lines = [HEADING, "", f"Run {datetime.date.today().isoformat()}: `{command}`", "",
             *machine_lines, "",
             "| customers (baseline / current) | read s | monitor + JSON s (median) | CPU s | "
             "peak MB | target | result |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    if not ok:
        return "\n".join([*lines, f"| {n:,} | | | | | ≤ {TARGET_SECONDS:g} s | FAILED |"]) + "\n"
    total = float(np.median([r["total_s"] for r in ok]))
    r = ok[0]
    verdict = "PASS" if total <= TARGET_SECONDS else "MISSED (time)"
    each = ", ".join(f"{x['total_s']:.1f}" for x in ok)
    lines.append(f"| {r['baseline']:,} / {r['current']:,} | {r['read_s']:.1f} | {total:.1f} "
                 f"({len(ok)} runs: {each}) | "
                 f"{r['cpu_s']:.1f} | {max(x['peak_mb'] for x in ok):,.0f} | "
                 f"≤ {TARGET_SECONDS:g} s | {verdict} |")  # fmt: skip
    stages = ", ".join(f"{k} {v:.2f} s" for k, v in r["stages"].items())
    lines += ["", f"Stages of the first run: read {r['read_s']:.2f} s, {stages}; JSON "
              f"{r['json_bytes'] / 1e3:,.0f} kB.  The perturbed snapshot gives score PSI "
              f"{r['score_psi']:.3f}, {r['downgrades']:,} downgrades and {r['warned']:,} "
              "customers warned.  Timed from the two results Parquet files to the JSON text, in "
              "a fresh child process (default policy, no drift check)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("bench-out"))
    parser.add_argument("--write", type=Path, help="markdown file to put the section in")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    a, b = inputs(args.workdir, args.customers)
    machine = describe()
    rows = []
    for _ in range(args.repeat):
        rows.append(run(a, b))
        print(json.dumps(rows[-1]))
    command = " ".join(["python benchmarks/monitoring_bench.py", *argv])
    section = markdown(args.customers, rows, machine.lines(), command)
    publish(section, args.write, HEADING)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
