"""`finseg run` on the demo book gives the same results before and after a refactoring.

The demo book (2,000 firms, seed 7, the last snapshot in the downturn) is run with the demo
policy, the expert model and the ``downturn`` scenario.  The fingerprint of every result file is
compared with ``tests/data/golden_demo_run.json``:

- ``content`` — a SHA-256 of each column's Arrow type and values (floats by their exact bits),
  which holds whatever the Parquet writer's version (the JSON files without their
  ``*_seconds`` timings);
- ``bytes`` — the SHA-256 of the Parquet file itself, compared when the installed pyarrow is the one
  the golden file was written with (its version is in the Parquet footer's ``created_by``).

A change that is meant to change the results updates the golden file, with a reason in its
commit: ``FINSEG_GOLDEN_UPDATE=1 pytest tests/test_golden_run.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from finseg.demo import SNAPSHOTS, _demo_policy, _snapshots
from finseg.pipeline import run_pipeline
from finseg.sample import write_sample
from finseg.workspace import init_workspace

GOLDEN = Path(__file__).parent / "data" / "golden_demo_run.json"
#: The run's files whose contents are the results (the rest name the run, its time or paths).
COMPARED = ("results.parquet", "allocation.json", "quality.json")


def _column_digest(column: pa.ChunkedArray) -> str:
    h = hashlib.sha256(str(column.type).encode())
    for chunk in column.combine_chunks().to_pylist() if column.length() else []:
        h.update(repr(chunk).encode())
    return h.hexdigest()


def _untimed(data: object) -> object:
    """``data`` without the wall-clock timings (keys ending ``_seconds``) and with the input's
    file name for its temporary path: both vary from run to run."""
    if isinstance(data, dict):
        return {
            k: Path(v).name if k == "path" else _untimed(v)
            for k, v in data.items()
            if not k.endswith("_seconds")
        }
    if isinstance(data, list):
        return [_untimed(v) for v in data]
    return data


def _content(path: Path) -> dict[str, str]:
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return {name: _column_digest(table[name]) for name in table.column_names}
    data = _untimed(json.loads(path.read_text(encoding="utf-8")))
    return {"json": hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()}


def _fingerprint(run_dir: Path) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for name in COMPARED:
        path = run_dir / name
        if not path.exists():
            continue
        entry: dict = {"content": _content(path)}
        if path.suffix == ".parquet":
            entry["bytes"] = hashlib.sha256(path.read_bytes()).hexdigest()
            entry["created_by"] = pq.ParquetFile(path).metadata.created_by
        out[name] = entry
    return out


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("golden")
    ws = init_workspace(root / "ws", language="en")
    try:
        _demo_policy(ws)
        book = root / "book.parquet"
        write_sample(_snapshots(2000, 7), book)
        result = run_pipeline(ws, book, as_of=SNAPSHOTS[-1], scenario="downturn")
        return result.run_dir
    finally:
        ws.close()


def test_the_demo_book_gives_the_recorded_results(demo_run):
    got = _fingerprint(demo_run)
    if os.environ.get("FINSEG_GOLDEN_UPDATE"):
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(got) == sorted(want)
    for name, entry in want.items():
        changed = sorted(c for c, d in entry["content"].items() if got[name]["content"].get(c) != d)
        assert not changed, f"{name}: these columns changed: {changed}"
        assert sorted(got[name]["content"]) == sorted(entry["content"]), name
        if "bytes" in entry and got[name]["created_by"] == entry["created_by"]:
            assert got[name]["bytes"] == entry["bytes"], f"{name}: same contents, other bytes"
