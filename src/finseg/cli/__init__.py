"""The ``finseg`` command line (Typer).  Each module registers its commands on :data:`app`."""

from __future__ import annotations

from finseg.cli import (  # noqa: F401  (register commands)
    _allocate,
    _audit,
    _explain,
    _export,
    _features,
    _ingest,
    _login,
    _models,
    _monitor,
    _override,
    _policy_replay,
    _policy_versions,
    _runs,
    _scenarios,
    _segments,
    _segments_discover,
    _segments_validate,
    _train,
    _workspace,
)
from finseg.cli._app import app, main

__all__ = ["app", "main"]
