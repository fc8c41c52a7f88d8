"""The authenticated person behind a governed action, and the role check every service makes.

Roles are ranked: an approver may do what an analyst does, an admin what an approver does.
analyst: run, train, propose adjustments, submit policy drafts; approver: decide adjustments,
promote and retire models; admin: users, roles, policy activation.  Maker-checker (never
one's own proposal, model or draft) is checked by each service on top of the role.

>>> actor = Actor("wang", Role.APPROVER)
>>> require(actor, Role.ANALYST, "propose adjustments", "提出调整") is actor
True
"""

from __future__ import annotations

from dataclasses import dataclass

from finseg.exceptions import PermissionDeniedError
from finseg.store import Role

__all__ = ["Actor", "require"]

_RANK = {Role.ANALYST: 0, Role.APPROVER: 1, Role.ADMIN: 2}
_ROLE_ZH = {Role.ANALYST: "客户经理 analyst", Role.APPROVER: "审批人 approver",
            Role.ADMIN: "管理员 admin"}  # fmt: skip


@dataclass(frozen=True)
class Actor:
    """A person authenticated by a token (CLI) or a session (web), with their role now.

    Services take an ``Actor`` for every governed action and never a free-text name: the
    only way to get one is :func:`finseg.services.authenticate` (or the first admin's
    bootstrap).
    """

    name: str
    role: Role

    def can(self, role: Role) -> bool:
        """Whether this person's role is ``role`` or above it."""
        return _RANK[self.role] >= _RANK[role]


def require(actor: Actor, role: Role, doing_en: str, doing_zh: str) -> Actor:
    """``actor`` if their role is ``role`` or above; else :class:`PermissionDeniedError`."""
    if not actor.can(role):
        raise PermissionDeniedError(
            f"{actor.name} has the role {actor.role.value}; only {role.value} or above may "
            f"{doing_en}",
            f"{actor.name} 的角色为 {_ROLE_ZH[actor.role]}，只有 {_ROLE_ZH[role]} 及以上角色"
            f"可以{doing_zh}",
        )
    return actor
