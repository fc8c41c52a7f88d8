"""Ingest: read bank exports (CSV, XLSX, Parquet, SQL) into the canonical table."""

from __future__ import annotations

from finseg.ingest._quality import FileSummary, Problem, QualityReport, Severity

__all__ = ["FileSummary", "Problem", "QualityReport", "Severity"]
