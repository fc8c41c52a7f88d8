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


def _workspace(directory: Path, lang: str) -> Workspace:
    if (directory / "finseg.toml").is_file():
        return open_workspace(directory)
    return init_workspace(directory, language=lang)


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
