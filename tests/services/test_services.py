"""The services check roles and maker-checker themselves: a web app calling them directly
(issue 18) is held to the same rules as the command line."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from finseg.exceptions import AuthenticationError, PermissionDeniedError, UserError
from finseg.services import (
    Actor,
    Decision,
    Login,
    NewUser,
    Proposal,
    Role,
    activate_policy,
    add_user,
    authenticate,
    change_role,
    create_first_admin,
    decide_adjustment,
    login,
    logout,
    promote_model,
    propose_adjustment,
    revoke_user_tokens,
    submit_policy,
)
from finseg.store import (
    bootstrap_policy,
    make_engine,
    normalise_name,
    register_model,
    transaction,
    upgrade,
    upsert_customers,
)

POLICY = "name: {zh: 甲, en: A}\n"


@pytest.fixture
def engine():
    engine = make_engine("sqlite://")
    upgrade(engine)
    with transaction(engine) as s:
        root = create_first_admin(s, NewUser("root", Role.ADMIN, "root password"))
        for name, role in (("li", Role.ANALYST), ("wang", Role.APPROVER), ("qian", Role.ADMIN)):
            add_user(s, root, NewUser(name, role, f"{name} password!"))
        upsert_customers(s, pd.DataFrame({"customer_id": ["C1"]}))
    yield engine
    engine.dispose()


LI, WANG = Actor("li", Role.ANALYST), Actor("wang", Role.APPROVER)
ROOT, QIAN = Actor("root", Role.ADMIN), Actor("qian", Role.ADMIN)


def test_only_admins_manage_people(engine):
    with transaction(engine) as s:
        for actor in (LI, WANG):
            with pytest.raises(PermissionDeniedError, match="only admin or above may add users"):
                add_user(s, actor, NewUser("li2", Role.APPROVER, "a password!"))
            with pytest.raises(PermissionDeniedError, match="change roles"):
                change_role(s, actor, "li", Role.APPROVER)
        assert change_role(s, ROOT, "li", Role.APPROVER).role is Role.APPROVER


def test_a_second_first_admin_is_refused(engine):
    with (
        pytest.raises(PermissionDeniedError, match="already has an admin"),
        transaction(engine) as s,
    ):
        create_first_admin(s, NewUser("eve", Role.ADMIN, "eve password!"))


def test_weak_password_is_refused(engine):
    with pytest.raises(UserError, match="at least 10 characters"), transaction(engine) as s:
        add_user(s, ROOT, NewUser("zhou", Role.ANALYST, "short"))


def test_login_authenticate_logout_and_revoke(engine):
    with transaction(engine) as s:
        issued = login(s, Login("li", "li password!", ttl=timedelta(minutes=5)))
        assert authenticate(s, issued.token) == Actor("li", Role.ANALYST)
        assert logout(s, issued.token) == 1
        with pytest.raises(AuthenticationError, match="expired or revoked"):
            authenticate(s, issued.token)
        second = login(s, Login("li", "li password!"))
        with pytest.raises(PermissionDeniedError):
            revoke_user_tokens(s, WANG, "li")  # not an admin, not themself
        assert revoke_user_tokens(s, LI, "li") == 1
        with pytest.raises(AuthenticationError):
            authenticate(s, second.token)
        with pytest.raises(AuthenticationError, match="login failed"):
            login(s, Login("li", "wrong password"))
        expired = login(s, Login("li", "li password!", ttl=timedelta(seconds=-1)))
        with pytest.raises(AuthenticationError):
            authenticate(s, expired.token)


def test_adjustments_need_roles_and_two_people(engine):
    with transaction(engine) as s:
        o = propose_adjustment(s, LI, Proposal("C1", "grade", "BB", "parent guarantee"))
        with pytest.raises(PermissionDeniedError, match="approve adjustments"):
            decide_adjustment(s, LI, Decision(o.id, approve=True))
        own = propose_adjustment(s, WANG, Proposal("C1", "grade", "B", "litigation"))
        with pytest.raises(UserError, match="maker-checker"):
            decide_adjustment(s, WANG, Decision(own.id, approve=True))
        assert decide_adjustment(s, WANG, Decision(o.id, approve=True)).decided_by == "wang"


def test_models_need_an_approver_who_did_not_train(engine, tmp_path):
    with transaction(engine) as s:
        register_model(s, tmp_path, {"w": 1}, kind="expert", card={}, name="m1", actor="wang")
        with pytest.raises(PermissionDeniedError, match="promote models"):
            promote_model(s, LI, "m1")
        with pytest.raises(PermissionDeniedError, match="wang trained model m1"):
            promote_model(s, WANG, "m1")
        assert promote_model(s, ROOT, "m1").promoted_by == "root"


def test_policy_drafts_need_an_author_and_another_admin(engine):
    with transaction(engine) as s:
        bootstrap_policy(s, POLICY, actor="root")
        draft = submit_policy(s, QIAN, POLICY + "# v2\n")
        with pytest.raises(PermissionDeniedError, match="activate policy versions"):
            activate_policy(s, WANG, draft.id)
        with pytest.raises(UserError, match="maker-checker: qian submitted"):
            activate_policy(s, QIAN, draft.id)
        active = activate_policy(s, ROOT, draft.id)
        assert (active.status.value, active.submitted_by, active.activated_by) == (
            "active", "qian", "root",
        )  # fmt: skip


_REFUSED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


@given(st.text(min_size=0, max_size=20))
def test_a_normalised_name_is_nfkc_and_holds_nothing_invisible(text):
    try:
        name = normalise_name(text)
    except UserError:
        return
    assert name == unicodedata.normalize("NFKC", name) and 1 <= len(name) <= 100
    assert not any(unicodedata.category(c) in _REFUSED for c in name)
    assert name == name.strip(" ") and "  " not in name
