"""The Excel report: read back with python-calamine; converted by LibreOffice where present."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from finseg.reporting import ReportContext, render_xlsx
from finseg.reporting._xlsx import sheet_name


@pytest.fixture(scope="module", params=["zh", "en"])
def book(request, tmp_path_factory, make_ctx) -> tuple[str, Path]:
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    render_xlsx(make_ctx(request.param, n_problems=230), path)
    return request.param, path


def _rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def _find(rows: list[list], first_cell: str) -> int:
    return next(i for i, row in enumerate(rows) if row and row[0] == first_cell)


SHEETS = {
    "zh": ["摘要", "运行信息", "数据质量", "数据质量-问题明细", "组合概览"],
    "en": [
        "Summary",
        "Run metadata",
        "Data quality",
        "Data quality-Problems",
        "Portfolio overview",
    ],
}


def test_sheet_names(book):
    lang, path = book
    names = CalamineWorkbook.from_path(str(path)).sheet_names
    assert names == SHEETS[lang]
    assert all(len(n) <= 31 for n in names)


def test_summary_sheet(book):
    lang, path = book
    rows = _rows(path, SHEETS[lang][0])
    assert rows[0][0] == (
        "项目融资客户细分报告" if lang == "zh" else "Project finance customer segmentation report"
    )
    assert rows[2][:2] == ["运行编号" if lang == "zh" else "Run", "20240630-0001"]
    flat = [c for row in rows for c in row]
    assert "9f" * 32 in flat
    assert SHEETS[lang][4] in flat  # contents link text


def test_problems_sheet_holds_the_first_200(book):
    lang, path = book
    rows = _rows(path, SHEETS[lang][3])
    header = _find(rows, "文件" if lang == "zh" else "File")
    assert rows[header][:3] == (
        ["文件", "工作表", "行号"] if lang == "zh" else ["File", "Sheet", "Row"]
    )
    body = rows[header + 1 :]
    assert len(body) == 200
    assert body[0][2] == 10 and isinstance(body[0][2], int | float)
    assert body[0][4] == "=-0"  # a value that looks like a formula stays text


def test_portfolio_tables_and_values(book, make_ctx):
    lang, path = book
    rows = _rows(path, SHEETS[lang][4])
    header = _find(rows, "门类" if lang == "zh" else "Section")
    counts = make_ctx(lang).results["industry_section"].value_counts()
    assert rows[header + 1][0] == counts.index[0]
    assert rows[header + 1][2] == counts.iloc[0]
    assert rows[header + 1][3] == pytest.approx(counts.iloc[0] / counts.sum())


def test_native_charts_and_formats(book):
    _, path = book
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        charts = [n for n in names if n.startswith("xl/charts/chart")]
        assert len(charts) == 8
        styles = z.read("xl/styles.xml").decode()
        tables = [n for n in names if n.startswith("xl/tables/")]
    assert "#,##0.00" in styles and "0.00%" in styles
    assert len(tables) >= 9
    sheet1 = zipfile.ZipFile(path).read("xl/worksheets/sheet4.xml").decode()
    assert "<pane " in sheet1 and 'state="frozen"' in sheet1


def test_empty_report(tmp_path):
    path = render_xlsx(ReportContext(lang="en"), tmp_path / "r.xlsx")
    names = CalamineWorkbook.from_path(str(path)).sheet_names
    assert names == ["Summary", "Run metadata", "Data quality", "Portfolio overview"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("a/b\\c?d*e[f]g:h", "a-b-c-d-e-f-g-h"),
        ("History", "History-"),
        ("'quoted'", "quoted"),
        ("数据质量-问题明细（前 200 个）超长的名字会被截断到三十一个字符以内吧", None),
    ],
)
def test_sheet_name_rules(title, expected):
    name = sheet_name(title, set())
    assert len(name) <= 31
    if expected:
        assert name == expected


def test_sheet_names_are_unique_ignoring_case():
    taken: set[str] = set()
    names = [
        sheet_name("Data", taken),
        sheet_name("DATA", taken),
        sheet_name("x" * 40, taken),
        sheet_name("x" * 40, taken),
    ]
    assert names[:2] == ["Data", "DATA (2)"]
    assert names[3] == "x" * 27 + " (2)"


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    _soffice() is None,
    reason="LibreOffice (soffice/libreoffice) not on PATH; "
    "install libreoffice-calc-nogui to run this check",
)
def test_libreoffice_converts_to_pdf(book, tmp_path):
    _, path = book
    cmd = [
        _soffice(),
        "--headless",
        "--norestore",
        f"-env:UserInstallation=file://{tmp_path}/lo",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path / "pdf"),
        str(path),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "pdf" / "report.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-", result.stdout + result.stderr
