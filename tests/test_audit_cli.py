"""Tamper evidence end to end: ``finseg audit verify|export``, ``db upgrade`` restoring the
triggers, and state changed behind the audit log refused at the next run."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from finseg.cli import main
from finseg.pipeline import run_pipeline
from finseg.sample import generate_portfolio, write_sample
from finseg.store import (
    add_user,
    approve_override,
    propose_override,
    read_session,
    register_model,
    transaction,
    upsert_customers,
)
from finseg.workspace import init_workspace


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "book.parquet"
    write_sample(generate_portfolio(150, seed=5), path)
    return path


@pytest.fixture
def ws(tmp_path: Path):
    """A workspace with analyst li, approver wang and an approved grade adjustment (id 1)."""
    workspace = init_workspace(tmp_path / "bank", language="en")
    with transaction(workspace.engine()) as s:
        add_user(s, "li", "analyst")
        add_user(s, "wang", "approver")
        upsert_customers(s, pd.DataFrame({"customer_id": ["C1", "C2"]}))
        proposal = propose_override(s, "C1", "grade", "BB", "parent guarantee", by="li")
        approve_override(s, proposal.id, by="wang")
    yield workspace
    workspace.close()


def _sql(ws, *statements: str) -> None:
    """Change the SQLite database directly, as someone with the file would."""
    conn = sqlite3.connect(ws.root / "finseg.db")
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _rows(ws) -> int:
    """How many rows the audit log holds (init, the users, the adjustment …)."""
    conn = sqlite3.connect(ws.root / "finseg.db")
    try:
        return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        conn.close()


def _verify(ws, capsys, *extra: str) -> tuple[int, str]:
    code = main(["audit", "verify", "-w", str(ws.root), *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_verify_passes_on_an_untouched_log(ws, capsys) -> None:
    code, text = _verify(ws, capsys)
    rows = _rows(ws)
    assert code == 0 and f"Audit chain intact: {rows} 行 / rows" in text and "审计链完整" in text


def test_dropped_trigger_and_forged_row_are_found_and_named(ws, capsys) -> None:
    # the attack of the issue: drop the trigger, delete the approval, forge a row in its id
    with read_session(ws.engine()) as s:
        from finseg.store import list_audit

        approval = list_audit(s, object_type="override", object_id="1")[0]
    assert approval.action == "override.approve"
    _sql(
        ws,
        "DROP TRIGGER audit_log_no_delete",
        f"DELETE FROM audit_log WHERE id = {approval.id}",
        "INSERT INTO audit_log (id, at, actor, action, object_type, object_id) VALUES "
        f"({approval.id}, '2026-01-01 00:00:00', 'zhao', 'override.approve', 'override', '1')",
    )
    code, text = _verify(ws, capsys)
    assert code == 2
    assert f"audit row {approval.id} carries no hash" in " ".join(text.split())
    assert f"审计日志第 {approval.id} 行" in text
    # db upgrade puts the trigger back and says so
    assert main(["db", "upgrade", "-w", str(ws.root)]) == 0
    assert "Audit triggers restored: audit_log_no_delete" in capsys.readouterr().out
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        _sql(ws, f"DELETE FROM audit_log WHERE id = {approval.id}")


def test_export_is_json_lines_with_the_chain_and_anchors_a_later_verify(ws, capsys, tmp_path):
    out = tmp_path / "audit.jsonl"
    assert main(["audit", "export", "--out", str(out), "-w", str(ws.root)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == list(range(1, _rows(ws) + 1))
    assert all(len(r["row_sha256"]) == 64 and len(r["prev_sha256"]) == 64 for r in rows)
    assert rows[-1]["action"] == "override.approve" and rows[-1]["after"]["decided_by"] == "wang"
    assert _verify(ws, capsys, "--anchor", str(out))[0] == 0
    # removing the newest row leaves a valid (shorter) chain: only the anchor shows it
    newest = _rows(ws)
    _sql(ws, "DROP TRIGGER audit_log_no_delete", f"DELETE FROM audit_log WHERE id = {newest}")
    assert _verify(ws, capsys)[0] == 0
    code, text = _verify(ws, capsys, "--anchor", str(out))
    assert code == 2 and f"audit row {newest}, exported in" in text and "is missing" in text


def test_direct_update_of_an_override_is_refused_at_the_next_run(ws, sample, capsys) -> None:
    with transaction(ws.engine()) as s:  # a second proposal, never approved
        propose_override(s, "C2", "grade", "B", "weak cash flow", by="li")
    _sql(
        ws,
        "UPDATE overrides SET status = 'approved', decided_by = 'wang', "
        "decided_at = '2026-01-01 00:00:00' WHERE id = 2",
    )
    code = main(["run", "--data", str(sample), "-w", str(ws.root)])
    text = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert "override 2: its audit row" in text and "(override.propose) is not override.approve" in (
        text
    )
    assert "the state was changed outside finseg and is refused" in text


def test_a_changed_value_of_an_approved_override_is_refused(ws, sample) -> None:
    from finseg.exceptions import UserError

    _sql(ws, "UPDATE overrides SET to_value = 'AAA' WHERE id = 1")
    with pytest.raises(UserError, match="override 1: to_value is 'AAA' in the database but 'BB'"):
        run_pipeline(ws, sample)


def test_an_untouched_approved_override_applies(ws, sample) -> None:
    result = run_pipeline(ws, sample)
    assert result.status == "done"


def _forge_champion(ws) -> None:
    """Two registered candidates; m2 made champion by SQL, behind the audit log."""
    card = {"params": {"mode": "canonical"}, "features": []}
    with transaction(ws.engine()) as s:
        register_model(s, ws.models_dir, {"w": 1}, kind="expert", card=card, name="m1")
        register_model(s, ws.models_dir, {"w": 2}, kind="expert", card=card, name="m2")
    _sql(
        ws,
        "UPDATE models SET status = 'challenger' WHERE id = 'm1'",
        "UPDATE models SET status = 'champion' WHERE id = 'm2'",
    )


def test_a_champion_set_by_sql_is_refused(ws, sample, tmp_path) -> None:
    from finseg.exceptions import UserError

    _forge_champion(ws)
    with pytest.raises(
        UserError,
        match=r"model m2: status is .champion. in the database but .candidate. in its audit row",
    ):
        run_pipeline(ws, sample)


def test_predict_refuses_a_champion_set_by_sql(ws, sample, tmp_path, capsys) -> None:
    _forge_champion(ws)
    out = tmp_path / "scored.csv"
    code = main(["predict", "--data", str(sample), "--out", str(out), "-w", str(ws.root)])
    assert code == 2 and "model m2: status is 'champion'" in capsys.readouterr().err
    assert not out.exists()


def test_a_policy_made_active_by_sql_is_refused_at_the_next_run(ws, sample) -> None:
    from finseg.exceptions import UserError

    text = ws.policy_file.read_text(encoding="utf-8")
    ws.policy_file.write_text(text.replace("version: ", "version: 9", 1), encoding="utf-8")
    draft = run_pipeline(ws, sample)  # records the changed text as a draft
    assert draft.policy_status == "draft"
    _sql(
        ws,
        "UPDATE policy_versions SET status = 'retired' WHERE status = 'active'",
        "UPDATE policy_versions SET status = 'active' WHERE id = (SELECT max(id) FROM "
        "policy_versions)",
    )
    with pytest.raises(UserError, match=r"policy_version \d+.*audit"):
        run_pipeline(ws, sample)
