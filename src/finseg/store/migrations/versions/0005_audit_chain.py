"""Audit hash chain: ``prev_sha256`` and ``row_sha256`` on every audit row.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-04

Hand-written and reviewed.  Two nullable VARCHAR(64) columns (SQLite cannot add a NOT NULL
column; every row finseg writes fills both) and a unique index on ``prev_sha256`` (no two rows
may follow the same row: the chain cannot fork).  The rows already in the log are chained here,
in id order, at upgrade time: the chain vouches for them from the upgrade on, not for what may
have happened to them before.  The append-only triggers are dropped for that one UPDATE and
re-created (as every ``finseg db upgrade`` does); when there were rows, a final ``audit.chain``
row records how many were chained.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from finseg.store._audit import chain_link, iter_chain, row_sha256
from finseg.store._guard import AUDIT_TRIGGERS, ensure_audit_triggers
from finseg.store._models import AuditEntry, utcnow

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _drop_triggers(conn: sa.Connection) -> None:
    pg = conn.dialect.name == "postgresql"
    for name in AUDIT_TRIGGERS[conn.dialect.name]:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{' ON audit_log' if pg else ''}")


def _chain_existing(conn: sa.Connection) -> int:
    table, prev, count = AuditEntry.__table__, "0" * 64, 0
    for row in list(iter_chain(conn)):
        digest = row_sha256(row, prev)
        conn.execute(
            sa.update(table)
            .where(table.c.id == row["id"])
            .values(prev_sha256=prev, row_sha256=digest)
        )
        prev, count = digest, count + 1
    return count


def _record(conn: sa.Connection, chained: int) -> None:
    entry_id, prev = chain_link(conn)
    row = {
        "id": entry_id,
        "at": utcnow(),
        "actor": "system",
        "action": "audit.chain",
        "object_type": "audit_log",
        "object_id": None,
        "before": None,
        "after": {"rows_chained": chained, "revision": revision},
    }
    conn.execute(
        sa.insert(AuditEntry.__table__).values(
            **row, prev_sha256=prev, row_sha256=row_sha256(row, prev)
        )
    )


def upgrade() -> None:
    conn = op.get_bind()
    op.add_column("audit_log", sa.Column("prev_sha256", sa.String(64), nullable=True))
    op.add_column("audit_log", sa.Column("row_sha256", sa.String(64), nullable=True))
    _drop_triggers(conn)
    chained = _chain_existing(conn)
    op.create_index("ux_audit_log_prev_sha256", "audit_log", ["prev_sha256"], unique=True)
    ensure_audit_triggers(conn)
    if chained:
        _record(conn, chained)


def downgrade() -> None:
    conn = op.get_bind()
    _drop_triggers(conn)
    op.drop_index("ux_audit_log_prev_sha256", table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("row_sha256")
        batch.drop_column("prev_sha256")
    ensure_audit_triggers(conn)
