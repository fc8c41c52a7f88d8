"""What keeps the audit log append-only in the database: its triggers, and on PostgreSQL the
privileges of the runtime role.

:func:`ensure_audit_triggers` drops and re-creates the triggers (and on PostgreSQL their
function) on every ``finseg db upgrade``, so a trigger that was dropped, replaced by a no-op or
disabled is back afterwards; it returns the names that were missing or different.
:func:`grant_runtime` gives the role named in ``database_url`` only what the application needs:
it owns nothing, reads and writes the state tables, and may only SELECT and INSERT the audit
log — so it can neither UPDATE, DELETE or TRUNCATE it, nor disable its triggers or change its
owner (both need ownership).

>>> import sqlalchemy as sa
>>> engine = sa.create_engine("sqlite://")
>>> with engine.begin() as conn:
...     _ = conn.exec_driver_sql("create table audit_log (id integer primary key)")
...     ensure_audit_triggers(conn)
['audit_log_no_delete', 'audit_log_no_update']
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from finseg.exceptions import UserError

__all__ = ["AUDIT_TRIGGERS", "ensure_audit_triggers", "grant_runtime"]

_SQLITE = {
    "audit_log_no_update": """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE rejected'); END""",
    "audit_log_no_delete": """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE rejected'); END""",
}
_PG_FUNCTION = """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
   LANGUAGE plpgsql AS $$
   BEGIN RAISE EXCEPTION 'audit_log is append-only: % rejected', TG_OP; END $$"""
_PG_FUNCTION_BODY = "BEGIN RAISE EXCEPTION 'audit_log is append-only: % rejected', TG_OP; END"
_PG = {
    "audit_log_no_update_delete": """CREATE TRIGGER audit_log_no_update_delete
       BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    "audit_log_no_truncate": """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
}
#: The audit log's triggers by dialect.
AUDIT_TRIGGERS = {"sqlite": tuple(_SQLITE), "postgresql": tuple(_PG)}
_ROLE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,62}")


def _squash(sql: str | None) -> str:
    return " ".join((sql or "").split())


def _sqlite_triggers(conn: sa.Connection) -> list[str]:
    present = dict(
        conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        ).all()
    )
    changed = sorted(n for n, ddl in _SQLITE.items() if _squash(present.get(n)) != _squash(ddl))
    for name, ddl in _SQLITE.items():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql(ddl)
    return changed


def _pg_triggers(conn: sa.Connection) -> list[str]:
    present = dict(
        conn.exec_driver_sql(
            "SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relname = 'audit_log' AND NOT t.tgisinternal"
        ).all()
    )
    body = conn.exec_driver_sql(
        "SELECT prosrc FROM pg_proc WHERE proname = 'audit_log_append_only'"
    ).scalar()
    changed = sorted(n for n in _PG if present.get(n) not in ("O", "A"))
    if _squash(body) != _PG_FUNCTION_BODY:
        changed.append("audit_log_append_only()")
    conn.execute(sa.text(_PG_FUNCTION))
    for name, ddl in _PG.items():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON audit_log")
        conn.exec_driver_sql(ddl)
    return changed


def ensure_audit_triggers(conn: sa.Connection) -> list[str]:
    """(Re)create the audit log's triggers; return those that were missing, changed or
    disabled.  Idempotent; runs in the caller's transaction."""
    if conn.dialect.name == "postgresql":
        return _pg_triggers(conn)
    return _sqlite_triggers(conn)


def _role_problem(conn: sa.Connection, role: str) -> tuple[str, str] | None:
    found = conn.execute(
        sa.text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).first()
    if found is None:
        return (
            f"no PostgreSQL role {role!r}; create it first (CREATE ROLE {role} LOGIN)",
            f"PostgreSQL 中不存在角色 {role!r}；请先创建（CREATE ROLE {role} LOGIN）",
        )
    owner = conn.exec_driver_sql("SELECT current_user").scalar()
    if found.rolsuper:
        return (
            f"role {role!r} is a superuser and could bypass every control",
            f"角色 {role!r} 是超级用户，可绕过所有控制",
        )
    member = conn.execute(
        sa.text("SELECT pg_has_role(:r, :o, 'MEMBER')"), {"r": role, "o": owner}
    ).scalar()
    if role == owner or member:
        return (
            f"role {role!r} is (or is a member of) the owner role {owner!r}; the runtime "
            "role must be a different role without ownership",
            f"角色 {role!r} 就是（或属于）属主角色 {owner!r}；运行角色须为不拥有表的另一角色",
        )
    return None


def _tables(conn: sa.Connection) -> list[str]:
    return list(
        conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        ).scalars()
    )


def grant_runtime(conn: sa.Connection, role: str) -> list[str]:
    """Give ``role`` the least it needs on finseg's PostgreSQL tables; return the statements.

    Every table: SELECT, INSERT, UPDATE, DELETE — except ``audit_log`` (SELECT and INSERT only)
    and ``alembic_version`` (SELECT only); sequences: USAGE and SELECT.  Whatever the role held
    before on these tables is revoked first.  Run as the owner of the tables (who ran the
    migrations), after each upgrade, so that tables a new migration adds are covered.

    Raises
    ------
    UserError
        Not PostgreSQL, an invalid or unknown role name, a superuser, or the owner role itself
        (or a member of it).
    """
    if conn.dialect.name != "postgresql":
        raise UserError("--grant applies to PostgreSQL only", "--grant 仅适用于 PostgreSQL")
    if not _ROLE.fullmatch(role):
        raise UserError(
            f"--grant {role!r}: a role name is letters, digits, _ or $ (at most 63)",
            f"--grant {role!r}：角色名须为字母、数字、_ 或 $（至多 63 个字符）",
        )
    problem = _role_problem(conn, role)
    if problem is not None:
        raise UserError(*problem)
    statements = [f'GRANT USAGE ON SCHEMA "{_schema(conn)}" TO "{role}"']
    for table in _tables(conn):
        rights = {"audit_log": "SELECT, INSERT", "alembic_version": "SELECT"}.get(
            table, "SELECT, INSERT, UPDATE, DELETE"
        )
        statements += [
            f'REVOKE ALL ON "{table}" FROM "{role}"',
            f'GRANT {rights} ON "{table}" TO "{role}"',
        ]
    statements.append(
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{_schema(conn)}" TO "{role}"'
    )
    for sql in statements:
        conn.exec_driver_sql(sql)
    return statements


def _schema(conn: sa.Connection) -> str:
    return str(conn.exec_driver_sql("SELECT current_schema()").scalar())
