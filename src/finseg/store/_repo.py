"""Repositories: the only code that reads and writes finseg's tables.

Every function takes an open :class:`~sqlalchemy.orm.Session`; the caller owns the transaction
(normally ``with transaction(engine) as session:``).  Each state change writes its audit row in
that same transaction, so a change and its audit entry are committed or lost together.  The
audit log has no update or delete function here, and the database rejects both.

>>> from finseg.store import make_engine, transaction, upgrade
>>> engine = make_engine("sqlite://"); _ = upgrade(engine)
>>> with transaction(engine) as s:
...     add_user(s, "wang", "approver", actor="admin").role.value
'approver'
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finseg._policy import normalise_policy_text, policy_hash
from finseg.exceptions import StoreError, UserError
from finseg.store._audit import chain_link, row_sha256
from finseg.store._models import (
    AuditEntry,
    PolicyStatus,
    PolicyVersion,
    Role,
    Run,
    RunStatus,
    User,
    utcnow,
)
from finseg.store._names import confusable_with, normalise_name

__all__ = [
    "SYSTEM",
    "add_user",
    "audit",
    "fail_run",
    "find_user",
    "finish_run",
    "get_run",
    "is_abandoned",
    "list_audit",
    "list_runs",
    "list_users",
    "mark_stale_running_runs_failed",
    "new_run_id",
    "record_policy_version",
    "set_role",
    "start_run",
]

#: Actor recorded when no person is behind a change.
SYSTEM = "system"


def audit(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit row (UTC time) to the current transaction, chained to the row before.

    ``before`` and ``after`` are JSON-serialisable snapshots of the object.  The row's id,
    ``prev_sha256`` and ``row_sha256`` are set here, under the chain's lock (see
    :mod:`finseg.store._audit`), so concurrent writers never fork the chain.
    """
    entry_id, prev = chain_link(session)
    row = {
        "id": entry_id, "at": utcnow(), "actor": actor, "action": action,
        "object_type": object_type, "object_id": None if object_id is None else str(object_id),
        "before": _json_roundtrip(before), "after": _json_roundtrip(after),
    }  # fmt: skip
    entry = AuditEntry(**row, prev_sha256=prev, row_sha256=row_sha256(row, prev))
    session.add(entry)
    session.flush()
    return entry


def _json_roundtrip(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """``value`` as the database will give it back (tuples as lists, keys as strings), so that
    the hash computed now matches the hash recomputed from the stored row."""
    return None if value is None else json.loads(json.dumps(value))


def list_audit(
    session: Session,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Audit rows, newest first, optionally for one object."""
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if object_type is not None:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == str(object_id))
    return list(session.scalars(stmt))


# users ------------------------------------------------------------------------------------


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise UserError(
            f"unknown role {role!r}; choose one of: {choices}",
            f"未知的角色 {role!r}；可选：{choices}"
            "（analyst 客户经理、approver 审批人、admin 管理员）",
        ) from None


def _taken(session: Session, name: str) -> UserError | None:
    if session.scalar(sa.select(User.id).where(User.name == name)) is not None:
        return UserError(f"user {name!r} already exists", f"用户 {name!r} 已存在")
    other = confusable_with(name, session.scalars(sa.select(User.name)))
    if other is not None:
        return UserError(
            f"user name {name!a} is refused: it can be mistaken for the existing user "
            f"{other!a} (Unicode TR39 confusables)",
            f"用户名 {name!a} 不被接受：与已有用户 {other!a} 字形相似，容易混淆"
            "（Unicode TR39 易混淆字符）",
        )
    return None


def add_user(
    session: Session,
    name: str,
    role: Role | str,
    *,
    actor: str = SYSTEM,
    password_hash: str | None = None,
) -> User:
    """Create a user with one role (and, to let them log in, their password's hash).

    The name is normalised to NFKC and must be distinguishable from every existing name
    (:mod:`finseg.store._names`).  Whether ``actor`` may add users is the service's business
    (:func:`finseg.services.add_user`).

    Raises
    ------
    UserError
        Empty, too long or invisible-character name, a name confusable with an existing one,
        unknown role, or a user of that name already exists.
    """
    name, role = normalise_name(name), _role(role)
    taken = _taken(session, name)
    if taken is not None:
        raise taken
    user = User(name=name, role=role, active=True, password_hash=password_hash)
    try:
        with session.begin_nested():
            session.add(user)
    except sa.exc.IntegrityError as exc:  # lost a race with another writer
        raise UserError(f"user {name!r} already exists", f"用户 {name!r} 已存在") from exc
    audit(session, actor, "user.add", "user", name, None, {"role": role.value, "active": True})
    return user


def find_user(session: Session, name: str) -> User | None:
    """The user called ``name`` (NFKC-normalised as stored), or ``None``."""
    key = unicodedata.normalize("NFKC", name).strip()
    return session.scalar(sa.select(User).where(User.name == key))


def set_role(session: Session, name: str, role: Role | str, *, actor: str = SYSTEM) -> User:
    """Give the user ``name`` the role ``role`` (audited).

    Raises
    ------
    UserError
        No such user, or an unknown role.
    """
    role, user = _role(role), find_user(session, name)
    if user is None:
        raise UserError(f"no user named {name!r}", f"用户 {name!r} 不存在")
    before = {"role": user.role.value, "active": user.active}
    user.role = role
    session.flush()
    audit(session, actor, "user.role", "user", user.name, before,
          {"role": role.value, "active": user.active})  # fmt: skip
    return user


def list_users(session: Session, *, active_only: bool = False) -> list[User]:
    """Users ordered by name."""
    stmt = sa.select(User).order_by(User.name)
    if active_only:
        stmt = stmt.where(User.active.is_(True))
    return list(session.scalars(stmt))


# policy versions --------------------------------------------------------------------------


def record_policy_version(
    session: Session, content: str, *, name: str = "", actor: str = SYSTEM
) -> int:
    """Store a policy text once per distinct (normalised) content; return its id.

    A new text is recorded as a ``draft`` version with no author (``finseg policy submit``
    names one; :mod:`finseg.store._policies`).  Recording the same content again returns the
    existing id and writes nothing.
    """
    digest = policy_hash(content)
    found = session.scalar(sa.select(PolicyVersion.id).where(PolicyVersion.sha256 == digest))
    if found is not None:
        return found
    version = PolicyVersion(
        sha256=digest, content=normalise_policy_text(content), name=name,
        status=PolicyStatus.DRAFT,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(version)
    except sa.exc.IntegrityError:  # recorded concurrently by another writer
        return session.scalar(sa.select(PolicyVersion.id).where(PolicyVersion.sha256 == digest))
    audit(session, actor, "policy.record", "policy_version", str(version.id), None,
          {"sha256": digest, "name": name, "status": "draft"})  # fmt: skip
    return version.id


# runs -------------------------------------------------------------------------------------


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id such as ``20250101T093000Z-3fa2c1``."""
    return f"{(now or utcnow()):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _run_state(run: Run) -> dict[str, Any]:
    return {
        "status": run.status.value,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "error": run.error,
        "results_path": run.results_path,
    }


def start_run(
    session: Session,
    *,
    run_id: str | None = None,
    input_path: str | None = None,
    input_sha256: str | None = None,
    policy_version_id: int | None = None,
    params: dict[str, Any] | None = None,
    actor: str = SYSTEM,
) -> Run:
    """Record a new run as ``running``, owned by this host and process."""
    run = Run(
        id=run_id or new_run_id(), status=RunStatus.RUNNING, input_path=input_path,
        input_sha256=input_sha256, policy_version_id=policy_version_id, params=params or {},
        owner_host=socket.gethostname(), owner_pid=os.getpid(),
    )  # fmt: skip
    session.add(run)
    session.flush()
    after = {"status": "running", "input_path": input_path, "policy_version_id": policy_version_id}
    audit(session, actor, "run.start", "run", run.id, None, after)
    return run


def get_run(session: Session, run_id: str) -> Run:
    """The run ``run_id``.

    Raises
    ------
    StoreError
        No such run.
    """
    run = session.get(Run, run_id)
    if run is None:
        raise StoreError(f"no run with id {run_id!r}", f"不存在编号为 {run_id!r} 的运行")
    return run


def list_runs(
    session: Session, *, status: RunStatus | str | None = None, limit: int = 50
) -> list[Run]:
    """Runs, newest first, optionally only those with ``status``."""
    stmt = sa.select(Run).order_by(Run.created_at.desc(), Run.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(Run.status == RunStatus(status))
    return list(session.scalars(stmt))


def _running(session: Session, run_id: str) -> Run:
    run = get_run(session, run_id)
    if run.status is not RunStatus.RUNNING:
        raise StoreError(
            f"run {run_id} is {run.status.value}, not running; it cannot change again",
            f"运行 {run_id} 的状态为 {run.status.value}，并非进行中，不能再变更",
        )
    return run


def finish_run(
    session: Session,
    run_id: str,
    *,
    row_counts: dict[str, int] | None = None,
    timings: dict[str, float] | None = None,
    files: dict[str, str] | None = None,
    model_ids: list[str] | None = None,
    results_path: str | None = None,
    statement_date: str | None = None,
    actor: str = SYSTEM,
) -> Run:
    """Mark a running run ``done`` with its counts, timings and file checksums (and the
    statement date of the snapshot it ran on, in ``params``)."""
    run = _running(session, run_id)
    before = _run_state(run)
    if statement_date is not None:  # a new dict: the JSON column sees the change
        run.params = {**(run.params or {}), "statement_date": statement_date}
    run.status, run.finished_at = RunStatus.DONE, utcnow()
    run.row_counts, run.timings, run.files = row_counts or {}, timings or {}, files or {}
    run.model_ids, run.results_path = model_ids or [], results_path
    session.flush()
    audit(session, actor, "run.finish", "run", run_id, before, _run_state(run))
    return run


def fail_run(session: Session, run_id: str, error: str, *, actor: str = SYSTEM) -> Run:
    """Mark a running run ``failed`` with the error text."""
    run = _running(session, run_id)
    before = _run_state(run)
    run.status, run.finished_at, run.error = RunStatus.FAILED, utcnow(), error
    session.flush()
    audit(session, actor, "run.fail", "run", run_id, before, _run_state(run))
    return run


def _process_started(pid: int) -> datetime | None:
    """When process ``pid`` started (Linux ``/proc``), or ``None`` where that is unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, StopIteration, ValueError):
        return None
    return datetime.fromtimestamp(boot + int(fields[19]) / ticks, UTC)


def _pid_alive(pid: int, since: datetime) -> bool:
    """Process ``pid`` exists and is the one that started at or before ``since`` (a process
    that started later reuses the PID of a dead one)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        pass
    started = _process_started(pid)
    return started is None or started <= since + timedelta(seconds=2)


def record_run_file(
    session: Session, run_id: str, name: str, sha256: str, *, actor: str = SYSTEM
) -> Run:
    """Record (or replace) the SHA-256 of a file a command adds to finished run ``run_id``'s
    directory (``monitoring.json``), so that readers can verify it like the run's own files.

    Raises
    ------
    StoreError
        No such run, or the run is not ``done``.
    """
    run = get_run(session, run_id)
    if run.status is not RunStatus.DONE:
        raise StoreError(
            f"run {run_id} is {run.status.value}; files are added only to finished runs",
            f"运行 {run_id} 的状态为 {run.status.value}；只能向已完成的运行添加文件",
        )
    files = dict(run.files or {})
    before = {"file": name, "sha256": files.get(name)}
    run.files = {**files, name: sha256}  # a new dict: the JSON column sees the change
    session.flush()
    audit(session, actor, "run.file", "run", run_id, before, {"file": name, "sha256": sha256})
    return run


def _is_stale(run: Run, host: str, cutoff: datetime) -> bool:
    """Dead owner process on this host; elsewhere (cannot check) too old."""
    if run.owner_host != host or run.owner_pid is None:
        return run.created_at < cutoff
    if run.owner_pid == os.getpid():
        return False
    return not _pid_alive(run.owner_pid, run.created_at)


def is_abandoned(run: Run, *, older_than: timedelta = timedelta(hours=24)) -> bool:
    """A ``running`` run whose process is gone: on this host its PID no longer exists (or
    belongs to a process started after the run); from another host, whose processes cannot
    be checked, it started more than ``older_than`` ago."""
    if run.status is not RunStatus.RUNNING:
        return False
    return _is_stale(run, socket.gethostname(), utcnow() - older_than)


def mark_stale_running_runs_failed(
    session: Session, *, older_than: timedelta = timedelta(hours=24), actor: str = SYSTEM
) -> list[str]:
    """Fail runs left ``running`` by a process that was killed; return their ids.

    A run is stale when its process on this host no longer exists, or (for runs from other
    hosts, whose processes cannot be checked) when it started more than ``older_than`` ago.
    """
    host, cutoff = socket.gethostname(), utcnow() - older_than
    stale = [
        run
        for run in session.scalars(sa.select(Run).where(Run.status == RunStatus.RUNNING))
        if _is_stale(run, host, cutoff)
    ]
    for run in stale:
        fail_run(
            session, run.id, "stale: the process ended without finishing the run "
            "(进程已结束但运行未完成)", actor=actor,
        )  # fmt: skip
    return [run.id for run in stale]
