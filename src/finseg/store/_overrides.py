"""Expert adjustments (专家调整) with maker-checker: propose, approve or reject, list, and the
adjustments in force on a day.

An analyst (or any active user) proposes to set one customer's ``segment`` or ``grade`` to a
value, with a reason and an optional expiry date; a *different* user with the role approver or
admin approves or rejects it.  The service refuses self-approval with a clear message, and the
database refuses it too (``ck_overrides_maker_checker``).  Every step writes an audit row in
the same transaction.  Only approved adjustments whose expiry date (if any) has not passed are
in force; of several in force for the same customer and field, the latest approval wins.

>>> from datetime import date
>>> from finseg.store import add_user, make_engine, transaction, upgrade, upsert_customers
>>> import pandas as pd
>>> engine = make_engine("sqlite://"); _ = upgrade(engine)
>>> with transaction(engine) as s:
...     _ = add_user(s, "li", "analyst"), add_user(s, "wang", "approver")
...     _ = upsert_customers(s, pd.DataFrame({"customer_id": ["C1"]}))
...     o = propose_override(s, "C1", "grade", "BB", "guarantee by parent", by="li")
...     _ = approve_override(s, o.id, by="wang")
...     [(a.customer_id, a.to_value) for a in active_overrides(s, date(2025, 1, 1))]
[('C1', 'BB')]
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finseg.exceptions import UserError
from finseg.store._customers import get_customer
from finseg.store._models import Override, OverrideField, OverrideStatus, Role, User, utcnow
from finseg.store._repo import audit

__all__ = [
    "active_overrides",
    "approve_override",
    "get_override",
    "list_overrides",
    "override_dict",
    "propose_override",
    "reject_override",
]

_CHECKERS = (Role.APPROVER, Role.ADMIN)


def _today() -> date:
    return datetime.now(UTC).date()


def override_dict(o: Override) -> dict[str, Any]:
    """A JSON-ready snapshot of an adjustment (audit rows and ``--json`` output)."""
    return {
        "id": o.id,
        "customer_id": o.customer_id,
        "field": o.field.value,
        "to_value": o.to_value,
        "reason": o.reason,
        "proposed_by": o.proposed_by,
        "proposed_at": o.proposed_at.isoformat() if o.proposed_at else None,
        "status": o.status.value,
        "decided_by": o.decided_by,
        "decided_at": o.decided_at.isoformat() if o.decided_at else None,
        "decision_note": o.decision_note,
        "expires_on": o.expires_on.isoformat() if o.expires_on else None,
    }


def _user(session: Session, name: str, roles: Sequence[Role], doing_en: str, doing_zh: str) -> User:
    user = session.scalar(sa.select(User).where(User.name == name.strip()))
    if user is None or not user.active:
        state_en, state_zh = ("no active user", "不存在或已停用") if user else ("no user", "不存在")
        raise UserError(
            f"{state_en} named {name!r}; add one with `finseg users add`",
            f"用户 {name!r} {state_zh}；请先用 `finseg users add` 添加",
        )
    if user.role not in roles:
        allowed = [r.value for r in roles]
        raise UserError(
            f"user {user.name!r} has the role {user.role.value}; only "
            f"{' or '.join(allowed)} may {doing_en}",
            f"用户 {user.name!r} 的角色为 {user.role.value}，只有 {' 或 '.join(allowed)} "
            f"可以{doing_zh}",
        )
    return user


def _field(field: OverrideField | str) -> OverrideField:
    try:
        return OverrideField(field)
    except ValueError:
        raise UserError(
            f"--field: expected segment or grade, got {field!r}",
            f"--field：应为 segment（客户细分）或 grade（风险等级），实际为 {field!r}",
        ) from None


def _check_value(field: OverrideField, value: str, choices: Sequence[str] | None) -> str:
    value = value.strip()
    if choices is not None and value not in choices:
        shown = ", ".join(choices)
        raise UserError(
            f"--to {value!r} is not a valid {field.en} in the policy; choose one of: {shown}",
            f"--to {value!r} 不是策略中有效的{field.zh}；可选：{shown}",
        )
    if not value or len(value) > 64:
        raise UserError(
            f"--to must be 1 to 64 characters, got {value!r}",
            f"--to 须为 1 至 64 个字符，实际为 {value!r}",
        )
    return value


def propose_override(
    session: Session,
    customer_id: str,
    field: OverrideField | str,
    to_value: str,
    reason: str,
    *,
    by: str,
    expires_on: date | None = None,
    choices: Sequence[str] | None = None,
    today: date | None = None,
) -> Override:
    """Record a proposed adjustment of ``customer_id``'s ``field`` to ``to_value``.

    Parameters
    ----------
    choices
        The values ``field`` may take under the workspace policy (taxonomy segment ids, or the
        master-scale grades); ``None`` skips that check.
    today
        The day an expiry is compared with (default: today in UTC).

    Raises
    ------
    UserError
        Unknown or inactive proposer, unknown customer, bad field or value, empty reason, or
        an expiry date already past.
    """
    field = _field(field)
    user = _user(session, by, tuple(Role), "propose adjustments", "提出调整")
    if get_customer(session, customer_id) is None:
        raise UserError(
            f"--customer {customer_id!r}: no such customer in any run; run `finseg run` first",
            f"--customer {customer_id!r}：历次运行中没有该客户；请先运行 `finseg run`",
        )
    value = _check_value(field, to_value, choices)
    if not reason.strip():
        raise UserError("--reason must not be empty", "--reason（调整理由）不能为空")
    if expires_on is not None and expires_on < (today or _today()):
        raise UserError(
            f"--expires {expires_on} is already past", f"--expires {expires_on} 已是过去的日期"
        )
    override = Override(
        customer_id=customer_id, field=field, to_value=value, reason=reason.strip(),
        proposed_by=user.name, status=OverrideStatus.PROPOSED, expires_on=expires_on,
    )  # fmt: skip
    session.add(override)
    session.flush()
    audit(session, user.name, "override.propose", "override", str(override.id), None,
          override_dict(override))  # fmt: skip
    return override


def get_override(session: Session, override_id: int, *, for_update: bool = False) -> Override:
    """The adjustment ``override_id`` (locked for update on PostgreSQL if asked).

    Raises
    ------
    UserError
        No such adjustment.
    """
    stmt = sa.select(Override).where(Override.id == override_id)
    found = session.scalar(stmt.with_for_update() if for_update else stmt)
    if found is None:
        raise UserError(
            f"no adjustment with id {override_id}", f"不存在编号为 {override_id} 的调整"
        )
    return found


def _decide(
    session: Session,
    override_id: int,
    status: OverrideStatus,
    by: str,
    note: str | None,
    today: date | None,
) -> Override:
    approving = status is OverrideStatus.APPROVED
    doing_en, doing_zh = ("approve", "批准") if approving else ("reject", "拒绝")
    override = get_override(session, override_id, for_update=True)
    checker = _user(session, by, _CHECKERS, f"{doing_en} adjustments", f"{doing_zh}调整")
    if override.status is not OverrideStatus.PROPOSED:
        raise UserError(
            f"adjustment {override_id} is already {override.status.value} by "
            f"{override.decided_by}; it cannot be decided again",
            f"调整 {override_id} 已被 {override.decided_by} {override.status.zh}，不能再次审批",
        )
    if checker.name == override.proposed_by:
        raise UserError(
            f"maker-checker: {checker.name} proposed adjustment {override_id} and cannot "
            f"{doing_en} it; another approver must",
            f"双人复核：{checker.name} 是调整 {override_id} 的提出人，不能{doing_zh}自己的调整，"
            "须由其他审批人审批",
        )
    expires = override.expires_on
    if approving and expires is not None and expires < (today or _today()):
        raise UserError(
            f"adjustment {override_id} expired on {expires}; propose it anew",
            f"调整 {override_id} 已于 {expires} 过期，请重新提出",
        )
    before = override_dict(override)
    override.status, override.decided_by, override.decided_at = status, checker.name, utcnow()
    override.decision_note = (note or "").strip() or None
    session.flush()
    audit(session, checker.name, f"override.{doing_en}", "override", str(override.id), before,
          override_dict(override))  # fmt: skip
    return override


def approve_override(
    session: Session,
    override_id: int,
    *,
    by: str,
    note: str | None = None,
    today: date | None = None,
) -> Override:
    """Approve a proposed adjustment; ``by`` must be an approver or admin other than the
    proposer.  It applies from the next run until it expires.

    Raises
    ------
    UserError
        No such adjustment, already decided, ``by`` is the proposer, lacks the role, is
        unknown or inactive, or the adjustment has expired.
    """
    return _decide(session, override_id, OverrideStatus.APPROVED, by, note, today)


def reject_override(
    session: Session, override_id: int, *, by: str, note: str | None = None
) -> Override:
    """Reject a proposed adjustment; the same maker-checker rules as :func:`approve_override`."""
    return _decide(session, override_id, OverrideStatus.REJECTED, by, note, None)


def list_overrides(
    session: Session,
    *,
    status: OverrideStatus | str | None = None,
    customer_id: str | None = None,
) -> list[Override]:
    """Adjustments, newest first, optionally with one status or for one customer."""
    stmt = sa.select(Override).order_by(Override.id.desc())
    if status is not None:
        try:
            status = OverrideStatus(status)
        except ValueError:
            choices = ", ".join(s.value for s in OverrideStatus)
            raise UserError(
                f"--status: expected one of {choices}, got {status!r}",
                f"--status：应为 {choices} 之一，实际为 {status!r}",
            ) from None
        stmt = stmt.where(Override.status == status)
    if customer_id is not None:
        stmt = stmt.where(Override.customer_id == customer_id)
    return list(session.scalars(stmt))


def active_overrides(session: Session, on: date) -> list[Override]:
    """The adjustments in force on day ``on``: approved, not expired (``expires_on`` ≥ ``on``,
    or none); for each customer and field only the latest approved one.  Ordered by id."""
    stmt = (
        sa.select(Override)
        .where(Override.status == OverrideStatus.APPROVED)
        .where(sa.or_(Override.expires_on.is_(None), Override.expires_on >= on))
        .order_by(Override.decided_at, Override.id)
    )
    latest: dict[tuple[str, OverrideField], Override] = {}
    for override in session.scalars(stmt):
        latest[(override.customer_id, override.field)] = override
    return sorted(latest.values(), key=lambda o: o.id)
