"""The customers table: latest identity of every customer seen, upserted after each run.

The upsert is set-based so that a run over a million customers spends seconds, not minutes,
in the database: the customers are loaded into a temporary staging table in bulk (PostgreSQL
``COPY`` through psycopg 3; SQLite ``executemany`` on the raw driver in large batches), then
one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` merges them into ``customers``.  The staging
table is private to the connection and dropped before the transaction ends, so it needs no
migration.

>>> import pandas as pd
>>> from finseg.store import make_engine, transaction, upgrade
>>> engine = make_engine("sqlite://"); _ = upgrade(engine)
>>> df = pd.DataFrame({"customer_id": ["C1", "C2"], "customer_name": ["甲", "乙"]})
>>> with transaction(engine) as s:
...     upsert_customers(s, df)
{'inserted': 2, 'updated': 0}
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from finseg.exceptions import UserError
from finseg.store._models import Customer, UTCDateTime, utcnow
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
_STAGE = "finseg_customers_stage"
_BATCH = 100_000  # rows per executemany on SQLite: bounds the Python tuples held at once
#: SQLite page cache during the upsert (negative: KiB).  The credit-code index is updated in
#: random order; with the default 2 MB cache each update re-reads index pages.
_CACHE_KIB = -262_144
_COLUMNS = list(CUSTOMER_COLUMNS.values())
_VALUES = [c for c in _COLUMNS if c != "customer_id"]


def _latest(df: pd.DataFrame) -> pd.DataFrame:
    """One row per customer (the latest statement date wins), with the customers columns."""
    if "customer_id" not in df.columns:
        raise UserError(
            "the table has no customer_id column", "数据表缺少 customer_id（客户编号）列"
        )
    if "as_of_date" in df.columns:
        df = df.sort_values("as_of_date", kind="stable")
    df = df[df["customer_id"].notna()].drop_duplicates("customer_id", keep="last")
    return df[[c for c in CUSTOMER_COLUMNS if c in df.columns]].rename(columns=CUSTOMER_COLUMNS)


def _text(column: pd.Series) -> np.ndarray:
    """The column as an object array of ``str`` with ``None`` for a missing value."""
    values = column.to_numpy(dtype=object, na_value=None, copy=True)
    if not pd.api.types.is_string_dtype(column.dtype) or column.dtype == object:
        present = column.notna().to_numpy()
        values[present] = [str(v) for v in values[present]]
    return values


def _columns(latest: pd.DataFrame) -> list[np.ndarray]:
    """Every staging column in :data:`_COLUMNS` order; an absent one is all ``None``."""
    empty = np.full(len(latest), None, dtype=object)
    return [_text(latest[c]) if c in latest else empty for c in _COLUMNS]


def _stage_sqlite(cursor: Any, columns: list[np.ndarray]) -> None:
    # ids are unique already, so the table needs no key: the merge looks each one up in the
    # customers primary key (temporary tables live in memory: see finseg.store._db)
    cursor.execute(f"PRAGMA cache_size = {_CACHE_KIB}")  # the connection's; reset in the end
    cursor.execute(f"CREATE TEMP TABLE {_STAGE} ({', '.join(f'{c} TEXT' for c in _COLUMNS)})")
    insert = f"INSERT INTO temp.{_STAGE} VALUES ({', '.join('?' * len(_COLUMNS))})"
    for start in range(0, len(columns[0]), _BATCH):
        rows = zip(*(c[start : start + _BATCH] for c in columns), strict=True)
        cursor.executemany(insert, rows)


def _stage_postgresql(cursor: Any, columns: list[np.ndarray]) -> None:
    # ON COMMIT DROP: gone with the transaction even if the merge below fails.
    cursor.execute(f"CREATE TEMP TABLE {_STAGE} (customer_id text PRIMARY KEY, "
                   + ", ".join(f"{c} text" for c in _VALUES) + ") ON COMMIT DROP")  # fmt: skip
    with cursor.copy(f"COPY {_STAGE} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
        for row in zip(*columns, strict=True):
            copy.write_row(row)


def _merge(stage: str) -> sa.TextClause:
    """One set-based upsert from the staging table.

    A missing value keeps what is known (``COALESCE``), ``first_run_id`` is set only on
    insert, ``last_run_id`` only when the run is known, ``updated_at`` always.  (``WHERE
    true`` lets SQLite parse ``ON CONFLICT`` after ``INSERT … SELECT``.)
    """
    keep = [f"{c} = COALESCE(excluded.{c}, customers.{c})" for c in [*_VALUES, "last_run_id"]]
    return sa.text(
        f"INSERT INTO customers ({', '.join(_COLUMNS)}, first_run_id, last_run_id, updated_at) "
        f"SELECT {', '.join(_COLUMNS)}, :run_id, :run_id, :now FROM {stage} WHERE true "
        f"ON CONFLICT (customer_id) DO UPDATE SET {', '.join(keep)}, "
        "updated_at = excluded.updated_at"
    ).bindparams(
        sa.bindparam("run_id", type_=sa.String()), sa.bindparam("now", type_=UTCDateTime())
    )


def upsert_customers(
    session: Session, df: pd.DataFrame, *, run_id: str | None = None, actor: str = SYSTEM
) -> dict[str, int]:
    """Insert new customers and refresh known ones from a portfolio table.

    Uses the canonical columns ``customer_id`` (required), ``customer_name``, ``credit_code``,
    ``industry_code``, ``region`` and ``group_id``; with several rows per customer the latest
    ``as_of_date`` wins.  A missing value does not erase a known one; ``first_run_id`` keeps
    the run that first saw the customer.  Writes one audit row.

    Returns
    -------
    dict
        ``{"inserted": n, "updated": m}``.
    """
    columns = _columns(_latest(df))
    postgres = session.get_bind().dialect.name == "postgresql"
    stage = _STAGE if postgres else f"temp.{_STAGE}"
    # the raw driver connection of the session's transaction: the staging rows commit with it
    cursor = session.connection().connection.driver_connection.cursor()
    cache = None if postgres else cursor.execute("PRAGMA cache_size").fetchone()[0]
    try:
        (_stage_postgresql if postgres else _stage_sqlite)(cursor, columns)
        existing = session.scalar(
            sa.text(f"SELECT count(*) FROM {stage} s JOIN customers c USING (customer_id)")
        )
        session.execute(_merge(stage), {"run_id": run_id, "now": utcnow()})
        session.execute(sa.text(f"DROP TABLE {stage}"))
    finally:
        if cache is not None:  # the pooled connection goes back with its own cache size
            cursor.execute(f"PRAGMA cache_size = {int(cache)}")
        cursor.close()
    counts = {"inserted": len(columns[0]) - int(existing), "updated": int(existing)}
    audit(session, actor, "customers.upsert", "customers", run_id, None, counts)
    return counts


def get_customer(session: Session, customer_id: str) -> Customer | None:
    """The customer ``customer_id``, or ``None``."""
    return session.get(Customer, customer_id)
