"""Safe exports, console output and output paths: data is never executed.

Customer names carrying spreadsheet formulas and terminal escape sequences go through a
whole run; no workbook finseg writes holds a formula cell, no CSV cell starts a formula,
no ESC or BEL byte reaches the terminal; outputs that would overwrite an input or a run's
files, or whose extension does not match, are refused with exit 2.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from finseg._safe import (
    check_output,
    neutralise_csv_cell,
    neutralise_csv_frame,
    safe_excel_writer,
    safe_workbook,
    visible,
)
from finseg.cli import main
from finseg.exceptions import UserError
from finseg.pipeline import run_pipeline
from finseg.sample import generate_portfolio, write_sample
from finseg.workspace import init_workspace

PAYLOADS = [
    '=HYPERLINK("http://evil.example/x","click")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]
ESCAPE_NAME = "Acme\x1b]0;owned\x07\x1b[2J[/]"


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    """Every customer name a payload (cycling), C000005 a terminal-escape name."""
    frame = frame.copy()
    names = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(frame))]
    frame["customer_name"] = names
    frame.loc[frame["customer_id"] == "C000005", "customer_name"] = ESCAPE_NAME
    return frame


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, Path]:
    root = tmp_path_factory.mktemp("safe")
    workspace = init_workspace(root / "ws")
    data = root / "book.parquet"
    write_sample(_named(generate_portfolio(300, seed=5, periods=2)), data)
    # two annual snapshots: monitoring needs the baseline to be the earlier one
    first = run_pipeline(workspace, data, as_of=date(2024, 12, 31)).run_id
    second = run_pipeline(workspace, data).run_id
    workspace.close()
    return workspace.root, first, second, data


def _formula_cells(path: Path) -> list[str]:
    """Every cell openpyxl reads as a formula, or whose text a payload starts."""
    found = []
    for sheet in load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    found.append(f"{sheet.title}!{cell.coordinate}: formula {cell.value!r}")
    return found


def _payload_cells(path: Path) -> int:
    """How many cells hold a payload verbatim, as text (proof the data went in)."""
    n = 0
    for sheet in load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            n += sum(1 for c in row if c.data_type == "s" and c.value in PAYLOADS)
    return n


def test_explain_shows_escapes_and_never_prints_them(runs, capsys):
    ws, _, second, _ = runs
    assert main(["explain", "--run", second, "--customer", "C000005", "-w", str(ws)]) == 0
    text = capsys.readouterr().out
    assert "\x1b" not in text and "\x07" not in text
    assert "Acme\\x1b]0;owned\\x07\\x1b[2J[/]" in text


def test_runs_list_and_errors_never_print_escapes(runs, capsys, tmp_path):
    ws, _, second, _ = runs
    bad = tmp_path / "x\x1b[2J.txt"
    assert main(["explain", "--run", second + "\x1b[2J", "--customer", "C1", "-w", str(ws)]) == 2
    assert main(["monitor", "--baseline", second, "--current", second, "--json", str(bad),
                 "-w", str(ws)]) == 2  # fmt: skip
    captured = capsys.readouterr()
    assert "\x1b" not in captured.err + captured.out and "\\x1b[2J" in captured.err


@pytest.mark.parametrize("command", ["monitor", "export", "report", "scenarios", "replay"])
def test_no_workbook_carries_a_formula_from_data(runs, tmp_path, command):
    ws, first, second, _ = runs
    w = ["-w", str(ws)]
    out = tmp_path / "out.xlsx"
    args = {
        "monitor": ["monitor", "--baseline", first, "--current", second, "--watchlist", str(out)],
        "export": ["export", "marketing", "--run", second, "--out", str(out)],
        "report": ["report", second, "--format", "xlsx"],
        "scenarios": ["scenarios", "compare", "--run", second, "--out", str(out)],
        "replay": ["policy", "replay", "--policy", str(ws / "policy.yaml"), "--run", second,
                   "--out", str(out)],
    }[command]  # fmt: skip
    assert main([*args, *w]) == 0
    path = ws / "runs" / second / "report.xlsx" if command == "report" else out
    assert _formula_cells(path) == []
    if command in ("monitor", "export"):  # the names are in it, as text
        assert _payload_cells(path) > 0


def test_discovery_workbook_has_no_formula(runs):
    ws, _, second, _ = runs
    args = ["segments", "discover", "--run", second, "--bootstrap", "0", "-w", str(ws)]
    assert main(args) == 0
    assert _formula_cells(ws / "runs" / second / "discovery.xlsx") == []


def test_every_factory_writes_strings_as_strings_and_numbers_as_numbers(tmp_path):
    frame = pd.DataFrame({"name": PAYLOADS, "amount": [-5.0, 1e6, -0.5, 3, 4, 5, 6]})
    with safe_excel_writer(tmp_path / "pandas.xlsx") as writer:
        frame.to_excel(writer, sheet_name="s", index=False)
    with safe_workbook(tmp_path / "direct.xlsx", nan_inf_to_errors=False) as wb:
        sheet = wb.add_worksheet()
        for i, (name, amount) in enumerate(zip(frame["name"], frame["amount"], strict=True)):
            sheet.write(i, 0, name)
            sheet.write(i, 1, amount)
            sheet.write(i, 2, "http://evil.example/")
    for path in (tmp_path / "pandas.xlsx", tmp_path / "direct.xlsx"):
        assert _formula_cells(path) == []
        sheet = load_workbook(path).active
        texts = [str(c.value).replace("_x000D_", "\r") for c in sheet["A"]]  # CR as stored
        assert [t for t in texts if t in PAYLOADS] == PAYLOADS
        numbers = [c.value for c in sheet["B"] if c.data_type == "n"]
        assert numbers == [-5.0, 1e6, -0.5, 3, 4, 5, 6]
    assert load_workbook(tmp_path / "direct.xlsx").active["C1"].hyperlink is None


def test_the_sample_bank_export_workbook_is_safe(tmp_path):
    path = write_sample(_named(generate_portfolio(20, seed=1)), tmp_path / "bank.xlsx")
    assert _formula_cells(path) == [] and _payload_cells(path) > 0


def test_models_export_table_is_safe(runs, tmp_path, capsys, login_as):
    from finseg.store import list_models, read_session
    from finseg.workspace import open_workspace

    ws, _, _, data = runs
    w = ["-w", str(ws)]
    login_as(ws, "li", "analyst")  # training is governed: the trainer is known
    assert main(["train", "--data", str(data), "--model", "scorecard", *w]) == 0
    workspace = open_workspace(ws)
    with read_session(workspace.engine()) as s:
        (model_id,) = [m.id for m in list_models(s)]  # a candidate: export needs no champion
    workspace.close()
    for name in ("table.xlsx", "table.csv"):
        assert main(["models", "export", model_id, "--table", str(tmp_path / name), *w]) == 0
    assert _formula_cells(tmp_path / "table.xlsx") == []
    _assert_csv_safe(tmp_path / "table.csv")


def _assert_csv_safe(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "@", "\t", "\r"):
                raise AssertionError(f"{path}: cell {cell!r} would start a formula")
            if cell[:1] == "-":
                float(cell.replace(",", ""))  # a plain negative number, nothing else
    return rows


def test_quarantine_and_csv_outputs_neutralise_payloads(tmp_path):
    frame = _named(generate_portfolio(30, seed=2))
    frame["total_assets"] = frame["total_assets"].astype(object)
    frame.loc[frame.index[:3], "total_assets"] = "不是数字"  # quarantined rows
    frame.loc[frame.index[3], "total_assets"] = "=1+2"  # quarantined, and reported as is
    frame["current_assets"] = frame["current_assets"].astype(object)
    frame.loc[frame.index[0], "current_assets"] = "-5"
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False, encoding="utf-8")
    out = tmp_path / "o.csv"
    report = tmp_path / "o.json"
    assert main(["ingest", str(source), "--out", str(out), "--report", str(report)]) == 0
    quarantine = tmp_path / "o.quarantine.csv"
    rows = _assert_csv_safe(quarantine)
    flat = [c for r in rows for c in r]
    assert {"'" + p for p in [*PAYLOADS[:3], "=1+2"]} <= set(flat)
    assert "-5" in flat  # raw text that is a plain number stays as it was
    _assert_csv_safe(out)
    # the JSON report keeps the original value
    values = [p.get("value") for p in json.loads(report.read_text(encoding="utf-8"))["problems"]]
    assert "=1+2" in values


def test_neutralise_rules():
    assert neutralise_csv_cell("=1+1") == "'=1+1"
    assert neutralise_csv_cell("-1,234.5") == "-1,234.5"
    assert neutralise_csv_cell("-1e3") == "-1e3" and neutralise_csv_cell("+12%") == "+12%"
    assert neutralise_csv_cell("-") == "'-" and neutralise_csv_cell("-A1") == "'-A1"
    assert neutralise_csv_cell("--") == "'--" and neutralise_csv_cell("abc=") == "abc="
    assert neutralise_csv_cell(-5.0) == -5.0 and neutralise_csv_cell(None) is None
    frame = neutralise_csv_frame(pd.DataFrame({"=x": ["@a", None], "n": [-1.0, 2.0]}))
    assert list(frame.columns) == ["'=x", "n"]
    assert frame["=x" if "=x" in frame else "'=x"].tolist()[0] == "'@a"
    assert frame["n"].tolist() == [-1.0, 2.0]


def test_visible():
    assert visible("plain 中文\u3000名") == "plain 中文\u3000名"
    assert visible("a\x1b[2Jb\x07") == "a\\x1b[2Jb\\x07"
    assert visible("x\u202ey\u200bz") == "x\\u202ey\\u200bz"
    assert visible("line\nbreak") == "line\\nbreak" and visible("k\n", keep="\n") == "k\n"


# --- output paths ---------------------------------------------------------------------


def test_ingest_refuses_to_overwrite_its_input(tmp_path, capsys):
    source = tmp_path / "in.csv"
    write_sample(generate_portfolio(10, seed=1), source)
    before = source.read_bytes()
    out = tmp_path / "o.parquet"
    assert main(["ingest", str(source), "--out", str(out), "--report", str(source)]) == 2
    assert "same file as the input" in capsys.readouterr().err
    assert main(["ingest", str(source), "--out", str(source)]) == 2
    assert (
        main(["ingest", str(source), "--out", str(out), "--report", str(tmp_path / "r.csv")]) == 2
    )
    assert "expected .json" in capsys.readouterr().err
    assert source.read_bytes() == before and not out.exists()


def test_ingest_refuses_an_input_through_a_link(tmp_path):
    source = tmp_path / "in.csv"
    write_sample(generate_portfolio(10, seed=1), source)
    link = tmp_path / "link.csv"
    link.symlink_to(source)
    assert main(["ingest", str(source), "--out", str(link)]) == 2


def test_monitor_refuses_a_watchlist_inside_a_run(runs, capsys):
    ws, first, second, _ = runs
    target = ws / "runs" / first / "results.parquet"
    before = target.read_bytes()
    args = ["monitor", "--baseline", first, "--current", second, "-w", str(ws)]
    assert main([*args, "--watchlist", str(target)]) == 2
    assert "inside the runs directory" in capsys.readouterr().err
    assert main([*args, "--watchlist", str(ws / "runs" / first / "w.xlsx")]) == 2
    assert "inside the runs directory" in capsys.readouterr().err
    assert main([*args, "--json", str(ws / "runs" / first / "quality.json")]) == 2
    assert target.read_bytes() == before
    assert main(["runs", "verify", "--all", "-w", str(ws)]) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["export", "marketing", "--run", "{run}", "--out", "{runs}/{run}/m.xlsx"],
        ["scenarios", "compare", "--run", "{run}", "--json", "{runs}/{run}/segments.json"],
        ["segments", "validate", "--run", "{run}", "--json", "{runs}/{run}/segments.json"],
        ["policy", "replay", "--policy", "{ws}/policy.yaml", "--run", "{run}",
         "--json", "{ws}/policy.yaml"],
        ["allocate", "--run", "{run}", "--budget", "1e8", "--out", "{runs}/{run}/results.parquet"],
        ["models", "export", "champion", "--sql", "{runs}/x.sql"],
        ["sample", "--out", "{runs}/{run}/results.parquet"],
        ["schema", "--markdown", "{ws}/schema.txt"],
    ],
)  # fmt: skip
def test_every_output_option_is_checked(runs, args, capsys):
    ws, _, second, _ = runs
    values = {"run": second, "runs": str(ws / "runs"), "ws": str(ws)}
    argv = [a.format(**values) for a in args]
    saved = {p: p.read_bytes() for p in (ws / "runs" / second).iterdir()}
    assert main([*argv, "-w", str(ws)] if args[0] not in ("sample", "schema") else argv) == 2
    err = capsys.readouterr().err
    assert any(s in err for s in ("inside the runs directory", "same file as the input",
                                  "expected ."))  # fmt: skip
    assert {p: p.read_bytes() for p in (ws / "runs" / second).iterdir()} == saved


def test_check_output_unit(tmp_path):
    (tmp_path / "finseg.toml").write_text('runs_dir = "out/runs"\n', encoding="utf-8")
    (tmp_path / "out" / "runs" / "r1").mkdir(parents=True)
    with pytest.raises(UserError, match="inside the runs directory"):
        check_output(tmp_path / "out" / "runs" / "r1" / "a.xlsx", option="--out",
                     suffixes=[".xlsx"])  # fmt: skip
    assert check_output(tmp_path / "out" / "a.xlsx", option="--out", suffixes=[".XLSX"])
    with pytest.raises(UserError, match=r"expected \.xlsx"):
        check_output(tmp_path / "a.csv", option="--out", suffixes=[".xlsx"])
    with pytest.raises(UserError, match="not a file in an existing folder"):
        check_output(tmp_path / "nope" / "a.xlsx", option="--out", suffixes=[".xlsx"])
    assert check_output(tmp_path / "nope" / "a.xlsx", option="--out", suffixes=[".xlsx"],
                        existing_folder=False)  # fmt: skip
