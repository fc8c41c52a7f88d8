"""Runs: results on disk, the runs row, determinism, atomicity under errors and SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from finseg import pipeline
from finseg.cli import main
from finseg.exceptions import RunError, UserError
from finseg.pipeline import RESULTS, Stage, run_pipeline
from finseg.sample import generate_portfolio, write_sample
from finseg.store import RunStatus, list_runs, read_session
from finseg.workspace import init_workspace, open_workspace


@pytest.fixture(scope="module")
def sample_xlsx(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "book.xlsx"
    write_sample(generate_portfolio(400, seed=11), path)
    return path


@pytest.fixture
def ws(tmp_path):
    workspace = init_workspace(tmp_path / "ws", language="en")
    yield workspace
    workspace.close()


def _runs(ws):
    with read_session(ws.engine()) as s:
        return {r.id: r.status for r in list_runs(s)}


def test_run_writes_results_and_records_it(ws, sample_xlsx):
    result = run_pipeline(ws, sample_xlsx)
    frame = pd.read_parquet(result.results)
    assert len(frame) == result.rows == 400
    assert {"customer_id", "total_assets", "industry_section", "size_class"} <= set(frame.columns)
    assert frame["customer_id"].is_unique
    assert sorted(p.name for p in result.run_dir.iterdir()) == [
        "quality.json",
        RESULTS,
        "segments.json",
    ]
    seg = json.loads((result.run_dir / "segments.json").read_text(encoding="utf-8"))
    assert sum(r["n"] for r in seg["segments"].values()) == 400
    assert _runs(ws) == {result.run_id: RunStatus.DONE}
    assert set(result.timings) == {
        "ingest",
        "overrides",
        "features",
        "risk",
        "segments",
        "strategy",
        "allocation",
    }
    assert {"pd", "score", "grade", "reason_1", "lifecycle_stage"} <= set(frame.columns)
    assert {"segment", "segment_rule", "strategy_key", "segment_key"} <= set(frame.columns)
    assert frame["segment"].notna().all()
    assert {"product", "limit", "price", "decision", "decision_reasons"} <= set(frame.columns)
    assert "allocated_amount" not in frame  # no allocation.budget in the default policy
    with read_session(ws.engine()) as s:
        (run,) = list_runs(s)
        assert run.model_ids == ["expert"]
        assert run.params["scenario"] == "baseline"
    assert not list(ws.runs_dir.glob("*.partial"))


def test_same_input_and_policy_give_byte_identical_results(ws, sample_xlsx):
    first, second = run_pipeline(ws, sample_xlsx), run_pipeline(ws, sample_xlsx)
    assert first.run_id != second.run_id
    assert first.results.read_bytes() == second.results.read_bytes()


def test_a_budget_in_the_policy_runs_the_allocation_stage(ws, sample_xlsx):
    text = ws.policy_file.read_text(encoding="utf-8")
    ws.policy_file.write_text(text.replace("  budget: null", "  budget: 500000000", 1), "utf-8")
    first, second = run_pipeline(ws, sample_xlsx), run_pipeline(ws, sample_xlsx)
    assert first.timings["allocation"] > 0
    frame = pd.read_parquet(first.results)
    summary = json.loads((first.run_dir / "allocation.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal" and summary["budget"] == 500_000_000
    assert frame["allocated_amount"].sum() == pytest.approx(summary["allocated_total"])
    assert frame["allocated_amount"].sum() <= 500_000_000 * (1 + 1e-9)
    assert (frame["allocated_amount"] <= frame["limit"] + 1e-6).all()
    assert (frame.loc[frame["decision"] == "decline", "allocated_amount"] == 0).all()
    assert summary["objective"] >= summary["lagrangian_objective"] - 1e-6
    # the summary (with its solve time) stays out of the Parquet metadata
    assert first.results.read_bytes() == second.results.read_bytes()


def test_a_segment_no_customer_matches_is_a_warning_in_the_summary_and_report(
    ws, sample_xlsx, capsys
):
    text = ws.policy_file.read_text(encoding="utf-8")
    impossible = "when: lifecycle_stage = 'expansion' AND debt_to_assets < -1"
    ws.policy_file.write_text(text.replace("when: lifecycle_stage = 'expansion'", impossible, 1))
    assert main(["run", "--data", str(sample_xlsx), "--workspace", str(ws.root)]) == 0
    assert "match no customer: fast_expanding" in capsys.readouterr().err
    assert main(["run", "--data", str(sample_xlsx), "--workspace", str(ws.root), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["empty_segments"] == ["fast_expanding"]
    assert main(["report", payload["run_id"], "--workspace", str(ws.root), "--format", "html"]) == 0
    html = (Path(payload["results"]).parent / "report.html").read_text(encoding="utf-8")
    assert "1 segment(s) match no customer: Fast-expanding firms" in html


def test_an_unknown_scenario_fails_before_anything_is_recorded(ws, sample_xlsx):
    with pytest.raises(UserError, match="unknown scenario 'boom'"):
        run_pipeline(ws, sample_xlsx, scenario="boom")
    assert _runs(ws) == {}


def test_failing_stage_leaves_no_run_directory_and_a_failed_row(ws, sample_xlsx, monkeypatch):
    def explode(frame, section):
        raise ValueError("stage blew up")

    monkeypatch.setattr(
        pipeline, "STAGES", [*pipeline.STAGES, Stage("boom", "炸", "Boom", explode, "overview")]
    )
    with pytest.raises(RunError, match="stage blew up"):
        run_pipeline(ws, sample_xlsx)
    assert list(ws.runs_dir.iterdir()) == []
    ((_, status),) = _runs(ws).items()
    assert status is RunStatus.FAILED
    monkeypatch.undo()
    again = run_pipeline(ws, sample_xlsx)
    assert _runs(ws)[again.run_id] is RunStatus.DONE


def test_user_error_in_input_fails_the_run_with_exit_2(ws, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("客户编号,客户名称\nC1,甲\n", encoding="utf-8")
    assert main(["run", "--data", str(bad), "--workspace", str(ws.root)]) == 2
    assert "missing required column" in capsys.readouterr().err
    assert list(_runs(ws).values()) == [RunStatus.FAILED]
    assert list(ws.runs_dir.iterdir()) == []


KILLED_RUN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from finseg import pipeline
    from finseg.workspace import open_workspace

    def hang(frame, section):
        Path(sys.argv[3]).write_text("in stage")
        time.sleep(120)
        return frame

    pipeline.STAGES.append(pipeline.Stage("hang", "挂起", "Hang", hang, "overview"))
    pipeline.run_pipeline(open_workspace(sys.argv[1]), Path(sys.argv[2]))
    """
)


def test_sigkill_mid_run_leaves_nothing_that_looks_finished(ws, sample_xlsx, tmp_path):
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(ws.root), str(sample_xlsx), str(marker)]
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), "the child run never reached its stage"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert [p.name.endswith(".partial") for p in ws.runs_dir.iterdir()] == [True]
    assert RunStatus.DONE not in _runs(ws).values()
    after = run_pipeline(ws, sample_xlsx)  # the next run works and clears the leftovers
    statuses = _runs(ws)
    assert statuses[after.run_id] is RunStatus.DONE
    assert sorted(statuses.values()) == sorted([RunStatus.DONE, RunStatus.FAILED])
    assert [p.name for p in ws.runs_dir.iterdir()] == [after.run_id]


def test_as_of_picks_one_snapshot_from_several_periods(ws, tmp_path):
    data = tmp_path / "panel.parquet"
    write_sample(generate_portfolio(120, seed=3, as_of=date(2025, 12, 31), periods=3), data)
    latest = pd.read_parquet(run_pipeline(ws, data).results)
    assert set(latest["as_of_date"]) == {pd.Timestamp("2025-12-31")}
    older = pd.read_parquet(run_pipeline(ws, data, as_of=date(2024, 12, 31)).results)
    assert set(older["as_of_date"]) == {pd.Timestamp("2024-12-31")}
    with pytest.raises(UserError, match="no rows with that statement date"):
        run_pipeline(ws, data, as_of=date(2020, 6, 30))


def test_cli_run_json_and_runs_commands(ws, sample_xlsx, capsys):
    assert main(["run", "--data", str(sample_xlsx), "--workspace", str(ws.root), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"run_id", "status", "rows", "seconds", "results"} <= set(payload)
    assert (
        payload["status"] == "done"
        and payload["rows"] == 400
        and Path(payload["results"]).is_file()
    )
    assert main(["runs", "list", "--workspace", str(ws.root)]) == 0
    assert payload["run_id"] in capsys.readouterr().out
    assert main(["runs", "show", payload["run_id"], "--workspace", str(ws.root)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "done" and shown["input_sha256"] and shown["policy_hash"]
    assert set(shown["files"]) == {"quality.json", "results.parquet", "segments.json"}
    assert main(["runs", "show", "nope", "--workspace", str(ws.root)]) == 2


def test_commands_outside_a_workspace_say_so(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["runs", "list"]) == 2
    assert "not a finseg workspace" in capsys.readouterr().err


@pytest.mark.pg
def test_run_on_postgresql(tmp_path, sample_xlsx, postgres_database):
    workspace = init_workspace(tmp_path / "pg", database_url=postgres_database)
    try:
        result = run_pipeline(workspace, sample_xlsx)
        assert _runs(workspace) == {result.run_id: RunStatus.DONE}
        assert open_workspace(workspace.root).settings.database_url.startswith("postgresql")
    finally:
        workspace.close()


def test_report_uses_the_policy_the_run_used(ws, sample_xlsx):
    from finseg.runs import report_run

    text = ws.policy_file.read_text(encoding="utf-8")
    ws.policy_file.write_text(text.replace("top_regions: 15", "top_regions: 3"), encoding="utf-8")
    run = run_pipeline(ws, sample_xlsx)
    ws.policy_file.write_text(text, encoding="utf-8")  # changed after the run: must not matter
    html = report_run(ws, run.run_id, "en", ["html"])["html"].read_text(encoding="utf-8")
    assert "Top 3 regions" in html or "top 3 regions" in html.lower()


def test_a_report_refuses_a_stored_policy_that_no_longer_validates(ws, sample_xlsx):
    from finseg.exceptions import StoreError
    from finseg.runs import report_run
    from finseg.store import PolicyVersion, get_run, transaction

    result = run_pipeline(ws, sample_xlsx)
    with transaction(ws.engine()) as s:
        version = s.get(PolicyVersion, get_run(s, result.run_id).policy_version_id)
        version.content = version.content + "\nunknown_section: 1\n"
    with pytest.raises(StoreError, match="no longer validates"):
        report_run(ws, result.run_id, "en", ["html"])
