"""Rows a run leaves out because it uses one statement date: counted and reported.

A file may hold several statement dates per customer; a run uses one (``--as-of``, else the
latest).  The rows of the other dates are not errors, but they must not vanish without a word:
each other date gets a note in the quality report with how many of its rows belong to
customers who have a statement on the chosen date (superseded) and how many to customers who
have none (absent from the run).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from finseg.ingest._quality import Problem, QualityReport, Severity

__all__ = ["note_other_dates"]


def note_other_dates(report: QualityReport, frame: pd.DataFrame, chosen: date) -> int:
    """Add one note per file and statement date not used; return the rows not used."""
    day = pd.Timestamp(chosen)
    other = frame[frame["as_of_date"].notna() & (frame["as_of_date"] != day)]
    if other.empty:
        return 0
    have = set(frame.loc[frame["as_of_date"] == day, "customer_id"])
    superseded = other["customer_id"].isin(have)
    groups = other.assign(_superseded=superseded).groupby(
        ["source_file", "as_of_date"], sort=True, dropna=False
    )
    for (file, when), rows in groups:
        n, later = len(rows), int(rows["_superseded"].sum())
        shown = pd.Timestamp(when).date().isoformat()
        report.add(
            Problem(
                str(file), None, None, shown, "other_statement_date", Severity.NOTE,
                f"报表日期 {shown} 的 {n:,} 行未用于本次运行（本次使用 {chosen}）："
                f"其中 {later:,} 行的客户在 {chosen} 有更晚的报表，"
                f"{n - later:,} 行的客户在 {chosen} 没有报表",
                f"{n:,} row(s) dated {shown} not used by this run (it uses {chosen}): {later:,} "
                f"of customers with a later statement on {chosen}, {n - later:,} of customers "
                f"with none on {chosen}",
            )
        )  # fmt: skip
    report.rows_superseded = int(superseded.sum())
    report.rows_other_dates = len(other)
    return len(other)
