"""`finseg export marketing`: the workbook of a real run (overview, customer list,
high-potential list, offerings), one segment or all, in zh or en; exit 2 for an unknown
segment, a run without the strategy stage, or a bad output path — with nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from finseg.cli import main
from finseg.pipeline import run_pipeline
from finseg.sample import generate_portfolio, write_sample
from finseg.workspace import init_workspace

STRATEGY = ("decision", "limit", "product")


def _results_path(ws: Path, run_id: str) -> Path:
    return ws / "runs" / run_id / "results.parquet"


def _rerecord(path: Path) -> None:
    """Record the checksum of a run file this test rewrote (as a run of an older finseg
    version would have it), so that the verified readers accept it."""
    from finseg.pipeline import file_sha256
    from finseg.store import record_run_file, transaction
    from finseg.workspace import open_workspace

    ws = open_workspace(path.parents[2])
    with transaction(ws.engine()) as s:
        record_run_file(s, path.parent.name, path.name, file_sha256(path))
    ws.close()


def _add_strategy_columns(ws: Path, run_id: str) -> None:
    """Deterministic decision / limit / product for a run made before the strategy stage
    existed; a run that has them is left as it is."""
    path = _results_path(ws, run_id)
    results = pd.read_parquet(path)
    if all(c in results.columns for c in STRATEGY):
        return
    i = np.arange(len(results))
    weak = results["grade"].isin(["CCC", "CC", "C", "D"]).to_numpy()
    decision = np.where(weak, "decline", np.where(i % 5 == 0, "refer", "approve"))
    granted = results["requested_amount"].fillna(0).to_numpy() * np.where(i % 3 == 0, 0.6, 1.0)
    results["decision"] = decision
    results["limit"] = np.where(decision == "decline", 0.0, granted.round(-4))
    results["product"] = np.where(decision == "decline", None, "working_capital")
    results.to_parquet(path)
    _rerecord(path)


def _drop_strategy_columns(ws: Path, run_id: str) -> None:
    path = _results_path(ws, run_id)
    results = pd.read_parquet(path)
    results.drop(columns=[c for c in STRATEGY if c in results.columns]).to_parquet(path)
    _rerecord(path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A workspace with a run that has the strategy columns and one that has not."""
    root = tmp_path_factory.mktemp("exportcli")
    workspace = init_workspace(root / "ws")
    data = root / "book.parquet"
    write_sample(generate_portfolio(400, seed=3), data)
    with_strategy, without = (run_pipeline(workspace, data).run_id for _ in range(2))
    workspace.close()
    _add_strategy_columns(workspace.root, with_strategy)
    _drop_strategy_columns(workspace.root, without)
    return workspace.root, with_strategy, without


def _sheets(path: Path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _table(rows: list[list], first_header: str) -> list[dict]:
    """The rows of the table whose header row starts with ``first_header``."""
    top = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    header = rows[top]
    return [dict(zip(header, r, strict=True)) for r in rows[top + 1 :] if any(r)]


def test_exports_every_segment_in_chinese(runs, tmp_path, capsys):
    ws, run_id, _ = runs
    target = tmp_path / "marketing.xlsx"
    args = ["export", "marketing", "--run", run_id, "--out", str(target), "-w", str(ws)]
    assert main([*args, "--lang", "zh"]) == 0
    printed = capsys.readouterr().out
    assert str(target) in printed and "高潜力客户" in printed
    sheets = _sheets(target)
    assert list(sheets) == ["概览", "客户名单", "高潜力客户", "服务清单"]
    results = pd.read_parquet(_results_path(ws, run_id))
    customers = _table(sheets["客户名单"], "客户编号")
    assert len(customers) == len(results) == 400
    assert f"{len(customers):,}" in printed
    overview = _table(sheets["概览"], "分群编号")
    counts = results["segment"].astype(str).value_counts()
    assert {r["分群编号"]: r["客户数"] for r in overview if r["客户数"]} == counts.to_dict()
    approved = sum(r["批准数"] for r in overview)
    assert approved == (results["decision"] == "approve").sum()
    micro = next(r for r in overview if r["分群编号"] == "micro_small")
    assert micro["分群"] == "小微企业" and "金融知识培训课程" in micro["营销与服务内容"]
    potential = _table(sheets["高潜力客户"], "排名")
    assert potential and [r["排名"] for r in potential] == list(range(1, len(potential) + 1))
    assert all(r["营收增长率"] >= 0.2 and "营收增长" in r["入选理由"] for r in potential)
    assert not {r["分群编号"] for r in potential} & {"high_risk"}
    assert sum(r["高潜力客户数"] for r in overview) == len(potential)  # fewer than max_list
    assert [p.name for p in tmp_path.iterdir()] == ["marketing.xlsx"]  # no temp file left


def test_exports_one_segment_in_english(runs, tmp_path, capsys):
    ws, run_id, _ = runs
    target = tmp_path / "micro.xlsx"
    args = ["export", "marketing", "--run", run_id, "--segment", "micro_small", "-w", str(ws)]
    assert main([*args, "--out", str(target), "--lang", "en"]) == 0
    assert "Written" in capsys.readouterr().out
    sheets = _sheets(target)
    assert list(sheets) == ["Overview", "Customers", "High potential", "Offerings"]
    customers = _table(sheets["Customers"], "Customer ID")
    results = pd.read_parquet(_results_path(ws, run_id))
    assert len(customers) == (results["segment"] == "micro_small").sum()
    assert {r["Segment"] for r in customers} == {"Micro and small firms"}
    assert {r["Channels"] for r in customers} == {"Training, Online"}
    potential = _table(sheets["High potential"], "Rank")
    assert {r["Segment id"] for r in potential} <= {"micro_small"}
    assert all("revenue growth" in r["Reasons"] for r in potential)


def test_unknown_segment_exits_2_listing_the_valid_ids(runs, tmp_path, capsys):
    ws, run_id, _ = runs
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"keep me")
    args = ["export", "marketing", "--run", run_id, "--segment", "vip", "-w", str(ws)]
    assert main([*args, "--out", str(target)]) == 2
    message = capsys.readouterr().err
    assert "unknown segment 'vip'" in message and "micro_small" in message
    assert target.read_bytes() == b"keep me"  # nothing half-written


def test_run_without_strategy_stage_exits_2_naming_the_columns(runs, tmp_path, capsys):
    ws, _, without = runs
    target = tmp_path / "y.xlsx"
    assert main(["export", "marketing", "--run", without, "--out", str(target),
                 "-w", str(ws)]) == 2  # fmt: skip
    message = capsys.readouterr().err
    assert "decision, limit, product" in message and "to export marketing lists" in message
    assert not target.exists()


@pytest.mark.parametrize("name", ["missing/out.xlsx", "out.csv"])
def test_bad_output_path_exits_2(runs, tmp_path, capsys, name):
    ws, run_id, _ = runs
    target = tmp_path / name
    assert main(["export", "marketing", "--run", run_id, "--out", str(target),
                 "-w", str(ws)]) == 2  # fmt: skip
    assert "--out" in capsys.readouterr().err
    assert not target.exists() and not (tmp_path / "missing").exists()
