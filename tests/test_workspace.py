"""Workspaces: init, open, refusal to overwrite, clear errors outside a workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from finseg.config import Language, PolicyError
from finseg.exceptions import WorkspaceError
from finseg.store import current_revision, head_revision, list_users, read_session
from finseg.workspace import Workspace, init_workspace, open_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = init_workspace(tmp_path / "bank", language="en")
    yield ws
    ws.close()


def test_init_creates_everything(workspace: Workspace) -> None:
    root = workspace.root
    for name in ("finseg.toml", "policy.yaml", "finseg.db"):
        assert (root / name).is_file(), name
    assert workspace.runs_dir == root / "runs" and workspace.runs_dir.is_dir()
    assert workspace.models_dir.is_dir()
    assert workspace.settings.language is Language.EN
    assert workspace.policy().name.en == "Default policy"
    assert current_revision(workspace.engine()) == head_revision()
    with read_session(workspace.engine()) as s:
        assert list_users(s) == []


def test_database_url_in_file_stays_relative(workspace: Workspace) -> None:
    text = workspace.settings_file.read_text(encoding="utf-8")
    assert 'database_url = "sqlite:///finseg.db"' in text and 'language = "en"' in text


def test_engine_is_lazy_and_reused(workspace: Workspace) -> None:
    ws = open_workspace(workspace.root)
    assert ws._engine is None
    assert ws.engine() is ws.engine()
    ws.close()


def test_init_refuses_an_existing_workspace(workspace: Workspace) -> None:
    with pytest.raises(WorkspaceError, match=r"already a finseg workspace.*--force") as info:
        init_workspace(workspace.root)
    assert "已经是 finseg 工作区" in info.value.zh


def test_force_rewrites_settings_and_keeps_runs(workspace: Workspace) -> None:
    (workspace.runs_dir / "keep.txt").write_text("x")
    ws = init_workspace(workspace.root, language="zh", force=True)
    assert ws.settings.language is Language.ZH
    assert (ws.runs_dir / "keep.txt").exists()
    ws.close()


def test_custom_database_url(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "w", database_url="sqlite:///data/state.db")
    assert (tmp_path / "w" / "data" / "state.db").is_file()
    ws.close()


def test_unknown_language(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="unknown language 'fr'"):
        init_workspace(tmp_path, language="fr")


def test_open_a_directory_that_is_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match=r"is not a finseg workspace \(no finseg\.toml\); "
                       r"run `finseg init DIR`") as info:  # fmt: skip
        open_workspace(tmp_path)
    assert "不是 finseg 工作区" in info.value.zh and "finseg init DIR" in info.value.zh


def test_open_defaults_to_the_current_directory(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(workspace.root)
    assert open_workspace().root == workspace.root
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorkspaceError, match=str(tmp_path.resolve())):
        open_workspace()


def test_open_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="no such directory"):
        open_workspace(tmp_path / "absent")


def test_open_reports_a_bad_settings_file(workspace: Workspace) -> None:
    workspace.settings_file.write_text('language = "de"\n')
    with pytest.raises(PolicyError, match="key `language`"):
        open_workspace(workspace.root)


def test_env_database_url_wins(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    other = workspace.root / "other.db"
    monkeypatch.setenv("FINSEG_DATABASE_URL", f"sqlite:///{other}")
    assert open_workspace(workspace.root).database_url == f"sqlite:///{other}"


@pytest.mark.pg
def test_init_on_postgresql(tmp_path: Path, postgres_database: str) -> None:
    ws = init_workspace(tmp_path / "pg", database_url=postgres_database)
    assert not (tmp_path / "pg" / "finseg.db").exists()
    assert ws.engine().dialect.name == "postgresql"
    assert "audit_log" in sa.inspect(ws.engine()).get_table_names()
    ws.close()
