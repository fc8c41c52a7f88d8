"""The policy file, ``policy.yaml``: pydantic models, loading with line numbers, hash, schema.

Each pipeline stage owns one section.  Extra keys are forbidden everywhere, so a misspelt key is
an error with its line and column rather than a silently ignored setting.  Later stages add
their sections (``features``, ``risk``, ``segments``, ``strategy``, ``allocation``,
``monitoring``) as fields of :class:`Policy`.

>>> p = Policy(name={"zh": "默认策略", "en": "Default policy"})
>>> p.ingest.identity_tolerance
0.01
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticUndefined

from finseg._config_base import _doc, _Section
from finseg._vocab import Unit
from finseg._yaml import locate, parse_yaml
from finseg.allocation._policy import AllocationPolicy
from finseg.exceptions import PolicyError, UserError
from finseg.features import (
    AltmanZone,
    DickinsonStage,
    FinancialCondition,
    LifecycleStage,
    SizeClass,
)
from finseg.features._stage import FeaturesPolicy
from finseg.industry import SECTIONS
from finseg.monitoring._policy import MonitoringPolicy
from finseg.risk import RatingBasis
from finseg.risk._stage import RiskPolicy
from finseg.rules import VOCAB_CONTEXT_KEY
from finseg.schema import FIELD_BY_NAME, FIELDS, Kind
from finseg.segments._policy import SegmentsPolicy
from finseg.strategy import DECISIONS, CollateralLevel, ReviewLevel
from finseg.strategy._policy import StrategyPolicy

__all__ = [
    "Bilingual",
    "DuplicateRule",
    "IngestPolicy",
    "OverviewPolicy",
    "Policy",
    "PolicyProblem",
    "check_policy_text",
    "load_policy",
    "normalise_policy_text",
    "parse_policy",
    "policy_fields",
    "policy_hash",
    "policy_json_schema",
    "policy_markdown",
    "rule_vocabularies",
]

_MONEY_FIELDS = tuple(f.name for f in FIELD_BY_NAME.values() if f.kind is Kind.MONEY)


class Bilingual(_Section):
    """A text in Chinese and English.

    >>> Bilingual(zh="默认", en="Default").get("en")
    'Default'
    """

    zh: str = Field(description=_doc("中文文本", "Chinese text"))
    en: str = Field(description=_doc("英文文本", "English text"))

    def get(self, lang: str = "en") -> str:
        """The text in ``lang``."""
        return self.zh if lang == "zh" else self.en


class DuplicateRule(StrEnum):
    """What ingest does with several rows for one customer and statement date."""

    KEEP_LAST = "keep_last"
    KEEP_FIRST = "keep_first"
    REJECT = "reject"


class IngestPolicy(_Section):
    """Rules for reading customer files."""

    identity_tolerance: float = Field(
        0.01,
        ge=0,
        le=1,
        description=_doc(
            "资产负债表恒等式容差：资产总计与（负债合计 + 所有者权益合计）之差的绝对值"
            " ÷ 资产总计 超过此值时，该行报错并隔离",
            "Balance-sheet identity tolerance: a row whose gap between total assets and "
            "liabilities + equity, divided by total assets, exceeds it is an error (quarantined)",
        ),
    )
    duplicate_rule: DuplicateRule = Field(
        DuplicateRule.KEEP_FIRST,
        description=_doc(
            "同一客户同一报表日期出现多行时：keep_first 保留第一行、keep_last 保留最后一行、"
            "reject 全部隔离；未保留的行报错并隔离",
            "Several rows for one customer and statement date: keep_first, keep_last, or "
            "reject (quarantine them all); rows not kept are errors and quarantined",
        ),
    )
    default_unit: Unit | None = Field(
        None,
        description=_doc(
            "文件未注明时的金额单位（yuan/thousand/wan/million/yi）；"
            "留空则使用 finseg.toml 的 default_unit",
            "Money unit assumed when a file does not state one (yuan/thousand/wan/million/yi); "
            "empty means the default_unit of finseg.toml",
        ),
    )


def _money_field(name: str) -> str:
    if name not in _MONEY_FIELDS:
        raise ValueError(
            f"{name!r} is not a money field of the schema; "
            f"choose from {', '.join(_MONEY_FIELDS[:6])}, …"
        )
    return name


class OverviewPolicy(_Section):
    """What the portfolio overview shows."""

    amount_fields: list[Annotated[str, AfterValidator(_money_field)]] = Field(
        default_factory=lambda: [
            "total_assets",
            "operating_revenue",
            "requested_amount",
        ],
        min_length=1,
        description=_doc(
            "概览中绘制分布图的金额字段（schema 中的规范字段名）",
            "Money fields whose distribution the overview draws (canonical field names)",
        ),
    )
    top_regions: int = Field(
        15,
        ge=1,
        le=100,
        description=_doc("概览中列出的前 N 个地区", "Number of top regions listed in the overview"),
    )


class Policy(_Section):
    """The whole ``policy.yaml``.

    Examples
    --------
    >>> Policy(name={"zh": "默认", "en": "Default"}, version="2025.1").version
    '2025.1'
    """

    version: str = Field(
        "1",
        description=_doc("策略版本号，由策略负责人维护，如 2025.1", "Policy version label kept "
                         "by its owner, e.g. 2025.1"),
    )  # fmt: skip
    name: Bilingual = Field(description=_doc("策略名称（中英文）", "Policy name (zh and en)"))
    description: Bilingual | None = Field(
        None, description=_doc("策略说明（中英文）", "Policy description (zh and en)")
    )
    ingest: IngestPolicy = Field(
        default_factory=IngestPolicy, description=_doc("数据导入规则", "Ingest rules")
    )
    features: FeaturesPolicy = Field(
        default_factory=FeaturesPolicy,
        description=_doc(
            "客户维度：规模、行业、财务比率、财务状况、政策标识、生命周期",
            "Customer dimensions: size, industry, ratios, condition, policy flags, lifecycle",
        ),
    )
    risk: RiskPolicy = Field(
        default_factory=RiskPolicy,
        description=_doc(
            "风险评级：主标尺、评分刻度、专家模型",
            "Risk grading: master scale, score scaling, expert model",
        ),
    )
    segments: SegmentsPolicy = Field(
        default_factory=SegmentsPolicy,
        description=_doc(
            "客户细分：按优先级排列的分群规则（SQL）", "Customer segments: ordered SQL rules"
        ),
    )
    strategy: StrategyPolicy = Field(
        default_factory=StrategyPolicy,
        description=_doc(
            "差异化策略：产品目录、额度、担保、审批层级、定价、情景（见 docs/strategy.md）",
            "Differentiated strategy: products, limits, collateral, review, pricing, scenarios "
            "(docs/strategy.md)",
        ),
    )
    overview: OverviewPolicy = Field(
        default_factory=OverviewPolicy, description=_doc("组合概览", "Portfolio overview")
    )
    allocation: AllocationPolicy = Field(
        default_factory=AllocationPolicy,
        description=_doc(
            "信贷额度分配：边际收益、集中度限额、政策配额、损失与资本预算",
            "Credit allocation: margins, concentration limits, quotas, loss and capital budgets",
        ),
    )
    monitoring: MonitoringPolicy = Field(
        default_factory=MonitoringPolicy,
        description=_doc(
            "组合监控：PSI/CSI、迁移、回测、预警规则、重新细分触发",
            "Monitoring: PSI/CSI, migration, back-testing, early-warning rules, re-segmentation",
        ),
    )

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        # YAML reads `version: 1` as an int and `version: 2025.1` as a float
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )


def rule_vocabularies(policy: Policy | None = None) -> dict[str, tuple[str, ...]]:
    """The closed vocabularies a rule's text literals are checked against (``docs/rules.md``):
    the schema's categories and the stages' codes, and — given a ``policy`` — its grades,
    segments, products and scenarios.

    >>> vocab = rule_vocabularies()
    >>> vocab["lifecycle_stage"]
    ('startup', 'expansion', 'growth', 'mature', 'decline', 'unknown')
    >>> "grade" in vocab, "grade" in rule_vocabularies(Policy(name={"zh": "甲", "en": "A"}))
    (False, True)
    """
    vocab = {f.name: tuple(f.choices) for f in FIELDS if f.kind is Kind.CATEGORY and f.choices}
    vocab["prev_loan_classification"] = vocab["loan_classification"]
    for column, enum in (
        ("size_class", SizeClass),
        ("lifecycle_stage", LifecycleStage),
        ("dickinson_stage", DickinsonStage),
        ("financial_condition", FinancialCondition),
        ("altman_zone", AltmanZone),
        ("review_level", ReviewLevel),
        ("collateral_required", CollateralLevel),
        ("rating_basis", RatingBasis),
    ):
        vocab[column] = tuple(e.value for e in enum)
    vocab["industry_section"] = tuple(SECTIONS)
    vocab["decision"] = tuple(DECISIONS)
    if policy is not None:
        grades = tuple(policy.risk.master_scale.labels)
        segments = tuple(s.id for s in policy.segments.taxonomy)
        vocab |= dict.fromkeys(("grade", "scenario_grade", "prev_grade"), grades)
        vocab |= dict.fromkeys(("segment", "prev_segment"), segments)
        vocab["product"] = tuple(p.id for p in policy.strategy.products)
        vocab["scenario"] = tuple(policy.strategy.scenarios)
    return vocab


@dataclass(frozen=True)
class PolicyProblem:
    """One validation problem, located in the file (1-based line and column)."""

    file: str
    line: int
    column: int
    path: str
    en: str
    zh: str

    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知的键（可能拼写错误）",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "less_than_equal": "数值过大",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "greater_than": "数值过小",
    "too_short": "条目太少",
    "model_type": "应为键值映射",
    "dict_type": "应为键值映射",
    "list_type": "应为列表",
}


def _problem(err: Any, node: Any, source: str) -> PolicyProblem:
    line, col = locate(node, tuple(err["loc"]), at_key=err["type"] == "extra_forbidden")
    path = ".".join(str(p) for p in err["loc"]) or "(root)"
    msg = err["msg"].removeprefix("Value error, ")
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, UserError):  # a rule or table error: its own bilingual text says it all
        return PolicyProblem(
            source, line, col, path, f"`{path}`: {cause.en}", f"`{path}`：{cause.zh}"
        )
    if err["type"] not in ("missing", "extra_forbidden", "model_type"):
        msg = f"{msg} (got {err['input']!r})"
    zh_head = _ZH.get(err["type"]) or ("类型错误" if err["type"].endswith("_type") else "取值无效")
    return PolicyProblem(source, line, col, path, f"`{path}`: {msg}", f"`{path}`：{zh_head}：{msg}")


def check_policy_text(
    text: str, source: str = "policy.yaml"
) -> tuple[Policy | None, list[PolicyProblem]]:
    """Validate policy text; return the policy (or ``None``) and every problem found.

    YAML syntax errors raise :class:`PolicyError` (they stop parsing at the first one).

    >>> policy, problems = check_policy_text("name: {zh: 甲, en: A}\\ningest: {tolerance: 1}\\n")
    >>> problems[0].line, problems[0].path
    (2, 'ingest.tolerance')
    """
    data, node = parse_yaml(text, source)
    data = {} if data is None else data
    try:
        # twice: the second time the rule literals are checked against the policy's own
        # grades, segments and products (rules are compiled once, see rules._compile)
        policy = Policy.model_validate(data, context={VOCAB_CONTEXT_KEY: rule_vocabularies()})
        context = {VOCAB_CONTEXT_KEY: rule_vocabularies(policy)}
        return Policy.model_validate(data, context=context), []
    except ValidationError as exc:
        return None, [_problem(err, node, source) for err in exc.errors()]


def load_policy(path: Path | str) -> Policy:
    """Read and validate a policy file.

    Raises
    ------
    PolicyError
        With every problem as ``file:line:column: path: message`` in zh and en; the list is
        also on the error as ``problems``.

    Examples
    --------
    >>> from finseg.config import DEFAULTS_DIR
    >>> load_policy(DEFAULTS_DIR / "policy.yaml").name.en
    'Default policy'
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc}", f"{path}：无法读取：{exc}") from exc
    return parse_policy(text, str(path))


def parse_policy(text: str, source: str = "policy.yaml") -> Policy:
    """Validate a policy text; like :func:`load_policy`, ``source`` names it in errors.

    >>> parse_policy("name: {zh: 甲, en: A}").name.zh
    '甲'
    """
    policy, problems = check_policy_text(text.lstrip("\ufeff"), source)
    if policy is not None:
        return policy
    error = PolicyError(
        "\n".join(f"{p.where()}: {p.en}" for p in problems),
        "\n".join(f"{p.file} 第 {p.line} 行第 {p.column} 列：{p.zh}" for p in problems),
    )
    error.problems = problems  # type: ignore[attr-defined]
    raise error


def _fields(model: type[BaseModel], prefix: str) -> list[tuple[str, str, Any]]:
    rows: list[tuple[str, str, Any]] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        default = (
            info.get_default(call_default_factory=True)
            if not info.is_required()
            else PydanticUndefined
        )
        rows.append((path, info.description or "", default))
        sub = info.annotation
        if isinstance(sub, type) and issubclass(sub, _Section) and sub is not Bilingual:
            rows += _fields(sub, path + ".")
    return rows


def policy_fields() -> list[tuple[str, str, Any]]:
    """Every policy setting as ``(dotted path, description, default)``, sections included.

    >>> ("ingest.identity_tolerance" in [path for path, _, _ in policy_fields()])
    True
    """
    return _fields(Policy, "")


def _default_text(default: Any) -> str:
    if isinstance(default, _Section) and not isinstance(default, Bilingual):
        return "(section)"
    if default is PydanticUndefined:
        return "(required)"
    if isinstance(default, StrEnum):
        return f"`{default.value}`"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if default is None:
        return "`null`"
    if isinstance(default, list):
        return "`[" + ", ".join(str(getattr(v, "value", v)) for v in default) + "]`"
    if isinstance(default, dict):
        return "`{" + ", ".join(f"{k}: {getattr(v, 'value', v)}" for k, v in default.items()) + "}`"
    return f"`{default}`"


def policy_markdown() -> str:
    """Every policy field as a Markdown table, for ``docs/configuration.md``.

    >>> "| `ingest.identity_tolerance` | `0.01` |" in policy_markdown()
    True
    """
    rows = ["| key | default | description |", "|---|---|---|"]
    for path, description, default in policy_fields():
        rows.append(f"| `{path}` | {_default_text(default)} | {description} |")
    return "\n".join(rows) + "\n"


def policy_json_schema() -> dict[str, Any]:
    """JSON Schema of ``policy.yaml`` for editors (draft 2020-12).

    >>> policy_json_schema()["additionalProperties"]
    False
    """
    schema = Policy.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def normalise_policy_text(text: str) -> str:
    """Drop a BOM, use ``\\n`` line ends, strip trailing spaces and blank lines, NFC.

    >>> normalise_policy_text("\\ufeffa: 1  \\r\\n\\r\\n")
    'a: 1\\n'
    """
    text = unicodedata.normalize("NFC", text.removeprefix("\ufeff"))
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def policy_hash(text: str) -> str:
    """SHA-256 (hex) of the normalised policy text, so line ends and trailing spaces do not
    make a new policy version.

    >>> policy_hash("a: 1\\r\\n") == policy_hash("a: 1\\n")
    True
    """
    return hashlib.sha256(normalise_policy_text(text).encode("utf-8")).hexdigest()
