"""Honest monitoring of recorded runs: the baseline must be the earlier statement date, and a
change of model is named and taken out of the drift figures (issue: a model change reported
as portfolio drift, runs compared backwards in time)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from finseg.cli import main
from finseg.pipeline import run_pipeline
from finseg.risk import EXPERT_INPUTS, ExpertEstimator, ExpertRules
from finseg.sample import generate_portfolio, write_sample
from finseg.store import register_model, transaction
from finseg.workspace import init_workspace

sys.path.insert(0, str(Path(__file__).parent / "monitoring"))
from _later import later_snapshot


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, str]:
    """An expert-graded baseline, a later snapshot graded by another champion, and a second
    run of the baseline's date."""
    root = tmp_path_factory.mktemp("honest")
    ws = init_workspace(root / "ws", language="en")
    book = generate_portfolio(400, seed=3)
    write_sample(book, root / "book.parquet")
    write_sample(later_snapshot(book, generate_portfolio(20, seed=9)), root / "later.parquet")
    baseline = run_pipeline(ws, root / "book.parquet").run_id
    stricter = ExpertEstimator(ExpertRules(safe_pd=0.003, distress_pd=0.02, missing_pd=0.01))
    card = {"features": list(EXPERT_INPUTS), "params": {"mode": "canonical"}, "metrics": {}}
    with transaction(ws.engine()) as s:
        register_model(s, ws.models_dir, stricter, kind="expert", card=card, name="strict")
    current = run_pipeline(ws, root / "later.parquet").run_id
    same_day = run_pipeline(ws, root / "book.parquet").run_id
    ws.close()
    return ws.root, baseline, current, same_day


def _monitor(ws: Path, base: str, cur: str, tmp: Path, *extra: str) -> tuple[int, dict | None]:
    out = tmp / f"{base}-{cur}-{len(extra)}.json"
    args = ["monitor", "--baseline", base, "--current", cur, "-w", str(ws), "--json", str(out)]
    code = main([*args, "--lang", "en", *extra])
    return code, (json.loads(out.read_text(encoding="utf-8")) if out.exists() else None)


def test_a_baseline_later_than_the_current_run_is_refused_naming_both_dates(runs, capsys):
    ws, base, cur, _ = runs
    assert main(["monitor", "--baseline", cur, "--current", base, "-w", str(ws)]) == 2
    err = capsys.readouterr().err
    assert "statement date 2026-12-31" in err and "statement date 2025-12-31" in err
    assert "不早于" in err


def test_two_runs_of_the_same_statement_date_are_refused(runs, capsys):
    ws, base, _, same_day = runs
    assert main(["monitor", "--baseline", base, "--current", same_day, "-w", str(ws)]) == 2
    assert "is not earlier than" in capsys.readouterr().err


def test_a_model_change_is_named_and_taken_out_of_the_drift(runs, tmp_path, capsys):
    ws, base, cur, _ = runs
    code, honest = _monitor(ws, base, cur, tmp_path)
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.index("graded by different models") < printed.index("Stability")
    assert (
        honest["changes"]["model"]
        == {"baseline": ["expert"], "current": [honest["changes"]["model"]["current"][0]]}
        and honest["changes"]["model"]["current"][0] != "expert"
    )
    assert honest["statement_dates"] == {"baseline": "2025-12-31", "current": "2026-12-31"}
    assert honest["baseline_rescored"] is True
    effect = honest["model_effect"]
    assert effect["customers"] == 400 and effect["upgrades"] > 100  # the stricter model
    code, mixed = _monitor(ws, base, cur, tmp_path, "--no-rescore")
    assert code == 0 and mixed["baseline_rescored"] is False and mixed["model_effect"] is None
    # the model change alone moves the score: comparing as recorded mixes it into the drift
    assert mixed["psi"]["score"]["psi"] > 2 * honest["psi"]["score"]["psi"]
    assert (
        mixed["grade_migration_summary"]["upgrades"]
        > honest["grade_migration_summary"]["upgrades"] + 100
    )


def test_the_report_section_opens_with_the_change(runs, tmp_path):
    ws, base, cur, _ = runs
    assert _monitor(ws, base, cur, tmp_path)[0] == 0
    assert main(["report", cur, "-w", str(ws), "--format", "html", "--lang", "en"]) == 0
    html = (ws / "runs" / cur / "report.html").read_text(encoding="utf-8")
    assert "Statement dates: baseline 2025-12-31, current 2026-12-31." in html
    assert "graded by different models" in html and "The model change alone" in html
