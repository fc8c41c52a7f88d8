"""``finseg override propose|approve|reject|list`` end to end on a real workspace."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from finseg.cli import _override, main  # noqa: F401  (_override registers `finseg override`)
from finseg.sample import generate_portfolio, write_sample
from finseg.store import add_user, list_audit, read_session, transaction, upsert_customers
from finseg.workspace import init_workspace, open_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with analyst li, approver wang, admin zhao and customers C1, C2."""
    workspace = init_workspace(tmp_path / "bank", language="en")
    with transaction(workspace.engine()) as s:
        for name, role in (("li", "analyst"), ("wang", "approver"), ("zhao", "admin")):
            add_user(s, name, role)
        upsert_customers(s, pd.DataFrame({"customer_id": ["C1", "C2"]}))
    workspace.close()
    return workspace.root


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _propose(ws: Path, *extra: str) -> list[str]:
    return ["override", "propose", "--customer", "C1", "--field", "grade", "--to", "BB",
            "--reason", "母公司担保 / parent guarantee", "-w", str(ws), *extra]  # fmt: skip


def test_propose_approve_list_as_json(ws: Path, capsys, login_as) -> None:
    login_as(ws, "li")
    proposed = _json(capsys, _propose(ws, "--expires", "2099-12-31"))
    assert proposed["status"] == "proposed" and isinstance(proposed["id"], int)
    assert (proposed["proposed_by"], proposed["expires_on"]) == ("li", "2099-12-31")
    oid = str(proposed["id"])
    login_as(ws, "wang")
    approved = _json(capsys, ["override", "approve", oid, "--note", "ok", "-w", str(ws)])
    assert (approved["status"], approved["decided_by"], approved["decision_note"]) == (
        "approved", "wang", "ok",
    )  # fmt: skip
    listed = _json(capsys, ["override", "list", "--status", "approved", "-w", str(ws)])
    assert [o["id"] for o in listed["overrides"]] == [proposed["id"]]
    assert _json(capsys, ["override", "list", "--status", "proposed", "-w", str(ws)]) == {
        "overrides": []
    }


def test_reject_and_tables(ws: Path, capsys, login_as) -> None:
    login_as(ws, "li")
    assert main([*_propose(ws)]) == 0
    assert "awaiting approval" in capsys.readouterr().out
    login_as(ws, "zhao")
    assert main(["override", "reject", "1", "-w", str(ws)]) == 0
    assert "Rejected adjustment 1" in capsys.readouterr().out
    assert main(["override", "list", "-w", str(ws)]) == 0
    assert "rejected" in capsys.readouterr().out
    assert main(["override", "list", "-w", str(ws), "--lang", "zh"]) == 0
    assert "已拒绝" in capsys.readouterr().out


def test_maker_checker_and_roles_exit_2(ws: Path, capsys, login_as) -> None:
    login_as(ws, "wang")
    oid = str(_json(capsys, _propose(ws))["id"])
    assert main(["override", "approve", oid, "-w", str(ws)]) == 2
    err = capsys.readouterr().err
    assert "maker-checker" in err and "双人复核" in err
    assert main(["override", "reject", oid, "-w", str(ws)]) == 2
    login_as(ws, "li")
    assert main(["override", "approve", oid, "-w", str(ws)]) == 2
    assert "only approver or above may approve adjustments" in capsys.readouterr().err
    opened = open_workspace(ws)
    with read_session(opened.engine()) as s:
        actions = [e.action for e in list_audit(s, object_type="override")]
    opened.close()
    assert actions == ["override.propose"]  # refusals change nothing


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--to", "ZZ"], "'ZZ' is not a valid grade"),
        (["--field", "segment", "--to", "nope"], "'nope' is not a valid segment"),
        (["--field", "pd"], "expected segment or grade"),
        (["--customer", "C9"], "no such customer"),
        (["--expires", "31/12/2099"], "--expires: expected a date"),
        (["--expires", "2000-01-01"], "already past"),
    ],
)
def test_bad_proposals_exit_2(ws: Path, capsys, login_as, argv: list[str], message: str) -> None:
    login_as(ws, "li")
    base = _propose(ws)
    for i in range(0, len(argv), 2):  # later options override earlier ones
        base += argv[i : i + 2]
    assert main(base) == 2
    assert message in capsys.readouterr().err


def test_unknown_status_and_id_exit_2(ws: Path, capsys, login_as) -> None:
    assert main(["override", "list", "--status", "bogus", "-w", str(ws)]) == 2
    login_as(ws, "wang")
    assert main(["override", "approve", "42", "-w", str(ws)]) == 2
    assert "no adjustment with id 42" in capsys.readouterr().err


def test_an_approved_adjustment_applies_in_the_next_run(
    tmp_path: Path, capsys, monkeypatch, login_as
) -> None:
    book = tmp_path / "book.csv"
    write_sample(generate_portfolio(80, seed=2), book)
    ws = str(tmp_path / "ws")
    monkeypatch.setattr("sys.stdin", io.StringIO("root password\n"))
    assert main(["init", ws, "--lang", "en", "--admin", "root", "--password-stdin"]) == 0
    login_as(ws, "root")
    for name, role in (("li", "analyst"), ("wang", "approver")):
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{name}'s password\n"))
        assert main(["users", "add", name, "--role", role, "--password-stdin", "-w", ws]) == 0
    monkeypatch.delenv("FINSEG_TOKEN")
    capsys.readouterr()
    before = _json(capsys, ["run", "--data", str(book), "-w", ws])  # no login needed
    customer = pd.read_parquet(before["results"])["customer_id"].iloc[0]
    for name in ("li", "wang"):  # the real login: password in, token saved (0600)
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{name}'s password\n"))
        assert main(["login", "-u", name, "--password-stdin", "-w", ws]) == 0
        assert f"Logged in: {name}" in capsys.readouterr().out
        if name == "li":
            oid = _json(capsys, ["override", "propose", "--customer", customer, "--field",
                                 "segment", "--to", "green_energy", "--reason", "光伏项目",
                                 "-w", ws])["id"]  # fmt: skip
    _json(capsys, ["override", "approve", str(oid), "-w", ws])
    after = _json(capsys, ["run", "--data", str(book), "-w", ws])
    assert "overrides" in after["timings"]
    row = pd.read_parquet(after["results"]).set_index("customer_id").loc[customer]
    assert (row["segment"], row["segment_rule"]) == ("green_energy", f"override:{oid}")
    assert (row["segment_override_by"], row["segment_override_approved_by"]) == ("li", "wang")
