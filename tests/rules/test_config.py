from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from finseg.rules import (
    COLUMNS_CONTEXT_KEY,
    RISK_COLUMNS,
    ColumnKind,
    DecisionTableConfig,
    RuleConfig,
    RuleError,
    check_rule,
    known_columns,
)
from finseg.schema import FIELDS

TABLE = {
    "name": "watch",
    "rows": [
        {
            "id": "high_risk",
            "when": "pd >= 0.15",
            "zh": "高风险",
            "outputs": {"review": "committee"},
        },
        {"id": "other", "outputs": {"review": "standard"}},
    ],
}


def test_known_columns_cover_schema_features_and_risk():
    cols = known_columns()
    assert {f.name for f in FIELDS} <= set(cols)
    assert set(RISK_COLUMNS) <= set(cols)
    assert cols["as_of_date"] is ColumnKind.DATE
    assert cols["listed"] is ColumnKind.BOOL
    assert cols["customer_name"] is ColumnKind.TEXT
    assert cols["employees"] is ColumnKind.NUMERIC
    assert cols["debt_to_assets"] is ColumnKind.NUMERIC
    assert cols["lifecycle_stage"] is ColumnKind.TEXT
    assert cols["tech_enterprise"] is ColumnKind.BOOL
    with pytest.raises(TypeError):
        cols["new"] = ColumnKind.TEXT  # type: ignore[index]


def test_risk_columns_are_what_the_risk_stage_adds():
    from finseg.features import compute_features
    from finseg.risk import risk_stage
    from finseg.rules._columns import kind_of_dtype
    from finseg.sample import generate_portfolio

    out = risk_stage(compute_features(generate_portfolio(200, seed=3)))
    for name, kind in RISK_COLUMNS.items():
        assert kind_of_dtype(out[name].dtype) is kind, name


def test_rule_config_compiles_on_load():
    cfg = RuleConfig(name="leveraged", when="debt_to_assets > 0.7", zh="高负债")
    rule = cfg.to_rule()
    assert (rule.name, rule.columns, rule.label("zh")) == (
        "leveraged",
        ("debt_to_assets",),
        "高负债",
    )


def test_rule_config_rejects_a_bad_rule_with_its_position():
    with pytest.raises(ValidationError) as caught:
        RuleConfig(name="leveraged", when="debt_to_assets > 0.7 AND lifecyle_stage = 'growth'")
    (err,) = caught.value.errors()
    assert "position 26" in err["msg"] and "did you mean 'lifecycle_stage'" in err["msg"]
    original = err["ctx"]["error"]
    assert isinstance(original, RuleError)
    assert (original.rule, original.position, original.token) == (
        "leveraged", 26, "lifecyle_stage"
    )  # fmt: skip
    assert "未知的列" in original.zh


def test_rule_names_are_identifiers():
    with pytest.raises(ValidationError, match="pattern"):
        RuleConfig(name="High Leverage", when="TRUE")


def test_context_columns_are_the_validator_hook():
    context = {COLUMNS_CONTEXT_KEY: {**known_columns(), "watch_flag": ColumnKind.TEXT}}
    RuleConfig.model_validate({"name": "r", "when": "watch_flag = 'tech'"}, context=context)
    with pytest.raises(ValidationError, match="unknown column 'watch_flag'"):
        RuleConfig.model_validate({"name": "r", "when": "watch_flag = 'tech'"})


def test_check_rule_uses_known_columns_without_context():
    assert check_rule("r", "grade IN ('CCC', 'CC')").columns == ("grade",)
    with pytest.raises(RuleError, match="unknown column 'watch_flag'"):
        check_rule("r", "watch_flag = 'tech'")


def test_decision_table_config():
    cfg = DecisionTableConfig.model_validate(TABLE)
    table = cfg.to_table()
    assert table.hit_policy == "first"
    assert [r.rule.name for r in table.rows] == ["watch.high_risk", "watch.other"]
    out = table.evaluate(pd.DataFrame({"pd": [0.3, 0.01]}))
    assert out["review"].tolist() == ["committee", "standard"]


def test_decision_table_config_needs_a_catch_all():
    data = {**TABLE, "rows": TABLE["rows"][:1]}
    with pytest.raises(ValidationError, match="needs a catch-all last row"):
        DecisionTableConfig.model_validate(data)
    DecisionTableConfig.model_validate({**data, "hit_policy": "collect"})


def test_decision_table_config_names_the_row_of_a_bad_rule():
    rows = [{"id": "bad", "when": "pd >> 1"}, {"id": "other"}]
    with pytest.raises(ValidationError, match=r"rule 'watch\.bad', position 4"):
        DecisionTableConfig.model_validate({"name": "watch", "rows": rows})


def test_sections_are_strict_and_documented():
    with pytest.raises(ValidationError, match="Extra inputs"):
        RuleConfig(name="r", when="TRUE", rule="x")  # type: ignore[call-arg]
    for model in (RuleConfig, DecisionTableConfig):
        for name, field in model.model_fields.items():
            assert field.description and " / " in field.description, name
