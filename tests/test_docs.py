"""Docs that are generated must be current."""

from __future__ import annotations

from pathlib import Path

from finseg.schema import FIELDS, schema_markdown

ROOT = Path(__file__).parents[1]


def test_schema_doc_is_generated_from_the_catalogue():
    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == schema_markdown() + "\n", (
        "docs/schema.md is stale: run `finseg schema --markdown docs/schema.md`"
    )


def test_schema_doc_names_every_field_with_both_labels():
    text = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    for f in FIELDS:
        assert f"`{f.name}` | {f.zh} | {f.en} |" in text
