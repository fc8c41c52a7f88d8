"""Migration 0004 and the database's own maker-checker for models and policy versions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from finseg.store import (
    Base,
    PolicyStatus,
    add_user,
    bootstrap_policy,
    get_policy_version,
    head_revision,
    make_engine,
    read_session,
    submit_policy_version,
    transaction,
    upgrade,
)

_NOW = "CURRENT_TIMESTAMP"


def test_upgrade_from_0003_keeps_the_running_policy_and_the_champion(db_url):
    engine = make_engine(db_url)
    assert upgrade(engine, "0003") == "0003"
    with engine.begin() as conn:
        for i in (1, 2):
            conn.execute(sa.text(
                "INSERT INTO policy_versions (sha256, content, name, created_at) VALUES "
                f"(:h, 'name: x', 'v{i}', {_NOW})"), {"h": f"{i}" * 64})  # fmt: skip
        conn.execute(sa.text(
            "INSERT INTO models (id, kind, status, file, sha256, card, created_at, created_by) "
            f"VALUES ('m1', 'scorecard', 'champion', 'm1.pkl', :h, '{{}}', {_NOW}, 'li')"),
            {"h": "a" * 64})  # fmt: skip
    assert upgrade(engine) == head_revision()
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
        statuses = conn.execute(sa.text("SELECT name, status FROM policy_versions")).all()
        model = conn.execute(sa.text("SELECT status, promoted_by FROM models")).one()
        activation = conn.execute(sa.text(
            "SELECT a.actor, a.action FROM audit_log a JOIN policy_versions p "
            "ON a.object_id = CAST(p.id AS VARCHAR(20)) WHERE p.name = 'v2'")).all()  # fmt: skip
    assert sorted(statuses) == [("v1", "retired"), ("v2", "active")]
    assert tuple(model) == ("champion", None)
    # the activation the upgrade made has its audit row: runs check the active policy by it
    assert [tuple(r) for r in activation] == [("migration 0004", "activate")]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # one active only
        conn.execute(sa.text("UPDATE policy_versions SET status = 'active'"))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # the trainer promotes
        conn.execute(sa.text("UPDATE models SET promoted_by = 'li'"))
    engine.dispose()


def test_the_database_refuses_an_author_activating_their_draft(engine):
    with transaction(engine) as s:
        add_user(s, "qian", "admin")
        bootstrap_policy(s, "name: {zh: 甲, en: A}\n")
        draft = submit_policy_version(s, "name: {zh: 乙, en: B}\n", by="qian")
        assert draft.status is PolicyStatus.DRAFT
        draft_id = draft.id
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE policy_versions SET activated_by = 'qian' WHERE id = :i"),
            {"i": draft_id},
        )
    with read_session(engine) as s:
        assert get_policy_version(s, draft_id).activated_by is None
