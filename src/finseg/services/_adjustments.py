"""Expert adjustments (专家调整) by authenticated people: an analyst (or above) proposes, an
approver (or admin) other than the proposer approves or rejects.

The maker-checker rules and the audit rows are those of :mod:`finseg.store._overrides` (and
the database's ``ck_overrides_maker_checker``); this service adds who the person is (an
:class:`Actor` from a token, never a free-text name) and the role check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from finseg.services._actor import Actor, require
from finseg.store import Override, OverrideField, Role, approve_override, reject_override
from finseg.store import propose_override as store_propose

__all__ = ["Decision", "Proposal", "decide_adjustment", "propose_adjustment"]


@dataclass(frozen=True)
class Proposal:
    """An adjustment of one customer's segment or grade; ``choices`` are the values the field
    may take under the workspace policy (``None``: unchecked)."""

    customer_id: str
    field: OverrideField | str
    to_value: str
    reason: str
    expires_on: date | None = None
    choices: Sequence[str] | None = None


@dataclass(frozen=True)
class Decision:
    """Approve (``approve=True``) or reject the adjustment ``override_id``, with a note."""

    override_id: int
    approve: bool
    note: str | None = None


def propose_adjustment(session: Session, actor: Actor, proposal: Proposal) -> Override:
    """Record a proposal made by ``actor`` (analyst or above)."""
    require(actor, Role.ANALYST, "propose adjustments", "提出调整")
    return store_propose(
        session, proposal.customer_id, proposal.field, proposal.to_value, proposal.reason,
        by=actor.name, expires_on=proposal.expires_on, choices=proposal.choices,
    )  # fmt: skip


def decide_adjustment(session: Session, actor: Actor, decision: Decision) -> Override:
    """Approve or reject an adjustment; ``actor`` is an approver or admin, not its proposer."""
    doing = ("approve adjustments", "批准调整") if decision.approve else ("reject adjustments",
                                                                      "拒绝调整")  # fmt: skip
    require(actor, Role.APPROVER, *doing)
    decide = approve_override if decision.approve else reject_override
    return decide(session, decision.override_id, by=actor.name, note=decision.note)
