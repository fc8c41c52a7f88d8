"""``finseg demo``: the main job end to end on the embedded SQLite default.

Creates (or reuses) a workspace, writes a seeded sample portfolio of three annual snapshots as
a Chinese bank export (xlsx, 万元, title rows) — the last one in a downturn that hits real
estate, construction and their suppliers (:class:`~finseg.sample.Downturn`) — runs the
pipeline over each snapshot through the real ingest path (the first two under the baseline
scenario, the last under ``downturn``), monitors each year against the one before, and writes
the HTML and Excel reports of the last run, with its monitoring section.

It also plays the governance story with three demo people (:data:`DEMO_USERS`), each logged
in through the same service as ``finseg login``: the admin zhao creates the workspace and
activates its policy, and adds the analyst li and the approver wang.  li trains a scorecard
on the first snapshot (a *candidate*) and wang, a different person, promotes it: every run is
graded by that champion.  After the first run li proposes an expert adjustment and wang
approves it, so the later runs apply it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from finseg.monitoring import monitor_runs
from finseg.pipeline import Progress, RunResult, run_pipeline
from finseg.runs import report_run
from finseg.sample import Downturn, generate_portfolio, write_sample
from finseg.services import (
    Actor,
    Decision,
    FirstAdmin,
    Login,
    NewUser,
    Proposal,
    Role,
    TrainedModel,
    add_first_admin,
    add_user,
    decide_adjustment,
    login,
    promote_model,
    propose_adjustment,
    register_trained_model,
)
from finseg.store import transaction
from finseg.workspace import Workspace, init_workspace, open_workspace

__all__ = ["DEMO_DOWNTURN", "DEMO_USERS", "SNAPSHOTS", "DemoResult", "demo_password", "run_demo"]

SAMPLE_NAME = "sample_portfolio.xlsx"
#: The demo's annual snapshots, oldest first; the last one is in a downturn.
SNAPSHOTS = (dt.date(2023, 12, 31), dt.date(2024, 12, 31), dt.date(2025, 12, 31))
#: The shock the generator puts on the last snapshot (default industries and severity).
DEMO_DOWNTURN = Downturn()
#: The macro scenario of ``policy.yaml → strategy.scenarios`` the last snapshot runs under;
#: the earlier ones run under the policy's ``default_scenario`` (``baseline``).
DOWNTURN_SCENARIO = "downturn"


@dataclass
class DemoResult:
    """The demo's workspace, sample file, runs (oldest first), monitoring files and reports.

    ``run`` is the last run, the one reported; ``monitoring`` holds the ``monitoring.json``
    of each run after the first, compared with the run before it.
    """

    workspace: Workspace
    sample: Path
    run: RunResult
    reports: dict[str, Path]
    runs: list[RunResult] = field(default_factory=list)
    monitoring: list[Path] = field(default_factory=list)


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


#: The demo's people: the admin creates the workspace, the analyst makes, the approver checks.
DEMO_USERS = (("zhao", Role.ADMIN), ("li", Role.ANALYST), ("wang", Role.APPROVER))
#: The model the analyst trains in the demo, and the adjustment they propose.
DEMO_MODEL = "demo-scorecard"
DEMO_ADJUSTMENT = ("segment", "green_energy", "光伏项目，绿色信贷 / solar project, green lending")


def demo_password(name: str) -> str:
    """The demo person's password (a demo workspace only: it is written in these docs)."""
    return f"finseg-demo-{name}"


def _people(ws: Workspace) -> None:
    """The admin activates the demo policy and adds the analyst and the approver."""
    (admin, _), *others = DEMO_USERS
    add_first_admin(ws, FirstAdmin(admin, demo_password(admin)))
    with transaction(ws.engine()) as s:
        zhao = _login(s, admin)
        for name, role in others:
            add_user(s, zhao, NewUser(name, role, demo_password(name)))


def _login(session, name: str) -> Actor:  # type: ignore[no-untyped-def]
    return login(session, Login(name, demo_password(name))).actor


def _workspace(directory: Path, lang: str) -> tuple[Workspace, bool]:
    """The demo workspace, and whether it was created now (then the people are new too)."""
    if (directory / "finseg.toml").is_file():
        return open_workspace(directory), False
    ws = init_workspace(directory, language=lang, activate_policy=False)
    _demo_policy(ws)
    _people(ws)
    return ws, True


def _dated(progress: Progress | None, day: dt.date) -> Progress | None:
    """``progress`` with the snapshot date in front of every stage, one line per run."""
    if progress is None:
        return None
    return lambda key, label, event: progress(f"{day}:{key}", f"{day} {label}", event)


def _monitor(ws: Workspace, runs: list[RunResult], progress: Progress | None) -> list[Path]:
    """Monitor each run against the one before it; the ``monitoring.json`` files written."""
    files = []
    word = "组合监控" if ws.settings.language.value == "zh" else "Monitoring"
    for day, before, after in zip(SNAPSHOTS[1:], runs[:-1], runs[1:], strict=True):
        key, label = f"monitor:{day}", f"{day} {word}"
        if progress is not None:
            progress(key, label, "start")
        files.append(monitor_runs(ws, before.run_id, after.run_id)[1])
        if progress is not None:
            progress(key, label, "done")
    return files


def _snapshots(customers: int, seed: int) -> pd.DataFrame:
    """The :data:`SNAPSHOTS` of the sample, the last with :data:`DEMO_DOWNTURN`.

    One year more is drawn and dropped, so that every firm is at least a year old at the
    first snapshot: otherwise the youngest firms' missing prior-year figures (revenue growth)
    would fill in a year later and show as a shift that is no more than the firms ageing.
    """
    frame = generate_portfolio(customers, seed=seed, as_of=SNAPSHOTS[-1],
                               periods=len(SNAPSHOTS) + 1, downturn=DEMO_DOWNTURN)  # fmt: skip
    first = frame["as_of_date"] >= pd.Timestamp(SNAPSHOTS[0])
    return frame[first].reset_index(drop=True)


def _train(ws: Workspace, frame: pd.DataFrame, li: Actor) -> None:
    """li trains a scorecard on the first snapshot; it is registered as a candidate."""
    from finseg.store import model_card
    from finseg.training import load_table, train

    path = ws.root / "data" / f"snapshot_{SNAPSHOTS[0]:%Y}.parquet"
    frame[frame["as_of_date"] == pd.Timestamp(SNAPSHOTS[0])].to_parquet(path)
    table = load_table(path, "default_12m")
    result = train(table, "scorecard", ws.policy().risk.training, folds=0)
    card = model_card(result.estimator, features=list(table.X.columns), target=table.target,
                      training_sha256=table.sha256, metrics=result.metrics,
                      params={"kind": result.kind, "mode": table.mode},
                      directions=table.directions)  # fmt: skip
    with transaction(ws.engine()) as s:
        trained = TrainedModel(result.estimator, result.kind, card, DEMO_MODEL)
        register_trained_model(s, li, ws.models_dir, trained)


def _champion(ws: Workspace, frame: pd.DataFrame) -> None:
    """li (analyst) trains a scorecard; wang (approver) promotes it before the first run."""
    with transaction(ws.engine()) as s:
        li = _login(s, "li")
    _train(ws, frame, li)
    with transaction(ws.engine()) as s:
        promote_model(s, _login(s, "wang"), DEMO_MODEL)


def _adjustment(ws: Workspace, first: RunResult) -> None:
    """li proposes an expert adjustment of a customer of the first run; wang approves it."""
    from finseg.segments._overrides import override_choices

    customer = str(pd.read_parquet(first.results, columns=["customer_id"]).iloc[0, 0])
    field, value, reason = DEMO_ADJUSTMENT
    choices = override_choices(ws.policy()).get(field)
    with transaction(ws.engine()) as s:
        proposal = Proposal(customer, field, value, reason, choices=choices)
        proposed = propose_adjustment(s, _login(s, "li"), proposal)
        decision = Decision(proposed.id, approve=True, note="同意 / agreed")
        decide_adjustment(s, _login(s, "wang"), decision)


def run_demo(
    directory: Path,
    *,
    customers: int = 2000,
    seed: int = 7,
    lang: str = "zh",
    progress: Progress | None = None,
) -> DemoResult:
    """Run the demo in ``directory``; an existing workspace there is reused (its people,
    model and adjustment too: the governance story plays once, in a new workspace).

    One sample file holds the :data:`SNAPSHOTS` of the same ``customers`` firms, the last
    with :data:`DEMO_DOWNTURN`; each snapshot is one run (``as_of`` its date).
    """
    ws, new = _workspace(Path(directory), lang)
    sample = ws.root / "data" / SAMPLE_NAME
    sample.parent.mkdir(exist_ok=True)
    frame = _snapshots(customers, seed)
    write_sample(frame, sample)
    if new:
        _champion(ws, frame)
    runs = []
    for i, day in enumerate(SNAPSHOTS):
        scenario = DOWNTURN_SCENARIO if i == len(SNAPSHOTS) - 1 else None
        runs.append(run_pipeline(ws, sample, as_of=day, actor="li",
                                 progress=_dated(progress, day), scenario=scenario))  # fmt: skip
        if i == 0 and new:
            _adjustment(ws, runs[0])
    monitoring = _monitor(ws, runs, progress)
    reports = report_run(ws, runs[-1].run_id, lang, ["html", "xlsx"])
    return DemoResult(ws, sample, runs[-1], reports, runs, monitoring)
