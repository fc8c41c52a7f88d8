"""Store tests, each run on SQLite and on PostgreSQL (``db_url`` / ``engine`` fixtures)."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from finseg.exceptions import StoreError, UserError
from finseg.store import (
    Base,
    Role,
    Run,
    RunStatus,
    add_user,
    audit,
    current_revision,
    fail_run,
    finish_run,
    get_customer,
    get_run,
    head_revision,
    list_audit,
    list_runs,
    list_users,
    make_engine,
    mark_stale_running_runs_failed,
    read_session,
    record_policy_version,
    start_run,
    transaction,
    upgrade,
    upsert_customers,
    utcnow,
)

TABLES = {"alembic_version", "audit_log", "customers", "policy_versions", "runs", "users"}


# migrations -------------------------------------------------------------------------------


def test_migrations_apply_and_match_models(db_url: str) -> None:
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision()
    assert upgrade(engine) == head_revision()  # idempotent
    assert set(sa.inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
    engine.dispose()


def test_upgrade_accepts_a_url(db_url: str) -> None:
    assert upgrade(db_url) == head_revision()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'finseg.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), transaction(engine) as s:
        start_run(s, run_id="r-bad-fk", policy_version_id=999)


def test_unsupported_database_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        make_engine("mysql://u@h/db")


# users ------------------------------------------------------------------------------------


def test_users_add_and_list(engine: Engine) -> None:
    with transaction(engine) as s:
        add_user(s, "zhang", "analyst", actor="admin")
        add_user(s, "li", Role.APPROVER, actor="admin")
        add_user(s, "wang", "admin")
    with read_session(engine) as s:
        users = list_users(s)
        assert [(u.name, u.role) for u in users] == [
            ("li", Role.APPROVER), ("wang", Role.ADMIN), ("zhang", Role.ANALYST),
        ]  # fmt: skip
        assert all(u.active and u.created_at.tzinfo is not None for u in users)
        entries = list_audit(s, object_type="user")
    assert [e.action for e in entries] == ["user.add"] * 3
    assert entries[-1].actor == "admin" and entries[-1].after == {"role": "analyst", "active": True}


def test_unknown_role_is_rejected(engine: Engine) -> None:
    with pytest.raises(UserError, match="unknown role 'boss'") as info, transaction(engine) as s:
        add_user(s, "zhao", "boss")
    assert "未知的角色" in info.value.zh


def test_duplicate_user_is_a_clear_error(engine: Engine) -> None:
    with transaction(engine) as s:
        add_user(s, "zhang", "analyst")
    with (
        pytest.raises(UserError, match="user 'zhang' already exists") as info,
        transaction(engine) as s,
    ):
        add_user(s, " zhang ", "admin")
    assert "已存在" in info.value.zh


def test_role_check_constraint_in_the_database(engine: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO users (name, role, created_at, active) VALUES (:n, :r, :t, :a)"),
            {"n": "x", "r": "boss", "t": utcnow(), "a": True},
        )


# audit log --------------------------------------------------------------------------------


def test_audit_rows_are_written_with_utc_time(engine: Engine) -> None:
    with transaction(engine) as s:
        audit(s, "li", "segment.override", "customer", "C1", {"segment": "A"}, {"segment": "B"})
    with read_session(engine) as s:
        (entry,) = list_audit(s, object_type="customer", object_id="C1")
    assert (entry.actor, entry.before, entry.after) == ("li", {"segment": "A"}, {"segment": "B"})
    assert entry.at.tzinfo is UTC and abs(utcnow() - entry.at) < timedelta(minutes=1)


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"])
def test_audit_log_rejects_update_and_delete(engine: Engine, sql: str) -> None:
    with transaction(engine) as s:
        audit(s, "li", "x", "thing", "1")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text(sql))
    with read_session(engine) as s:
        assert [e.actor for e in list_audit(s)] == ["li"]


@pytest.mark.pg
def test_audit_log_rejects_truncate_on_postgresql(postgres_database: str) -> None:
    engine = make_engine(postgres_database)
    upgrade(engine)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE audit_log"))
    engine.dispose()


# policy versions --------------------------------------------------------------------------


def test_policy_versions_are_idempotent_by_hash(engine: Engine) -> None:
    with transaction(engine) as s:
        first = record_policy_version(s, "version: 1\nname: {zh: 甲, en: A}\n", name="A")
        again = record_policy_version(s, "version: 1  \r\nname: {zh: 甲, en: A}\r\n")
        other = record_policy_version(s, "version: 2\nname: {zh: 甲, en: A}\n")
    assert first == again != other
    with read_session(engine) as s:
        assert len(list_audit(s, object_type="policy_version")) == 2


# runs -------------------------------------------------------------------------------------


def test_run_lifecycle(engine: Engine) -> None:
    with transaction(engine) as s:
        pv = record_policy_version(s, "name: {zh: 甲, en: A}\n")
        run = start_run(s, input_path="data.xlsx", input_sha256="ab" * 32, policy_version_id=pv,
                        params={"unit": "wan"}, actor="li")  # fmt: skip
    assert run.status is RunStatus.RUNNING and run.created_at.tzinfo is UTC
    with transaction(engine) as s:
        finish_run(s, run.id, row_counts={"customers": 10}, timings={"ingest": 0.5},
                   files={"portfolio.parquet": "cd" * 32}, model_ids=["m1"],
                   results_path=f"runs/{run.id}")  # fmt: skip
    with read_session(engine) as s:
        done = get_run(s, run.id)
        assert done.status is RunStatus.DONE and done.finished_at >= done.created_at
        assert done.files == {"portfolio.parquet": "cd" * 32} and done.model_ids == ["m1"]
        assert done.params == {"unit": "wan"} and done.policy_version_id == pv
        actions = [e.action for e in list_audit(s, object_type="run", object_id=run.id)]
    assert actions == ["run.finish", "run.start"]
    with pytest.raises(StoreError, match="is done, not running"), transaction(engine) as s:
        fail_run(s, run.id, "too late")


def test_failed_run_and_listing(engine: Engine) -> None:
    with transaction(engine) as s:
        a = start_run(s, run_id="20250101T000000Z-aaaaaa")
        b = start_run(s, run_id="20250102T000000Z-bbbbbb")
        fail_run(s, a.id, "ValueError: boom")
    with read_session(engine) as s:
        assert get_run(s, a.id).error == "ValueError: boom"
        assert [r.id for r in list_runs(s, status="failed")] == [a.id]
        assert {r.id for r in list_runs(s)} == {a.id, b.id}
        with pytest.raises(StoreError, match="no run with id 'nope'"):
            get_run(s, "nope")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_running_runs_are_marked_failed(engine: Engine) -> None:
    with transaction(engine) as s:
        mine = start_run(s, run_id="mine")
        killed = start_run(s, run_id="killed")
        killed.owner_pid = _dead_pid()
        remote = start_run(s, run_id="remote")
        remote.owner_host, remote.created_at = "elsewhere", utcnow() - timedelta(days=2)
        young = start_run(s, run_id="young-remote")
        young.owner_host = "elsewhere"
    with transaction(engine) as s:
        stale = mark_stale_running_runs_failed(s, older_than=timedelta(hours=1))
    assert sorted(stale) == ["killed", "remote"]
    with read_session(engine) as s:
        assert get_run(s, mine.id).status is RunStatus.RUNNING
        assert get_run(s, young.id).status is RunStatus.RUNNING
        assert "stale" in get_run(s, "killed").error


def test_a_running_run_whose_pid_was_reused_is_abandoned(engine: Engine) -> None:
    from finseg.store import is_abandoned

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with transaction(engine) as s:
            reused = start_run(s, run_id="reused")  # an hour old, its PID now someone else's
            reused.owner_pid, reused.created_at = child.pid, utcnow() - timedelta(hours=1)
            live = start_run(s, run_id="live")  # this process
        with read_session(engine) as s:
            assert is_abandoned(get_run(s, "reused")) is True
            assert is_abandoned(get_run(s, live.id)) is False
    finally:
        child.kill()
        child.wait()


# customers --------------------------------------------------------------------------------


def test_upsert_customers(engine: Engine) -> None:
    df = pd.DataFrame({
        "customer_id": ["C1", "C2", "C1"],
        "customer_name": ["甲公司", "乙公司", "甲公司（新）"],
        "region": ["北京", None, "上海"],
        "as_of_date": pd.to_datetime(["2023-12-31", "2024-12-31", "2024-12-31"]),
    })  # fmt: skip
    with transaction(engine) as s:
        r1, r2 = start_run(s, run_id="r1"), start_run(s, run_id="r2")
        assert upsert_customers(s, df, run_id=r1.id) == {"inserted": 2, "updated": 0}
    update = pd.DataFrame({"customer_id": ["C1", "C3"], "customer_name": [pd.NA, "丙"]})
    with transaction(engine) as s:
        assert upsert_customers(s, update, run_id=r2.id) == {"inserted": 1, "updated": 1}
    with read_session(engine) as s:
        c1 = get_customer(s, "C1")
        assert (c1.name, c1.region) == ("甲公司（新）", "上海")  # NA kept the known name
        assert (c1.first_run_id, c1.last_run_id) == ("r1", "r2")
        assert get_customer(s, "C2").region is None
        assert len(list_audit(s, object_type="customers")) == 2


def test_upsert_without_customer_id_is_a_user_error(engine: Engine) -> None:
    with pytest.raises(UserError, match="no customer_id column"), transaction(engine) as s:
        upsert_customers(s, pd.DataFrame({"name": ["x"]}))


# concurrency ------------------------------------------------------------------------------


def test_concurrent_writers_do_not_hit_database_is_locked(engine: Engine) -> None:
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            for i in range(25):
                # read first, then write: a deferred transaction would fail to upgrade its lock
                with transaction(engine) as s:
                    list_users(s)
                    add_user(s, f"{prefix}{i}", "analyst")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with read_session(engine) as s:
        assert len(list_users(s)) == 50
        assert s.scalar(sa.select(sa.func.count()).select_from(Run)) == 0
