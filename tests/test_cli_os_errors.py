"""Operating-system errors on the user's paths are user errors (exit 2) naming the path."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from finseg.cli import main


def test_output_under_a_file_is_a_user_error(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    assert main(["schema", "--markdown", str(blocker / "s.md")]) == 2
    err = capsys.readouterr().err
    assert "Internal error" not in err and str(blocker / "s.md") in err
    assert "not a file in an existing folder" in err  # the output-path check comes first


def test_missing_directory_is_a_user_error(tmp_path: Path, capsys) -> None:
    target = tmp_path / "nope" / "s.md"
    assert main(["schema", "--markdown", str(target)]) == 2
    err = capsys.readouterr().err
    assert (
        str(target) in err and "不是已有文件夹中的文件路径" in err and "Internal error" not in err
    )


@pytest.mark.parametrize(
    ("code", "zh"),
    [(errno.EACCES, "没有权限"), (errno.EROFS, "只读"), (errno.ENOSPC, "磁盘空间不足")],
)
def test_permission_read_only_and_disk_full(tmp_path: Path, capsys, monkeypatch, code, zh):
    # the suite may run as root, which chmod cannot stop: the OS error is raised directly
    target = tmp_path / "ro" / "s.md"
    target.parent.mkdir()  # the folder exists: the error comes from the write itself

    def refuse(self, *args, **kwargs):
        raise OSError(code, os.strerror(code), str(self))

    monkeypatch.setattr(Path, "write_text", refuse)
    assert main(["schema", "--markdown", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(target) in err and zh in err and os.strerror(code) in err
    assert "Internal error" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_directory(tmp_path: Path, capsys) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert main(["sample", "--customers", "5", "--out", str(ro / "s.csv")]) == 2
    finally:
        ro.chmod(0o700)
    assert str(ro) in capsys.readouterr().err


def test_other_errors_stay_internal(monkeypatch, capsys) -> None:
    import finseg.cli._app as app_module

    assert app_module._user_os_error(ValueError("x")) is None
    assert app_module._user_os_error(OSError(errno.EIO, "I/O error", "/x")) is None


def test_a_run_failed_by_a_read_only_workspace_is_a_user_error(capsys) -> None:
    from finseg.cli._app import _exit_code
    from finseg.exceptions import RunError

    try:
        try:
            raise PermissionError(errno.EACCES, "Permission denied", "/bank/runs/r1.partial")
        except OSError as exc:
            raise RunError("run r1 failed", "运行 r1 失败") from exc
    except RunError as exc:
        assert _exit_code(exc) == 2
    err = capsys.readouterr().err
    assert "/bank/runs/r1.partial" in err and "没有权限" in err
