"""Outputs that never execute data: the one workbook factory, CSV-injection neutralising,
console-safe text and the one check of an output path.

Every ``.xlsx`` finseg writes is opened by :func:`safe_workbook` (XlsxWriter) or
:func:`safe_excel_writer` (pandas): a string is always written as a string, never turned
into a formula, a URL or a number.  Every CSV finseg writes for people to open goes through
:func:`neutralise_csv_frame` (OWASP's CSV-injection rule).  Console output shows data values
through :func:`visible`.  An output path is checked once, by :func:`check_output`.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finseg._files import atomic_target
from finseg.exceptions import UserError

if TYPE_CHECKING:
    import pandas as pd
    import xlsxwriter

__all__ = [
    "CSV_TRIGGERS",
    "XLSX_OPTIONS",
    "check_output",
    "neutralise_csv_cell",
    "neutralise_csv_frame",
    "safe_excel_writer",
    "safe_workbook",
    "visible",
]

#: XlsxWriter options of every workbook: data strings stay strings (no formula, no URL, no
#: number guessed from text); NaN and infinities become Excel errors rather than failing.
XLSX_OPTIONS: dict[str, bool] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
}

#: A CSV cell starting with one of these is read as a formula by spreadsheet programs (OWASP).
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain number ("-5", "+1,234.50", "-1e3", "-12%") is a value, not a formula: kept as is.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*)?(?:\.\d+)?(?:[eE][+-]?\d+)?%?")


@contextlib.contextmanager
def safe_workbook(path: Path | str, **options: Any) -> Iterator[xlsxwriter.Workbook]:
    """An XlsxWriter workbook written atomically at ``path`` with :data:`XLSX_OPTIONS`.

    ``options`` add XlsxWriter options; the three ``strings_to_*`` options cannot be turned
    back on.  The workbook is closed and renamed onto ``path`` when the block ends; on an
    exception nothing is left.

    >>> import tempfile, zipfile
    >>> target = Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> with safe_workbook(target) as wb:
    ...     wb.add_worksheet().write(0, 0, '=HYPERLINK("http://x","click")')
    0
    >>> "<f>" in zipfile.ZipFile(target).read("xl/worksheets/sheet1.xml").decode()
    False
    """
    import xlsxwriter

    with atomic_target(Path(path)) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), _options(options))
        try:
            yield wb
        finally:
            wb.close()


@contextlib.contextmanager
def safe_excel_writer(path: Path | str, **options: Any) -> Iterator[pd.ExcelWriter]:
    """A pandas ``ExcelWriter`` (XlsxWriter engine, :data:`XLSX_OPTIONS`) written atomically
    at ``path``: ``DataFrame.to_excel`` writes numbers as numbers and strings as strings."""
    import pandas as pd

    with (
        atomic_target(Path(path)) as tmp,
        pd.ExcelWriter(
            tmp, engine="xlsxwriter", engine_kwargs={"options": _options(options)}
        ) as writer,
    ):
        yield writer


def _options(extra: dict[str, Any]) -> dict[str, Any]:
    return {**extra, **{k: v for k, v in XLSX_OPTIONS.items() if k.startswith("strings_to_")},
            "nan_inf_to_errors": extra.get("nan_inf_to_errors", True)}  # fmt: skip


def neutralise_csv_cell(value: Any) -> Any:
    """``value`` made safe for a CSV cell: a string that starts with ``=``, ``+``, ``-``,
    ``@``, tab or carriage return gets a leading single quote (OWASP), unless it is a plain
    number such as ``-5``; every other value is returned unchanged.

    >>> neutralise_csv_cell("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> neutralise_csv_cell("-5"), neutralise_csv_cell(-5), neutralise_csv_cell("-")
    ('-5', -5, "'-")
    """
    if not isinstance(value, str) or not value.startswith(CSV_TRIGGERS):
        return value
    if value[0] in "+-" and _PLAIN_NUMBER.fullmatch(value) and any(c.isdigit() for c in value):
        return value
    return "'" + value


def neutralise_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) pass through
    :func:`neutralise_csv_cell`; numeric, date and boolean columns are left as they are."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            if isinstance(series.dtype, pd.CategoricalDtype):
                continue
            out[column] = series.map(neutralise_csv_cell, na_action="ignore")
    out.columns = [neutralise_csv_cell(c) for c in out.columns]
    return out


_SHOWN = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(value: Any, keep: str = "") -> str:
    """``str(value)`` with control and format characters (ESC, BEL, C1 controls, bidi
    overrides, zero-width characters) written as ``\\x1b``-style escapes, so that printing it
    shows them and never lets a terminal act on them.  Characters in ``keep`` stay as they
    are (the console keeps its own line breaks).

    >>> visible("Acme\\x1b]0;owned\\x07\\x1b[2J")
    'Acme\\\\x1b]0;owned\\\\x07\\\\x1b[2J'
    >>> visible("a\\u202eb")
    'a\\\\u202eb'
    """
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c in keep or c.isprintable() else _escape(c) for c in text)


def _escape(char: str) -> str:
    if char in _SHOWN:
        return _SHOWN[char]
    if unicodedata.category(char) == "Zs":  # a space (non-breaking, …) is shown as is
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def check_output(
    path: Path | str,
    *,
    option: str,
    suffixes: Iterable[str],
    inputs: Iterable[Path | str | None] = (),
    runs_dir: Path | None = None,
    existing_folder: bool = True,
) -> Path:
    """``path`` as an output of a command, or a user error (exit 2) before any work is done.

    Refused: an extension that is not one of ``suffixes`` (what is written); a directory;
    a file in a folder that does not exist (unless ``existing_folder`` is false: the folder
    is then created); the same file as one of ``inputs`` (also through a link); a path inside
    ``runs_dir`` or inside the runs directory of any workspace above it (a run's files belong
    to the run and are verified against the store).  ``option`` names the option in the
    message (``--out``).  Writing stays atomic (:func:`finseg._files.atomic_target`).

    >>> check_output("out.xlsx", option="--out", suffixes=[".xlsx"]).name
    'out.xlsx'
    """
    path = Path(path)
    target = _resolved(path)
    for source in inputs:
        if source is not None and _same_file(target, Path(source)):
            raise UserError(
                f"{option} {path} is the same file as the input {source}; writing it would "
                "destroy the input — choose another output file",
                f"{option} {path} 与输入文件 {source} 是同一个文件，写出会毁掉输入——请另选输出文件",
            )
    for runs in _runs_dirs(target, runs_dir):
        if target.is_relative_to(runs):
            raise UserError(
                f"{option} {path} lies inside the runs directory {runs}; a run's files belong "
                "to the run and are verified against the store — write the output elsewhere",
                f"{option} {path} 位于运行目录 {runs} 之内；运行目录中的文件属于该运行并受"
                "校验——请写到其他位置",
            )
    allowed = tuple(s.lower() for s in suffixes)
    if path.suffix.lower() not in allowed:
        raise UserError(
            f"{option} {path}: expected {' or '.join(allowed)} (that is what is written), "
            f"got {path.suffix or 'no extension'!r}",
            f"{option} {path}：应为 {' 或 '.join(allowed)} 文件（写出的就是该格式），"
            f"实际为 {path.suffix or '无扩展名'!r}",
        )
    if path.is_dir() or (existing_folder and not path.parent.is_dir()):
        raise UserError(
            f"{option} {path}: not a file in an existing folder",
            f"{option} {path}：不是已有文件夹中的文件路径",
        )
    return path


def _runs_dirs(target: Path, given: Path | None) -> list[Path]:
    """``given`` and the runs directory of every workspace (a folder with ``finseg.toml``)
    that holds ``target``."""
    from finseg.config import SETTINGS_FILE, load_settings

    found = [] if given is None else [_resolved(given)]
    for folder in target.parents:
        if (folder / SETTINGS_FILE).is_file():
            with contextlib.suppress(UserError):  # a broken settings file: its default
                found.append(_resolved(load_settings(folder, env={}).runs_dir))
                continue
            found.append(folder / "runs")
    return found


def _resolved(path: Path) -> Path:
    return path.expanduser().resolve()


def _same_file(target: Path, source: Path) -> bool:
    if target == _resolved(source):
        return True
    try:
        return target.exists() and source.exists() and target.samefile(source)
    except OSError:
        return False
