"""``finseg demo``: the main job end to end on the embedded SQLite default.

Creates (or reuses) a workspace, writes a seeded sample portfolio as a Chinese bank export
(xlsx, 万元, title rows), runs the pipeline over it through the real ingest path, and writes
the HTML and Excel reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from finseg.pipeline import Progress, RunResult, run_pipeline
from finseg.runs import report_run
from finseg.sample import generate_portfolio, write_sample
from finseg.workspace import Workspace, init_workspace, open_workspace

__all__ = ["DemoResult", "run_demo"]

SAMPLE_NAME = "sample_portfolio.xlsx"


@dataclass
class DemoResult:
    """The demo's workspace, run and report files."""

    workspace: Workspace
    sample: Path
    run: RunResult
    reports: dict[str, Path]


#: What a new demo workspace's policy.yaml sets in its ``allocation`` section, so that the
#: demo run allocates a credit budget (and its report shows the optimiser against the
#: greedy baselines): CNY 8 bn to lend, CNY 60 bn of net capital behind the single-customer
#: and group caps, and quotas for inclusive small/micro and green lending.
DEMO_ALLOCATION = {
    "budget": "8000000000",
    "net_capital": "60000000000",
    "quotas": "{inclusive: 0.25, green: 0.05}",
}


def _demo_policy(ws: Workspace) -> None:
    """Set :data:`DEMO_ALLOCATION` in the new workspace's ``allocation`` section."""
    lines = ws.policy_file.read_text(encoding="utf-8").split("\n")
    start = lines.index("allocation:")
    for i in range(start + 1, len(lines)):
        if lines[i] and not lines[i].startswith((" ", "#")):
            break  # the next section
        key = lines[i].strip().split(":", 1)[0]
        if key in DEMO_ALLOCATION and not lines[i].lstrip().startswith("#"):
            lines[i] = f"  {key}: {DEMO_ALLOCATION[key]}  # finseg demo"
    ws.policy_file.write_text("\n".join(lines), encoding="utf-8")


def _workspace(directory: Path, lang: str) -> Workspace:
    if (directory / "finseg.toml").is_file():
        return open_workspace(directory)
    ws = init_workspace(directory, language=lang)
    _demo_policy(ws)
    return ws


def run_demo(
    directory: Path,
    *,
    customers: int = 2000,
    seed: int = 7,
    lang: str = "zh",
    progress: Progress | None = None,
) -> DemoResult:
    """Run the demo in ``directory``; an existing workspace there is reused."""
    ws = _workspace(Path(directory), lang)
    sample = ws.root / "data" / SAMPLE_NAME
    sample.parent.mkdir(exist_ok=True)
    write_sample(generate_portfolio(customers, seed=seed), sample)
    run = run_pipeline(ws, sample, actor="demo", progress=progress)
    reports = report_run(ws, run.run_id, lang, ["html", "xlsx"])
    return DemoResult(ws, sample, run, reports)
