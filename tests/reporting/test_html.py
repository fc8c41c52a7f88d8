"""The HTML report: self-contained, localised, no external URL anywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import finseg.reporting
from finseg.reporting import ECHARTS_VERSION, ReportContext, render_html, render_report
from finseg.reporting._html import echarts_js

VENDOR = Path(finseg.reporting.__file__).parent / "vendor"


@pytest.fixture(scope="module", params=["zh", "en"])
def page(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, make_ctx) -> str:
    out = render_html(
        make_ctx(request.param, n_problems=230), tmp_path_factory.mktemp("html") / "report.html"
    )
    return out.read_text(encoding="utf-8")


def test_vendored_echarts_is_complete():
    assert "Apache License" in (VENDOR / "LICENSE").read_text()
    assert (VENDOR / "NOTICE").is_file()
    assert ECHARTS_VERSION in (VENDOR / "README.md").read_text()
    assert f'version="{ECHARTS_VERSION}"' in (VENDOR / "echarts.min.js").read_text()


def test_no_external_urls(page):
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?\s*((?:https?:)?//[^"' >]*)""", page, re.I)
    assert refs == []
    assert not re.search(r"""url\(\s*["']?(?:https?:)?//""", page, re.I)  # CSS
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"<script[^>]*\bsrc=", page, re.I)


def test_echarts_is_inlined(page):
    assert echarts_js()[:2000] in page
    assert page.count("renderer: 'svg'") == 1


def test_language_contents_and_sections(page):
    zh = '<html lang="zh-CN">' in page
    assert zh or '<html lang="en">' in page
    assert page.count('<section class="report-section"') == 3
    for key in ("run", "quality", "portfolio"):
        assert f'href="#sec-{key}"' in page and f'id="sec-{key}"' in page
    assert ("目录" if zh else "Contents") in page
    assert ("组合概览" if zh else "Portfolio overview") in page


def test_charts_and_options_match(page):
    containers = re.findall(r'data-chart="([^"]+)"', page)
    assert len(containers) == 8
    payload = re.search(
        r'<script type="application/json" id="finseg-charts">(.*?)</script>', page, re.S
    ).group(1)
    options = json.loads(payload)
    assert sorted(options) == sorted(containers)
    assert "<" not in payload  # escaped, so no text can close the script element


def test_numbers_have_thousands_separators(page):
    assert re.search(r'<td class="num">\d{1,3}(,\d{3})+\.\d\d</td>', page)
    assert '<td class="num">33.48%</td>' in page


def test_text_is_escaped(make_ctx, tmp_path):
    ctx = make_ctx("en")
    ctx.run["run_id"] = "<script>alert(1)</script>"
    text = render_html(ctx, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in text
    assert "&lt;script&gt;alert(1)" in text


def test_empty_report_renders(tmp_path):
    text = render_html(ReportContext(lang="en"), tmp_path / "r.html").read_text(encoding="utf-8")
    assert "This run has no customer rows." in text
    assert "data-chart=" not in text


def test_write_is_atomic(make_ctx, tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("old")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Path, "write_text", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        render_html(make_ctx("zh"), target)
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left


def test_render_report_writes_the_formats_asked_for(make_ctx, tmp_path):
    paths = render_report(make_ctx("en"), tmp_path / "out", formats=["both"])
    assert {k: p.name for k, p in paths.items()} == {"html": "report.html", "xlsx": "report.xlsx"}
    assert all(p.is_file() for p in paths.values())
    assert list(render_report(make_ctx("en"), tmp_path / "h", "html")) == ["html"]
    with pytest.raises(finseg.exceptions.UserError, match="pdf"):
        render_report(make_ctx("en"), tmp_path, formats=["pdf"])
