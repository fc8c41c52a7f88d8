"""The audit log's hash chain, on SQLite and PostgreSQL: appends, breaks, forks, triggers."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from finseg.store import (
    GENESIS,
    AuditEntry,
    add_user,
    audit,
    ensure_audit_triggers,
    export_rows,
    guarded_upgrade,
    iter_chain,
    read_session,
    transaction,
    verify_chain,
)


def _write(engine: Engine, n: int, prefix: str = "u") -> None:
    for i in range(n):
        with transaction(engine) as s:
            audit(s, "li", "demo.step", "demo", f"{prefix}{i}", {"n": i}, {"n": i + 1, "x": 1.5})


def _tamper(engine: Engine, *sql: str) -> None:
    """Run ``sql`` with the append-only triggers dropped, as a hostile DBA would."""
    pg = engine.dialect.name == "postgresql"
    drop = (
        ["DROP TRIGGER audit_log_no_update_delete ON audit_log"]
        if pg
        else ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"]
    )
    with engine.begin() as conn:
        for statement in (*drop, *sql):
            conn.exec_driver_sql(statement)


def _report(engine: Engine):
    with read_session(engine) as s:
        return verify_chain(s)


def test_rows_are_chained_and_the_hash_is_recomputable_from_the_export(engine: Engine) -> None:
    _write(engine, 3)
    with transaction(engine) as s:
        add_user(s, "wang", "approver")
    report = _report(engine)
    assert report.ok and report.rows == 4 and report.head_id == 4
    with read_session(engine) as s:
        lines = list(export_rows(iter_chain(s)))
    rows = [json.loads(line) for line in lines]
    assert rows[0]["prev_sha256"] == GENESIS
    for before, row in zip([None, *rows], rows, strict=False):
        if before is not None:
            assert row["prev_sha256"] == before["row_sha256"]
        # the documented canonical form, recomputed without finseg's code
        content = {k: v for k, v in row.items() if k != "row_sha256"}
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == row["row_sha256"]
    assert rows[1]["at"].endswith("Z") and rows[1]["after"] == {"n": 2, "x": 1.5}
    assert report.head_sha256 == rows[-1]["row_sha256"]


def test_a_changed_row_is_named(engine: Engine) -> None:
    _write(engine, 4)
    _tamper(engine, "UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
    report = _report(engine)
    assert not report.ok and report.broken_id == 3 and report.rows == 2
    assert "audit row 3 (demo.step demo u2) was changed or forged" in report.en
    assert "第 3 行" in report.zh


def test_a_deleted_row_is_named(engine: Engine) -> None:
    _write(engine, 4)
    _tamper(engine, "DELETE FROM audit_log WHERE id = 2")
    report = _report(engine)
    assert report.broken_id == 3 and "audit row(s) 2 are missing (deleted)" in report.en


def test_a_deleted_first_row_is_named(engine: Engine) -> None:
    _write(engine, 2)
    _tamper(engine, "DELETE FROM audit_log WHERE id = 1")
    assert "audit row(s) 1 are missing" in _report(engine).en


def test_a_forged_row_reusing_a_deleted_id_is_named(engine: Engine) -> None:
    _write(engine, 4)
    with read_session(engine) as s:
        original = s.get(AuditEntry, 2)
    forged = (
        "INSERT INTO audit_log (id, at, actor, action, object_type, object_id, before, after, "
        f"prev_sha256, row_sha256) VALUES (2, CURRENT_TIMESTAMP, 'wang', 'override.approve', "
        f"'override', '9', NULL, NULL, '{original.prev_sha256}', '{original.row_sha256}')"
    )
    _tamper(engine, "DELETE FROM audit_log WHERE id = 2", forged)
    report = _report(engine)
    assert report.broken_id == 2
    assert "audit row 2 (override.approve override 9) was changed or forged" in report.en


def test_a_forger_who_recomputes_the_hash_breaks_the_next_link(engine: Engine) -> None:
    from finseg.store import row_sha256

    _write(engine, 3)
    with read_session(engine) as s:
        row = next(r for r in iter_chain(s) if r["id"] == 2)
    row["actor"] = "mallory"
    digest = row_sha256(row, row["prev_sha256"])
    _tamper(engine, f"UPDATE audit_log SET actor = 'mallory', row_sha256 = '{digest}' WHERE id = 2")
    report = _report(engine)
    assert report.broken_id == 2 and "audit row 2 was replaced or forged" in report.en


def test_concurrent_writers_do_not_fork_the_chain(engine: Engine) -> None:
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            _write(engine, 15, prefix)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in "abc"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = _report(engine)
    assert report.ok and report.rows == 45


def test_the_chain_index_refuses_a_fork(engine: Engine) -> None:
    _write(engine, 2)
    with read_session(engine) as s:
        head = s.get(AuditEntry, 2)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO audit_log (id, at, actor, action, object_type, prev_sha256, row_sha256) "
            f"VALUES (3, CURRENT_TIMESTAMP, 'x', 'y', 'z', '{head.prev_sha256}', 'f')"
        )


def test_upgrade_restores_dropped_or_disabled_triggers(engine: Engine) -> None:
    _write(engine, 2)
    pg = engine.dialect.name == "postgresql"
    _tamper(engine)  # drops the triggers
    if pg:
        with engine.begin() as conn:
            ensure_audit_triggers(conn)
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
    restored = guarded_upgrade(engine).restored
    expected = (
        {"audit_log_no_update_delete", "audit_log_no_truncate"}
        if pg
        else {
            "audit_log_no_update",
            "audit_log_no_delete",
        }
    )
    assert set(restored) == expected
    assert guarded_upgrade(engine).restored == []  # idempotent
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log")
