"""The base of every policy section, apart from :mod:`finseg._policy` so that stages can
declare their own sections without importing the whole policy (which imports them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["_Section", "_doc"]


def _doc(zh: str, en: str) -> str:
    """A bilingual description: ``中文 / English``."""
    return f"{zh} / {en}"


class _Section(BaseModel):
    """A policy section: frozen, and extra keys are errors (a typo is never ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
