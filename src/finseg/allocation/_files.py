"""The allocation summary of a run: carried in ``frame.attrs`` by the allocation stage and
stored as ``allocation.json`` in the run directory (no solver import, so reports can read it
cheaply).

>>> import pandas as pd, tempfile
>>> frame = pd.DataFrame({"a": [1]})
>>> frame.attrs[SUMMARY_ATTR] = {"status": "optimal", "objective": 1.5}
>>> folder = tempfile.mkdtemp()
>>> write_allocation_summary(frame, folder).name, frame.attrs
('allocation.json', {})
>>> read_allocation_summary(folder)["objective"]
1.5
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["ALLOCATION_JSON", "SUMMARY_ATTR", "read_allocation_summary", "write_allocation_summary"]

#: The allocation summary of a run, in its directory.
ALLOCATION_JSON = "allocation.json"
#: The key of the summary in ``frame.attrs`` between the stage and the run's files.
SUMMARY_ATTR = "allocation"


def write_allocation_summary(frame: Any, directory: Path | str) -> Path | None:
    """Move the allocation summary out of ``frame.attrs`` into ``directory/allocation.json``.

    Call it before writing ``results.parquet``: pyarrow stores ``frame.attrs`` in the
    Parquet metadata, and the summary's solve time would make the results file differ from
    run to run.  Returns the file written, ``None`` when the run had no allocation (no
    ``allocation.budget``).  Strict JSON: a NaN or infinity is an error, never written.
    """
    summary = frame.attrs.pop(SUMMARY_ATTR, None)
    if summary is None:
        return None
    path = Path(directory) / ALLOCATION_JSON
    text = json.dumps(summary, ensure_ascii=False, indent=1, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read_allocation_summary(directory: Path | str | None) -> dict[str, Any] | None:
    """The allocation summary stored in a run directory; ``None`` when there is none."""
    if directory is None:
        return None
    path = Path(directory) / ALLOCATION_JSON
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
