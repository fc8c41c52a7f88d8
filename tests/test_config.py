"""Settings: typed, documented, read from finseg.toml with clear errors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from finseg.config import (
    DEFAULTS_DIR,
    Language,
    Policy,
    PolicyError,
    Settings,
    Unit,
    load_settings,
    policy_fields,
    resolve_database_url,
    settings_markdown,
)

DOC = Path(__file__).parents[1] / "docs" / "configuration.md"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def _bilingual(text: str | None) -> bool:
    return bool(text and CJK.search(text) and LATIN.search(text))


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_has_bilingual_help(name: str) -> None:
    assert _bilingual(Settings.model_fields[name].description), name


@pytest.mark.parametrize("path", [p for p, _, _ in policy_fields()])
def test_every_policy_field_has_bilingual_help(path: str) -> None:
    description = dict((p, d) for p, d, _ in policy_fields())[path]
    assert _bilingual(description), path


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert f"| `{name}` |" in DOC.read_text(encoding="utf-8"), f"{name} missing from {DOC}"


@pytest.mark.parametrize("path", [p for p, _, _ in policy_fields()])
def test_every_policy_field_is_documented(path: str) -> None:
    assert f"| `{path}` |" in DOC.read_text(encoding="utf-8"), f"{path} missing from {DOC}"


def test_doc_settings_table_is_current() -> None:
    assert settings_markdown() in DOC.read_text(encoding="utf-8")


def test_template_sets_every_setting_to_its_default() -> None:
    text = (DEFAULTS_DIR / "finseg.toml").read_text(encoding="utf-8")
    text = text.replace("${database_url}", '"sqlite:///finseg.db"').replace("${language}", '"zh"')
    assert Settings.model_validate(tomllib.loads(text)) == Settings()


def test_defaults_without_a_file(tmp_path: Path) -> None:
    s = load_settings(tmp_path, env={})
    assert s.language is Language.ZH and s.default_unit is Unit.YUAN and s.progress
    assert s.database_url == f"sqlite:///{tmp_path.resolve() / 'finseg.db'}"
    assert s.runs_dir == tmp_path.resolve() / "runs"
    assert s.policy_file == tmp_path.resolve() / "policy.yaml"


def test_values_and_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "finseg.toml").write_text(
        'language = "en"\nruns_dir = "out/runs"\nmodels_dir = "/srv/models"\n'
        'default_unit = "wan"\nprogress = false\ndatabase_url = "sqlite:///db/f.db"\n'
    )
    s = load_settings(tmp_path, env={})
    assert (s.language, s.default_unit, s.progress) == (Language.EN, Unit.WAN, False)
    assert s.runs_dir == tmp_path.resolve() / "out" / "runs"
    assert s.models_dir == Path("/srv/models")
    assert s.database_url.endswith(str(tmp_path.resolve() / "db" / "f.db"))


def test_env_overrides_database_url(tmp_path: Path) -> None:
    (tmp_path / "finseg.toml").write_text('database_url = "sqlite:///a.db"\n')
    s = load_settings(tmp_path, env={"FINSEG_DATABASE_URL": "postgresql://u@db:5432/finseg"})
    assert s.database_url == "postgresql+psycopg://u@db:5432/finseg"


@pytest.mark.parametrize(
    ("toml", "match"),
    [
        ('language = "fr"', r"finseg\.toml: key `language`: Input should be 'zh' or 'en'"),
        ('langauge = "en"', r"finseg\.toml: unknown key `langauge`"),
        ("progress = 3", r"key `progress`"),
        ("language = ", r"finseg\.toml: not valid TOML"),
        ('database_url = "::nonsense"', r"key `database_url`: cannot parse"),
    ],
)
def test_bad_settings_name_the_file_and_key(tmp_path: Path, toml: str, match: str) -> None:
    (tmp_path / "finseg.toml").write_text(toml + "\n")
    with pytest.raises(PolicyError, match=match) as info:
        load_settings(tmp_path, env={})
    assert "finseg.toml" in info.value.zh


def test_resolve_database_url_leaves_memory_and_absolute_alone(tmp_path: Path) -> None:
    assert resolve_database_url("sqlite://", tmp_path) == "sqlite://"
    assert resolve_database_url("sqlite:////abs/x.db", tmp_path) == "sqlite:////abs/x.db"


def test_units_have_factors() -> None:
    assert [u.factor for u in Unit] == [1.0, 1e3, 1e4, 1e6, 1e8]


def test_policy_is_reexported() -> None:
    assert Policy.model_config["extra"] == "forbid"


def test_doc_policy_table_is_current() -> None:
    from finseg._policy import policy_markdown

    assert policy_markdown() in DOC.read_text(encoding="utf-8"), (
        "docs/configuration.md is stale: paste finseg._policy.policy_markdown() into it"
    )
