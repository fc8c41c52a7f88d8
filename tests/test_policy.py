"""policy.yaml: validation with line numbers, JSON Schema, stable hash."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finseg.config import (
    DEFAULTS_DIR,
    DuplicateRule,
    PolicyError,
    check_policy_text,
    load_policy,
    policy_hash,
    policy_json_schema,
)

BAD = """\
version: 3
name:
  zh: 测试
  en: Test
ingest:
  identity_tolerance: 5
  duplicate_rule: newest
overview:
  amount_fields: [total_assets, region]
  top_region: 5
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_policy_loads_and_is_bilingual() -> None:
    path = DEFAULTS_DIR / "policy.yaml"
    policy = load_policy(path)
    assert (policy.name.zh, policy.name.en) == ("默认策略", "Default policy")
    assert policy.ingest.identity_tolerance == 0.01
    assert policy.ingest.duplicate_rule is DuplicateRule.KEEP_FIRST
    comments = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()[:1] == "#"]
    assert any(re.search(r"[\u4e00-\u9fff]", c) for c in comments)
    assert any(re.search(r"[A-Za-z]{4,} [a-z]{3,}", c) for c in comments)


def test_bad_policy_names_every_line(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    where = {(p.path, p.line) for p in info.value.problems}
    assert where == {
        ("ingest.identity_tolerance", 6), ("ingest.duplicate_rule", 7),
        ("overview.amount_fields.1", 9), ("overview.top_region", 10),
    }  # fmt: skip
    assert f"{path}:6:23: `ingest.identity_tolerance`" in info.value.en
    assert "第 10 行" in info.value.zh and "未知的键" in info.value.zh


def test_missing_name_points_at_the_document(tmp_path: Path) -> None:
    _, problems = check_policy_text("version: 1\n")
    assert [(p.path, p.line) for p in problems] == [("name", 1)]


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "name:\n  zh: a\n  en: [b\n")
    with pytest.raises(PolicyError, match=r"policy\.yaml:\d+:\d+: not valid YAML"):
        load_policy(path)


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: {zh: a, en: b}\ningest: {}\ningest: {}\n")
    with pytest.raises(PolicyError, match=r":3:1: key `ingest` is written twice"):
        load_policy(path)


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")


def test_numeric_version_becomes_text() -> None:
    policy, problems = check_policy_text("version: 2025.1\nname: {zh: a, en: b}\n")
    assert problems == [] and policy.version == "2025.1"


def test_json_schema_export() -> None:
    schema = policy_json_schema()
    json.dumps(schema)  # serialisable
    assert schema["additionalProperties"] is False
    assert {"version", "name", "description", "ingest", "overview"} <= set(schema["properties"])
    assert schema["required"] == ["name"]
    ingest = schema["$defs"]["IngestPolicy"]
    assert ingest["properties"]["identity_tolerance"]["default"] == 0.01
    assert "容差" in ingest["properties"]["identity_tolerance"]["description"]


def test_hash_is_stable() -> None:
    assert policy_hash("a: 1\n") == hashlib.sha256(b"a: 1\n").hexdigest()
    assert policy_hash("\ufeffa: 1  \r\n\r\n") == policy_hash("a: 1")
    assert policy_hash("a: 1\n") != policy_hash("a: 2\n")


@given(
    st.lists(st.text(alphabet="ab: 甲#\t", max_size=12), max_size=6),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_hash_ignores_line_ends_and_trailing_space(lines: list[str], eol: str) -> None:
    plain = "\n".join(lines)
    noisy = eol.join(line + " \t" for line in lines) + eol * 2
    assert policy_hash(noisy) == policy_hash(plain)
