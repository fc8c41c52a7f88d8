"""The HTML report: one self-contained file (CSS, chart data and ECharts inlined)."""

from __future__ import annotations

import functools
import json
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

import finseg
from finseg._files import atomic_target
from finseg.reporting._context import ReportContext
from finseg.reporting._sections import NumFmt, Section, Table, build_sections

__all__ = ["ECHARTS_VERSION", "echarts_js", "html_text", "render_html"]

#: The vendored Apache ECharts release (see ``vendor/README.md``).
ECHARTS_VERSION = "5.6.0"
_PACKAGE = "finseg.reporting"
#: Tables longer than this scroll inside a box on screen (never when printed).
_SCROLL_ROWS = 25


@functools.cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(_PACKAGE, "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["script_json"] = _script_json
    return env


@functools.cache
def echarts_js() -> str:
    """The vendored ``echarts.min.js``, safe to place inside a ``<script>`` element."""
    text = (resources.files(_PACKAGE) / "vendor" / "echarts.min.js").read_text("utf-8")
    return text.replace("</script", "<\\/script")


def _script_json(data: Any) -> str:
    """JSON that cannot end the ``<script>`` element it sits in."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _table_view(table: Table) -> dict[str, Any]:
    """Header and cell texts of a table, each cell flagged numeric (right-aligned) or not."""
    columns = [str(c) for c in table.frame.columns]
    numeric = [table.fmt(c) is not NumFmt.TEXT for c in columns]
    rows = [
        [(table.fmt(c).format(v), n) for c, v, n in zip(columns, row, numeric, strict=True)]
        for row in table.frame.itertuples(index=False, name=None)
    ]
    return {"title": table.title, "note": table.note, "headers": list(zip(columns, numeric,
            strict=True)), "rows": rows, "scroll": len(rows) > _SCROLL_ROWS}  # fmt: skip


def _section_view(section: Section, lang: str) -> dict[str, Any]:
    charts = [
        {"key": f"{section.key}-{c.id}", "title": c.title, "height": c.height}
        for c in section.charts
    ]
    return {"key": section.key, "title": section.title(lang), "paragraphs": section.paragraphs,
            "notes": section.notes, "charts": charts,
            "tables": [_table_view(t) for t in section.tables]}  # fmt: skip


def html_text(ctx: ReportContext, sections: list[Section]) -> str:
    """The report page for ``sections`` as a string (what :func:`render_html` writes)."""
    options = {f"{s.key}-{c.id}": c.option for s in sections for c in s.charts}
    return (
        _env()
        .get_template("report.html")
        .render(
            lang=ctx.lang,
            html_lang="zh-CN" if ctx.lang == "zh" else "en",
            t=ctx.t,
            run_id=ctx.run_id,
            draft_banner=ctx.draft_banner,
            generated=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z"),
            version=finseg.__version__,
            echarts_version=ECHARTS_VERSION,
            sections=[_section_view(s, ctx.lang) for s in sections],
            options=options,
            echarts_js=echarts_js(),
        )
    )


def render_html(
    ctx: ReportContext, path: str | Path, sections: list[Section] | None = None
) -> Path:
    """Write the report as one self-contained HTML file and return its path.

    The file holds its CSS, the chart options and Apache ECharts itself, so it opens
    offline and can be mailed as it is.  The write is atomic.  ``sections`` are those of
    :func:`build_sections` for ``ctx`` when already built (both formats share them).

    Examples
    --------
    >>> import tempfile
    >>> from finseg.reporting import ReportContext
    >>> out = render_html(ReportContext(run={"run_id": "r1"}, lang="en"),
    ...                   Path(tempfile.mkdtemp()) / "report.html")
    >>> '<html lang="en">' in out.read_text(encoding="utf-8")
    True
    """
    path = Path(path)
    text = html_text(ctx, build_sections(ctx) if sections is None else sections)
    with atomic_target(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
