"""The set-based customer upsert (staging table + one ``INSERT … ON CONFLICT``), on SQLite
and on a throwaway PostgreSQL server (the ``engine`` fixture runs every test on both)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from finseg.exceptions import UserError
from finseg.store import (
    Customer,
    _customers,
    get_customer,
    list_audit,
    read_session,
    start_run,
    transaction,
    upsert_customers,
)


def _runs(engine: Engine, *ids: str) -> None:
    with transaction(engine) as s:
        for run_id in ids:
            start_run(s, run_id=run_id)


def _table(engine: Engine) -> pd.DataFrame:
    with read_session(engine) as s:
        rows = s.execute(sa.select(Customer).order_by(Customer.customer_id)).scalars().all()
        return pd.DataFrame(
            [(c.customer_id, c.name, c.credit_code, c.region, c.first_run_id, c.last_run_id)
             for c in rows],
            columns=["customer_id", "name", "credit_code", "region", "first", "last"],
        )  # fmt: skip


def test_missing_value_never_erases_a_known_one(engine: Engine) -> None:
    _runs(engine, "r1", "r2")
    first = pd.DataFrame({"customer_id": ["C1"], "customer_name": ["甲"], "region": ["北京"],
                          "credit_code": ["91110000MA00000001"]})  # fmt: skip
    # a missing value (NA, None, NaN) and a column absent from the file both keep the known one
    second = pd.DataFrame({"customer_id": ["C1"], "customer_name": [pd.NA], "region": [np.nan]})
    with transaction(engine) as s:
        upsert_customers(s, first, run_id="r1")
    with transaction(engine) as s:
        assert upsert_customers(s, second, run_id="r2") == {"inserted": 0, "updated": 1}
    row = _table(engine).iloc[0].to_dict()
    assert row == {"customer_id": "C1", "name": "甲", "credit_code": "91110000MA00000001",
                   "region": "北京", "first": "r1", "last": "r2"}  # fmt: skip


def test_customer_seen_again_keeps_first_run_and_takes_the_new_values(engine: Engine) -> None:
    _runs(engine, "r1", "r2", "r3")
    for run_id, name in (("r1", "旧名"), ("r2", "新名"), ("r3", None)):
        df = pd.DataFrame({"customer_id": ["C1", f"N-{run_id}"], "customer_name": [name, "x"]})
        with transaction(engine) as s:
            assert upsert_customers(s, df, run_id=run_id) == {
                "inserted": 2 if run_id == "r1" else 1,
                "updated": 0 if run_id == "r1" else 1,
            }
    table = _table(engine).set_index("customer_id")
    assert table.loc["C1", ["name", "first", "last"]].tolist() == ["新名", "r1", "r3"]
    assert table.loc["N-r3", ["first", "last"]].tolist() == ["r3", "r3"]


def test_without_a_run_the_last_run_is_kept(engine: Engine) -> None:
    _runs(engine, "r1")
    with transaction(engine) as s:
        upsert_customers(s, pd.DataFrame({"customer_id": ["C1"]}), run_id="r1")
        upsert_customers(s, pd.DataFrame({"customer_id": ["C1", "C2"]}))
    table = _table(engine).set_index("customer_id")
    assert table.loc["C1", ["first", "last"]].tolist() == ["r1", "r1"]
    assert table.loc["C2", ["first", "last"]].isna().all()


def test_latest_statement_wins_and_values_are_text(engine: Engine) -> None:
    df = pd.DataFrame({
        "customer_id": ["C1", "C1", "C2", None],
        "customer_name": ["2024", "2023", "乙", "ghost"],
        "region": [110000, 120000, 130000, 1],
        "as_of_date": pd.to_datetime(["2024-12-31", "2023-12-31", "2024-12-31", "2024-12-31"]),
    })  # fmt: skip
    with transaction(engine) as s:
        assert upsert_customers(s, df) == {"inserted": 2, "updated": 0}
    with read_session(engine) as s:
        assert (get_customer(s, "C1").name, get_customer(s, "C1").region) == ("2024", "110000")
        assert s.scalar(sa.select(sa.func.count()).select_from(Customer)) == 2


def test_one_audit_row_per_upsert_with_the_counts(engine: Engine) -> None:
    _runs(engine, "r1")
    with transaction(engine) as s:
        upsert_customers(s, pd.DataFrame({"customer_id": ["C1", "C2"]}), run_id="r1")
        upsert_customers(s, pd.DataFrame({"customer_id": ["C2", "C3", "C4"]}), run_id="r1")
    with read_session(engine) as s:
        rows = list_audit(s, object_type="customers")
    assert len(rows) == 2
    assert sorted(str(r.after) for r in rows) == sorted(
        [str({"inserted": 2, "updated": 0}), str({"inserted": 2, "updated": 1})]
    )


def test_large_book_in_several_batches(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_customers, "_BATCH", 1_000)
    ids = [f"C{i:05d}" for i in range(5_500)]
    with transaction(engine) as s:
        upsert_customers(s, pd.DataFrame({"customer_id": ids[:3_000], "region": "甲"}))
    again = pd.DataFrame({"customer_id": ids, "region": [None] * 2_000 + ["乙"] * 3_500})
    with transaction(engine) as s:
        assert upsert_customers(s, again) == {"inserted": 2_500, "updated": 3_000}
    table = _table(engine).set_index("customer_id")["region"]
    assert len(table) == 5_500
    assert (table.iloc[:2_000] == "甲").all() and (table.iloc[2_000:] == "乙").all()


def test_a_failed_upsert_leaves_nothing(engine: Engine) -> None:
    # an unknown run id breaks the foreign key: the whole upsert rolls back, and the staging
    # table is gone, so the next upsert in a new transaction works
    with pytest.raises(sa.exc.IntegrityError), transaction(engine) as s:
        upsert_customers(s, pd.DataFrame({"customer_id": ["C1"]}), run_id="no-such-run")
    with transaction(engine) as s:
        assert upsert_customers(s, pd.DataFrame({"customer_id": ["C1"]})) == {
            "inserted": 1, "updated": 0,
        }  # fmt: skip


def test_without_customer_id_is_a_user_error(engine: Engine) -> None:
    with pytest.raises(UserError, match="no customer_id column"), transaction(engine) as s:
        upsert_customers(s, pd.DataFrame({"customer_name": ["x"]}))


def test_sqlite_connection_gets_its_cache_size_back(tmp_path) -> None:
    from finseg.store import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}", poolclass=sa.pool.StaticPool)
    upgrade(engine)
    with transaction(engine) as s:
        before = s.scalar(sa.text("PRAGMA cache_size"))
        upsert_customers(s, pd.DataFrame({"customer_id": ["C1"]}))
        assert s.scalar(sa.text("PRAGMA cache_size")) == before
    engine.dispose()
