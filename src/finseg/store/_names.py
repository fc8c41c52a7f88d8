"""User names people can tell apart: NFKC, no invisible characters, no look-alikes.

A user name is normalised to NFKC (full-width letters, compatibility forms and the ideographic
space become their plain forms) and refused when it holds a control, format (zero-width
space, joiners, bidirectional marks), surrogate, private-use, unassigned or invisible filler
character, or any space other than a single inner U+0020, or when it mixes scripts (Han,
and the common and inherited characters, may go with any one script: ``张wei`` is fine,
Latin ``zh`` with a Cyrillic ``а`` is not — UTS #39's mixed-script detection, through
``confusable_homoglyphs.confusables.is_mixed_script``).

Two names are confusable when their skeletons are equal, as Unicode Technical Standard #39
(section 4, "Confusable Detection") defines them: ``skeleton(X)`` is NFD, every character
mapped to its prototype in ``confusables.txt``, NFD again.  The mapping comes from the data
of the maintained ``confusable-homoglyphs`` package, which ships ``confusables.txt`` as
``confusables.json``: each line ``source → prototype`` stored in both directions.  A source
has exactly one entry (its prototype); a prototype lists all its sources, so the prototype of
a character is recovered as below.  finseg also folds case (``Zhang`` and ``zhang`` are one
person to a reader), taking the skeleton before and after folding so that ``I`` and ``l``
stay confusable.

>>> skeleton("zh\\u0430ng") == skeleton("zhang")  # Cyrillic а
True
>>> skeleton("rn") == skeleton("m")
True
>>> normalise_name("ｗａｎｇ")
'wang'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

from confusable_homoglyphs.confusables import confusables_data, is_mixed_script

from finseg.exceptions import UserError

__all__ = ["confusable_with", "normalise_name", "skeleton"]

#: General categories never allowed in a name: controls, format characters (zero-width
#: space and joiners, bidirectional marks, BOM), surrogates, private use, unassigned, line
#: and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
#: Letters and marks that draw nothing (Hangul fillers, the combining grapheme joiner,
#: variation selectors) and would make two different names look the same.
_INVISIBLE = frozenset(
    {0x115F, 0x1160, 0x3164, 0xFFA0, 0x034F, *range(0x180B, 0x1810), *range(0xFE00, 0xFE10)}
)
MAX_NAME = 100
#: Scripts that may be mixed with any one other script in a name.
_MIXABLE = ["COMMON", "INHERITED", "HAN"]


def _refused(char: str) -> bool:
    code = ord(char)
    if code in _INVISIBLE or 0xE0100 <= code <= 0xE01EF:  # variation selectors supplement
        return True
    category = unicodedata.category(char)
    return category in _REFUSED_CATEGORIES or (category == "Zs" and char != " ")


def _invalid(name: str, why_en: str, why_zh: str) -> UserError:
    return UserError(
        f"user name {name!a} is refused: {why_en}", f"用户名 {name!a} 不被接受：{why_zh}"
    )


def normalise_name(name: str) -> str:
    """``name`` in NFKC without outer spaces, checked: 1 to 100 characters, nothing invisible.

    Raises
    ------
    UserError
        The name is empty or too long, or holds a refused character (named by its code point).
    """
    text = unicodedata.normalize("NFKC", name).strip(" ")
    for char in text:
        if _refused(char):
            what = unicodedata.name(char, "unnamed")
            raise _invalid(
                name,
                f"it holds U+{ord(char):04X} {what}, an invisible or control character",
                f"含有不可见字符或控制字符 U+{ord(char):04X} {what}",
            )
    if is_mixed_script(text, allowed_aliases=_MIXABLE):
        raise _invalid(
            name,
            "it mixes letters of different scripts (such as Latin and Cyrillic), which "
            "can look like another name",
            "混用了不同文字的字母（如拉丁字母与西里尔字母），容易与其他用户名混淆",
        )
    if "  " in text:
        raise _invalid(name, "it holds a double space", "不能有连续空格")
    if not text or len(text) > MAX_NAME:
        raise _invalid(name, "it must be 1 to 100 characters", "须为 1 至 100 个字符")
    return text


@cache
def _prototype(char: str) -> str:
    """The ``confusables.txt`` prototype of one character (itself when it has none)."""
    entries = confusables_data.get(char)
    if not entries:
        return char
    if len(entries) > 1:  # only a prototype lists several characters
        return char
    partner = entries[0]["c"]
    if len(partner) > 1 or len(confusables_data.get(partner, ())) > 1:
        return partner  # sources are single code points; a prototype may be a sequence
    return min(char, partner)  # a one-to-one pair: either is the class's representative


def _skeleton(text: str) -> str:
    mapped = "".join(_prototype(c) for c in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


def skeleton(name: str) -> str:
    """The UTS #39 skeleton of ``name``, case-folded (see the module docstring).

    >>> skeleton("Zhang") == skeleton("zhang") and skeleton("Il") == skeleton("ll")
    True
    """
    return _skeleton(_skeleton(name).casefold())


def confusable_with(name: str, existing: Iterable[str]) -> str | None:
    """The first of ``existing`` that ``name`` can be mistaken for, or ``None``."""
    key = skeleton(name)
    return next((other for other in existing if skeleton(other) == key), None)
