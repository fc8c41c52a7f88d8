"""PostgreSQL least privilege: migrations as the owner, the application as a runtime role that
can only read and append the audit log (``finseg db upgrade --grant``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from finseg.cli import main
from finseg.exceptions import UserError
from finseg.sample import generate_portfolio, write_sample
from finseg.store import (
    add_user,
    guarded_upgrade,
    propose_override,
    read_session,
    transaction,
    upsert_customers,
    verify_chain,
)
from finseg.workspace import init_workspace, open_workspace

pytestmark = pytest.mark.pg


@pytest.fixture
def roles(postgres_database: str) -> Iterator[dict[str, str]]:
    """URLs of the superuser, an owner role (owns the database) and a runtime role."""
    suffix = uuid.uuid4().hex[:8]
    owner, runtime = f"finseg_owner_{suffix}", f"finseg_app_{suffix}"
    url = sa.engine.make_url(postgres_database)
    admin = sa.create_engine(postgres_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {owner} LOGIN")
        conn.exec_driver_sql(f"CREATE ROLE {runtime} LOGIN")
        conn.exec_driver_sql(f'ALTER DATABASE "{url.database}" OWNER TO {owner}')
    admin.dispose()
    yield {
        "admin": postgres_database,
        "owner": url.set(username=owner).render_as_string(False),
        "runtime": url.set(username=runtime).render_as_string(False),
        "runtime_role": runtime,
    }


def _refused(url: str, sql: str, match: str) -> None:
    engine = sa.create_engine(url)
    try:
        with pytest.raises(sa.exc.DBAPIError, match=match), engine.begin() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


@pytest.fixture
def workspace(roles: dict[str, str], tmp_path: Path) -> Path:
    """A workspace migrated by the owner whose finseg.toml names the runtime role."""
    ws = init_workspace(tmp_path / "bank", database_url=roles["owner"], language="en")
    ws.close()
    settings = ws.root / "finseg.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(roles["owner"], roles["runtime"]), "utf-8"
    )
    code = main(["db", "upgrade", "-w", str(ws.root), "--owner-url", roles["owner"],
                 "--grant", roles["runtime_role"]])  # fmt: skip
    assert code == 0
    return ws.root


def test_the_runtime_role_cannot_change_or_unprotect_the_audit_log(roles, workspace) -> None:
    runtime, role = roles["runtime"], roles["runtime_role"]
    denied = "permission denied"
    _refused(runtime, "UPDATE audit_log SET actor = 'mallory'", denied)
    _refused(runtime, "DELETE FROM audit_log", denied)
    _refused(runtime, "TRUNCATE audit_log", denied)
    _refused(runtime, "ALTER TABLE audit_log DISABLE TRIGGER USER", "must be owner")
    _refused(runtime, "DROP TRIGGER audit_log_no_update_delete ON audit_log", "must be owner")
    _refused(runtime, f"ALTER TABLE audit_log OWNER TO {role}", "must be owner")
    _refused(runtime, f"ALTER TABLE overrides OWNER TO {role}", "must be owner")
    _refused(runtime, "ALTER TABLE overrides DROP CONSTRAINT ck_overrides_maker_checker",
             "must be owner")  # fmt: skip
    engine = sa.create_engine(runtime)
    with engine.connect() as conn:
        owned = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_tables WHERE tableowner = current_user"
        ).scalar()
    engine.dispose()
    assert owned == 0


def test_the_application_still_works_through_the_runtime_role(workspace, tmp_path) -> None:
    data = tmp_path / "book.parquet"
    write_sample(generate_portfolio(80, seed=2), data)
    assert main(["run", "--data", str(data), "-w", str(workspace)]) == 0
    ws = open_workspace(workspace)
    try:
        with transaction(ws.engine()) as s:
            add_user(s, "li", "analyst")
            upsert_customers(s, pd.DataFrame({"customer_id": ["C1"]}))
            proposal = propose_override(s, "C1", "grade", "BB", "parent guarantee", by="li")
        assert proposal.id == 1
        with read_session(ws.engine()) as s:
            report = verify_chain(s)
        assert report.ok and report.rows >= 5
    finally:
        ws.close()
    assert main(["audit", "verify", "-w", str(workspace)]) == 0


def test_grant_refuses_the_owner_itself_and_unknown_roles(roles) -> None:
    guarded_upgrade(roles["owner"])
    owner = sa.engine.make_url(roles["owner"]).username
    with pytest.raises(UserError, match="is \\(or is a member of\\) the owner role"):
        guarded_upgrade(roles["owner"], grant=owner)
    with pytest.raises(UserError, match="no PostgreSQL role 'nobody_here'"):
        guarded_upgrade(roles["owner"], grant="nobody_here")
    with pytest.raises(UserError, match="a role name is letters"):
        guarded_upgrade(roles["owner"], grant='x"; DROP TABLE runs; --')
