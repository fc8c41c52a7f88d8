"""Alembic environment for finseg; run programmatically by :func:`finseg.store.upgrade`.

No ``alembic.ini`` is needed: the caller passes an open connection in
``config.attributes["connection"]`` (or a URL as ``sqlalchemy.url``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from finseg.store._db import make_engine, write_engine
from finseg.store._models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE via table copy
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = write_engine(make_engine(config.get_main_option("sqlalchemy.url")))
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("finseg migrations run online only (finseg db upgrade)")
run_migrations_online()
