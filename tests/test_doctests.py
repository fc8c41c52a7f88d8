"""The examples in docstrings are tests: every module of finseg (but Alembic's env, which
only Alembic can import) runs its own."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import finseg

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(finseg.__path__, "finseg.") if ".migrations" not in m.name
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
