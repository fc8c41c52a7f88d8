"""The ``finseg`` command line: a thin face over the service functions.

Exit codes: 0 done; 2 a user error (bad file, option, policy; nothing half-written);
1 an internal error.  Messages are printed in Chinese and English.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from typer.exceptions import TyperException

from finseg import __version__
from finseg._safe import visible
from finseg.exceptions import FinsegError, UserError

__all__ = [
    "LangOption",
    "SafeConsole",
    "app",
    "check_lang",
    "err",
    "main",
    "out",
    "parse_date",
    "shown",
]

app = typer.Typer(
    name="finseg",
    help="finseg — customer segmentation for project finance / 项目融资客户细分.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


class SafeConsole(Console):
    """A Rich console that never lets a terminal act on text it prints: control and format
    characters in every rendered piece of text (ESC, BEL, C1 controls, bidi overrides) come
    out visible, as ``\x1b``; only the console's own line breaks and styles pass through.

    Data values interpolated into markup should also go through :func:`shown`, so that a
    bracket in a customer name is not read as a style either.
    """

    def render(self, renderable: Any, options: Any = None) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control or not segment.text or segment.text.isprintable():
                yield segment
            else:
                yield Segment(visible(segment.text, keep="\n"), segment.style)


def shown(value: Any) -> str:
    r"""A data value for console markup: control characters visible
    (:func:`finseg._safe.visible`), Rich markup escaped.

    >>> print(shown("Acme [bold]\x1b[2J"))
    Acme \[bold]\x1b[2J
    """
    return escape(visible(value))


out = SafeConsole(highlight=False, soft_wrap=True)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)

LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of labels: zh or en (default: the workspace's, else zh) / 标签语言",
        envvar="FINSEG_LANG",
    ),
]


def parse_date(text: str | None, option: str) -> date | None:
    """A ``YYYY-MM-DD`` option value, or a user error naming the option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"{option}: expected a date like 2025-12-31, got {text!r}",
            f"{option}：应为日期，如 2025-12-31，实际为 {text!r}",
        ) from None


def check_lang(lang: str | None, default: str = "zh") -> str:
    """``lang`` if given (checked), else ``default`` (a workspace's language, or zh)."""
    if lang is None:
        return default
    if lang not in ("zh", "en"):
        raise UserError(
            f"--lang: expected zh or en, got {lang!r}", f"--lang：应为 zh 或 en，实际为 {lang!r}"
        )
    return lang


@app.command()
def version() -> None:
    """Print the finseg version / 显示版本号."""
    out.print(f"finseg {__version__}")


@app.command()
def schema(
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Write the catalogue as Markdown to this file")
    ] = None,
    lang: LangOption = None,
) -> None:
    """Show the canonical field catalogue / 显示标准字段目录."""
    from finseg.schema import FIELDS, schema_markdown

    if markdown is not None:
        from finseg._files import atomic_target
        from finseg._safe import check_output

        check_output(markdown, option="--markdown", suffixes=(".md",))
        with atomic_target(markdown) as tmp:
            tmp.write_text(schema_markdown() + "\n", encoding="utf-8")
        out.print(f"{markdown}")
        return
    table = Table(
        "name", "字段" if check_lang(lang) == "zh" else "label", "unit", "type", "required"
    )
    for f in FIELDS:
        table.add_row(f.name, f.label(lang), f.unit(lang), f.kind.value, "✓" if f.required else "")
    out.print(table)


#: Operating-system errors on a path the user chose: theirs to fix, so exit code 2.
_OS_ERRORS = {
    errno.EACCES: "没有权限", errno.EPERM: "不允许的操作", errno.EROFS: "文件系统只读",
    errno.ENOENT: "文件或目录不存在", errno.ENOTDIR: "路径中有一段不是目录",
    errno.EISDIR: "是目录", errno.EEXIST: "已存在", errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额", errno.ENAMETOOLONG: "文件名过长",
}  # fmt: skip


def _user_os_error(exc: BaseException) -> UserError | None:
    """A :class:`UserError` naming the path for an OS error (raised, or the cause of a failed
    run) such as permission denied, read-only, missing directory or disk full."""
    cause = exc if isinstance(exc, OSError) else exc.__cause__
    if isinstance(exc, UserError) or not isinstance(cause, OSError):
        return None
    if cause.errno not in _OS_ERRORS:
        return None
    path = cause.filename if cause.filename is not None else "(disk)"
    reason = cause.strerror or str(cause)
    return UserError(f"{path}: {reason}", f"{path}：{_OS_ERRORS[cause.errno]}（{reason}）")


def _exit_code(exc: BaseException) -> int:
    exc = _user_os_error(exc) or exc
    if isinstance(exc, UserError):
        err.print(Text("错误 / Error: ", style="bold red") + Text(exc.bilingual()))
        return 2
    if isinstance(exc, FinsegError):
        err.print(Text("失败 / Failed: ", style="bold red") + Text(exc.bilingual()))
        return 1
    err.print(
        Text("内部错误 / Internal error: ", style="bold red") + Text(f"{type(exc).__name__}: {exc}")
    )
    if os.environ.get("FINSEG_DEBUG"):
        err.print(traceback.format_exc())
    else:
        err.print("设置 FINSEG_DEBUG=1 可显示详细信息 / set FINSEG_DEBUG=1 for the traceback")
    return 1


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return (and exit with) its exit code."""
    try:
        rv = app(args=argv, prog_name="finseg", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        err.print("已中止 / Aborted")
        code = 1
    except TyperException as exc:  # usage errors: unknown option, bad value, missing argument
        if hasattr(exc, "show"):
            exc.show()
        else:
            err.print(exc.format_message())
        code = int(getattr(exc, "exit_code", 2))
    except Exception as exc:  # the last line of defence: a clean message, never a traceback
        code = _exit_code(exc)
    if argv is None:
        sys.exit(code)
    return code
