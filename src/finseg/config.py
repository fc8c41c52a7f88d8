"""Typed workspace settings (``finseg.toml``) and the policy (``policy.yaml``).

Settings are made by a factory, :func:`load_settings`, never kept in a module global.  Every
setting carries bilingual help text in its ``description``; ``docs/configuration.md`` lists them
all and a test fails when one is undocumented.  The policy models live in
:mod:`finseg._policy` and are re-exported here.

>>> s = Settings()
>>> s.language.value, s.runs_dir
('zh', PosixPath('runs'))
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from finseg._policy import (
    Bilingual,
    DuplicateRule,
    IngestPolicy,
    OverviewPolicy,
    Policy,
    PolicyProblem,
    check_policy_text,
    load_policy,
    normalise_policy_text,
    policy_fields,
    policy_hash,
    policy_json_schema,
)
from finseg._vocab import Language, Unit
from finseg.exceptions import PolicyError

__all__ = [
    "DEFAULTS_DIR",
    "ENV_DATABASE_URL",
    "SETTINGS_FILE",
    "Bilingual",
    "DuplicateRule",
    "IngestPolicy",
    "Language",
    "OverviewPolicy",
    "Policy",
    "PolicyProblem",
    "Settings",
    "SparkSettings",
    "Unit",
    "check_policy_text",
    "load_policy",
    "load_settings",
    "normalise_policy_text",
    "policy_fields",
    "policy_hash",
    "policy_json_schema",
    "resolve_database_url",
    "settings_markdown",
]

#: Name of the settings file at the root of a workspace.
SETTINGS_FILE = "finseg.toml"
#: Environment variable that overrides ``database_url``.
ENV_DATABASE_URL = "FINSEG_DATABASE_URL"
#: Templates copied into a new workspace.
DEFAULTS_DIR = Path(__file__).parent / "defaults"
DEFAULT_DATABASE_URL = "sqlite:///finseg.db"


def _doc(zh: str, en: str) -> str:
    return f"{zh} / {en}"


class SparkSettings(BaseModel):
    """The ``[spark]`` table of ``finseg.toml``: how ``finseg run --engine spark`` reaches
    Spark (see ``docs/scale.md``).

    >>> SparkSettings(conf={"spark.executor.memory": "8g"}).master
    'local[*]'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    master: str = Field(
        "local[*]",
        description=_doc(
            "Spark 主节点：local[*]（本机全部核）、spark://主机:7077、yarn，或 Spark Connect "
            "地址 sc://主机:15002",
            "Spark master: local[*] (all cores of this machine), spark://host:7077, yarn, or a "
            "Spark Connect address sc://host:15002",
        ),
    )
    app_name: str = Field(
        "finseg",
        description=_doc("Spark 应用名（集群界面中显示）", "Spark application name (shown in the "
                         "cluster UI)"),
    )  # fmt: skip
    conf: dict[str, str] = Field(
        default_factory=dict,
        description=_doc(
            '其他 Spark 配置，键须以 spark. 开头，如 "spark.executor.memory" = "8g"；'
            "命令行 --spark-conf 键=值 优先",
            "Further Spark options, keys starting with spark., e.g. "
            '"spark.executor.memory" = "8g"; --spark-conf KEY=VALUE on the command line '
            "overrides them",
        ),
    )

    @field_validator("conf")
    @classmethod
    def _spark_keys(cls, conf: dict[str, str]) -> dict[str, str]:
        bad = [k for k in conf if not k.startswith("spark.")]
        if bad:
            raise ValueError(f"keys must start with 'spark.': {', '.join(bad)}")
        return conf


class Settings(BaseModel):
    """Workspace settings, read from ``finseg.toml`` by :func:`load_settings`.

    Unknown keys are rejected so a misspelt setting is reported instead of ignored.

    Examples
    --------
    >>> Settings(language="en", default_unit="wan").default_unit.factor
    10000.0
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description=_doc(
            "数据库连接地址；默认是工作区内的 SQLite 文件 finseg.db，生产环境用 "
            "postgresql+psycopg://…；环境变量 FINSEG_DATABASE_URL 优先",
            "Database URL; defaults to the SQLite file finseg.db in the workspace, use "
            "postgresql+psycopg://… in production; FINSEG_DATABASE_URL overrides it",
        ),
    )
    language: Language = Field(
        Language.ZH,
        description=_doc("界面与报告语言：zh 或 en", "Language of messages and reports: zh or en"),
    )
    runs_dir: Path = Field(
        Path("runs"),
        description=_doc(
            "运行结果（Parquet 文件、报告）目录，相对工作区",
            "Directory of run results (Parquet files, reports), relative to the workspace",
        ),
    )
    models_dir: Path = Field(
        Path("models"),
        description=_doc("模型注册目录，相对工作区", "Model registry directory, relative to the "
                         "workspace"),
    )  # fmt: skip
    policy_file: Path = Field(
        Path("policy.yaml"),
        description=_doc("策略文件，相对工作区", "Policy file, relative to the workspace"),
    )
    default_unit: Unit = Field(
        Unit.YUAN,
        description=_doc(
            "文件未注明时的金额单位：yuan 元、thousand 千元、wan 万元、million 百万元、yi 亿元",
            "Money unit assumed when a file does not state one: yuan, thousand, wan, million, yi",
        ),
    )
    progress: bool = Field(
        True, description=_doc("命令行是否显示进度条", "Show progress bars on the command line")
    )
    token_ttl_hours: int = Field(
        12,
        ge=1,
        le=8760,
        description=_doc(
            "`finseg login` 发放的个人令牌有效小时数；到期后须重新登录",
            "Hours a personal token from `finseg login` stays valid; then log in again",
        ),
    )
    spark: SparkSettings = Field(
        default_factory=SparkSettings,
        description=_doc(
            "Spark 引擎（finseg run --engine spark）的设置，见 [spark] 表",
            "Settings of the Spark engine (finseg run --engine spark), the [spark] table",
        ),
    )


def resolve_database_url(url: str, workspace: Path) -> str:
    """Make a relative SQLite path absolute against ``workspace``; other URLs pass through.

    A bare ``postgresql://`` URL gets the psycopg 3 driver, the one finseg installs.

    >>> resolve_database_url("sqlite:///finseg.db", Path("/srv/ws"))
    'sqlite:////srv/ws/finseg.db'
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise PolicyError(
            f"{SETTINGS_FILE}: key `database_url`: cannot parse {url!r} as a database URL",
            f"{SETTINGS_FILE}：键 `database_url`：无法解析数据库地址 {url!r}",
        ) from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    db = parsed.database
    if (
        parsed.get_backend_name() == "sqlite"
        and db
        and db != ":memory:"
        and not db.startswith("file:")
    ):
        parsed = parsed.set(database=str((workspace / db).resolve()))
    return parsed.render_as_string(hide_password=False)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(
            f"{path}: not valid TOML: {exc}", f"{path}：不是有效的 TOML 文件：{exc}"
        ) from exc
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc}", f"{path}：无法读取：{exc}") from exc


def _settings_error(path: Path, exc: ValidationError) -> PolicyError:
    en, zh = [], []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        got = f" (got {err['input']!r})" if err["type"] != "extra_forbidden" else ""
        if err["type"] == "extra_forbidden":
            known = ", ".join(Settings.model_fields)
            en.append(f"{path}: unknown key `{key}`; known keys: {known}")
            zh.append(f"{path}：未知的键 `{key}`（可能拼写错误）；可用的键：{known}")
        else:
            en.append(f"{path}: key `{key}`: {err['msg']}{got}")
            zh.append(f"{path}：键 `{key}` 取值无效：{err['msg']}{got}")
    return PolicyError("\n".join(en), "\n".join(zh))


def load_settings(workspace: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Read ``workspace/finseg.toml`` into :class:`Settings`, paths made absolute.

    ``env`` (default ``os.environ``) may set ``FINSEG_DATABASE_URL`` to override the file.

    Raises
    ------
    PolicyError
        The file is not valid TOML or a key is unknown or has a bad value; the message names
        the file and the key.

    Examples
    --------
    >>> import tempfile
    >>> ws = Path(tempfile.mkdtemp())
    >>> _ = (ws / "finseg.toml").write_text('language = "en"')
    >>> load_settings(ws, env={}).language.value
    'en'
    """
    env = os.environ if env is None else env
    root = Path(workspace).resolve()
    path = root / SETTINGS_FILE
    raw = _read_toml(path) if path.exists() else {}
    if env.get(ENV_DATABASE_URL):
        raw["database_url"] = env[ENV_DATABASE_URL]
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise _settings_error(path, exc) from exc
    return settings.model_copy(
        update={
            "database_url": resolve_database_url(settings.database_url, root),
            "runs_dir": root / settings.runs_dir,
            "models_dir": root / settings.models_dir,
            "policy_file": root / settings.policy_file,
        }
    )


def settings_markdown() -> str:
    """The settings as a Markdown table (key, default, help), for ``docs/configuration.md``.

    >>> "| `language` |" in settings_markdown()
    True
    """
    rows = ["| key | default | description |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        if name == "spark":  # a table: its own row, then one per key
            rows.append(f"| `spark` | `[spark]` | {info.description} |")
            for key, sub in SparkSettings.model_fields.items():
                default = "{}" if sub.default_factory is not None else sub.default
                rows.append(f"| `spark.{key}` | `{default}` | {sub.description} |")
            continue
        default = info.default.value if isinstance(info.default, StrEnum) else info.default
        if isinstance(default, bool):
            default = str(default).lower()
        rows.append(f"| `{name}` | `{default}` | {info.description} |")
    return "\n".join(rows) + "\n"
