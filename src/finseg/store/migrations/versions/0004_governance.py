"""Governance: passwords and tokens, candidate models with maker-checker, policy-version status.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

Hand-written and reviewed; portable between SQLite and PostgreSQL.

- ``users.password_hash``: the argon2id hash (PHC string) of each person's password.
- ``tokens``: personal CLI tokens and (later) web sessions; only the SHA-256 of the secret.
- ``models``: the status ``candidate`` (a trained model waits for an approver) and
  ``promoted_by`` with the CHECK ``promoted_by <> created_by`` (maker-checker in the database).
- ``policy_versions``: ``status`` (draft, active, retired; at most one active, by a partial
  unique index), its author ``submitted_by`` and its checker ``activated_by`` with the CHECK
  ``activated_by <> submitted_by``.  Existing versions: the newest becomes ``active`` (the
  policy the workspace was running), the older ones ``retired``.

Changing a CHECK constraint on SQLite needs batch mode (copy the table); the tables are given
explicitly (``copy_from``) rather than reflected, and the models' indexes are dropped before
and created after, so that the partial unique index keeps its ``WHERE`` clause.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from finseg.store._models import UTCDateTime, utcnow

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_ONE_CHAMPION = "status = 'champion'"
_ONE_ACTIVE = "status = 'active'"
_MODEL_CHECKER = "promoted_by IS NULL OR promoted_by <> created_by"
_POLICY_CHECKER = "activated_by IS NULL OR submitted_by IS NULL OR activated_by <> submitted_by"


def _models_0003() -> sa.Table:
    return sa.Table(
        "models",
        sa.MetaData(),
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


def _policy_versions_0003() -> sa.Table:
    return sa.Table(
        "policy_versions",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policy_versions"),
        sa.UniqueConstraint("sha256", name="uq_policy_versions_sha256"),
    )


def _tokens() -> None:
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.CheckConstraint("kind IN ('cli', 'session')", name="ck_tokens_kind"),
        sa.ForeignKeyConstraint(["user_name"], ["users.name"], name="fk_tokens_user_name_users"),
        sa.PrimaryKeyConstraint("id", name="pk_tokens"),
        sa.UniqueConstraint("token_sha256", name="uq_tokens_token_sha256"),
    )
    op.create_index("ix_tokens_user_name", "tokens", ["user_name"])


def _status_check(table: str) -> str:
    """The actual name of ``table``'s status CHECK (0002 let the naming convention prefix it
    once more on PostgreSQL, so it is looked up rather than assumed)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return f"ck_{table}_status"  # the name in the table given to batch mode (copy_from)
    checks = sa.inspect(bind).get_check_constraints(table)
    return next(c["name"] for c in checks if "status" in c["sqltext"] and c["name"])


def _models() -> None:
    op.drop_index("ux_models_one_champion", table_name="models")
    op.drop_index("ix_models_created_at", table_name="models")
    with op.batch_alter_table("models", copy_from=_models_0003()) as batch:
        batch.add_column(sa.Column("promoted_by", sa.String(100), nullable=True))
        batch.drop_constraint(op.f(_status_check("models")), type_="check")
        batch.create_check_constraint(
            op.f("ck_models_status"), "status IN ('candidate', 'champion', 'challenger', 'retired')"
        )
        batch.create_check_constraint(op.f("ck_models_maker_checker"), _MODEL_CHECKER)
    op.create_index("ix_models_created_at", "models", ["created_at"])
    op.create_index(
        "ux_models_one_champion", "models", ["status"], unique=True,
        sqlite_where=sa.text(_ONE_CHAMPION), postgresql_where=sa.text(_ONE_CHAMPION),
    )  # fmt: skip


def _policy_versions() -> None:
    with op.batch_alter_table("policy_versions", copy_from=_policy_versions_0003()) as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="draft"))
        batch.add_column(sa.Column("submitted_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("submitted_at", _TS, nullable=True))
        batch.add_column(sa.Column("activated_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("activated_at", _TS, nullable=True))
        batch.create_check_constraint(
            op.f("ck_policy_versions_status"), "status IN ('draft', 'active', 'retired')"
        )
        batch.create_check_constraint(op.f("ck_policy_versions_maker_checker"), _POLICY_CHECKER)
        batch.create_foreign_key(
            op.f("fk_policy_versions_submitted_by_users"), "users", ["submitted_by"], ["name"]
        )
    # The newest version is the one the workspace was running: it becomes the active one.
    op.execute(
        "UPDATE policy_versions SET status = CASE WHEN id = (SELECT MAX(id) FROM "
        "policy_versions) THEN 'active' ELSE 'retired' END"
    )
    op.create_index(
        "ux_policy_versions_one_active", "policy_versions", ["status"], unique=True,
        sqlite_where=sa.text(_ONE_ACTIVE), postgresql_where=sa.text(_ONE_ACTIVE),
    )  # fmt: skip
    _audit_activation()


def _audit_activation() -> None:
    """The audit row of the activation this upgrade makes: a run checks the active policy
    against its audit evidence (docs/security.md), which a version made active here would
    otherwise lack.  Migration 0005 chains it with the rows before it."""
    bind = op.get_bind()
    row = bind.execute(
        sa.text("SELECT id, sha256 FROM policy_versions WHERE status = 'active'")
    ).first()
    if row is None:
        return
    log = sa.table(
        "audit_log", sa.column("at", UTCDateTime()), sa.column("actor", sa.String()),
        sa.column("action", sa.String()), sa.column("object_type", sa.String()),
        sa.column("object_id", sa.String()), sa.column("after", sa.JSON()),
    )  # fmt: skip
    bind.execute(log.insert().values(
        at=utcnow(), actor="migration 0004", action="activate", object_type="policy_version",
        object_id=str(row.id), after={"status": "active", "sha256": row.sha256},
    ))  # fmt: skip


def upgrade() -> None:
    op.add_column("users", sa.Column("password_hash", sa.Text(), nullable=True))
    _tokens()
    _models()
    _policy_versions()


def downgrade() -> None:
    op.drop_index("ux_policy_versions_one_active", table_name="policy_versions")
    with op.batch_alter_table("policy_versions") as batch:
        batch.drop_constraint(op.f("fk_policy_versions_submitted_by_users"), type_="foreignkey")
        batch.drop_constraint(op.f("ck_policy_versions_maker_checker"), type_="check")
        batch.drop_constraint(op.f("ck_policy_versions_status"), type_="check")
        for column in ("activated_at", "activated_by", "submitted_at", "submitted_by", "status"):
            batch.drop_column(column)
    op.execute("UPDATE models SET status = 'challenger' WHERE status = 'candidate'")
    with op.batch_alter_table("models") as batch:
        batch.drop_constraint(op.f("ck_models_maker_checker"), type_="check")
        batch.drop_constraint(op.f(_status_check("models")), type_="check")
        batch.create_check_constraint(
            op.f("ck_models_status"), "status IN ('champion', 'challenger', 'retired')"
        )
        batch.drop_column("promoted_by")
    op.drop_index("ix_tokens_user_name", table_name="tokens")
    op.drop_table("tokens")
    op.drop_column("users", "password_hash")
