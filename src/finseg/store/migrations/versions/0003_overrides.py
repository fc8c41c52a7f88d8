"""Expert adjustments (专家调整) of a customer's segment or grade, with maker-checker.

Revision ID: 0003
Revises: 0002
Create Date: 2025-02-01

Hand-written and reviewed; portable between SQLite and PostgreSQL (VARCHAR + CHECK for the
field and status, a DATE for the expiry, timestamps with time zone stored in UTC).  Only a new
table is created, so SQLite needs no batch (copy-and-move) operations.  Maker-checker is a
CHECK constraint (``decided_by <> proposed_by``) that both databases enforce; the service also
checks it, with a clearer message.  Both users are foreign keys to ``users.name``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_MAKER_CHECKER = "decided_by IS NULL OR decided_by <> proposed_by"
_DECISION = (
    "(status = 'proposed' AND decided_by IS NULL AND decided_at IS NULL) OR "
    "(status <> 'proposed' AND decided_by IS NOT NULL AND decided_at IS NOT NULL)"
)


def upgrade() -> None:
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("to_value", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.String(100), nullable=False),
        sa.Column("proposed_at", _TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.CheckConstraint("field IN ('segment', 'grade')", name="ck_overrides_field"),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'rejected')", name="ck_overrides_status"
        ),
        sa.CheckConstraint(_MAKER_CHECKER, name="ck_overrides_maker_checker"),
        sa.CheckConstraint(_DECISION, name="ck_overrides_decision"),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["users.name"], name="fk_overrides_proposed_by_users"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.name"], name="fk_overrides_decided_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_overrides"),
    )
    op.create_index("ix_overrides_customer_id", "overrides", ["customer_id"])
    op.create_index("ix_overrides_status", "overrides", ["status"])


def downgrade() -> None:
    op.drop_index("ix_overrides_status", table_name="overrides")
    op.drop_index("ix_overrides_customer_id", table_name="overrides")
    op.drop_table("overrides")
