"""Customer segments (客户细分): the policy taxonomy as first-hit SQL rules, the segments stage
of ``finseg run`` and segment validation.  See ``docs/segments.md``."""

from __future__ import annotations

from finseg.segments._overrides import apply_overrides, override_choices
from finseg.segments._policy import DEFAULT_TAXONOMY, SegmentDef, SegmentsPolicy
from finseg.segments._stability import membership_stability
from finseg.segments._stage import DIMENSIONS, SEGMENT_COLUMNS, segment_key, segments_stage
from finseg.segments._validation import segment_validation, validation_from_segments

__all__ = [
    "DEFAULT_TAXONOMY",
    "DIMENSIONS",
    "SEGMENT_COLUMNS",
    "SegmentDef",
    "SegmentsPolicy",
    "apply_overrides",
    "membership_stability",
    "override_choices",
    "segment_key",
    "segment_validation",
    "segments_stage",
    "validation_from_segments",
]
