"""Text literals against closed vocabularies: a misspelt code is refused when the policy
loads, with its place in policy.yaml and a did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finseg._policy import parse_policy
from finseg.cli import main
from finseg.config import DEFAULTS_DIR, PolicyError
from finseg.rules import RuleError, check_literals, compile_rule

DEFAULT = (DEFAULTS_DIR / "policy.yaml").read_text(encoding="utf-8")
STAGES = ("startup", "expansion", "growth", "mature", "decline", "unknown")


def _misspelt(old: str, new: str) -> str:
    assert old in DEFAULT, old
    return DEFAULT.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_literals_are_recorded_with_their_position() -> None:
    rule = compile_rule(
        "r", "size_class IN ('micro', 'smal') OR CASE grade WHEN 'AA' THEN TRUE ELSE FALSE END"
    )
    assert [(lit.column, lit.value, lit.position) for lit in rule.literals] == [
        ("size_class", "micro", 16),
        ("size_class", "smal", 25),
        ("grade", "AA", 52),
    ]


def test_literals_compared_with_two_columns_or_functions_are_not_recorded() -> None:
    rule = compile_rule("r", "lower(size_class) = 'Micro' OR segment_key = strategy_key")
    assert rule.literals == ()


def test_misspelt_lifecycle_stage_is_refused_at_its_line_with_did_you_mean() -> None:
    text = _misspelt("lifecycle_stage = 'expansion'", "lifecycle_stage = 'expansoin'")
    with pytest.raises(PolicyError) as info:
        parse_policy(text)
    (problem,) = info.value.problems
    assert problem.line == _line_of(text, "- id: fast_expanding")
    assert "'expansoin' is not a value of lifecycle_stage" in problem.en
    assert "did you mean 'expansion'" in problem.en
    assert "是否应为 'expansion'" in problem.zh


def test_a_segment_the_policy_does_not_define_is_refused_in_a_strategy_rule() -> None:
    text = _misspelt("when: segment = 'high_risk', level", "when: segment = 'high_rsk', level")
    with pytest.raises(PolicyError, match="'high_rsk' is not a value of segment") as info:
        parse_policy(text)
    assert "did you mean 'high_risk'" in info.value.en


def test_a_segment_the_policy_defines_is_accepted_once_defined() -> None:
    text = _misspelt("- id: high_leverage", "- id: heavy_leverage")
    with pytest.raises(PolicyError, match="'high_leverage' is not a value of segment"):
        parse_policy(text)  # the strategy still names the old id
    fixed = text.replace("'high_leverage'", "'heavy_leverage'")
    policy = parse_policy(fixed)
    assert "heavy_leverage" in [s.id for s in policy.segments.taxonomy]


def test_a_grade_outside_the_master_scale_is_refused_in_a_monitoring_rule() -> None:
    text = _misspelt("prev_segment <> 'high_risk'", "prev_grade <> 'AAA+'")
    with pytest.raises(PolicyError, match="'AAA\\+' is not a value of prev_grade"):
        parse_policy(text)


def test_policy_check_exits_2_and_names_the_rule(tmp_path: Path, capsys) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        _misspelt("lifecycle_stage = 'expansion'", "lifecycle_stage = 'expansoin'"),
        encoding="utf-8",
    )
    assert main(["policy", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "segments.fast_expanding" in err and "expansoin" in err


def test_the_shipped_policy_uses_only_known_codes() -> None:
    parse_policy(DEFAULT)  # every literal of the shipped rules is in its vocabulary


@given(st.sampled_from(STAGES), st.text(min_size=1, max_size=12))
def test_a_literal_passes_exactly_when_it_is_in_the_vocabulary(good: str, other: str) -> None:
    vocab = {"lifecycle_stage": STAGES}
    rule = compile_rule("r", f"lifecycle_stage = '{good}'")
    check_literals(rule, vocab)
    quoted = other.replace("'", "''")
    try:
        rule = compile_rule("r", f"lifecycle_stage IN ('{good}', '{quoted}')")
    except RuleError:  # text sqlglot cannot read (e.g. control characters) is not our case
        return
    if other in STAGES:
        check_literals(rule, vocab)
    else:
        with pytest.raises(RuleError) as info:
            check_literals(rule, vocab)
        assert info.value.token == f"'{quoted}'"
        assert info.value.position == len("lifecycle_stage IN ('") + len(good) + 4
