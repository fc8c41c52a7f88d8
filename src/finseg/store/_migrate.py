"""Apply the Alembic migrations shipped inside the package; no ``alembic.ini`` needed.

>>> engine = make_engine("sqlite://")
>>> upgrade(engine) == head_revision()
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Engine

from finseg.exceptions import StoreError
from finseg.store._db import make_engine, write_engine
from finseg.store._guard import ensure_audit_triggers, grant_runtime

__all__ = [
    "MIGRATIONS_DIR",
    "UpgradeResult",
    "alembic_config",
    "current_revision",
    "guarded_upgrade",
    "head_revision",
    "upgrade",
]

#: The Alembic script directory (``env.py``, ``versions/``) inside the package.
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations (for ``alembic.command``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest migration shipped with this version of finseg."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise StoreError("no migrations found", "未找到数据库迁移脚本")
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or ``None`` for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@dataclass(frozen=True)
class UpgradeResult:
    """What :func:`guarded_upgrade` did: the revision reached, the audit triggers it restored
    (missing, changed or disabled before), and the statements granting the runtime role."""

    revision: str | None
    restored: list[str] = field(default_factory=list)
    granted: list[str] = field(default_factory=list)


def guarded_upgrade(
    engine_or_url: Engine | str | URL, revision: str = "head", *, grant: str | None = None
) -> UpgradeResult:
    """Bring the database up to ``revision`` (default: the newest), re-create the audit log's
    triggers, and on PostgreSQL grant ``grant`` (the runtime role) what it needs.

    Runs in one transaction (SQLite and PostgreSQL both have transactional DDL), so a failed
    migration leaves the database as it was.  Run it as the owner of the tables.

    Raises
    ------
    StoreError
        The database cannot be reached or a migration fails.
    UserError
        ``grant`` is not a PostgreSQL role that may be granted (see
        :func:`finseg.store._guard.grant_runtime`).
    """
    owned = not isinstance(engine_or_url, Engine)
    engine = make_engine(engine_or_url) if owned else engine_or_url
    config = alembic_config()
    try:
        with write_engine(engine).begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            restored = ensure_audit_triggers(conn)
            granted = grant_runtime(conn, grant) if grant else []
        return UpgradeResult(current_revision(engine), restored, granted)
    except sa.exc.SQLAlchemyError as exc:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(
            f"cannot migrate the database {url}: {exc}", f"无法迁移数据库 {url}：{exc}"
        ) from exc
    finally:
        if owned:
            engine.dispose()


def upgrade(engine_or_url: Engine | str | URL, revision: str = "head") -> str | None:
    """Bring the database up to ``revision`` (default: the newest); return the revision reached.

    The audit log's triggers are re-created on the way (:func:`guarded_upgrade`).

    Raises
    ------
    StoreError
        The database cannot be reached or a migration fails.
    """
    return guarded_upgrade(engine_or_url, revision).revision
