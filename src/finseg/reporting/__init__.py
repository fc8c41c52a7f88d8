"""Reports: a self-contained HTML file and an Excel workbook made of registered sections.

Each pipeline stage contributes a :class:`Section` through :func:`register_section`;
:func:`render_report` builds every section from a :class:`ReportContext` and writes
``report.html`` (Jinja2, Apache ECharts inlined so it opens offline) and ``report.xlsx``
(XlsxWriter, native Excel charts).

>>> from finseg.reporting import ReportContext, build_sections
>>> [s.title("zh") for s in build_sections(ReportContext(lang="zh"))]
['运行信息', '数据质量', '组合概览']
"""

from __future__ import annotations

from finseg.reporting import (  # noqa: F401  (register the sections)
    _section_allocation,
    _section_features,
    _section_monitoring,
    _section_portfolio,
    _section_quality,
    _section_risk,
    _section_run,
    _section_segments,
    _section_strategy,
    _section_validation,
)
from finseg.reporting._charts import (
    HistogramBins,
    bar_chart,
    histogram,
    histogram_bins,
    log_bins,
    pie_chart,
)
from finseg.reporting._context import ReportContext
from finseg.reporting._html import ECHARTS_VERSION, render_html
from finseg.reporting._i18n import CATALOGUE, LANGS, t
from finseg.reporting._render import FORMATS, render_report
from finseg.reporting._section_strategy import strategy_labels
from finseg.reporting._sections import (
    Chart,
    ExcelHint,
    NumFmt,
    Section,
    SectionBuilder,
    Table,
    build_sections,
    register_section,
    registered_sections,
    unregister_section,
)
from finseg.reporting._xlsx import render_xlsx

__all__ = [
    "CATALOGUE",
    "ECHARTS_VERSION",
    "FORMATS",
    "LANGS",
    "Chart",
    "ExcelHint",
    "HistogramBins",
    "NumFmt",
    "ReportContext",
    "Section",
    "SectionBuilder",
    "Table",
    "bar_chart",
    "build_sections",
    "histogram",
    "histogram_bins",
    "log_bins",
    "pie_chart",
    "register_section",
    "registered_sections",
    "render_html",
    "render_report",
    "render_xlsx",
    "strategy_labels",
    "t",
    "unregister_section",
]
