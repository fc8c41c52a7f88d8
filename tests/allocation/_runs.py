"""Workspaces and runs for the allocation tests: set the policy's ``allocation`` section, make
a finished run of a seeded sample portfolio, and give its results the strategy stage's
columns when the pipeline does not make them yet."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from finseg.pipeline import RESULTS, run_pipeline
from finseg.sample import generate_portfolio, write_sample
from finseg.workspace import init_workspace

_SECTION = re.compile(r"^allocation:.*?(?=^\S|\Z)", re.MULTILINE | re.DOTALL)


def set_allocation(ws: Path, section: str) -> None:
    """Replace the ``allocation:`` section of ``ws/policy.yaml`` by ``section`` (YAML text
    starting with ``allocation:``), or append it when the policy has none."""
    path = ws / "policy.yaml"
    text = _SECTION.sub("", path.read_text(encoding="utf-8"))
    path.write_text(text.rstrip("\n") + "\n\n" + section.strip("\n") + "\n", encoding="utf-8")


def rerecord(path: Path) -> None:
    """Record the checksum of a run file this test rewrote (as a run of an older finseg
    version would have it), so that the verified readers accept it."""
    from finseg.pipeline import file_sha256
    from finseg.store import record_run_file, transaction
    from finseg.workspace import open_workspace

    ws = open_workspace(path.parents[2])
    with transaction(ws.engine()) as s:
        record_run_file(s, path.parent.name, path.name, file_sha256(path))
    ws.close()


def add_strategy_columns(results: Path) -> list[str]:
    """Add to a run's ``results.parquet`` the strategy columns it lacks (``decision``,
    ``limit``, ``price``, ``lgd``, ``maturity_years``, ``programmes``), with deterministic
    values from PD, revenue and the request; return the columns added.

    Columns the run already has (once the strategy stage runs in the pipeline) are kept.
    """
    frame = pd.read_parquet(results)
    n = len(frame)
    pd_ = frame["pd"].to_numpy(float)
    i = np.arange(n)
    requested = pd.to_numeric(frame.get("requested_amount"), errors="coerce")
    revenue = frame["operating_revenue"].abs().to_numpy(float)
    size = np.where(np.isfinite(requested), requested, 0.2 * revenue)
    decision = np.where(pd_ < 0.04, "approve", np.where(pd_ < 0.10, "refer", "decline"))
    wanted = {
        "decision": pd.array(decision, dtype="string"),
        "limit": np.where(decision == "decline", 0.0, np.round(np.clip(size, 2e5, 3e7), -3)),
        "price": np.round(0.035 + 0.6 * pd_ + ((i * 37) % 11 - 5) * 0.002, 5),
        "lgd": np.where(i % 3 == 0, 0.30, 0.45),
        "maturity_years": 1.0 + (i % 5),
        "programmes": pd.array(
            np.where(i % 4 == 0, "inclusive", np.where(i % 7 == 0, "green", "")), dtype="string"
        ),
    }
    added = [c for c in wanted if c not in frame]
    if added:
        frame = frame.assign(**{c: wanted[c] for c in added})
        frame.to_parquet(results, index=False)
        rerecord(results)
    return added


def make_run(root: Path, n: int = 300, seed: int = 3, section: str | None = None):
    """A workspace under ``root`` with one finished run of ``n`` sample customers, whose
    policy has ``section`` as its ``allocation`` section; ``(workspace root, run id)``."""
    ws = init_workspace(root / "ws")
    if section is not None:
        set_allocation(ws.root, section)
    data = root / f"book-{n}.parquet"
    write_sample(generate_portfolio(n, seed=seed), data)
    run_id = run_pipeline(ws, data).run_id
    ws.close()
    return ws.root, run_id


def results_path(ws: Path, run_id: str) -> Path:
    return ws / "runs" / run_id / RESULTS
