"""Features derived from the canonical portfolio: size class (more to come: ratios, lifecycle,
policy flags).  Each is a pure function of a DataFrame and packaged or given config.
"""

from __future__ import annotations

from finseg.features._size import (
    SIZE_INDICATORS,
    SizeClass,
    SizeStandard,
    classify_size,
    load_size_standard,
    size_industry,
)

__all__ = [
    "SIZE_INDICATORS",
    "SizeClass",
    "SizeStandard",
    "classify_size",
    "load_size_standard",
    "size_industry",
]
