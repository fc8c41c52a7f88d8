"""The command line end to end: workspace, users, policy, sample, demo, help, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from finseg.cli import main


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text + "\n"))


def test_init_users_db_and_policy(tmp_path, capsys, monkeypatch):
    ws = tmp_path / "bank"
    _stdin(monkeypatch, "root's password")
    assert main(["init", str(ws), "--lang", "en", "--admin", "root", "--password-stdin"]) == 0
    assert main(["init", str(ws)]) == 2  # never silently overwritten
    assert main(["db", "upgrade", "-w", str(ws)]) == 0
    _stdin(monkeypatch, "root's password")
    assert main(["login", "-u", "root", "--password-stdin", "-w", str(ws)]) == 0
    add = ["users", "add", "li", "--role", "approver", "--password-stdin", "-w", str(ws)]
    _stdin(monkeypatch, "li's password")
    assert main(add) == 0
    _stdin(monkeypatch, "li's password")
    assert main(add) == 2
    assert main(["users", "add", "wang", "--role", "boss", "-w", str(ws)]) == 2
    capsys.readouterr()
    assert main(["users", "list", "-w", str(ws), "--lang", "en"]) == 0
    listing = capsys.readouterr().out
    assert "li" in listing and "approver" in listing and "wang" not in listing
    assert "root" in listing and "admin" in listing
    assert main(["policy", "check", str(ws / "policy.yaml")]) == 0
    assert "Policy valid" in capsys.readouterr().out
    assert main(["policy", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "ingest" in schema["properties"]


def test_policy_check_names_the_line(tmp_path, capsys):
    bad = tmp_path / "policy.yaml"
    bad.write_text(
        'version: "1"\nname: {zh: 甲, en: A}\ningest:\n  identity_tolerance: 5\n  typo: 1\n'
    )
    assert main(["policy", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "policy.yaml:4:" in err and "policy.yaml:5:" in err and "第 4 行" in err
    assert "ingest.typo" in err


def test_sample_writes_each_format(tmp_path):
    for suffix in ("csv", "parquet", "xlsx"):
        path = tmp_path / f"s.{suffix}"
        assert main(["sample", "--customers", "30", "--out", str(path)]) == 0
        assert path.stat().st_size > 0
    assert len(pd.read_parquet(tmp_path / "s.parquet")) == 30
    assert main(["sample", "--customers", "0", "--out", str(tmp_path / "x.csv")]) == 2
    assert main(["sample", "--out", str(tmp_path / "x.json")]) == 2


def test_demo_produces_both_reports(tmp_path, capsys):
    assert (
        main(["demo", "--workspace", str(tmp_path / "d"), "--customers", "300", "--lang", "en"])
        == 0
    )
    text = capsys.readouterr().out
    html = Path(text.split("Report: ")[1].split()[0])
    xlsx = Path(text.split("Workbook: ")[1].split()[0])
    assert html.is_file() and xlsx.is_file()
    assert html.parent.parent == tmp_path / "d" / "runs"
    # one line per monitoring comparison of the three annual snapshots
    assert "Monitoring 2023-12-31 → 2024-12-31: score PSI" in text
    assert "Monitoring 2024-12-31 → 2025-12-31: score PSI" in text and "watch list" in text
    assert (html.parent / "monitoring.json").is_file()
    assert main(["demo", "--workspace", str(tmp_path / "d"), "--customers", "50"]) == 0  # reused


@pytest.mark.parametrize("command", [[], ["--help"], ["ingest", "--help"], ["run", "--help"]])
def test_help(command, capsys):
    assert main(command) in (0, 2)
    captured = capsys.readouterr()
    assert "Usage: finseg" in captured.out + captured.err


def test_schema_command(tmp_path, capsys):
    assert main(["schema", "--lang", "en"]) == 0
    assert "total_assets" in capsys.readouterr().out
    assert main(["schema", "--lang", "fr"]) == 2
