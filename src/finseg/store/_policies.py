"""Policy versions: draft, submitted by an author, activated by a different admin.

A policy text is recorded once per distinct content (:func:`record_policy_version`) as a
``draft`` with no author.  :func:`submit_policy_version` names its author; only then may
:func:`activate_policy_version` make it the one ``active`` version (the previous one retires),
and never by its author — checked here and by the database (``ck_policy_versions_maker_checker``).
Whether the actor may submit or activate at all is the service's business
(:mod:`finseg.services`).  :func:`bootstrap_policy` activates the shipped policy when a
workspace is created.  Activation writes the audit row the pipeline's evidence check reads:
``object_type`` ``policy_version``, ``action`` ``activate``, ``after`` with ``status`` and
``sha256``.

>>> from finseg.store import add_user, make_engine, transaction, upgrade
>>> engine = make_engine("sqlite://"); _ = upgrade(engine)
>>> with transaction(engine) as s:
...     _ = add_user(s, "li", "analyst"), add_user(s, "root", "admin")
...     v = submit_policy_version(s, "name: {zh: 甲, en: A}\\n", by="li")
...     activate_policy_version(s, v.id, by="root").status.value
'active'
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finseg._policy import policy_hash
from finseg.exceptions import StoreError, UserError
from finseg.store._models import PolicyStatus, PolicyVersion, utcnow
from finseg.store._repo import SYSTEM, audit, record_policy_version

__all__ = [
    "activate_policy_version",
    "active_policy_version",
    "bootstrap_policy",
    "get_policy_version",
    "list_policy_versions",
    "policy_version_dict",
    "policy_version_of",
    "submit_policy_version",
]


def policy_version_dict(v: PolicyVersion) -> dict[str, Any]:
    """A JSON-ready snapshot of a policy version (without its text)."""

    def at(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": v.id, "sha256": v.sha256, "name": v.name, "status": v.status.value,
        "created_at": at(v.created_at), "submitted_by": v.submitted_by,
        "submitted_at": at(v.submitted_at), "activated_by": v.activated_by,
        "activated_at": at(v.activated_at),
    }  # fmt: skip


def get_policy_version(session: Session, version_id: int) -> PolicyVersion:
    """The policy version ``version_id``.

    Raises
    ------
    UserError
        No such version.
    """
    found = session.get(PolicyVersion, version_id)
    if found is None:
        raise UserError(
            f"no policy version with id {version_id}; `finseg policy versions` lists them",
            f"不存在编号为 {version_id} 的策略版本；可用 `finseg policy versions` 查看",
        )
    return found


def policy_version_of(session: Session, content: str) -> PolicyVersion | None:
    """The recorded version with the same (normalised) text as ``content``, if any."""
    digest = policy_hash(content)
    return session.scalar(sa.select(PolicyVersion).where(PolicyVersion.sha256 == digest))


def active_policy_version(session: Session) -> PolicyVersion | None:
    """The one active policy version, or ``None`` (no policy activated yet)."""
    stmt = sa.select(PolicyVersion).where(PolicyVersion.status == PolicyStatus.ACTIVE)
    return session.scalars(stmt).first()


def list_policy_versions(session: Session) -> list[PolicyVersion]:
    """Every policy version, newest first."""
    return list(session.scalars(sa.select(PolicyVersion).order_by(PolicyVersion.id.desc())))


def submit_policy_version(
    session: Session, content: str, *, by: str, name: str = ""
) -> PolicyVersion:
    """Record ``content`` (if new) and name ``by`` as the author of the draft.

    Raises
    ------
    UserError
        The text is already active, or retired (it would need a new draft), or another
        author already submitted it.
    """
    version_id = record_policy_version(session, content, name=name, actor=by)
    version = get_policy_version(session, version_id)
    if version.status is not PolicyStatus.DRAFT:
        raise UserError(
            f"policy version {version.id} with this text is already {version.status.value}; "
            "nothing to submit",
            f"该内容的策略版本 {version.id} 已是{version.status.zh}状态，无需提交",
        )
    if version.submitted_by not in (None, by):
        raise UserError(
            f"policy version {version.id} was already submitted by {version.submitted_by}",
            f"策略版本 {version.id} 已由 {version.submitted_by} 提交",
        )
    if version.submitted_by is None:
        before = policy_version_dict(version)
        version.submitted_by, version.submitted_at = by, utcnow()
        session.flush()
        audit(session, by, "submit", "policy_version", str(version.id), before,
              policy_version_dict(version))  # fmt: skip
    return version


def _make_active(session: Session, version: PolicyVersion, by: str, bootstrap: bool) -> None:
    current = active_policy_version(session)
    if current is not None and current.id != version.id:  # retired first: one active only
        before = policy_version_dict(current)
        current.status = PolicyStatus.RETIRED
        session.flush()
        audit(session, by, "retire", "policy_version", str(current.id), before,
              policy_version_dict(current))  # fmt: skip
    before = policy_version_dict(version)
    version.status, version.activated_by, version.activated_at = (
        PolicyStatus.ACTIVE, by, utcnow())  # fmt: skip
    try:
        session.flush()
    except sa.exc.IntegrityError as exc:  # another activation won the race (PostgreSQL)
        raise StoreError(
            f"policy version {version.id} could not be activated: another version became "
            "active at the same time; try again",
            f"策略版本 {version.id} 未能生效：另一版本同时生效；请重试",
        ) from exc
    after = {**policy_version_dict(version), "bootstrap": bootstrap}
    audit(session, by, "activate", "policy_version", str(version.id), before, after)


def activate_policy_version(session: Session, version_id: int, *, by: str) -> PolicyVersion:
    """Make the draft ``version_id`` the active policy; the active one retires.

    Raises
    ------
    UserError
        No such version, not a draft, no known author (submit it first), or ``by`` is its
        author (maker-checker).
    """
    version = get_policy_version(session, version_id)
    if version.status is not PolicyStatus.DRAFT:
        raise UserError(
            f"policy version {version_id} is {version.status.value}, not a draft; only a "
            "draft can be activated",
            f"策略版本 {version_id} 为{version.status.zh}状态，并非草案；只有草案可以生效",
        )
    if version.submitted_by is None:
        raise UserError(
            f"policy version {version_id} has no known author; its author submits it with "
            "`finseg policy submit` before an admin can activate it",
            f"策略版本 {version_id} 没有已知的作者；须由作者先用 `finseg policy submit` 提交，"
            "管理员才能使其生效",
        )
    if version.submitted_by == by:
        raise UserError(
            f"maker-checker: {by} submitted policy version {version_id} and cannot activate "
            "it; another admin must",
            f"双人复核：{by} 是策略版本 {version_id} 的提交人，不能使其生效，须由其他管理员操作",
        )
    _make_active(session, version, by, bootstrap=False)
    return version


def bootstrap_policy(
    session: Session, content: str, *, name: str = "", actor: str = SYSTEM
) -> PolicyVersion | None:
    """Activate ``content`` as a new workspace's first policy, when none is active yet.

    Returns the version activated, or ``None`` when a version was already active (nothing is
    changed).  The audit row's ``after`` holds ``"bootstrap": true``.
    """
    if active_policy_version(session) is not None:
        return None
    version_id = record_policy_version(session, content, name=name, actor=actor)
    version = get_policy_version(session, version_id)
    _make_active(session, version, actor, bootstrap=True)
    return version
