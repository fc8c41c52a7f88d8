"""Credit allocation: LP with 100,000 and 1,000,000 customers, MILP with 100,000, and the
gap to the rules of thumb on the demo portfolio.

    python benchmarks/allocation_bench.py                        # all cases, print
    python benchmarks/allocation_bench.py --cases lp-100k        # a selection
    python benchmarks/allocation_bench.py --write docs/benchmarks.md

Each case runs in a fresh child process (so its peak memory is its own) on a seeded
``finseg.allocation.synthetic_book`` with ~60 coupling rows: budget, EL and RWA budgets, one
cap per industry section (20), four quotas and the ~30 largest groups' caps.  Timed: building
the problem (margins, IRB capital, rows) and solving it (``solve_lp``; MILP: LP plus branch
and bound); the baselines are timed apart.  Targets: LP 100k solve <= 1 s; LP 1M solve <= 10 s
and peak memory <= 4 GB; MILP 100k <= 0.1 % gap in <= 8 s.  ``lp-100k`` also solves the whole
LP in one plain HiGHS dual simplex run to check that the objectives agree.

``demo-2k`` and ``demo-2k-budget`` allocate the demo portfolio (``finseg demo``: 2,000
customers, seed 7) run through ``finseg run``: its approved and referred customers with the
strategy stage's limits and prices (or, where the pipeline has no strategy stage,
``synthetic_book(2000, seed=7)``), with a budget of 30 % of their limits — ``demo-2k`` under
EL and RWA budgets, industry and group caps and programme quotas like the synthetic cases,
``demo-2k-budget`` under the budget alone (where greedy by margin is optimal: the gap to
greedy comes from the other limits).
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

from _machine import describe
from _report import publish

HEADING = "## Credit allocation / 信贷额度分配"
CASES = {  # name: (customers, mode, target seconds, target peak MB)
    "lp-100k": (100_000, "lp", 1.0, None),
    "lp-1m": (1_000_000, "lp", 10.0, 4000.0),
    "milp-100k": (100_000, "milp", 8.0, None),
    "demo-2k": (2_000, "lp", 1.0, None),
    "demo-2k-budget": (2_000, "lp", 1.0, None),
}
DEMO_QUOTAS = {"inclusive": 0.35, "green": 0.12, "tech": 0.08}


def instance(n: int, seed: int = 1):
    """The book, a policy with ~60 coupling rows, and the budget."""
    from finseg.allocation import AllocationPolicy, synthetic_book, unit_terms

    book = synthetic_book(n, seed=seed)
    budget = 0.3 * float(book["limit"].sum())
    base = AllocationPolicy()
    live = unit_terms(book, base)["margin"].to_numpy() > 0
    u = book["limit"].to_numpy() * live
    groups = book.assign(u=u).query("group_id != ''").groupby("group_id")["u"].sum()
    group_cap = float(np.sort(groups.to_numpy())[-31])  # ~30 groups can bind
    sections = book.assign(u=u).groupby("industry_section")["u"].sum()
    shares = {s: float(min(1.0, 0.8 * v / budget)) for s, v in sections.items()}
    policy = base.model_copy(
        update={
            "net_capital": group_cap / base.group_cap,
            "industry_max_share": shares,
            "quotas": {"inclusive": 0.35, "green": 0.12, "tech": 0.08, "micro": 0.25},
            "el_budget": 0.006 * budget,
            "rwa_budget": 0.65 * budget,
            "min_ticket": 1_000_000.0,
        }
    )
    return book, policy, budget


def demo_book(n: int = 2_000, seed: int = 7):
    """The candidates of the demo portfolio after ``finseg run``, and where they came from."""
    import tempfile

    import pandas as pd

    from finseg.allocation import STRATEGY_COLUMNS, results_book, synthetic_book
    from finseg.pipeline import run_pipeline
    from finseg.sample import generate_portfolio, write_sample
    from finseg.workspace import init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = init_workspace(Path(tmp) / "ws")
        data = Path(tmp) / "demo.parquet"
        write_sample(generate_portfolio(n, seed=seed), data)
        results = pd.read_parquet(run_pipeline(ws, data).results)
        ws.close()
    if all(c in results for c in STRATEGY_COLUMNS):
        return results_book(results, "demo run"), "strategy stage"
    return synthetic_book(n, seed=seed), "synthetic_book (no strategy stage)"


def demo_instance(case: str):
    """The demo book, its policy and budget (30 % of the candidates' limits)."""
    from finseg.allocation import AllocationPolicy, unit_terms
    from finseg.allocation._model import quota_members

    book, source = demo_book()
    budget = 0.3 * float(book["limit"].sum())
    base = AllocationPolicy()
    if case == "demo-2k-budget":
        return book, base, budget, source
    live = unit_terms(book, base)["margin"].to_numpy() > 0
    u = book["limit"].to_numpy() * live
    groups = book.assign(u=u).query("group_id != ''").groupby("group_id")["u"].sum()
    group_cap = float(np.sort(groups.to_numpy())[-min(len(groups), 11)]) if len(groups) else None
    sections = book.assign(u=u).groupby("industry_section")["u"].sum()
    quotas = {}
    for key, share in DEMO_QUOTAS.items():  # at most half of what the members could take
        member = quota_members(book, key)
        if member.any():
            quotas[key] = round(min(share, 0.5 * float(u[member].sum()) / budget), 3)
    policy = base.model_copy(update={
        "net_capital": group_cap / base.group_cap if group_cap else None,
        "industry_max_share": {s: float(min(1.0, 0.8 * v / budget)) for s, v in sections.items()},
        "quotas": quotas, "el_budget": 0.006 * budget, "rwa_budget": 0.65 * budget,
    })  # fmt: skip
    return book, policy, budget, source


def child(case: str) -> dict:
    """Run one case in this process; return its measurements."""
    from dataclasses import replace

    from finseg.allocation import baselines, build_problem
    from finseg.allocation._lp import solve_lp
    from finseg.allocation._milp import solve_milp

    n, mode, _, _ = CASES[case]
    source = "synthetic_book"
    if case.startswith("demo"):
        book, policy, budget, source = demo_instance(case)
        n = len(book)
    else:
        book, policy, budget = instance(n)
    t = time.perf_counter()
    p = build_problem(book, policy, budget)
    if mode == "milp":
        p = replace(p, upper=np.where(p.upper < policy.min_ticket, 0.0, p.upper))
    build = time.perf_counter() - t
    t = time.perf_counter()
    lp = solve_lp(p, 600.0)
    sol, gap = lp, None
    if mode == "milp":
        sol, gap = solve_milp(p, lp, policy.min_ticket, False, policy.mip_gap, 600.0)
    solve = time.perf_counter() - t
    row = {"case": case, "customers": n, "book": source, "budget": budget,
           "quotas": dict(policy.quotas), "rows": p.S.shape[0], "status": sol.status,
           "objective": sol.objective, "build_s": build, "solve_s": solve, "gap": gap,
           "method": sol.method, "free_columns": lp.free_columns, "rounds": lp.rounds,
           "violation": p.violation(sol.x) / max(1.0, budget),
           "row_kinds": {k: p.kinds.count(k) for k in dict.fromkeys(p.kinds)}}  # fmt: skip
    row["dual_gap"] = dual_gap(p, lp) if mode == "lp" else None
    t = time.perf_counter()
    base = baselines(p)
    row["baselines_s"] = time.perf_counter() - t
    for name, b in base.items():
        row[f"{name}_gap"] = (sol.objective - b.objective) / abs(sol.objective)
        row[f"{name}_ok"] = b.meets_quotas
        row[f"{name}_objective"] = b.objective
    row["lagrangian_lambda"] = base["lagrangian"].lam
    if case == "lp-100k":
        row["plain_objective"], row["plain_s"] = plain(p)
    return row


def dual_gap(p, lp) -> float:
    """(Lagrangian bound at the LP's duals − objective) / objective: an independent check
    that the answer is optimal (≥ 0 always; ~0 only at an optimum)."""
    pi, pi_total = lp.row_dual, lp.total_dual
    d = p.margin - p.S.T @ pi - pi_total
    rhs = np.where(pi > 0, p.upper_rhs, np.where(pi < 0, p.lower_rhs, 0.0))
    rows = float(pi @ rhs)
    bound = rows + float(p.upper @ np.maximum(d, 0.0))
    if pi_total - float(pi @ p.total_coef) > 1e-9:  # T's reduced margin: unbounded bound
        return float("inf")
    return (bound - lp.objective) / abs(lp.objective)


def plain(p) -> tuple[float, float]:
    """The whole LP in one HiGHS dual simplex run (the check of ``lp-100k``)."""
    from finseg.allocation._lp import _Columns, _solve_subset

    active = np.flatnonzero(p.upper > 0)
    cols = _Columns(p, active)
    t = time.perf_counter()
    _, out = _solve_subset(cols, np.arange(len(active)), np.zeros(len(active), bool), 1.0, 600)
    return float(out.x[1:] @ cols.cost * cols.scale), time.perf_counter() - t


def run(case: str) -> dict:
    """The case in a child process, with its peak resident memory."""
    cmd = [sys.executable, __file__, "--child", case]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    text = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        return {"case": case, "status": f"child failed ({status})"}
    row = json.loads(text.strip().splitlines()[-1])
    row["peak_mb"] = usage.ru_maxrss * 1024 / 1e6
    return row


def verdict(row: dict) -> str:
    _, mode, seconds, mb = CASES[row["case"]]
    if row.get("status") != "optimal":
        return f"FAILED ({row.get('status')})"
    missed = []
    if row["solve_s"] > seconds:
        missed.append("time")
    if mb is not None and row["peak_mb"] > mb:
        missed.append("memory")
    if mode == "milp" and (row["gap"] is None or row["gap"] > 0.001):
        missed.append("gap")
    return f"MISSED ({', '.join(missed)})" if missed else "PASS"


def _pct(value) -> str:
    return "—" if value is None else f"{value:.3%}"


def _sci(value) -> str:
    return "—" if value is None else f"{value:.1e}"


def markdown(rows: list[dict], machine_lines: list[str], command: str) -> str:
    head = ("| case | customers | rows | build s | solve s | peak MB | gap | greedy gap | "
            "Lagrangian gap | FCFS gap | baselines s | target | result |")  # fmt: skip
    lines = [HEADING, "", f"Run {datetime.date.today().isoformat()}: `{command}`", "",
             *machine_lines, "", head, "|" + "---|" * 13]  # fmt: skip
    for r in rows:
        n, mode, seconds, mb = CASES[r["case"]]
        n = r.get("customers", n)
        target = f"solve ≤ {seconds:g} s" + (f", ≤ {mb / 1000:g} GB" if mb else "")
        target += ", gap ≤ 0.1 %" if mode == "milp" else ""
        if r.get("status") != "optimal":
            lines.append(f"| {r['case']} | {n:,} | | | | | | | | | | {target} | {verdict(r)} |")
            continue
        lines.append(
            f"| {r['case']} | {n:,} | {r['rows']} | {r['build_s']:.2f} | {r['solve_s']:.2f} | "
            f"{r['peak_mb']:,.0f} | {_sci(r['gap'])} | {_pct(r['greedy_gap'])} | "
            f"{_pct(r['lagrangian_gap'])} | {_pct(r['fcfs_gap'])} | {r['baselines_s']:.1f} | "
            f"{target} | {verdict(r)} |"
        )
    lines += ["", "Gaps of the baselines are (optimum − baseline) / optimum; a baseline that "
              "cannot meet the quotas is marked in the notes below.", ""]  # fmt: skip
    for r in rows:
        if r.get("status") != "optimal":
            continue
        kinds = ", ".join(f"{v} {k}" for k, v in r["row_kinds"].items())
        note = f"- {r['case']}: rows {kinds}; {r['method']}, {r['rounds']} round(s), "
        note += f"{r['free_columns']:,} "
        note += f"customers in the restricted LP; largest violation {r['violation']:.1e} × budget"
        if r.get("dual_gap") is not None:
            note += f"; Lagrangian bound at its duals exceeds the objective by {r['dual_gap']:.1e}"
        if "plain_objective" in r:
            diff = abs(r["plain_objective"] - r["objective"]) / abs(r["objective"])
            note += (f"; one plain HiGHS dual simplex solve of the whole LP: "
                     f"{r['plain_s']:.2f} s, objective differs by {diff:.1e}")  # fmt: skip
        bad = [k for k in ("greedy", "lagrangian", "fcfs") if not r[f"{k}_ok"]]
        if bad:
            note += f"; quotas not met by {', '.join(bad)}"
        lines.append(note)
    return "\n".join(lines + demo_markdown(rows)) + "\n"


def demo_markdown(rows: list[dict]) -> list[str]:
    """The demo cases' objectives: optimiser versus the three rules of thumb."""
    demo = [r for r in rows if r["case"].startswith("demo") and r.get("status") == "optimal"]
    if not demo:
        return []
    lines = ["", "Demo portfolio: risk-adjusted return, yuan a year (gap to the optimum)", "",
             "| case | book | candidates | budget | optimiser | greedy | Lagrangian greedy | "
             "first-come-first-served |", "|" + "---|" * 8]  # fmt: skip
    for r in demo:
        cells = [f"{r[f'{k}_objective']:,.0f} ({_pct(r[f'{k}_gap'])})"
                 for k in ("greedy", "lagrangian", "fcfs")]  # fmt: skip
        cells[1] = cells[1].replace(" (", f" (λ = {r['lagrangian_lambda']:g}; ", 1)
        lines.append(f"| {r['case']} | {r['book']} | {r['customers']:,} | {r['budget']:,.0f} | "
                     f"{r['objective']:,.0f} | {' | '.join(cells)} |")  # fmt: skip
    quotas = next((r["quotas"] for r in demo if r["quotas"]), {})
    if quotas:
        shown = ", ".join(f"{k} {v:.1%}" for k, v in quotas.items())
        lines += ["", f"`demo-2k` quotas (half of what the members could take, at most the "
                  f"synthetic cases' shares): {shown}."]  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help=f"of {','.join(CASES)}")
    parser.add_argument("--write", type=Path, help="markdown file to put the section in")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if unknown := [c for c in cases if c not in CASES]:
        parser.error(f"unknown case(s) {unknown}; choose from {list(CASES)}")
    machine = describe()
    rows = []
    for case in cases:
        rows.append(run(case))
        r = rows[-1]
        print(f"{case}: {verdict(r)}  " + json.dumps({k: v for k, v in r.items() if k != "case"}))
    section = markdown(rows, machine.lines(), " ".join(["python benchmarks/allocation_bench.py",
                                                         *argv]))  # fmt: skip
    publish(section, args.write, HEADING)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
