"""Shared fixtures: a throwaway PostgreSQL server for tests marked ``pg``; logging a person in
for the command line (``login_as``), with every test's config directory kept in a temporary
folder.

The server is started once per session with the real server binaries (``initdb`` +
``pg_ctl``) on a free port in a temporary directory, and stopped at the end.  As root it runs as
the ``postgres`` user (PostgreSQL refuses to run as root).  Where the binaries are absent the
``pg`` tests are skipped with the reason.  Set ``FINSEG_PG_BIN`` to the directory holding
``initdb`` and ``pg_ctl`` to use another installation.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_GLOB = "/usr/lib/postgresql/*/bin/initdb"


def _pg_bindir() -> Path | None:
    if os.environ.get("FINSEG_PG_BIN"):
        return Path(os.environ["FINSEG_PG_BIN"])
    found = sorted(glob.glob(PG_GLOB), key=lambda p: int("0" + "".join(filter(str.isdigit, p))))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _runner(base: Path) -> list[str]:
    """Prefix that runs a command as the ``postgres`` user when we are root."""
    if os.geteuid() != 0:
        return []
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no `postgres` user to run the server as")
    os.chown(base, pw.pw_uid, pw.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def _start(bindir: Path, as_pg: list[str], base: Path) -> int:
    data = base / "data"
    done = _run([*as_pg, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                 "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], base)  # fmt: skip
    if done.returncode:
        pytest.fail(f"initdb failed:\n{done.stdout}\n{done.stderr}")
    for _ in range(3):  # the free port may be taken between probe and bind
        port = _free_port()
        opts = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off")  # fmt: skip
        done = _run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts,
                     "-l", str(base / "server.log"), "-w", "-t", "60", "start"], base)  # fmt: skip
        if done.returncode == 0:
            return port
    log = (base / "server.log").read_text(errors="replace")
    pytest.fail(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{log}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a throwaway PostgreSQL server (database ``postgres``, user ``postgres``)."""
    bindir = _pg_bindir()
    if bindir is None or not (bindir / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found ({PG_GLOB} or initdb on PATH); "
                    "install the postgresql package or set FINSEG_PG_BIN")  # fmt: skip
    base = Path(tempfile.mkdtemp(prefix="finseg-pg-"))
    as_pg = _runner(base)
    port = _start(bindir, as_pg, base)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        _run([*as_pg, str(bindir / "pg_ctl"), "-D", str(base / "data"), "-m", "immediate",
              "-w", "stop"], base)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """URL of a fresh, empty database on the throwaway server, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(postgres_url).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``slow`` unless FINSEG_SLOW=1 (``make test-all``)."""
    if os.environ.get("FINSEG_SLOW"):
        return
    skip = pytest.mark.skip(reason="slow: set FINSEG_SLOW=1 (make test-all) to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def _config_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xdg-config")


@pytest.fixture(autouse=True)
def _no_real_login(monkeypatch: pytest.MonkeyPatch, _config_home: Path) -> None:
    """No test reads or writes the real user's saved tokens, or inherits a FINSEG_TOKEN; and
    argon2id runs with small parameters (the product's cost ~1 s a hash on a loaded 2-core
    machine, which hundreds of logins in the suite would pay).  The algorithm is the same."""
    from argon2 import PasswordHasher

    from finseg.services import _credentials

    monkeypatch.setenv("XDG_CONFIG_HOME", str(_config_home))
    monkeypatch.delenv("FINSEG_TOKEN", raising=False)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(_credentials, "_HASHER", cheap)


@pytest.fixture
def login_as(monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """``login_as(workspace, name, role="analyst")`` logs ``name`` in for the command line.

    The user is created with ``role`` when new (without a password: only this token lets
    them in); a token is issued as ``finseg login`` would, and set as ``FINSEG_TOKEN``, the
    variable the CLI reads instead of the saved file.  Returns the token.
    """
    from finseg.services import token_sha256
    from finseg.services._credentials import new_token
    from finseg.store import add_token, add_user, find_user, make_engine, transaction, utcnow
    from finseg.workspace import open_workspace

    def login(workspace: Path | str, name: str, role: str = "analyst") -> str:
        ws = open_workspace(workspace)
        engine = make_engine(ws.database_url)
        token = new_token()
        try:
            with transaction(engine) as s:
                user = find_user(s, name) or add_user(s, name, role)
                add_token(s, user.name, token_sha256(token), utcnow() + timedelta(hours=1))
        finally:
            engine.dispose()
        monkeypatch.setenv("FINSEG_TOKEN", token)
        return token

    return login
