"""Model registry: one row per registered model (pickle file, SHA-256, model card).

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-15

Hand-written and reviewed; portable between SQLite and PostgreSQL (VARCHAR + CHECK for the
status, generic JSON for the card, timestamps with time zone stored in UTC).  Only a new table
is created, so SQLite needs no batch (copy-and-move) operations.  "At most one champion" is a
partial unique index, which both databases support; the registry also checks it in code.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_ONE_CHAMPION = "status = 'champion'"


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("promoted_at", _TS, nullable=True),
        sa.CheckConstraint(
            "status IN ('champion', 'challenger', 'retired')", name="ck_models_status"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_models"),
    )
    op.create_index("ix_models_created_at", "models", ["created_at"])
    op.create_index(
        "ux_models_one_champion",
        "models",
        ["status"],
        unique=True,
        sqlite_where=sa.text(_ONE_CHAMPION),
        postgresql_where=sa.text(_ONE_CHAMPION),
    )


def downgrade() -> None:
    op.drop_index("ux_models_one_champion", table_name="models")
    op.drop_index("ix_models_created_at", table_name="models")
    op.drop_table("models")
