"""What a report is made from: the run's metadata, its results table, its quality report and
the model cards of the models that graded it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from finseg._policy import OverviewPolicy
from finseg.exceptions import UserError
from finseg.ingest import QualityReport
from finseg.reporting._i18n import LANGS, t

__all__ = ["ReportContext"]


#: Shown at the top of every report of a run made on a draft (not activated) policy.
DRAFT_BANNER = (
    "草案策略 — 本次运行使用的策略版本尚未经管理员生效，结果仅供测算，不得用于授信决策。 / "
    "DRAFT POLICY — this run used a policy version no admin has activated; its results are "
    "for what-if analysis only, not for credit decisions."
)


@dataclass
class ReportContext:
    """Everything a section builder may read.

    Parameters
    ----------
    run : dict
        Run metadata: ``run_id``, ``status``, ``created_at``, ``finished_at``, ``input_path``,
        ``input_sha256``, ``policy_version``, ``policy_hash``, ``model_ids`` (list),
        ``row_counts`` (``{name: rows}``), ``timings`` (``{stage: seconds}``) and
        ``finseg_version``.  Every key is optional; a missing one shows as "—".
    results : pandas.DataFrame
        One row per customer: canonical columns from :mod:`finseg.schema` plus stage
        columns (``industry_section``, ``size_class``, ``region``, …).  May be empty and may
        lack any column; sections then skip what they cannot draw and say so.
    quality : QualityReport
        The ingest data-quality report.
    lang : {"zh", "en"}
        The language of every label in the report.
    overview : OverviewPolicy
        The run's policy ``overview`` section: which amounts to chart, how many regions.
    models : dict
        Model id -> model card (see :func:`finseg.store.model_card`) of each registered
        model that graded the run; empty for a run graded by the expert model alone.
    segment_names : dict
        Segment id -> ``(zh, en)`` name, in the taxonomy order of the run's policy
        (``segments.taxonomy``); a segment not listed is shown by its id.
    min_segment_size : int
        The policy's ``segments.min_segment_size``: smaller segments are flagged.
    strategy_labels : dict
        Strategy code -> ``(zh, en)`` label from the run's policy ``strategy`` section, keyed
        as in ``decision_reasons``: ``product:<id>``, ``programme:<id>``, ``review:<id>``,
        ``decline:<id>``, ``refer:<id>``, ``covenant:<id>``, ``scenario:<id>``; a code not
        listed is shown by its id.
    run_dir : pathlib.Path, optional
        The run's directory, for sections that read a file a stage or command stored there
        (``allocation.json``, ``monitoring.json``); ``None`` when the report is built from
        data alone.
    documents : dict, optional
        The run's JSON files by name (``{"allocation.json": {...}}``), read and verified
        against their recorded checksums by :func:`finseg.runs.report_run`; when given,
        sections take them from here and never read ``run_dir`` (see :meth:`document`).

    Examples
    --------
    >>> ctx = ReportContext(run={"run_id": "r1"}, lang="zh")
    >>> ctx.t("section.run.title")
    '运行信息'
    >>> ctx.has("total_assets")
    False
    """

    run: dict[str, Any] = field(default_factory=dict)
    results: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality: QualityReport = field(default_factory=QualityReport)
    lang: str = "zh"
    overview: OverviewPolicy = field(default_factory=OverviewPolicy)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    segment_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    min_segment_size: int = 30
    strategy_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    run_dir: Path | None = None
    documents: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise UserError(
                f"Report language must be one of {', '.join(LANGS)}, got {self.lang!r}.",
                f"报告语言必须是 {'、'.join(LANGS)} 之一，收到的是 {self.lang!r}。",
            )

    @property
    def run_id(self) -> str:
        """The run's identifier, or an empty string."""
        return str(self.run.get("run_id") or "")

    @property
    def draft_banner(self) -> str:
        """The bilingual warning of a run on a draft policy (``""`` for the active policy)."""
        return DRAFT_BANNER if self.run.get("policy_status") == "draft" else ""

    def t(self, key: str, **values: Any) -> str:
        """A catalogue string in the report's language (see :func:`finseg.reporting.t`)."""
        return t(key, self.lang, **values)

    def document(self, name: str) -> dict[str, Any] | None:
        """The run's JSON file ``name``: from :attr:`documents` when given, else read from
        :attr:`run_dir`; ``None`` when the run has no such file.

        >>> ReportContext(documents={"a.json": {"x": 1}}).document("a.json")
        {'x': 1}
        >>> ReportContext().document("a.json") is None
        True
        """
        if self.documents is not None:
            return self.documents.get(name)
        path = None if self.run_dir is None else self.run_dir / name
        if path is None or not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def has(self, column: str) -> bool:
        """Whether ``results`` has ``column`` with at least one non-missing value."""
        return column in self.results.columns and bool(self.results[column].notna().any())
