"""Policy versions by authenticated people: an author submits a changed ``policy.yaml`` as a
draft, an admin other than the author activates it.

A draft whose author is unknown (recorded by a run, say) cannot be activated until someone
submits it.  Activation writes the audit row (``policy_version`` / ``activate``, ``after``
with ``status`` and ``sha256``) that the pipeline's evidence check reads.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from finseg.services._actor import Actor, require
from finseg.store import PolicyVersion, Role, activate_policy_version, submit_policy_version

__all__ = ["activate_policy", "submit_policy"]


def submit_policy(session: Session, actor: Actor, content: str, *, name: str = "") -> PolicyVersion:
    """Submit ``content`` as a draft authored by ``actor`` (analyst or above)."""
    require(actor, Role.ANALYST, "submit policy drafts", "提交策略草案")
    return submit_policy_version(session, content, by=actor.name, name=name)


def activate_policy(session: Session, actor: Actor, version_id: int) -> PolicyVersion:
    """Activate the submitted draft ``version_id``; ``actor`` is an admin, not its author."""
    require(actor, Role.ADMIN, "activate policy versions", "使策略版本生效")
    return activate_policy_version(session, version_id, by=actor.name)
