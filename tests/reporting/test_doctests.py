"""The examples in the reporting docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import finseg.reporting

MODULES = [
    "finseg.reporting",
    *(f"finseg.reporting.{m.name}" for m in pkgutil.iter_modules(finseg.reporting.__path__)),
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
