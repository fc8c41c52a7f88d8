"""The Spark engine gives the pandas engine's run: rows, values, segments, decisions,
allocation, quality, quarantine, the run record and its audit rows (issue 20).

One 20,000-customer book is run by both engines (with a trained champion, an approved
expert adjustment, an allocation budget, a repeated customer and a bad row); every other
test reads those two runs.  Floats equal, except the segment statistics Spark sums in its
own order (mean and spread of PD, PD variance explained): within 1e-12.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from finseg.cli import main
from finseg.pipeline import run_pipeline
from finseg.runs import read_results as _read_results
from finseg.sample import generate_portfolio
from finseg.store import add_user, read_session, transaction, upsert_customers
from finseg.workspace import init_workspace

pytestmark = pytest.mark.spark

N = 20_000
PARTS = 4
PROVENANCE = ["source_file", "source_row"]


def read_results(run_dir: Path) -> pd.DataFrame:
    """The verified results of the run in ``run_dir`` (``<workspace>/runs/<id>``)."""
    from finseg.workspace import open_workspace

    ws = open_workspace(run_dir.parent.parent)
    try:
        return _read_results(ws, run_dir.name)
    finally:
        ws.close()


def _book() -> pd.DataFrame:
    book = generate_portfolio(N, seed=20)
    repeat = book.iloc[[5]].copy()  # the same customer and date again, in another part
    bad = book.iloc[[7]].copy()
    bad["customer_id"] = "X-BAD"
    bad["total_assets"] = -1.0  # a negative balance-sheet total: quarantined
    return pd.concat([book, repeat, bad], ignore_index=True)


@contextmanager
def _as(ws: Any, name: str) -> Iterator[None]:
    """Log ``name`` in for the command line (a token in ``FINSEG_TOKEN``), as ``finseg login``
    would; the module-scoped fixture cannot use the function-scoped ``login_as``."""
    from finseg.services import token_sha256
    from finseg.services._credentials import new_token
    from finseg.store import add_token, utcnow

    token = new_token()
    with transaction(ws.engine()) as s:
        add_token(s, name, token_sha256(token), utcnow() + timedelta(hours=1))
    saved = os.environ.get("FINSEG_TOKEN")
    os.environ["FINSEG_TOKEN"] = token
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("FINSEG_TOKEN", None)
        else:
            os.environ["FINSEG_TOKEN"] = saved


def _workspace(root: Path, customer: str) -> Any:
    ws = init_workspace(root / "ws", language="en")
    text = ws.policy_file.read_text("utf-8")
    ws.policy_file.write_text(text.replace("  budget: null", "  budget: 2000000000", 1), "utf-8")
    with transaction(ws.engine()) as s:
        add_user(s, "li", "analyst")
        add_user(s, "wang", "approver")
        upsert_customers(s, pd.DataFrame({"customer_id": [customer]}))
    train = root / "train.parquet"
    generate_portfolio(3000, seed=8).to_parquet(train)
    with _as(ws, "li"):  # the analyst trains a candidate ...
        assert main(["train", "--data", str(train), "--cv", "0", "--name", "sc1",
                     "-w", str(ws.root)]) == 0  # fmt: skip
    with _as(ws, "wang"):  # ... and the approver makes it champion
        assert main(["models", "promote", "sc1", "-w", str(ws.root)]) == 0
    return ws


def _override(ws: Any, customer: str) -> None:
    base = ["-w", str(ws.root)]
    with _as(ws, "li"):
        assert main(["override", "propose", "--customer", customer, "--field", "grade",
                     "--to", "BB", "--reason", "担保 / guarantee", *base]) == 0  # fmt: skip
    with _as(ws, "wang"):
        assert main(["override", "approve", "1", *base]) == 0


@pytest.fixture(scope="module")
def runs(spark, tmp_path_factory) -> dict[str, Any]:
    from finseg.engines.spark import SparkInput, run_spark

    root = tmp_path_factory.mktemp("spark_eq")
    book = _book()
    book.to_parquet(root / "book.parquet", index=False)
    dataset = root / "book"
    dataset.mkdir()
    bounds = np.array_split(np.arange(len(book)), PARTS)
    for i, rows in enumerate(bounds):
        book.iloc[rows].to_parquet(dataset / f"part-{i:05d}.parquet", index=False)
    customer = str(book["customer_id"].iloc[10])
    ws = _workspace(root, customer)
    _override(ws, customer)
    pandas_run = run_pipeline(ws, root / "book.parquet")
    spark_run = run_spark(ws, SparkInput(path=dataset), session=spark)
    offsets = {f"part-{i:05d}.parquet": int(r[0]) for i, r in enumerate(bounds)}
    yield {"ws": ws, "pandas": pandas_run, "spark": spark_run, "book": book, "offsets": offsets}
    ws.close()


def test_same_rows_values_and_dtypes(runs):
    left = pd.read_parquet(runs["pandas"].results)
    right = read_results(runs["spark"].run_dir)
    assert len(left) == N and list(left.columns) == list(right.columns)
    pd.testing.assert_frame_equal(
        left.drop(columns=PROVENANCE), right.drop(columns=PROVENANCE), check_exact=True
    )
    assert left["customer_id"].is_monotonic_increasing


def test_provenance_names_the_part_file_and_its_row(runs):
    left = pd.read_parquet(runs["pandas"].results)
    right = read_results(runs["spark"].run_dir)
    assert set(right["source_file"]) == set(runs["offsets"])
    offset = right["source_file"].astype(str).map(runs["offsets"])
    assert (right["source_row"] + offset).tolist() == left["source_row"].tolist()


def test_same_segments_decisions_allocation_and_overrides(runs):
    left = pd.read_parquet(runs["pandas"].results)
    right = read_results(runs["spark"].run_dir)
    for column in ("segment", "grade", "decision", "limit", "allocated_amount", "funded"):
        assert left[column].equals(right[column]), column
    assert right["grade_override_id"].notna().sum() == 1
    assert right["risk_model"].unique().tolist() == ["sc1"]
    assert right["funded"].sum() > 50 and right["allocated_amount"].sum() > 0
    a, b = (json.loads((r.run_dir / "allocation.json").read_text()) for r in
            (runs["pandas"], runs["spark"]))  # fmt: skip
    for key in ("solve_seconds", "seconds"):
        a.pop(key, None), b.pop(key, None)
    assert a == b


def _close(a: Any, b: Any, path: str = "") -> None:
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for key in a:
            _close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), (path, a, b)
    else:
        assert a == b, path


def test_segment_validation_within_1e_12(runs):
    a, b = (json.loads((r.run_dir / "segments.json").read_text()) for r in
            (runs["pandas"], runs["spark"]))  # fmt: skip
    assert list(a["segments"]) == list(b["segments"])
    _close(a, b)


def test_quality_report_and_quarantine(runs):
    a, b = (json.loads((r.run_dir / "quality.json").read_text()) for r in
            (runs["pandas"], runs["spark"]))  # fmt: skip
    for key in ("rows_in", "rows_out", "rows_quarantined", "errors", "warnings", "notes",
                "by_rule", "missing_optional_fields"):  # fmt: skip
        assert a[key] == b[key], key
    assert a["rows_quarantined"] == 2 and len(b["files"]) == PARTS
    assert sum(f["rows_kept"] for f in b["files"]) == N
    qa = pd.read_csv(runs["pandas"].run_dir / "quarantine.csv")
    qb = pd.read_csv(runs["spark"].run_dir / "quarantine.csv")
    assert sorted(qa["customer_id"]) == sorted(qb["customer_id"])
    dup = qb[qb["reasons"].str.contains("same customer and statement date")]
    assert dup["file"].tolist() == [f"part-{PARTS - 1:05d}.parquet"]
    assert "part-00000.parquet row 7" in dup["reasons"].iloc[0]


def test_run_record_checksums_and_audit(runs):
    from finseg.pipeline import file_sha256
    from finseg.runs import run_metadata

    ws, a, b = runs["ws"], runs["pandas"], runs["spark"]
    ma, mb = run_metadata(ws, a.run_id), run_metadata(ws, b.run_id)
    assert mb["status"] == "done" and mb["policy_version"] == ma["policy_version"]
    assert mb["model_ids"] == ma["model_ids"] == ["sc1"]
    assert mb["row_counts"] == ma["row_counts"]
    assert (b.rating_basis, b.empty_segments) == (a.rating_basis, a.empty_segments)
    assert sum(b.rating_basis.values()) == N
    assert mb["params"]["engine"] == "spark" and mb["params"]["spark_master"] == "local[2]"
    assert len(mb["params"]["input_parts"]) == PARTS
    parts = [k for k in mb["files"] if k.startswith("results/")]
    assert len(parts) >= 2 and all("/segment_part=" in k for k in parts)
    for name, digest in mb["files"].items():
        assert file_sha256(b.run_dir / name) == digest
    with read_session(ws.engine()) as s:
        rows = s.execute(sa.text("SELECT action, object_id FROM audit_log")).all()
    actions = lambda run_id: sorted(r[0] for r in rows if r[1] == run_id)  # noqa: E731
    assert actions(b.run_id) == actions(a.run_id) and actions(b.run_id)


def _monitor(ws: Any, baseline: str, current: str) -> dict:
    target = ws.root / f"monitor-{current}.json"
    assert main(["monitor", "--baseline", baseline, "--current", current, "--json",
                 str(target), "--no-drift", "-w", str(ws.root)]) == 0  # fmt: skip
    payload = json.loads(target.read_text().replace(current, "CURRENT"))
    payload.pop("timings", None)
    return payload


def test_report_and_monitor_read_the_spark_run(runs, tmp_path):
    """The report renders from the dataset, and monitoring a year on gives the same figures
    whether the current run came from pandas or from Spark."""
    ws, a, b = runs["ws"], runs["pandas"], runs["spark"]
    assert main(["report", b.run_id, "--format", "xlsx", "-w", str(ws.root)]) == 0
    assert (b.run_dir / "report.xlsx").is_file()
    earlier = tmp_path / "earlier.parquet"
    generate_portfolio(3000, seed=21, as_of=date(2024, 12, 31)).to_parquet(earlier, index=False)
    base = run_pipeline(ws, earlier).run_id
    from_pandas, from_spark = _monitor(ws, base, a.run_id), _monitor(ws, base, b.run_id)
    assert from_spark["customers"]["common"] == 3000
    assert from_spark == from_pandas


def test_the_cli_runs_the_spark_engine(spark, tmp_path, capsys):
    """``finseg run --engine spark`` end to end (the active local session is reused), and a
    user error after the run was recorded: exit 2, the run failed, no directory left."""
    ws = init_workspace(tmp_path / "ws", language="en")
    dataset = tmp_path / "book"
    (dataset / "2025").mkdir(parents=True)
    generate_portfolio(300, seed=3).to_parquet(dataset / "2025" / "a.parquet", index=False)
    base = ["run", "--engine", "spark", "--data", str(dataset), "-w", str(ws.root)]
    assert main([*base, "--spark-conf", "spark.sql.shuffle.partitions=2", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["rows"] == 300 and done["results"].endswith("/results")
    assert read_results(Path(done["run_dir"]))["customer_id"].is_unique
    assert main([*base, "--as-of", "2020-06-30"]) == 2
    assert "no rows with that statement date" in capsys.readouterr().err
    with read_session(ws.engine()) as s:
        runs = s.execute(sa.text("SELECT id, status FROM runs ORDER BY created_at")).all()
    assert [r[1] for r in runs] == ["done", "failed"]
    assert not (ws.runs_dir / runs[1][0]).exists()
    ws.close()


def test_a_table_of_the_catalogue_is_an_input(spark, tmp_path):
    from finseg.engines.spark import SparkInput, run_spark

    ws = init_workspace(tmp_path / "ws", language="en")
    book = generate_portfolio(200, seed=4)
    spark.sql("CREATE DATABASE IF NOT EXISTS finseg_t")
    spark.createDataFrame(book.astype({"as_of_date": "datetime64[us]"})).write.mode(
        "overwrite"
    ).saveAsTable("finseg_t.book")
    result = run_spark(ws, SparkInput(table="finseg_t.book"), session=spark)
    frame = read_results(result.run_dir)
    assert result.rows == 200 and frame["customer_id"].tolist() == sorted(book["customer_id"])
    with read_session(ws.engine()) as s:
        path = s.execute(sa.text("SELECT input_path FROM runs")).scalar_one()
    assert path == "table:finseg_t.book"
    ws.close()
