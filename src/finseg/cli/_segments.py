"""``finseg segments …``: the segment commands.  Each module adds its commands to
:data:`segments_app` (``_segments_discover``: discovery by clustering; ``_segments_validate``:
validation of a run's segments)."""

from __future__ import annotations

import typer

from finseg.cli._app import app

__all__ = ["segments_app"]

segments_app = typer.Typer(help="Customer segments / 客户细分", no_args_is_help=True)
app.add_typer(segments_app, name="segments")
