"""A run uses one statement date: rows of other dates are counted and shown, never silently
dropped (console, quality.json, report); impossible dates never slip into an older snapshot."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

from finseg.cli import main
from finseg.ingest import ingest
from finseg.sample import generate_portfolio, write_sample
from finseg.workspace import init_workspace


def _panel(tmp_path: Path) -> Path:
    """60 customers × 2 years; 4 without the latest year, 3 with an impossible latest date."""
    parquet = tmp_path / "panel.parquet"
    write_sample(generate_portfolio(60, seed=5, as_of=date(2024, 12, 31), periods=2), parquet)
    frame = ingest([parquet]).frame.drop(columns=["source_file", "source_sheet", "source_row"])
    latest = frame["as_of_date"] == pd.Timestamp("2024-12-31")
    ids = sorted(frame.loc[latest, "customer_id"])
    frame = frame[~(latest & frame["customer_id"].isin(ids[:4]))].copy()
    frame["as_of_date"] = frame["as_of_date"].dt.strftime("%Y-%m-%d")
    bad = frame.index[frame["customer_id"].isin(ids[4:7]) & (frame["as_of_date"] == "2024-12-31")]
    frame.loc[bad, "as_of_date"] = ["2024-02-30", "2023-02-29", "2019-06-31"]
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    return path


def test_rows_of_other_dates_are_counted_and_shown(tmp_path: Path, capsys) -> None:
    data = _panel(tmp_path)
    ws = init_workspace(tmp_path / "ws", language="en")
    ws.close()
    assert main(["run", "--data", str(data), "--workspace", str(ws.root)]) == 0
    console = capsys.readouterr().out
    assert "53 customers" in console.replace("户 / ", "")  # 60 - 4 absent - 3 impossible
    assert "3 行隔离" in console
    assert "60 行属于其他报表日期" in console and "rows of other statement dates" in console
    run_dir = next(p for p in (ws.root / "runs").iterdir() if not p.name.startswith("."))
    quality = json.loads((run_dir / "quality.json").read_text(encoding="utf-8"))
    assert quality["rows_in"] == 120 - 4
    assert (quality["rows_other_dates"], quality["rows_superseded"]) == (60, 53)
    assert (
        quality["by_rule"]["invalid_date"] == 3 and quality["by_rule"]["other_statement_date"] == 1
    )
    [note] = [p for p in quality["problems"] if p["rule"] == "other_statement_date"]
    assert note["value"] == "2023-12-31" and "7 of customers with none" in note["message_en"]
    assert main(["report", run_dir.name, "--workspace", str(ws.root), "--format", "html",
                 "--lang", "en"]) == 0  # fmt: skip
    html = next(run_dir.glob("*.html")).read_text(encoding="utf-8")
    assert "Another 60 row(s) carry other statement dates" in html
