"""``finseg models list|show|promote|retire`` end to end on a real workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finseg.cli import _models, main  # noqa: F401  (_models registers `finseg models`)
from finseg.store import list_audit, promote_model, read_session, register_model, transaction
from finseg.workspace import init_workspace, open_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """Two models trained by li: sc0 promoted by zhao (champion), sc1 a candidate."""
    workspace = init_workspace(tmp_path / "bank", language="en")
    for i, auc in enumerate((0.71, 0.78)):
        with transaction(workspace.engine()) as s:
            card = {"metrics": {"auc": auc}, "features": ["roa"]}
            register_model(s, workspace.models_dir, {"i": i}, kind="scorecard", card=card,
                           name=f"sc{i}", actor="li")  # fmt: skip
    with transaction(workspace.engine()) as s:
        promote_model(s, "sc0", actor="zhao")
    workspace.close()
    return workspace.root


def test_list_shows_models_with_auc(ws, capsys):
    assert main(["models", "list", "-w", str(ws)]) == 0
    text = capsys.readouterr().out
    assert "sc0" in text and "champion" in text and "candidate" in text and "0.780" in text
    assert main(["models", "list", "-w", str(ws), "--lang", "zh"]) == 0
    assert "冠军模型" in capsys.readouterr().out


def test_show_prints_the_card_as_json(ws, capsys):
    assert main(["models", "show", "champion", "-w", str(ws)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == "sc0" and shown["status"] == "champion"
    assert shown["card"] == {"metrics": {"auc": 0.71}, "features": ["roa"]}
    assert len(shown["sha256"]) == 64 and shown["created_by"] == "li"
    assert shown["promoted_by"] == "zhao"


def test_promote_and_retire(ws, capsys, login_as):
    login_as(ws, "wang", "approver")
    assert main(["models", "promote", "sc1", "-w", str(ws)]) == 0
    assert "Champion: sc1" in capsys.readouterr().out
    assert main(["models", "show", "champion", "-w", str(ws)]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "sc1"
    assert main(["models", "retire", "sc1", "-w", str(ws)]) == 2  # the champion
    assert main(["models", "retire", "sc0", "-w", str(ws)]) == 0
    opened = open_workspace(ws)
    with read_session(opened.engine()) as s:
        entries = list_audit(s, object_type="model")
    opened.close()
    assert {e.actor for e in entries if e.action == "model.champion"} == {"zhao", "wang"}


@pytest.mark.parametrize("command", ["show", "promote", "retire"])
def test_unknown_id_exits_2(ws, capsys, command, login_as):
    login_as(ws, "wang", "approver")
    assert main(["models", command, "nope", "-w", str(ws)]) == 2
    assert "no model with id 'nope'" in capsys.readouterr().err


def test_no_champion_exits_2(tmp_path, capsys):
    init_workspace(tmp_path / "empty").close()
    assert main(["models", "show", "champion", "-w", str(tmp_path / "empty")]) == 2
    assert "no champion model" in capsys.readouterr().err
    assert main(["models", "list", "-w", str(tmp_path / "empty")]) == 0
