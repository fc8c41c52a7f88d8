"""The HTML report in headless Chromium, offline: every chart draws, no script error.

Skipped, with the reason, where no Chromium is installed (``apt-get install chromium``).
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from finseg.reporting import render_html

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
#: Keep Chromium off the network: no background services, and no name resolves.
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def find_chromium() -> str | None:
    """The first Chromium-like browser on this machine, or ``None``."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="no Chromium found (tried "
        f"{', '.join(CANDIDATES)}); install it with `apt-get install chromium`",
    ),
]


class ChartCensus(HTMLParser):
    """Per chart container (``data-chart``): how many svg, path and rect elements it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, dict[str, int]] = {}
        self.stack: list[tuple[str, str | None]] = []
        self.attrs_seen: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.attrs_seen |= set(values)
        chart = values.get("data-chart")
        if chart:
            self.charts[chart] = {"svg": 0, "path": 0, "rect": 0}
        owner = chart or next((c for _, c in reversed(self.stack) if c), None)
        if owner and tag in ("svg", "path", "rect"):
            self.charts[owner][tag] += 1
        if tag not in (
            "path",
            "rect",
            "br",
            "meta",
            "img",
            "input",
            "line",
            "circle",
            "text",
            "image",
            "polyline",
            "polygon",
            "stop",
            "use",
        ):
            self.stack.append((tag, chart))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


def _dump_dom(report: Path, tmp_path: Path) -> tuple[str, str]:
    cmd = [
        find_chromium(),
        *OFFLINE_FLAGS,
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
        "--dump-dom",
        report.as_uri(),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, result.stderr


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_draws_every_chart_offline(make_ctx, tmp_path, lang):
    ctx = make_ctx(lang, n_problems=230)
    report = render_html(ctx, tmp_path / "report.html")
    dom, log = _dump_dom(report, tmp_path)
    census = ChartCensus()
    census.feed(dom)
    assert len(census.charts) == 8, sorted(census.charts)
    for chart, counts in census.charts.items():
        assert counts["svg"] >= 1, f"{chart} drew no <svg>"
        assert counts["path"] + counts["rect"] >= 3, f"{chart} drew too little: {counts}"
    assert "data-js-error" not in census.attrs_seen, dom[:400]
    assert 'data-charts-drawn="8"' in dom
    page_lines = [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert page_lines == [], "\n".join(page_lines)


def test_a_script_error_is_caught_by_the_test(make_ctx, tmp_path):
    """The marker works: a broken page is reported as broken."""
    report = render_html(make_ctx("en"), tmp_path / "report.html")
    text = report.read_text(encoding="utf-8")
    broken = "<script>undefinedFunction();</script>\n<footer>"
    report.write_text(text.replace("<footer>", broken, 1), encoding="utf-8")
    dom, log = _dump_dom(report, tmp_path)
    assert "data-js-error=" in dom
    assert "Uncaught" in log or "CONSOLE" in log
