"""Hostile policy files: YAML alias bombs and rules nested too deeply are refused, in time,
with the file, rule, line and column — never an internal error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from finseg._yaml import MAX_NODES, parse_yaml
from finseg.cli import main
from finseg.config import DEFAULTS_DIR, PolicyError
from finseg.rules import RuleError, compile_rule
from finseg.rules._compile import MAX_DEPTH, MAX_PARENS

BOMB = "name: {zh: a, en: b}\nx0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 7)
)


def test_alias_bomb_is_refused_within_a_second(tmp_path: Path, capsys) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(BOMB, encoding="utf-8")
    assert len(BOMB) < 500
    started = time.perf_counter()
    assert main(["policy", "check", str(path)]) == 2
    assert time.perf_counter() - started < 1.0
    err = capsys.readouterr().err
    assert "policy.yaml" in err and f"{MAX_NODES:,}" in err and "别名" in err


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(PolicyError, match="aliases"):
        parse_yaml("a: &a [1, *a]\n", "p.yaml")


def test_modest_aliases_still_work() -> None:
    data, _ = parse_yaml("a: &x {b: 1}\nc: *x\nd: [*x, *x]\n", "p.yaml")
    assert data == {"a": {"b": 1}, "c": {"b": 1}, "d": [{"b": 1}, {"b": 1}]}


def _deep_policy(tmp_path: Path, rule: str) -> Path:
    text = (DEFAULTS_DIR / "policy.yaml").read_text(encoding="utf-8")
    old = "when: debt_to_assets > 0.7"
    assert old in text
    path = tmp_path / "policy.yaml"
    path.write_text(text.replace(old, f"when: {rule}"), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "rule",
    [
        "(" * 50 + "debt_to_assets > 0.7" + ")" * 50,
        "NOT " * 300 + "debt_to_assets > 0.7",
        " AND ".join(["debt_to_assets > 0.7"] * 300),
    ],
    ids=["parentheses", "not-chain", "and-chain"],
)
def test_deep_rule_is_refused_with_name_line_and_column(tmp_path: Path, capsys, rule) -> None:
    path = _deep_policy(tmp_path, rule)
    assert main(["policy", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Internal error" not in err and "RecursionError" not in err
    assert "nested too deeply" in err and "嵌套过深" in err
    line = next(
        i for i, ln in enumerate(path.read_text().splitlines(), 1) if "- id: high_leverage" in ln
    )
    assert f"policy.yaml:{line}:7:" in err  # the rule's entry in the file
    assert "rule 'segments.high_leverage', position" in err


def test_depth_limits_are_where_documented() -> None:
    ok = "(" * MAX_PARENS + "debt_to_assets > 0.7" + ")" * MAX_PARENS
    compile_rule("ok", ok)
    with pytest.raises(RuleError) as info:
        compile_rule("deep", "(" + ok + ")")
    assert info.value.position == MAX_PARENS + 1 and info.value.token == "("
    compile_rule("long", " AND ".join(["debt_to_assets > 0.7"] * (MAX_DEPTH - 2)))
    docs = (Path(__file__).parents[1] / "docs" / "rules.md").read_text(encoding="utf-8")
    assert f"{MAX_PARENS} levels of parentheses" in docs and f"{MAX_DEPTH} levels" in docs
