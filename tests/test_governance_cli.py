"""Governance end to end (issue 14, points 1 and 2): people log in, roles are enforced, names
cannot impersonate, models and policies need a second person.

Each case of the issue's "Why" failed on the code before it: look-alike and zero-width
approvers were added (rc 0), an analyst could add an approver, ``--by`` was free text, and the
first trained model became champion with no checker.
"""

from __future__ import annotations

import io
import json
import os
import stat
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from finseg.cli import main
from finseg.sample import generate_portfolio, write_sample
from finseg.store import (
    Token,
    User,
    list_audit,
    list_users,
    read_session,
    register_model,
    transaction,
    utcnow,
)
from finseg.workspace import open_workspace

ROOT_PASSWORD = "root's long password"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text + "\n"))


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:
    """A workspace made by `finseg init --admin root`, root logged in (token saved)."""
    root = tmp_path / "bank"
    _stdin(monkeypatch, ROOT_PASSWORD)
    assert main(["init", str(root), "--lang", "en", "--admin", "root", "--password-stdin"]) == 0
    _stdin(monkeypatch, ROOT_PASSWORD)
    assert main(["login", "-u", "root", "--password-stdin", "-w", str(root)]) == 0
    capsys.readouterr()
    return root


def _add(monkeypatch, ws: Path, name: str, role: str) -> int:
    _stdin(monkeypatch, f"password of {name}!")
    return main(["users", "add", name, "--role", role, "--password-stdin", "-w", str(ws)])


def _names(ws: Path) -> list[str]:
    opened = open_workspace(ws)
    with read_session(opened.engine()) as s:
        names = [u.name for u in list_users(s)]
    opened.close()
    return names


# people and names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("impostor", "message"),
    [
        ("zh\u0430ng", "mixes letters of different scripts"),  # Cyrillic а
        ("zhang\u200b", "U+200B ZERO WIDTH SPACE"),
        ("Zhang", "can be mistaken for the existing user 'zhang'"),
        ("\uff5a\uff48\uff41\uff4e\uff47", "already exists"),  # full-width: NFKC makes it zhang
    ],
)
def test_look_alike_approvers_are_refused(ws, monkeypatch, capsys, impostor, message):
    assert _add(monkeypatch, ws, "zhang", "analyst") == 0
    capsys.readouterr()
    assert _add(monkeypatch, ws, impostor, "approver") == 2
    err = capsys.readouterr().err
    assert message in err and ("用户名" in err or "已存在" in err)
    assert sorted(_names(ws)) == ["root", "zhang"]


def test_a_confusable_name_is_refused_even_in_one_script(ws, monkeypatch, capsys):
    assert _add(monkeypatch, ws, "paypal", "analyst") == 0
    assert _add(monkeypatch, ws, "rnary", "analyst") == 0
    capsys.readouterr()
    assert _add(monkeypatch, ws, "paypa1", "approver") == 2  # TR39 maps '1' to 'l'
    assert "can be mistaken for the existing user 'paypal'" in capsys.readouterr().err
    assert _add(monkeypatch, ws, "mary", "approver") == 2  # 'rn' looks like 'm'
    assert "can be mistaken for the existing user 'rnary'" in capsys.readouterr().err
    assert _add(monkeypatch, ws, "mark", "approver") == 0  # distinct names still pass


def test_an_analyst_cannot_create_any_user(ws, monkeypatch, capsys):
    assert _add(monkeypatch, ws, "li", "analyst") == 0
    _stdin(monkeypatch, "password of li!")
    assert main(["login", "-u", "li", "--password-stdin", "-w", str(ws)]) == 0
    capsys.readouterr()
    for role in ("approver", "analyst", "admin"):
        assert _add(monkeypatch, ws, "li2", role) == 2
        err = capsys.readouterr().err
        assert "only admin or above may add users" in err and "管理员" in err
    assert main(["users", "role", "li", "approver", "-w", str(ws)]) == 2
    assert sorted(_names(ws)) == ["li", "root"]


def test_an_admin_cannot_change_their_own_role(ws, monkeypatch, capsys):
    assert main(["users", "role", "root", "analyst", "-w", str(ws)]) == 2
    assert "cannot change their own role" in capsys.readouterr().err


# login and tokens ---------------------------------------------------------------------------


def test_the_token_is_saved_0600_and_only_its_hash_is_stored(ws):
    files = list((Path(os.environ["XDG_CONFIG_HOME"]) / "finseg" / "tokens").glob("*.json"))
    saved = [json.loads(f.read_text()) for f in files]
    mine = [(f, p) for f, p in zip(files, saved, strict=True) if p["workspace"] == str(ws)]
    ((path, payload),) = mine
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    opened = open_workspace(ws)
    with read_session(opened.engine()) as s:
        rows = s.execute(sa.text("SELECT * FROM tokens")).mappings().all()
        hashes = s.scalars(sa.select(User.password_hash)).all()
    opened.close()
    assert payload["token"] not in json.dumps([dict(r) for r in rows], default=str)
    assert all(h.startswith("$argon2id$") for h in hashes) and ROOT_PASSWORD not in hashes


def test_wrong_password_is_refused(ws, monkeypatch, capsys):
    _stdin(monkeypatch, "not the password")
    assert main(["login", "-u", "root", "--password-stdin", "-w", str(ws)]) == 2
    assert "login failed" in capsys.readouterr().err


def test_logout_revoke_and_expiry_end_a_token(ws, monkeypatch, capsys):
    assert _add(monkeypatch, ws, "li", "analyst") == 0
    assert main(["logout", "-w", str(ws)]) == 0
    assert _add(monkeypatch, ws, "li2", "analyst") == 2  # logged out: not logged in
    assert "needs a logged-in user" in capsys.readouterr().err
    _stdin(monkeypatch, ROOT_PASSWORD)
    assert main(["login", "-u", "root", "--password-stdin", "-w", str(ws)]) == 0
    token = json.loads(next(iter(_token_files(ws))).read_text())["token"]
    monkeypatch.setenv("FINSEG_TOKEN", token)  # the same token through the variable
    assert main(["users", "tokens", "revoke", "root", "-w", str(ws)]) == 0
    capsys.readouterr()
    assert _add(monkeypatch, ws, "li3", "analyst") == 2
    assert "unknown, expired or revoked" in capsys.readouterr().err
    monkeypatch.delenv("FINSEG_TOKEN")
    _stdin(monkeypatch, ROOT_PASSWORD)
    assert main(["login", "-u", "root", "--password-stdin", "-w", str(ws)]) == 0
    opened = open_workspace(ws)
    with transaction(opened.engine()) as s:  # let every live token expire
        for t in s.scalars(sa.select(Token).where(Token.revoked_at.is_(None))):
            t.expires_at = utcnow() - timedelta(seconds=1)
    opened.close()
    capsys.readouterr()
    assert _add(monkeypatch, ws, "li4", "analyst") == 2
    assert "unknown, expired or revoked" in capsys.readouterr().err


def _token_files(ws: Path) -> list[Path]:
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "finseg" / "tokens"
    return [f for f in folder.glob("*.json") if json.loads(f.read_text())["workspace"] == str(ws)]


# governed actions without login, and the --by option --------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["override", "propose", "--customer", "C1", "--field", "grade", "--to", "BB",
         "--reason", "r"],
        ["override", "approve", "1"],
        ["override", "reject", "1"],
        ["models", "promote", "m1"],
        ["models", "retire", "m1"],
        ["users", "add", "li", "--role", "approver", "--password-stdin"],
        ["users", "role", "root", "analyst"],
        ["users", "tokens", "revoke", "root"],
        ["policy", "submit"],
        ["policy", "activate", "1"],
        ["train", "--data", "book.csv"],
    ],
)  # fmt: skip
def test_a_governed_action_without_login_is_refused(ws, monkeypatch, capsys, argv):
    assert main(["logout", "-w", str(ws)]) == 0
    capsys.readouterr()
    _stdin(monkeypatch, "some password!")
    assert main([*argv, "-w", str(ws)]) == 2
    err = capsys.readouterr().err
    assert "this action needs a logged-in user" in err and "此操作需要登录" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["override", "approve", "1", "--by", "wang"],
        ["override", "reject", "1", "--by", "wang"],
        ["override", "propose", "--customer", "C1", "--field", "grade", "--to", "BB",
         "--reason", "r", "--by", "li"],
        ["models", "promote", "m1", "--actor", "wang"],
        ["train", "--data", "book.csv", "--actor", "li"],
    ],
)  # fmt: skip
def test_the_free_text_actor_options_are_gone(ws, capsys, argv):
    assert main([*argv, "-w", str(ws)]) == 2
    assert "No such option" in capsys.readouterr().err


# models -------------------------------------------------------------------------------------


def test_only_another_approver_promotes_a_trained_model(ws, monkeypatch, capsys, login_as):
    opened = open_workspace(ws)
    with transaction(opened.engine()) as s:
        record = register_model(s, opened.models_dir, {"w": 1}, kind="scorecard",
                                card={}, name="m1", actor="wang")  # fmt: skip
        assert record.status.value == "candidate"  # not champion, although the first
    opened.close()
    login_as(ws, "wang", "approver")  # the trainer, an approver
    assert main(["models", "promote", "m1", "-w", str(ws)]) == 2
    err = capsys.readouterr().err
    assert "maker-checker: wang trained model m1" in err and "双人复核" in err
    login_as(ws, "li", "analyst")  # not the trainer, but an analyst
    assert main(["models", "promote", "m1", "-w", str(ws)]) == 2
    assert "only approver or above may promote models" in capsys.readouterr().err
    login_as(ws, "zhou", "approver")
    assert main(["models", "promote", "m1", "-w", str(ws)]) == 0
    assert main(["models", "show", "champion", "-w", str(ws)]) == 0
    shown = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert (shown["id"], shown["created_by"], shown["promoted_by"]) == ("m1", "wang", "zhou")


# policy versions ----------------------------------------------------------------------------


def _edit_policy(ws: Path) -> None:
    path = ws / "policy.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# tightened\n# v2\n", "utf-8")


def _versions(ws: Path, capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["policy", "versions", "--json", "-w", str(ws)]) == 0
    return json.loads(capsys.readouterr().out)["versions"]


def test_init_activates_the_shipped_policy_as_the_admin(ws, capsys):
    (v,) = _versions(ws, capsys)
    assert (v["status"], v["activated_by"], v["submitted_by"]) == ("active", "root", None)
    opened = open_workspace(ws)
    with read_session(opened.engine()) as s:
        entries = list_audit(s, object_type="policy_version", object_id=str(v["id"]))
    opened.close()
    assert [e.action for e in entries] == ["activate", "policy.record"]  # newest first
    entry = entries[0]
    assert entry.actor == "root" and entry.after["bootstrap"] is True
    assert entry.after["status"] == "active" and entry.after["sha256"] == v["sha256"]


def test_a_policy_draft_needs_an_author_and_another_admin(ws, monkeypatch, capsys, login_as):
    book = ws / "book.csv"
    write_sample(generate_portfolio(40, seed=3), book)
    _edit_policy(ws)
    monkeypatch.delenv("FINSEG_TOKEN", raising=False)
    assert main(["logout", "-w", str(ws)]) == 0
    capsys.readouterr()
    # a what-if run on the draft is allowed, needs no login, and is marked draft
    assert main(["run", "--data", str(book), "-w", str(ws), "--json"]) == 0
    run = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert run["policy_status"] == "draft"
    assert main(["runs", "list", "-w", str(ws), "--lang", "en"]) == 0
    assert "draft" in capsys.readouterr().out
    assert main(["runs", "show", run["run_id"], "-w", str(ws)]) == 0
    assert json.loads(capsys.readouterr().out)["policy_status"] == "draft"
    assert main(["report", run["run_id"], "-w", str(ws), "--format", "html"]) == 0
    html = (ws / "runs" / run["run_id"] / "report.html").read_text(encoding="utf-8")
    assert "DRAFT POLICY" in html and "草案策略" in html
    assert main(["report", run["run_id"], "-w", str(ws), "--format", "xlsx"]) == 0
    workbook = ws / "marketing.xlsx"
    assert main(["export", "marketing", "--run", run["run_id"], "--out", str(workbook),
                 "-w", str(ws)]) == 0  # fmt: skip
    scenarios = ws / "scenarios.xlsx"
    assert main(["scenarios", "compare", "--run", run["run_id"], "--out", str(scenarios),
                 "-w", str(ws)]) == 0  # fmt: skip
    for path in (ws / "runs" / run["run_id"] / "report.xlsx", workbook, scenarios):
        first = pd.read_excel(path, sheet_name=0, header=None, engine="calamine")
        assert first.astype(str).apply(lambda c: c.str.contains("DRAFT POLICY")).any().any()
    # and every JSON export of the run says so
    for name, argv in (
        ("s.json", ["scenarios", "compare", "--run", run["run_id"]]),
        ("v.json", ["segments", "validate", "--run", run["run_id"]]),
        ("a.json", ["allocate", "--run", run["run_id"], "--budget", "1e8"]),
    ):
        assert main([*argv, "--json", str(ws / name), "-w", str(ws)]) == 0
        assert json.loads((ws / name).read_text(encoding="utf-8"))["policy_status"] == "draft"
    draft = next(v for v in _versions(ws, capsys) if v["status"] == "draft")
    login_as(ws, "root")  # an admin cannot activate a draft no one has submitted
    assert main(["policy", "activate", str(draft["id"]), "-w", str(ws)]) == 2
    assert "has no known author" in capsys.readouterr().err
    assert main(["policy", "submit", "-w", str(ws)]) == 0  # root authors it ...
    assert main(["policy", "activate", str(draft["id"]), "-w", str(ws)]) == 2  # ... so not root
    assert "maker-checker: root submitted policy version" in capsys.readouterr().err
    login_as(ws, "li", "analyst")
    assert main(["policy", "activate", str(draft["id"]), "-w", str(ws)]) == 2
    assert "only admin or above may activate" in capsys.readouterr().err
    login_as(ws, "qian", "admin")
    assert main(["policy", "activate", str(draft["id"]), "-w", str(ws)]) == 0
    versions = {v["id"]: v for v in _versions(ws, capsys)}
    assert versions[draft["id"]]["status"] == "active"
    assert [v["status"] for v in versions.values()].count("active") == 1
    assert main(["run", "--data", str(book), "-w", str(ws), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["policy_status"] == "active"


def test_a_run_records_the_logged_in_user(ws, capsys, login_as):
    book = ws / "book.csv"
    write_sample(generate_portfolio(30, seed=4), book)
    login_as(ws, "li", "analyst")
    assert main(["run", "--data", str(book), "-w", str(ws), "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out.splitlines()[-1])["run_id"]
    opened = open_workspace(ws)
    with read_session(opened.engine()) as s:
        actors = {e.actor for e in list_audit(s, object_type="run", object_id=run_id)}
    opened.close()
    assert actors == {"li"}


def test_init_admin_adds_the_first_admin_to_an_existing_workspace(tmp_path, monkeypatch, capsys):
    root = tmp_path / "old"
    assert main(["init", str(root), "--lang", "en"]) == 0  # no admin: no one can log in
    assert "no admin was created" in capsys.readouterr().out
    _stdin(monkeypatch, ROOT_PASSWORD)
    assert main(["init", str(root), "--admin", "root", "--password-stdin"]) == 0
    assert "Admin added: root" in capsys.readouterr().out
    _stdin(monkeypatch, "another password")
    assert main(["init", str(root), "--admin", "eve", "--password-stdin"]) == 2
    assert "already has an admin (root)" in capsys.readouterr().err
    assert sorted(_names(root)) == ["root"]
