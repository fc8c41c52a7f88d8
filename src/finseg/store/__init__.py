"""Store: transactional state in SQL (SQLite in WAL mode, or PostgreSQL via psycopg 3).

Engines come from :func:`make_engine`; the schema from the packaged Alembic migrations
(:func:`upgrade`); reads and writes go through the repository functions, each taking a
session opened by :func:`transaction` (write) or :func:`read_session` (read).

>>> engine = make_engine("sqlite://")
>>> upgrade(engine)
'0005'
>>> with transaction(engine) as s:
...     _ = add_user(s, "li", Role.ANALYST)
>>> with read_session(engine) as s:
...     [u.name for u in list_users(s)]
['li']
"""

from __future__ import annotations

from finseg.store._audit import (
    GENESIS,
    AuditChainError,
    ChainReport,
    canonical_content,
    export_rows,
    iter_chain,
    row_sha256,
    verify_chain,
)
from finseg.store._customers import CUSTOMER_COLUMNS, get_customer, upsert_customers
from finseg.store._db import BUSY_TIMEOUT_MS, make_engine, read_session, transaction, write_engine
from finseg.store._evidence import (
    EvidenceError,
    require_champion_evidence,
    require_evidence,
    require_override_evidence,
)
from finseg.store._guard import AUDIT_TRIGGERS, ensure_audit_triggers, grant_runtime
from finseg.store._migrate import (
    MIGRATIONS_DIR,
    UpgradeResult,
    alembic_config,
    current_revision,
    guarded_upgrade,
    head_revision,
    upgrade,
)
from finseg.store._models import (
    AuditEntry,
    Base,
    Customer,
    ModelRecord,
    ModelStatus,
    Override,
    OverrideField,
    OverrideStatus,
    PolicyStatus,
    PolicyVersion,
    Role,
    Run,
    RunStatus,
    Token,
    TokenKind,
    User,
    utcnow,
)
from finseg.store._names import confusable_with, normalise_name, skeleton
from finseg.store._overrides import (
    active_overrides,
    approve_override,
    get_override,
    list_overrides,
    override_dict,
    propose_override,
    reject_override,
)
from finseg.store._policies import (
    activate_policy_version,
    active_policy_version,
    bootstrap_policy,
    get_policy_version,
    list_policy_versions,
    policy_version_dict,
    policy_version_of,
    submit_policy_version,
)
from finseg.store._registry import (
    CHAMPION,
    PICKLE_PROTOCOL,
    get_model,
    list_models,
    load_model,
    model_card,
    promote_model,
    register_model,
    retire_model,
)
from finseg.store._repo import (
    SYSTEM,
    add_user,
    audit,
    fail_run,
    find_user,
    finish_run,
    get_run,
    is_abandoned,
    list_audit,
    list_runs,
    list_users,
    mark_stale_running_runs_failed,
    new_run_id,
    record_policy_version,
    record_run_file,
    set_role,
    start_run,
)
from finseg.store._tokens import add_token, revoke_token, revoke_tokens, valid_token

__all__ = [
    "AUDIT_TRIGGERS",
    "BUSY_TIMEOUT_MS",
    "CHAMPION",
    "CUSTOMER_COLUMNS",
    "GENESIS",
    "MIGRATIONS_DIR",
    "PICKLE_PROTOCOL",
    "SYSTEM",
    "AuditChainError",
    "AuditEntry",
    "Base",
    "ChainReport",
    "Customer",
    "EvidenceError",
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
    "UpgradeResult",
    "User",
    "activate_policy_version",
    "active_overrides",
    "active_policy_version",
    "add_token",
    "add_user",
    "alembic_config",
    "approve_override",
    "audit",
    "bootstrap_policy",
    "canonical_content",
    "confusable_with",
    "current_revision",
    "ensure_audit_triggers",
    "export_rows",
    "fail_run",
    "find_user",
    "finish_run",
    "get_customer",
    "get_model",
    "get_override",
    "get_policy_version",
    "get_run",
    "grant_runtime",
    "guarded_upgrade",
    "head_revision",
    "is_abandoned",
    "iter_chain",
    "list_audit",
    "list_models",
    "list_overrides",
    "list_policy_versions",
    "list_runs",
    "list_users",
    "load_model",
    "make_engine",
    "mark_stale_running_runs_failed",
    "model_card",
    "new_run_id",
    "normalise_name",
    "override_dict",
    "policy_version_dict",
    "policy_version_of",
    "promote_model",
    "propose_override",
    "read_session",
    "record_policy_version",
    "record_run_file",
    "register_model",
    "reject_override",
    "require_champion_evidence",
    "require_evidence",
    "require_override_evidence",
    "retire_model",
    "revoke_token",
    "revoke_tokens",
    "row_sha256",
    "set_role",
    "skeleton",
    "start_run",
    "submit_policy_version",
    "transaction",
    "upgrade",
    "upsert_customers",
    "utcnow",
    "valid_token",
    "verify_chain",
    "write_engine",
]
