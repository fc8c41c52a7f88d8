"""Write a run's report in the formats asked for."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from finseg.exceptions import UserError
from finseg.reporting._context import ReportContext
from finseg.reporting._html import render_html
from finseg.reporting._sections import build_sections
from finseg.reporting._xlsx import render_xlsx

__all__ = ["FORMATS", "render_report"]

#: Report formats and the file each is written to.
FORMATS: dict[str, str] = {"html": "report.html", "xlsx": "report.xlsx"}


def render_report(
    ctx: ReportContext, out_dir: str | Path, formats: Iterable[str] = ("html", "xlsx")
) -> dict[str, Path]:
    """Write ``report.html`` and/or ``report.xlsx`` into ``out_dir``; ``{format: path}``.

    ``formats`` may also be ``"both"`` (as the command line's ``--format both``).

    Examples
    --------
    >>> import tempfile
    >>> from finseg.reporting import ReportContext
    >>> paths = render_report(ReportContext(lang="en"), tempfile.mkdtemp(), ["html"])
    >>> sorted(paths), paths["html"].name
    (['html'], 'report.html')
    """
    wanted = _formats(formats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    writers = {"html": render_html, "xlsx": render_xlsx}
    sections = build_sections(ctx)  # once: the sections aggregate the whole book
    return {fmt: writers[fmt](ctx, out / FORMATS[fmt], sections) for fmt in wanted}


def _formats(formats: Iterable[str]) -> list[str]:
    wanted = [formats] if isinstance(formats, str) else list(formats)
    if "both" in wanted:
        wanted = [f for f in wanted if f != "both"] + list(FORMATS)
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UserError(
            f"Unknown report format {unknown or wanted!r}; expected html, xlsx or both.",
            f"无法识别的报告格式 {unknown or wanted!r}；应为 html、xlsx 或 both。",
        )
    return list(dict.fromkeys(wanted))
