"""The UI string catalogue: both languages everywhere, and no key used that it lacks."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import finseg.reporting
from finseg.reporting import CATALOGUE, LANGS, t

SOURCE = Path(finseg.reporting.__file__).parent


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_key_has_both_languages_with_the_same_placeholders(key):
    zh, en = CATALOGUE[key]
    assert zh.strip() and en.strip(), key
    assert _fields(zh) == _fields(en), key


def test_chinese_strings_are_chinese():
    # A key whose zh text has no CJK character is probably untranslated (codes excepted).
    allowed = {"hist.nonpositive"}
    untranslated = [
        k
        for k, (zh, _) in CATALOGUE.items()
        if k not in allowed and not re.search(r"[\u4e00-\u9fff]", zh)
    ]
    assert untranslated == []


def test_every_key_used_in_the_code_exists():
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""")
    files = [*SOURCE.glob("*.py"), *SOURCE.glob("templates/*")]
    used = {key for f in files for key in pattern.findall(f.read_text(encoding="utf-8"))}
    assert used, "the pattern found no catalogue keys: it is out of date"
    assert sorted(used - set(CATALOGUE)) == []


def test_t_picks_the_language_and_formats():
    assert LANGS == ("zh", "en")
    assert t("portfolio.customers", "zh", n="1,200") == "本次运行共有 1,200 户客户。"
    assert t("portfolio.customers", "en", n=3) == "This run covers 3 customers."
    with pytest.raises(KeyError):
        t("no.such.key", "en")
