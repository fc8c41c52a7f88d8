"""Engines and transactions for SQLite (embedded default) and PostgreSQL (production).

SQLite runs in WAL mode with a busy timeout and foreign keys on.  Python's ``sqlite3`` module
manages transactions itself and badly, so we switch that off and emit ``BEGIN`` ourselves — the
pysqlite recipe from the SQLAlchemy documentation ("Serializable isolation / Savepoints /
Transactional DDL").  Write transactions begin with ``BEGIN IMMEDIATE``: they take the write
lock up front and wait on the busy timeout, instead of failing with "database is locked" when a
read transaction later tries to upgrade to a write.

>>> engine = make_engine("sqlite://")
>>> with transaction(engine) as session:
...     session.scalar(sa.text("select 1"))
1
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session

from finseg.exceptions import StoreError

__all__ = ["BUSY_TIMEOUT_MS", "make_engine", "read_session", "transaction", "write_engine"]

#: How long a SQLite writer waits for the lock before giving up.
BUSY_TIMEOUT_MS = 30_000
_WRITE = "finseg_write"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Stop pysqlite from emitting its own BEGIN; we emit it in _on_sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode, much faster
        cursor.execute("PRAGMA temp_store=MEMORY")  # the customer upsert's staging table
    finally:
        cursor.close()


def _on_sqlite_begin(conn: sa.Connection) -> None:
    immediate = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _url(url: str | URL) -> URL:
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(
            f"cannot parse database URL {str(url)!r}", f"无法解析数据库地址 {str(url)!r}"
        ) from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url`` with finseg's connection settings.

    Parameters
    ----------
    url
        ``sqlite:///path/finseg.db`` or ``postgresql+psycopg://user@host:port/db``; a bare
        ``postgresql://`` gets the psycopg 3 driver.
    **kwargs
        Passed to :func:`sqlalchemy.create_engine`.

    Examples
    --------
    >>> make_engine("sqlite://").dialect.name
    'sqlite'
    """
    parsed = _url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        kwargs.setdefault("connect_args", {"timeout": BUSY_TIMEOUT_MS / 1000})
        engine = sa.create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(parsed, **kwargs)
    raise StoreError(
        f"unsupported database {backend!r}: use sqlite:/// or postgresql+psycopg://",
        f"不支持的数据库 {backend!r}：请使用 sqlite:/// 或 postgresql+psycopg://",
    )


def write_engine(engine: Engine) -> Engine:
    """The same engine (same pool) whose transactions take the write lock at BEGIN."""
    return engine.execution_options(**{_WRITE: True})


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A short write transaction: commits on success, rolls back on error.

    On SQLite it starts with ``BEGIN IMMEDIATE``.  Objects stay usable after the commit.

    Examples
    --------
    >>> engine = make_engine("sqlite://")
    >>> with transaction(engine) as s:
    ...     _ = s.execute(sa.text("create table t (x int)"))
    """
    with Session(write_engine(engine), expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read unit of work: a deferred transaction, ended (not committed) by closing.

    Objects loaded stay readable after the block (closing detaches without expiring them).

    >>> with read_session(make_engine("sqlite://")) as s:
    ...     s.scalar(sa.text("select 2"))
    2
    """
    with Session(engine, expire_on_commit=False) as session:
        yield session
