"""Evidence before use: state the pipeline applies must match the audit row that made it.

A row changed behind finseg's back — ``UPDATE overrides SET status = 'approved'`` — has no
audit row saying so.  :func:`require_evidence` finds the object's latest audit row and refuses
the state unless that row is the expected action, its ``after`` snapshot holds the expected
values, and its own hash is intact.

>>> from finseg.store import add_user, make_engine, transaction, upgrade
>>> engine = make_engine("sqlite://"); _ = upgrade(engine)
>>> with transaction(engine) as s:
...     _ = add_user(s, "li", "analyst")
...     require_evidence(s, "user", "li", "user.add", {"role": "analyst"}).action
'user.add'
>>> with transaction(engine) as s:
...     require_evidence(s, "user", "li", "user.add", {"role": "admin"})
Traceback (most recent call last):
...
finseg.store._evidence.EvidenceError: user li: role is 'admin' in the database but 'analyst' ...
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finseg.exceptions import UserError
from finseg.store._audit import row_sha256
from finseg.store._models import AuditEntry, ModelRecord, Override
from finseg.store._overrides import override_dict

__all__ = [
    "EvidenceError",
    "require_champion_evidence",
    "require_evidence",
    "require_override_evidence",
]

_MISSING = object()


class EvidenceError(UserError):
    """State in the database has no matching audit evidence (changed outside finseg)."""


def _latest(
    session: Session, object_type: str, object_id: str, actions: Collection[str], latest: bool
) -> AuditEntry | None:
    stmt = (
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if not latest:
        stmt = stmt.where(AuditEntry.action.in_(list(actions)))
    return session.scalar(stmt)


def _intact(entry: AuditEntry) -> bool:
    row = {
        c: getattr(entry, c)
        for c in ("id", "at", "actor", "action", "object_type", "object_id", "before", "after")
    }
    return entry.prev_sha256 is not None and entry.row_sha256 == row_sha256(row, entry.prev_sha256)


def _refuse(what: str, en: str, zh: str) -> EvidenceError:
    return EvidenceError(
        f"{what}: {en}; the state was changed outside finseg and is refused",
        f"{what}：{zh}；该状态是在 finseg 之外被修改的，拒绝使用",
    )


def require_evidence(
    session: Session,
    object_type: str,
    object_id: str | int,
    action: str | Collection[str],
    expected_after: Mapping[str, Any],
    *,
    latest: bool = True,
) -> AuditEntry:
    """The audit row that vouches for an object's current state; refuse the state without one.

    Parameters
    ----------
    object_type, object_id
        The object as its audit rows name it (``"override"``, ``"7"``).
    action
        The action (or any of several) that must have produced the state, e.g.
        ``"override.approve"``.
    expected_after
        Fields of the current state that the row's ``after`` snapshot must hold, with equal
        values (compared as JSON values: dates as ISO text).
    latest
        ``True``: the object's latest audit row must be that action (nothing changed it
        since).  ``False``: the latest row *of that action* (for facts later rows leave alone,
        such as the SHA-256 recorded when a model was registered).

    Raises
    ------
    EvidenceError
        No such row, another action came later, a value differs, or the row's own hash does
        not match its content.  Exit code 2; the message names the object and the row.
    """
    actions = (action,) if isinstance(action, str) else tuple(action)
    oid, what = str(object_id), f"{object_type} {object_id}"
    entry = _latest(session, object_type, oid, actions, latest)
    wanted = " / ".join(actions)
    if entry is None:
        raise _refuse(what, f"no audit row {wanted} records it", f"没有记录它的审计行（{wanted}）")
    where_en = f"its audit row {entry.id} ({entry.action})"
    where_zh = f"其审计日志第 {entry.id} 行（{entry.action}）"
    if entry.action not in actions:
        raise _refuse(what, f"{where_en} is not {wanted}", f"{where_zh}不是 {wanted}")
    after = entry.after or {}
    for key, value in expected_after.items():
        recorded = after.get(key, _MISSING)
        if recorded != value:
            shown = "nothing" if recorded is _MISSING else repr(recorded)
            raise _refuse(
                what,
                f"{key} is {value!r} in the database but {shown} in {where_en}",
                f"数据库中 {key} 为 {value!r}，而{where_zh}记录为 {shown}",
            )
    if not _intact(entry):
        raise _refuse(
            what, f"{where_en} does not match its SHA-256", f"{where_zh}与其 SHA-256 不符"
        )
    return entry


#: What an approval fixes about an adjustment: the ``after`` of its ``override.approve`` row.
_OVERRIDE_FIELDS = ("id", "customer_id", "field", "to_value", "status", "proposed_by",
                    "decided_by", "decided_at", "expires_on")  # fmt: skip


def require_override_evidence(session: Session, override: Override) -> AuditEntry:
    """Refuse an approved adjustment unless its latest audit row is the approval of exactly
    this adjustment (customer, field, value, maker, checker, time and expiry).

    Raises
    ------
    EvidenceError
        The approval is not in the audit log, or differs from it.
    """
    state = override_dict(override)
    expected = {key: state[key] for key in _OVERRIDE_FIELDS}
    return require_evidence(session, "override", override.id, "override.approve", expected)


def require_champion_evidence(session: Session, record: ModelRecord) -> AuditEntry:
    """Refuse a champion unless its latest audit row made it champion and its registration
    recorded the SHA-256 the registry now holds (the model file is checked against that).

    Raises
    ------
    EvidenceError
        The promotion or the registered SHA-256 is not in the audit log.
    """
    require_evidence(session, "model", record.id, "model.register", {"sha256": record.sha256},
                     latest=False)  # fmt: skip
    return require_evidence(
        session, "model", record.id, ("model.register", "model.champion"), {"status": "champion"}
    )
