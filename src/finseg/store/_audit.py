"""The audit log as a hash chain: each row carries the SHA-256 of its canonical content and of
the row before it, so a changed, deleted or inserted row breaks the chain where it happened.

The canonical content of a row is one line of JSON — keys sorted, no spaces, UTF-8, the time
as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC — of its id, time, actor, action, object, ``before``
and ``after`` snapshots and the previous row's hash (:data:`GENESIS` for the first row).  The
same row gives the same bytes on SQLite and PostgreSQL, so an auditor can recompute every hash
from ``finseg audit export`` with a few lines of any language.

Appending takes the chain's lock (SQLite: the ``BEGIN IMMEDIATE`` of every write transaction;
PostgreSQL: a transaction-scoped advisory lock), reads the head, and writes the next id and
link; a unique index on ``prev_sha256`` refuses a fork even without the lock.

>>> from finseg.store import audit, make_engine, read_session, transaction, upgrade
>>> engine = make_engine("sqlite://"); _ = upgrade(engine)
>>> with transaction(engine) as s:
...     _ = audit(s, "li", "demo.step", "demo", "1", None, {"n": 1})
>>> with read_session(engine) as s:
...     report = verify_chain(s)
>>> report.ok, report.rows >= 1
(True, True)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finseg.exceptions import UserError
from finseg.store._models import AuditEntry

__all__ = [
    "GENESIS",
    "AuditChainError",
    "ChainReport",
    "canonical_content",
    "chain_link",
    "export_rows",
    "iter_chain",
    "row_sha256",
    "verify_chain",
]

#: The ``prev_sha256`` of the first row of the chain.
GENESIS = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends to the chain.
_PG_CHAIN_LOCK = 0x66_69_6E_73_65_67  # "finseg"
#: Columns read when walking the chain (a later column must not break older databases).
_COLUMNS = ("id", "at", "actor", "action", "object_type", "object_id", "before", "after")


class AuditChainError(UserError):
    """The audit log's hash chain is broken: a row was changed, removed or inserted."""


def _timestamp(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite returns naive UTC through a plain select
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_content(row: dict[str, Any], prev_sha256: str) -> bytes:
    """The bytes hashed for one audit row (its fields in ``row``) linked to ``prev_sha256``.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> row = {"id": 1, "at": datetime(2025, 1, 1, tzinfo=UTC), "actor": "li",
    ...        "action": "user.add", "object_type": "user", "object_id": "li",
    ...        "before": None, "after": {"role": "analyst", "active": True}}
    >>> canonical_content(row, GENESIS)[:59]
    b'{"action":"user.add","actor":"li","after":{"active":true,"r'
    """
    doc = {
        "id": int(row["id"]),
        "at": _timestamp(row["at"]),
        "actor": row["actor"],
        "action": row["action"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "before": row["before"],
        "after": row["after"],
        "prev_sha256": prev_sha256,
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def row_sha256(row: dict[str, Any], prev_sha256: str) -> str:
    """The SHA-256 (hex) of :func:`canonical_content`."""
    return hashlib.sha256(canonical_content(row, prev_sha256)).hexdigest()


def _lock_chain(executor: Session | sa.Connection) -> None:
    bind = executor if isinstance(executor, sa.Connection) else executor.get_bind()
    if bind.dialect.name == "postgresql":
        executor.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_CHAIN_LOCK)))
    # SQLite: every write transaction began with BEGIN IMMEDIATE and holds the write lock.


def chain_link(executor: Session | sa.Connection) -> tuple[int, str]:
    """Lock the chain for this transaction and return the next row's id and ``prev_sha256``."""
    _lock_chain(executor)
    table = AuditEntry.__table__
    head = executor.execute(
        sa.select(table.c.id, table.c.row_sha256).order_by(table.c.id.desc()).limit(1)
    ).first()
    if head is None:
        return 1, GENESIS
    return int(head.id) + 1, head.row_sha256 or GENESIS


def iter_chain(executor: Session | sa.Connection) -> Iterator[dict[str, Any]]:
    """Every audit row in id order as a dict with its hashes (streamed)."""
    table = AuditEntry.__table__
    columns = [table.c[name] for name in _COLUMNS] + [table.c.prev_sha256, table.c.row_sha256]
    stmt = sa.select(*columns).order_by(table.c.id).execution_options(yield_per=1000)
    for row in executor.execute(stmt):
        yield dict(row._mapping)


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found: rows checked, the head, and the first break if any."""

    rows: int
    head_id: int | None
    head_sha256: str
    broken_id: int | None = None
    en: str = ""
    zh: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None

    def error(self) -> AuditChainError:
        """The break as an error (exit code 2)."""
        return AuditChainError(self.en, self.zh)


def _missing(prev_id: int | None, row_id: int) -> tuple[str, str] | None:
    first = 1 if prev_id is None else prev_id + 1
    if row_id == first:
        return None
    span = str(first) if row_id - first == 1 else f"{first}–{row_id - 1}"
    return (
        f"audit row(s) {span} are missing (deleted) before row {row_id}",
        f"审计日志第 {span} 行缺失（已被删除），位于第 {row_id} 行之前",
    )


def _check(row: dict[str, Any], prev_id: int | None, prev: str) -> tuple[int, str, str] | None:
    """The break at ``row`` (the id of the broken row, English, Chinese), or ``None``."""
    rid = row["id"]
    if row["row_sha256"] is None or row["prev_sha256"] is None:
        return (
            rid,
            f"audit row {rid} carries no hash: it was inserted outside finseg",
            f"审计日志第 {rid} 行没有哈希值：该行不是由 finseg 写入的",
        )
    if row["row_sha256"] != row_sha256(row, row["prev_sha256"]):
        what = f"{row['action']} {row['object_type']} {row['object_id']}"
        return (
            rid,
            f"audit row {rid} ({what}) was changed or forged: its content does not "
            "match its SHA-256",
            f"审计日志第 {rid} 行（{what}）已被改动或伪造：内容与其 SHA-256 不符",
        )
    if row["prev_sha256"] == prev:
        return None
    gap = _missing(prev_id, rid)
    if gap is not None:
        return (rid, *gap)
    if prev_id is None:
        return (
            rid,
            f"audit row {rid} does not start the chain: earlier rows were removed",
            f"审计日志第 {rid} 行不是链的起点：之前的行已被删除",
        )
    return (
        prev_id,
        f"audit row {prev_id} was replaced or forged: row {rid} no longer links to it",
        f"审计日志第 {prev_id} 行已被替换或伪造：第 {rid} 行已无法与其衔接",
    )


def verify_chain(executor: Session | sa.Connection) -> ChainReport:
    """Walk the whole chain in id order; stop at the first broken or missing row.

    A gap in the ids with an intact link is not a break (PostgreSQL sequences skip ids of
    rolled-back transactions in rows written before the chain); a gap where the link breaks
    names the missing rows.
    """
    count, prev_id, prev = 0, None, GENESIS
    for row in iter_chain(executor):
        problem = _check(row, prev_id, prev)
        if problem is not None:
            return ChainReport(count, prev_id, prev, *problem)
        count, prev_id, prev = count + 1, row["id"], row["row_sha256"]
    return ChainReport(count, prev_id, prev)


def export_rows(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Audit rows as JSON Lines (one object per row, with both hashes), for the auditor."""
    for row in rows:
        doc = dict(row, at=_timestamp(row["at"]))
        yield json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n"
