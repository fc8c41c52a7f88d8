"""Expert adjustments with maker-checker, each test on SQLite and on PostgreSQL: the service
refuses self-approval and wrong roles, the database refuses self-approval too, only approved
and unexpired adjustments apply in a run, and every step is in the append-only audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from finseg.exceptions import UserError
from finseg.pipeline import run_pipeline
from finseg.sample import generate_portfolio, write_sample
from finseg.segments._overrides import apply_overrides
from finseg.store import (
    Override,
    OverrideStatus,
    User,
    active_overrides,
    add_user,
    approve_override,
    get_override,
    list_audit,
    list_overrides,
    propose_override,
    read_session,
    reject_override,
    transaction,
    upsert_customers,
    utcnow,
)
from finseg.workspace import init_workspace

JAN1, FEB1 = date(2025, 1, 1), date(2025, 2, 1)


def _people(engine: Engine, customers: list[str] | None = None) -> None:
    with transaction(engine) as s:
        add_user(s, "li", "analyst")
        add_user(s, "wang", "approver")
        add_user(s, "zhao", "admin")
        ids = customers or ["C1", "C2", "C3"]
        upsert_customers(s, pd.DataFrame({"customer_id": ids}))


@pytest.fixture
def people(engine: Engine) -> Engine:
    """A migrated database with analyst li, approver wang, admin zhao and customers C1..C3."""
    _people(engine)
    return engine


def _propose(engine: Engine, by: str = "li", customer: str = "C1", **kw) -> int:
    kw.setdefault("field", "grade")
    kw.setdefault("to_value", "BB")
    with transaction(engine) as s:
        return propose_override(s, customer, kw.pop("field"), kw.pop("to_value"),
                                "parent guarantee / 母公司担保", by=by, **kw).id  # fmt: skip


# maker-checker ----------------------------------------------------------------------------


@pytest.mark.parametrize("decide", [approve_override, reject_override])
def test_maker_cannot_check_their_own_adjustment(people: Engine, decide) -> None:
    oid = _propose(people, by="wang")
    with (
        pytest.raises(UserError, match="maker-checker: wang proposed") as info,
        transaction(people) as s,
    ):
        decide(s, oid, by="wang")
    assert "双人复核" in info.value.zh
    with read_session(people) as s:
        assert get_override(s, oid).status is OverrideStatus.PROPOSED


def test_database_refuses_maker_equals_checker(people: Engine) -> None:
    row = {"c": "C1", "f": "grade", "v": "BB", "r": "x", "p": "wang", "t": utcnow()}
    insert = sa.text(
        "INSERT INTO overrides (customer_id, field, to_value, reason, proposed_by, proposed_at,"
        " status, decided_by, decided_at) VALUES (:c, :f, :v, :r, :p, :t, 'approved', :p, :t)"
    )
    with pytest.raises(sa.exc.IntegrityError, match="maker_checker"), people.begin() as conn:
        conn.execute(insert, row)
    oid = _propose(people, by="wang")
    with pytest.raises(sa.exc.IntegrityError, match="maker_checker"), transaction(people) as s:
        o = s.get(Override, oid)  # bypass the service: the constraint is the last line
        o.status, o.decided_by, o.decided_at = OverrideStatus.APPROVED, "wang", utcnow()
        s.flush()


def test_database_refuses_a_decision_without_checker(people: Engine) -> None:
    oid = _propose(people)
    with pytest.raises(sa.exc.IntegrityError, match="decision"), transaction(people) as s:
        s.get(Override, oid).status = OverrideStatus.APPROVED
        s.flush()


def test_analyst_cannot_approve_and_unknown_or_inactive_users_cannot_act(people: Engine) -> None:
    oid = _propose(people, by="wang")
    with (
        pytest.raises(UserError, match="only approver or admin may approve") as info,
        transaction(people) as s,
    ):
        approve_override(s, oid, by="li")
    assert "只有 approver 或 admin" in info.value.zh
    with pytest.raises(UserError, match="no user named 'nobody'"), transaction(people) as s:
        approve_override(s, oid, by="nobody")
    with transaction(people) as s:
        s.scalar(sa.select(User).where(User.name == "li")).active = False
    with pytest.raises(UserError, match="no active user named 'li'"):
        _propose(people, by="li")


def test_admin_approves_and_a_decision_is_final(people: Engine) -> None:
    oid = _propose(people)
    with transaction(people) as s:
        done = approve_override(s, oid, by="zhao", note=" checked the guarantee ")
    assert (done.status, done.decided_by, done.decision_note) == (
        OverrideStatus.APPROVED, "zhao", "checked the guarantee",
    )  # fmt: skip
    assert done.decided_at.tzinfo is UTC
    with pytest.raises(UserError, match="already approved by zhao"), transaction(people) as s:
        reject_override(s, oid, by="wang")
    with pytest.raises(UserError, match="no adjustment with id 999"), transaction(people) as s:
        approve_override(s, 999, by="wang")


# proposals ----------------------------------------------------------------------------------


def test_proposal_is_validated(people: Engine) -> None:
    grades = ["AAA", "BB", "D"]
    with pytest.raises(UserError, match="'ZZ' is not a valid grade"), transaction(people) as s:
        propose_override(s, "C1", "grade", "ZZ", "r", by="li", choices=grades)
    with pytest.raises(UserError, match="expected segment or grade"), transaction(people) as s:
        propose_override(s, "C1", "pd", "0.1", "r", by="li")
    with pytest.raises(UserError, match="no such customer"), transaction(people) as s:
        propose_override(s, "C9", "grade", "BB", "r", by="li")
    with pytest.raises(UserError, match="--reason must not be empty"), transaction(people) as s:
        propose_override(s, "C1", "grade", "BB", "  ", by="li")
    with pytest.raises(UserError, match="already past"), transaction(people) as s:
        propose_override(s, "C1", "grade", "BB", "r", by="li", expires_on=JAN1, today=FEB1)
    with read_session(people) as s:
        assert list_overrides(s) == []


def test_an_adjustment_that_expired_before_approval_cannot_be_approved(people: Engine) -> None:
    oid = _propose(people, expires_on=JAN1 + timedelta(days=9), today=JAN1)
    with pytest.raises(UserError, match="expired on 2025-01-10"), transaction(people) as s:
        approve_override(s, oid, by="wang", today=FEB1)


# which adjustments are in force -------------------------------------------------------------


def test_only_approved_unexpired_adjustments_are_in_force(people: Engine) -> None:
    approved = _propose(people, customer="C1")
    rejected = _propose(people, customer="C2")
    pending = _propose(people, customer="C3")
    expiring = _propose(people, customer="C3", field="segment", to_value="other",
                        expires_on=date(2025, 1, 15), today=JAN1)  # fmt: skip
    with transaction(people) as s:
        approve_override(s, approved, by="wang")
        reject_override(s, rejected, by="zhao", note="no evidence")
        approve_override(s, expiring, by="wang", today=JAN1)
    with read_session(people) as s:
        assert [o.id for o in active_overrides(s, date(2025, 1, 15))] == [approved, expiring]
        assert [o.id for o in active_overrides(s, date(2025, 1, 16))] == [approved]
        assert [o.id for o in list_overrides(s, status="proposed")] == [pending]
        assert [o.id for o in list_overrides(s, customer_id="C3")] == [expiring, pending]


def test_the_latest_approval_wins(people: Engine) -> None:
    first, second = _propose(people, to_value="BB"), _propose(people, to_value="B")
    with transaction(people) as s:
        approve_override(s, second, by="wang")
    with transaction(people) as s:
        approve_override(s, first, by="zhao")
    with read_session(people) as s:
        (active,) = active_overrides(s, JAN1)
    assert (active.id, active.to_value) == (first, "BB")


# audit --------------------------------------------------------------------------------------


def test_every_step_is_audited_and_the_audit_log_is_append_only(people: Engine) -> None:
    a, b = _propose(people), _propose(people, customer="C2")
    with transaction(people) as s:
        approve_override(s, a, by="wang", note="ok")
        reject_override(s, b, by="zhao")
    with read_session(people) as s:
        rows = list_audit(s, object_type="override")
    got = sorted((e.object_id, e.action, e.actor) for e in rows)
    assert got == [
        (str(a), "override.approve", "wang"), (str(a), "override.propose", "li"),
        (str(b), "override.propose", "li"), (str(b), "override.reject", "zhao"),
    ]  # fmt: skip
    approve = next(e for e in rows if e.action == "override.approve")
    assert approve.before["status"] == "proposed" and approve.before["decided_by"] is None
    assert approve.after["status"] == "approved" and approve.after["decided_by"] == "wang"
    assert approve.after["decision_note"] == "ok" and approve.after["to_value"] == "BB"
    for sql in ("UPDATE audit_log SET actor = 'mallory' WHERE object_type = 'override'",
                "DELETE FROM audit_log WHERE object_type = 'override'"):  # fmt: skip
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), people.begin() as conn:
            conn.execute(sa.text(sql))
    with read_session(people) as s:
        assert len(list_audit(s, object_type="override")) == 4


# a run applies them -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "book.csv"
    write_sample(generate_portfolio(120, seed=5), path)
    return path


def test_a_run_applies_only_approved_unexpired_adjustments(
    db_url: str, tmp_path: Path, sample_csv: Path
) -> None:
    ws = init_workspace(tmp_path / "ws", database_url=db_url, language="en")
    engine = ws.engine()
    first = run_pipeline(ws, sample_csv)
    model = pd.read_parquet(first.results).set_index("customer_id")
    c_seg, c_grade, c_rej, c_exp = model.index[:4]
    _people(engine, list(model.index[:4]))
    today = datetime.now(UTC).date()
    seg = _propose(engine, customer=c_seg, field="segment", to_value="tech_startup")
    grade = _propose(engine, customer=c_grade, field="grade", to_value="CCC",
                     expires_on=today, today=today)  # fmt: skip
    rej = _propose(engine, customer=c_rej, to_value="D")
    exp = _propose(engine, customer=c_exp, to_value="D", expires_on=today - timedelta(days=1),
                   today=today - timedelta(days=5))  # fmt: skip
    with transaction(engine) as s:
        approve_override(s, seg, by="wang")
        approve_override(s, grade, by="zhao")
        reject_override(s, rej, by="wang")
        approve_override(s, exp, by="wang", today=today - timedelta(days=2))
    frame = pd.read_parquet(run_pipeline(ws, sample_csv).results).set_index("customer_id")
    ws.close()

    row = frame.loc[c_seg]
    assert (row["segment"], row["segment_rule"], row["strategy_key"]) == (
        "tech_startup", f"override:{seg}", "tech_startup",
    )  # fmt: skip
    assert row["segment_model"] == model.loc[c_seg, "segment"]
    assert (row["segment_override_id"], row["segment_override_by"]) == (seg, "li")
    assert row["segment_override_approved_by"] == "wang"

    row = frame.loc[c_grade]
    assert (row["grade"], row["grade_model"]) == ("CCC", model.loc[c_grade, "grade"])
    assert (row["grade_override_id"], row["grade_override_by"]) == (grade, "li")
    assert row["grade_override_approved_by"] == "zhao"
    assert row["pd"] == model.loc[c_grade, "pd"]  # the PD stays the model's
    assert row["segment"] == "high_risk"  # segment rules see the adjusted grade
    assert row["segment_key"].endswith("|CCC")

    for customer in (c_rej, c_exp):  # rejected, and expired yesterday
        assert frame.loc[customer, "grade"] == model.loc[customer, "grade"]
        assert pd.isna(frame.loc[customer, "grade_override_id"])
    others = frame.drop(index=[c_seg, c_grade])
    assert others[["segment_override_id", "grade_override_id"]].isna().all().all()
    assert (others["grade"] == others["grade_model"]).all()
    assert (others["segment"] == others["segment_model"]).all()


# applying them (pure; no database) ----------------------------------------------------------


def _adj(oid: int, customer: str, field: str, to: str) -> SimpleNamespace:
    return SimpleNamespace(id=oid, customer_id=customer, field=field, to_value=to,
                           proposed_by="li", decided_by="wang")  # fmt: skip


def test_apply_without_adjustments_keeps_every_value() -> None:
    df = pd.DataFrame({"customer_id": ["C1", "C2"], "grade": ["A", "BB"]})
    out = apply_overrides(df, [], fields=("grade",))
    assert out["grade"].tolist() == out["grade_model"].tolist() == ["A", "BB"]
    assert out["grade_override_id"].isna().all() and out["grade_override_by"].isna().all()
    assert list(df.columns) == ["customer_id", "grade"]  # the input is left alone


def test_apply_refuses_a_value_the_policy_no_longer_has() -> None:
    df = pd.DataFrame({"customer_id": ["C1"], "segment": ["other"], "segment_rule": ["x"]})
    with pytest.raises(UserError, match=r"adjustment\(s\) 4 set a value the policy no longer"):
        apply_overrides(df, [_adj(4, "C1", "segment", "gone")], fields=("segment",),
                        choices={"segment": ["other"]})  # fmt: skip
    with pytest.raises(UserError, match="two segment adjustments for customer 'C1'"):
        apply_overrides(df, [_adj(4, "C1", "segment", "other"), _adj(5, "C1", "segment", "x")])
