"""SQLAlchemy 2 models of finseg's transactional state.

The DDL is portable between SQLite and PostgreSQL: strings with check constraints instead of
native enums, the generic ``JSON`` type, and timestamps stored in UTC.  The schema itself is
created by the Alembic migrations in ``migrations/versions``; these models must match them
(a test compares the two).

>>> sorted(Base.metadata.tables)
['audit_log', 'customers', 'models', 'overrides', 'policy_versions', 'runs', 'tokens', 'users']
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from finseg._vocab import LabelledEnum

__all__ = [
    "AuditEntry",
    "Base",
    "Customer",
    "ModelRecord",
    "ModelStatus",
    "Override",
    "OverrideField",
    "OverrideStatus",
    "PolicyStatus",
    "PolicyVersion",
    "Role",
    "Run",
    "RunStatus",
    "Token",
    "TokenKind",
    "User",
    "utcnow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Role(StrEnum):
    """What a user may do: analysts propose, approvers approve, admins manage."""

    ANALYST = "analyst"
    APPROVER = "approver"
    ADMIN = "admin"


class RunStatus(StrEnum):
    """Lifecycle of a pipeline run."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ModelStatus(LabelledEnum):
    """Place of a model in the registry: a trained model is a candidate until an approver other
    than its trainer promotes it; one champion scores, challengers (former champions) wait,
    retired ones rest."""

    CANDIDATE = ("candidate", "候选模型", "candidate")
    CHAMPION = ("champion", "冠军模型", "champion")
    CHALLENGER = ("challenger", "挑战者模型", "challenger")
    RETIRED = ("retired", "已退役", "retired")


class PolicyStatus(LabelledEnum):
    """Place of a policy version: a changed ``policy.yaml`` is a draft until an admin other than
    its author activates it; the one active version is the bank's policy, earlier ones retire."""

    DRAFT = ("draft", "草案", "draft")
    ACTIVE = ("active", "生效", "active")
    RETIRED = ("retired", "已停用", "retired")


class TokenKind(StrEnum):
    """What a credential is for: a personal command-line token, or a web login session."""

    CLI = "cli"
    SESSION = "session"


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always returned aware, in UTC (SQLite stores it naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; finseg stores UTC-aware timestamps")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _str_enum(enum: type[StrEnum]) -> sa.Enum:
    # Plain VARCHAR; the CHECK constraint is declared explicitly in __table_args__.
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def _check_in(column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    values = ", ".join(f"'{m.value}'" for m in enum)
    return sa.CheckConstraint(f"{column} IN ({values})", name=column)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: sa.JSON(),
    }


#: At most one active policy version (a partial unique index, like the one champion).
_ONE_ACTIVE = "status = 'active'"
#: Maker-checker for policy versions: whoever activates a draft is not its author.
_POLICY_CHECKER = "activated_by IS NULL OR submitted_by IS NULL OR activated_by <> submitted_by"


class PolicyVersion(Base):
    """One distinct policy text, identified by the SHA-256 of its normalised content.

    A new text is a ``draft``; ``submitted_by`` names its author once a logged-in user submits
    it, and an admin other than the author activates it (``activated_by``).
    """

    __tablename__ = "policy_versions"
    __table_args__ = (
        _check_in("status", PolicyStatus),
        sa.CheckConstraint(_POLICY_CHECKER, name="maker_checker"),
        sa.Index(
            "ux_policy_versions_one_active", "status", unique=True,
            sqlite_where=sa.text(_ONE_ACTIVE), postgresql_where=sa.text(_ONE_ACTIVE),
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[PolicyStatus] = mapped_column(
        _str_enum(PolicyStatus), default=PolicyStatus.DRAFT, server_default="draft"
    )
    submitted_by: Mapped[str | None] = mapped_column(sa.String(100), sa.ForeignKey("users.name"))
    submitted_at: Mapped[datetime | None]
    activated_by: Mapped[str | None] = mapped_column(sa.String(100))
    activated_at: Mapped[datetime | None]


class Run(Base):
    """One pipeline run; its result files live under ``runs/<id>/``."""

    __tablename__ = "runs"
    __table_args__ = (_check_in("status", RunStatus),)

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    status: Mapped[RunStatus] = mapped_column(_str_enum(RunStatus), default=RunStatus.RUNNING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    input_path: Mapped[str | None] = mapped_column(sa.Text)
    input_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    policy_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("policy_versions.id"))
    model_ids: Mapped[list[str] | None] = mapped_column(sa.JSON)
    row_counts: Mapped[dict[str, Any] | None]
    timings: Mapped[dict[str, Any] | None]
    files: Mapped[dict[str, Any] | None]
    params: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    results_path: Mapped[str | None] = mapped_column(sa.Text)
    owner_host: Mapped[str | None] = mapped_column(sa.String(255))
    owner_pid: Mapped[int | None]


class Customer(Base):
    """The latest identity of each customer seen in a run."""

    __tablename__ = "customers"

    customer_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    industry_code: Mapped[str | None] = mapped_column(sa.String(8))
    region: Mapped[str | None] = mapped_column(sa.String(64))
    group_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    first_run_id: Mapped[str | None] = mapped_column(sa.ForeignKey("runs.id"))
    last_run_id: Mapped[str | None] = mapped_column(sa.ForeignKey("runs.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who uses finseg, with one role."""

    __tablename__ = "users"
    __table_args__ = (_check_in("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    role: Mapped[Role] = mapped_column(_str_enum(Role))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
    #: The argon2id hash of the password (PHC string); ``None``: the user cannot log in.
    password_hash: Mapped[str | None] = mapped_column(sa.Text)


class Token(Base):
    """A credential of one user: a personal CLI token or a web session.  Only the SHA-256 of
    the secret is stored; it ends at ``expires_at`` or when revoked."""

    __tablename__ = "tokens"
    __table_args__ = (_check_in("kind", TokenKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(sa.String(100), sa.ForeignKey("users.name"), index=True)
    kind: Mapped[TokenKind] = mapped_column(_str_enum(TokenKind))
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    """One row of the append-only audit log (the database rejects UPDATE and DELETE), a link of
    its hash chain: ``row_sha256`` covers the row's content and ``prev_sha256``, the hash of the
    row before (see :mod:`finseg.store._audit`)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_object", "object_type", "object_id"),
        sa.Index("ux_audit_log_prev_sha256", "prev_sha256", unique=True),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[str | None] = mapped_column(sa.String(128))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    # nullable only because SQLite cannot add a NOT NULL column; every row written has both
    prev_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    row_sha256: Mapped[str | None] = mapped_column(sa.String(64))


#: At most one champion: checked in code by the registry, and by this partial unique index
#: (SQLite and PostgreSQL both have them) against two writers racing on PostgreSQL.
_ONE_CHAMPION = "status = 'champion'"
#: Maker-checker for models: whoever promotes a model did not train it.
_MODEL_CHECKER = "promoted_by IS NULL OR promoted_by <> created_by"


class ModelRecord(Base):
    """A registered model: its pickle ``file`` under the models directory, the file's SHA-256
    and its model card."""

    __tablename__ = "models"
    __table_args__ = (
        _check_in("status", ModelStatus),
        sa.CheckConstraint(_MODEL_CHECKER, name="maker_checker"),
        sa.Index(
            "ux_models_one_champion", "status", unique=True,
            sqlite_where=sa.text(_ONE_CHAMPION), postgresql_where=sa.text(_ONE_CHAMPION),
        ),
    )  # fmt: skip

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[ModelStatus] = mapped_column(_str_enum(ModelStatus))
    file: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    card: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(sa.String(100))
    promoted_at: Mapped[datetime | None]
    promoted_by: Mapped[str | None] = mapped_column(sa.String(100))


class OverrideField(LabelledEnum):
    """What an expert adjustment changes."""

    SEGMENT = ("segment", "客户细分", "segment")
    GRADE = ("grade", "风险等级", "grade")


class OverrideStatus(LabelledEnum):
    """Where an expert adjustment stands; only ``approved`` ones apply (until they expire)."""

    PROPOSED = ("proposed", "待审批", "proposed")
    APPROVED = ("approved", "已批准", "approved")
    REJECTED = ("rejected", "已拒绝", "rejected")


#: Maker-checker in the database: whoever decides is never whoever proposed.
_MAKER_CHECKER = "decided_by IS NULL OR decided_by <> proposed_by"
#: A proposal is undecided; a decision names its checker and time.
_DECISION = (
    "(status = 'proposed' AND decided_by IS NULL AND decided_at IS NULL) OR "
    "(status <> 'proposed' AND decided_by IS NOT NULL AND decided_at IS NOT NULL)"
)


class Override(Base):
    """An expert adjustment (专家调整) of one customer's segment or grade, with maker-checker:
    ``proposed_by`` (maker) and ``decided_by`` (checker) are different users, checked by the
    service and by the ``maker_checker`` constraint."""

    __tablename__ = "overrides"
    __table_args__ = (
        _check_in("field", OverrideField),
        _check_in("status", OverrideStatus),
        sa.CheckConstraint(_MAKER_CHECKER, name="maker_checker"),
        sa.CheckConstraint(_DECISION, name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    field: Mapped[OverrideField] = mapped_column(_str_enum(OverrideField))
    to_value: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text)
    proposed_by: Mapped[str] = mapped_column(sa.String(100), sa.ForeignKey("users.name"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[OverrideStatus] = mapped_column(
        _str_enum(OverrideStatus), default=OverrideStatus.PROPOSED, index=True
    )
    decided_by: Mapped[str | None] = mapped_column(sa.String(100), sa.ForeignKey("users.name"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    expires_on: Mapped[date | None]
