"""The customers table: latest identity of every customer seen, upserted after each run.

>>> import pandas as pd
>>> from finseg.store import make_engine, transaction, upgrade
>>> engine = make_engine("sqlite://"); _ = upgrade(engine)
>>> df = pd.DataFrame({"customer_id": ["C1", "C2"], "customer_name": ["甲", "乙"]})
>>> with transaction(engine) as s:
...     upsert_customers(s, df)
{'inserted': 2, 'updated': 0}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from finseg.exceptions import UserError
from finseg.store._models import Customer, utcnow
from finseg.store._repo import SYSTEM, audit

__all__ = ["CUSTOMER_COLUMNS", "get_customer", "upsert_customers"]

#: Canonical field (portfolio column) -> customers table column.
CUSTOMER_COLUMNS = {
    "customer_id": "customer_id",
    "customer_name": "name",
    "credit_code": "credit_code",
    "industry_code": "industry_code",
    "region": "region",
    "group_id": "group_id",
}
_CHUNK = 500  # rows per statement: stays under SQLite's bound-parameter limit


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """One record per customer (the latest statement date wins), NA as ``None``."""
    if "customer_id" not in df.columns:
        raise UserError(
            "the table has no customer_id column", "数据表缺少 customer_id（客户编号）列"
        )
    if "as_of_date" in df.columns:
        df = df.sort_values("as_of_date", kind="stable")
    df = df[df["customer_id"].notna()].drop_duplicates("customer_id", keep="last")
    cols = [c for c in CUSTOMER_COLUMNS if c in df.columns]
    out = df[cols].astype(object).rename(columns=CUSTOMER_COLUMNS)
    out = out.where(out.notna(), None)
    return [
        {k: (None if v is None else str(v)) for k, v in r.items()} for r in out.to_dict("records")
    ]


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]


def _upsert_statement(session: Session, columns: list[str]) -> Any:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Customer)
    table = Customer.__table__
    # Missing values keep what is known; first_run_id is never overwritten.
    updates = {
        c: sa.func.coalesce(stmt.excluded[c], table.c[c])
        for c in columns
        if c not in ("customer_id", "first_run_id")
    }
    updates["updated_at"] = stmt.excluded.updated_at
    return stmt.on_conflict_do_update(index_elements=["customer_id"], set_=updates)


def upsert_customers(
    session: Session, df: pd.DataFrame, *, run_id: str | None = None, actor: str = SYSTEM
) -> dict[str, int]:
    """Insert new customers and refresh known ones from a portfolio table.

    Uses the canonical columns ``customer_id`` (required), ``customer_name``, ``credit_code``,
    ``industry_code``, ``region`` and ``group_id``; with several rows per customer the latest
    ``as_of_date`` wins.  A missing value does not erase a known one.  Writes one audit row.

    Returns
    -------
    dict
        ``{"inserted": n, "updated": m}``.
    """
    rows = _records(df)
    now = utcnow()
    for row in rows:
        row.update(first_run_id=run_id, last_run_id=run_id, updated_at=now)
    existing = 0
    for chunk in _chunks(rows):
        ids = [r["customer_id"] for r in chunk]
        existing += session.scalar(sa.select(sa.func.count()).where(Customer.customer_id.in_(ids)))
        if chunk:
            session.execute(_upsert_statement(session, list(chunk[0])), chunk)
    counts = {"inserted": len(rows) - existing, "updated": existing}
    audit(session, actor, "customers.upsert", "customers", run_id, None, counts)
    return counts


def get_customer(session: Session, customer_id: str) -> Customer | None:
    """The customer ``customer_id``, or ``None``."""
    return session.get(Customer, customer_id)
