"""Ingest: read bank exports (CSV, XLSX, Parquet, SQL) into the canonical table.

Headers are matched through the aliases of :mod:`finseg.schema`, money is converted to yuan,
and every cell that cannot be read or breaks a rule is reported with its file, sheet, row and
column as the user sees them.  Rows with errors are quarantined, never silently dropped.
"""

from __future__ import annotations

from finseg.ingest._api import PROVENANCE, IngestResult, ingest, ingest_sheet
from finseg.ingest._quality import RULES, FileSummary, Problem, QualityReport, Severity, rule_label
from finseg.ingest._snapshot import note_other_dates
from finseg.ingest._units import Unit
from finseg.ingest._write import check_output, quarantine_path, write_outputs, write_table

__all__ = [
    "PROVENANCE",
    "RULES",
    "FileSummary",
    "IngestResult",
    "Problem",
    "QualityReport",
    "Severity",
    "Unit",
    "check_output",
    "ingest",
    "ingest_sheet",
    "note_other_dates",
    "quarantine_path",
    "rule_label",
    "write_outputs",
    "write_table",
]
