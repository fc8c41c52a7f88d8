"""The canonical field catalogue: one declaration per field, the single source of truth.

Ingest aliases, parsing, validation, report labels and ``docs/schema.md`` all derive from
:data:`FIELDS`.  Money is in CNY yuan, ratios are fractions, dates are period ends.

>>> FIELD_BY_NAME["total_assets"].zh
'资产总计'
>>> match_header("资产总额")
'total_assets'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "FIELDS",
    "FIELD_BY_NAME",
    "GROUPS",
    "REQUIRED",
    "Field",
    "Kind",
    "alias_index",
    "label",
    "match_header",
    "normalise_header",
    "schema_markdown",
]


class Kind(StrEnum):
    """How a field's cells are parsed and stored."""

    TEXT = "text"
    CODE = "code"  # identifiers kept verbatim (upper-cased, no spaces)
    DATE = "date"
    MONEY = "money"  # CNY yuan; converted from the file's unit
    COUNT = "count"  # non-negative whole numbers
    NUMBER = "number"  # plain numbers without a currency unit (months, days)
    FLAG = "flag"  # yes / no
    CATEGORY = "category"  # closed vocabulary


#: pandas dtype each kind is stored as (nullable where the kind allows missing).
DTYPES: dict[Kind, str] = {
    Kind.TEXT: "string",
    Kind.CODE: "string",
    Kind.DATE: "datetime64[ms]",
    Kind.MONEY: "float64",
    Kind.COUNT: "Int64",
    Kind.NUMBER: "float64",
    Kind.FLAG: "boolean",
    Kind.CATEGORY: "string",
}

UNITS: dict[Kind, tuple[str, str]] = {
    Kind.MONEY: ("元", "CNY"),
    Kind.COUNT: ("个/次/人", "count"),
    Kind.DATE: ("日期", "date"),
}

GROUPS: dict[str, tuple[str, str]] = {
    "identity": ("身份与属性", "Identity"),
    "scale": ("规模", "Scale"),
    "balance": ("资产负债表", "Balance sheet"),
    "income": ("利润表", "Income statement"),
    "cashflow": ("现金流量表", "Cash-flow statement"),
    "credit": ("信用记录", "Credit records"),
    "innovation": ("经营与创新", "Operating history and innovation"),
    "request": ("融资申请", "Financing request"),
    "outcome": ("结果", "Outcome"),
}


@dataclass(frozen=True)
class Field:
    """One canonical field.

    ``choices`` maps each allowed value of a category to its accepted spellings; ``lo`` and
    ``hi`` bound numbers (inclusive); ``period_end`` dates accept ``2024`` or ``2024-06`` and
    move them to the end of the year or month.
    """

    name: str
    zh: str
    en: str
    kind: Kind
    group: str
    required: bool = False
    lo: float | None = None
    hi: float | None = None
    aliases: tuple[str, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    choice_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    period_end: bool = False
    unit_zh: str = ""
    unit_en: str = ""
    note: str = ""

    @property
    def dtype(self) -> str:
        return "Int8" if self.name == "default_12m" else DTYPES[self.kind]

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en

    def unit(self, lang: str = "en") -> str:
        if self.unit_zh or self.unit_en:
            return self.unit_zh if lang == "zh" else self.unit_en
        zh, en = UNITS.get(self.kind, ("", ""))
        return zh if lang == "zh" else en


# One field per declaration reads better than the formatter's one alias per line.
# fmt: off
def _money(name, zh, en, group, *aliases, lo=None, required=False, note=""):
    return Field(name, zh, en, Kind.MONEY, group, required, lo, None, (zh, en, *aliases), note=note)


def _count(name, zh, en, group, *aliases, hi=None, unit=("", "")):
    return Field(
        name, zh, en, Kind.COUNT, group, False, 0, hi, (zh, en, *aliases),
        unit_zh=unit[0], unit_en=unit[1],
    )


def _flag(name, zh, en, group, *aliases):
    return Field(name, zh, en, Kind.FLAG, group, aliases=(zh, en, *aliases))


_PREV_PREFIXES = ("上年", "上期", "上年度", "上年同期",
                  "prior ", "previous ", "prev ", "last year ")
_PREV_SUFFIXES = ("上年", "上期", "上年数", "上期数", "上年金额", "上期金额", "上年同期",
                  " prev", " prior")


def _prev(base: Field) -> Field:
    """The prior-year twin of an income or balance-sheet field."""
    names = [a for a in base.aliases if a]
    aliases = [p + a for a in names for p in _PREV_PREFIXES]
    aliases += [a + s for a in names for s in _PREV_SUFFIXES]
    return Field(
        base.name + "_prev", "上年" + base.zh, base.en + ", prior year", base.kind, base.group,
        lo=base.lo, aliases=tuple(aliases),
        note="Same item one year earlier (为上一会计年度同口径数据).",
    )


_REVENUE = _money(
    "operating_revenue", "营业收入", "Operating revenue", "scale",
    "营业总收入", "主营业务收入", "销售收入", "营业额", "revenue", "sales", "turnover",
    "total revenue", lo=None,
)
_ASSETS = _money(
    "total_assets", "资产总计", "Total assets", "scale",
    "资产总额", "总资产", "资产合计", "assets", lo=0, required=True,
)
_NET_PROFIT = _money(
    "net_profit", "净利润", "Net profit", "income", "净利", "净利润（亏损）", "net income",
    "profit after tax",
)
_AR = _money(
    "accounts_receivable", "应收账款", "Accounts receivable", "balance", "应收帐款",
    "receivables", "trade receivables", lo=0,
)
_INVENTORY = _money("inventory", "存货", "Inventory", "balance", "inventories", lo=0)

FIELDS: tuple[Field, ...] = (
    # identity ------------------------------------------------------------------------------
    Field(
        "customer_id", "客户编号", "Customer ID", Kind.CODE, "identity", required=True,
        aliases=("客户编号", "客户号", "客户代码", "客户ID", "借款人编号", "企业编号",
                 "customer id",
                 "customer no", "client id", "borrower id", "cust id", "id"),
    ),
    Field(
        "customer_name", "客户名称", "Customer name", Kind.TEXT, "identity",
        aliases=("客户名称", "企业名称", "公司名称", "借款人名称", "借款人", "单位名称", "name",
                 "company name", "customer name", "borrower name"),
    ),
    Field(
        "credit_code", "统一社会信用代码", "Unified social credit code", Kind.CODE, "identity",
        aliases=("统一社会信用代码", "信用代码", "社会信用代码", "统一信用代码", "uscc",
                 "credit code", "unified social credit code"),
        note="18 characters; check character per GB 32100-2015.",
    ),
    Field(
        "as_of_date", "报表日期", "Statement date", Kind.DATE, "identity", required=True,
        aliases=("报表日期", "报告期", "报表期间", "会计期间", "数据日期", "截止日期", "期末日期",
                 "as of date", "as of", "period end", "statement date", "report date"),
        period_end=True, note="Period end; 2024 means 2024-12-31 and 2024-06 means 2024-06-30.",
    ),
    Field(
        "industry_code", "行业代码", "Industry code", Kind.CODE, "identity", required=True,
        aliases=("行业代码", "国标行业代码", "国民经济行业代码", "行业分类代码", "所属行业代码",
                 "industry code", "gbt4754", "industry"),
        note="GB/T 4754-2017: section letter + up to 4 digits (e.g. C3825); a code without "
        "its letter gets it from the division.",
    ),
    Field(
        "region", "所在地区", "Region", Kind.TEXT, "identity",
        aliases=("所在地区", "地区", "省份", "所属地区", "注册地", "region", "province"),
    ),
    Field(
        "founded_date", "成立日期", "Founded", Kind.DATE, "identity",
        aliases=("成立日期", "成立时间", "注册日期", "founded", "founded date",
                 "incorporation date", "established"),
    ),
    Field(
        "group_id", "集团编号", "Group ID", Kind.CODE, "identity",
        aliases=("集团编号", "集团客户编号", "所属集团", "关联集团编号", "group id", "group"),
    ),
    _flag("listed", "是否上市", "Listed", "identity", "上市公司", "上市", "is listed"),
    # scale -----------------------------------------------------------------------------------
    _count("employees", "从业人员", "Employees", "scale", "从业人数", "员工人数", "职工人数",
           "员工数", "人数", "staff", "headcount", unit=("人", "persons")),
    _REVENUE,
    _ASSETS,
    # balance sheet ---------------------------------------------------------------------------
    _money("total_liabilities", "负债合计", "Total liabilities", "balance", "负债总计", "负债总额",
           "总负债", "liabilities", lo=0, required=True),
    _money("owners_equity", "所有者权益合计", "Owners' equity", "balance",
           "所有者权益（或股东权益）合计", "股东权益合计", "所有者权益", "净资产", "权益合计",
           "equity", "total equity", "shareholders equity"),
    _money("current_assets", "流动资产合计", "Current assets", "balance", "流动资产",
           "total current assets", lo=0),
    _money("current_liabilities", "流动负债合计", "Current liabilities", "balance", "流动负债",
           "total current liabilities", lo=0),
    _money("cash", "货币资金", "Cash", "balance", "现金及现金等价物", "cash and equivalents",
           lo=0),
    _INVENTORY,
    _AR,
    _money("fixed_assets", "固定资产", "Fixed assets", "balance", "固定资产净值", "固定资产净额",
           "property plant and equipment", "ppe", lo=0),
    _money("intangible_assets", "无形资产", "Intangible assets", "balance", "intangibles", lo=0),
    _money("short_term_debt", "短期借款", "Short-term debt", "balance", "短期贷款",
           "short term borrowings", lo=0),
    _money("long_term_debt", "长期借款", "Long-term debt", "balance", "长期贷款",
           "long term borrowings", lo=0),
    _money("retained_earnings", "留存收益", "Retained earnings", "balance", "未分配利润",
           "盈余公积与未分配利润",
           note="Surplus reserve plus undistributed profit (盈余公积 + 未分配利润)."),
    # income statement ------------------------------------------------------------------------
    _money("operating_cost", "营业成本", "Operating cost", "income", "主营业务成本", "销售成本",
           "cost of sales", "cogs", "cost of goods sold", lo=0),
    _money("total_profit", "利润总额", "Total profit", "income", "税前利润", "profit before tax",
           "pretax profit"),
    _money("interest_expense", "利息费用", "Interest expense", "income", "利息支出",
           "财务费用-利息费用", "财务费用：利息费用", "interest", lo=0),
    _NET_PROFIT,
    _money("rd_expense", "研发费用", "R&D expense", "income", "研发支出", "研究开发费用",
           "research and development", "r&d", lo=0),
    _prev(_REVENUE),
    _prev(_NET_PROFIT),
    _prev(_ASSETS),
    _prev(_AR),
    _prev(_INVENTORY),
    # cash flow -------------------------------------------------------------------------------
    _money("cfo", "经营活动产生的现金流量净额", "Net cash flow from operating activities",
           "cashflow", "经营活动现金流量净额", "经营性现金流净额", "经营现金流",
           "cash from operations",
           "operating cash flow", "net cash from operating activities"),
    _money("cfi", "投资活动产生的现金流量净额", "Net cash flow from investing activities",
           "cashflow", "投资活动现金流量净额", "投资现金流", "cash from investing",
           "investing cash flow", "net cash from investing activities"),
    _money("cff", "筹资活动产生的现金流量净额", "Net cash flow from financing activities",
           "cashflow", "筹资活动现金流量净额", "融资活动现金流量净额", "筹资现金流",
           "cash from financing",
           "financing cash flow", "net cash from financing activities"),
    # credit records --------------------------------------------------------------------------
    _count("overdue_count_24m", "近24个月逾期次数", "Overdue count, 24 months", "credit",
           "逾期次数", "24个月逾期次数", "overdue count", hi=1000, unit=("次", "times")),
    Field(
        "max_days_past_due_24m", "近24个月最长逾期天数", "Max days past due, 24 months",
        Kind.NUMBER, "credit", lo=0, hi=3650,
        aliases=("近24个月最长逾期天数", "最长逾期天数", "最大逾期天数",
                 "max dpd", "max days past due"),
        unit_zh="天", unit_en="days",
    ),
    _money("outstanding_loans", "贷款余额", "Outstanding loans", "credit", "借款余额",
           "融资余额", "在贷余额", "loan balance", "outstanding balance", lo=0),
    _count("lender_count", "授信机构数", "Number of lenders", "credit", "贷款机构数",
           "融资机构数", "合作银行数", "lenders", hi=1000, unit=("家", "lenders")),
    _money("guarantees_given", "对外担保金额", "Guarantees given", "credit", "对外担保",
           "对外担保余额", "guarantees", lo=0),
    _count("credit_inquiries_6m", "近6个月征信查询次数", "Credit inquiries, 6 months", "credit",
           "征信查询次数", "查询次数", "inquiries", hi=10000, unit=("次", "times")),
    _count("litigation_count", "涉诉次数", "Litigation count", "credit", "诉讼次数", "涉诉案件数",
           "被执行次数", "lawsuits", hi=100000, unit=("次", "cases")),
    Field(
        "tax_credit_rating", "纳税信用等级", "Tax credit rating", Kind.CATEGORY, "credit",
        aliases=("纳税信用等级", "纳税信用", "纳税评级", "tax rating", "tax credit rating"),
        choices={c: (c, c + "级") for c in ("A", "B", "M", "C", "D")},
        choice_labels={c: (c + "级", c) for c in ("A", "B", "M", "C", "D")},
    ),
    Field(
        "loan_classification", "五级分类", "Loan classification", Kind.CATEGORY, "credit",
        aliases=("五级分类", "贷款五级分类", "风险分类", "资产分类", "loan classification",
                 "classification"),
        choices={
            "pass": ("正常", "正常类", "pass", "normal"),
            "special_mention": ("关注", "关注类", "special mention", "special_mention"),
            "substandard": ("次级", "次级类", "substandard"),
            "doubtful": ("可疑", "可疑类", "doubtful"),
            "loss": ("损失", "损失类", "loss"),
        },
        choice_labels={
            "pass": ("正常", "Pass"), "special_mention": ("关注", "Special mention"),
            "substandard": ("次级", "Substandard"), "doubtful": ("可疑", "Doubtful"),
            "loss": ("损失", "Loss"),
        },
    ),
    # operating history and innovation --------------------------------------------------------
    _count("patents", "专利数量", "Patents", "innovation", "专利数", "有效专利数", "授权专利数",
           "patent count", hi=1_000_000, unit=("项", "patents")),
    _flag("high_tech", "高新技术企业", "High-tech enterprise", "innovation", "是否高新技术企业",
          "高新企业", "是否高新", "high tech", "hnte"),
    _flag("specialized_sme", "专精特新", "Specialised SME (专精特新)", "innovation",
          "是否专精特新", "专精特新企业", "specialised sme", "specialized sme"),
    # financing request -----------------------------------------------------------------------
    _money("requested_amount", "申请金额", "Requested amount", "request", "申请授信金额",
           "申请额度", "融资需求", "申请贷款金额", "requested amount", "loan amount", lo=0),
    Field(
        "requested_term_months", "申请期限（月）", "Requested term (months)", Kind.NUMBER,
        "request", lo=1, hi=600, unit_zh="月", unit_en="months",
        aliases=("申请期限（月）", "申请期限", "期限（月）", "贷款期限", "期限", "term",
                 "term months", "requested term"),
    ),
    Field(
        "loan_purpose", "贷款用途", "Loan purpose", Kind.CATEGORY, "request",
        aliases=("贷款用途", "融资用途", "借款用途", "用途", "purpose", "loan purpose"),
        choices={
            "working_capital": ("流动资金", "流动资金贷款", "营运资金", "working capital"),
            "fixed_asset": ("固定资产", "固定资产贷款", "设备购置", "fixed asset", "capex"),
            "project": ("项目", "项目融资", "项目贷款", "project", "project finance"),
            "trade": ("贸易融资", "贸易", "trade", "trade finance"),
            "refinance": ("借新还旧", "置换", "再融资", "refinance", "refinancing"),
            "other": ("其他", "other"),
        },
        choice_labels={
            "working_capital": ("流动资金", "Working capital"),
            "fixed_asset": ("固定资产", "Fixed assets"), "project": ("项目融资", "Project"),
            "trade": ("贸易融资", "Trade finance"), "refinance": ("借新还旧", "Refinancing"),
            "other": ("其他", "Other"),
        },
    ),
    Field(
        "collateral_type", "担保方式", "Collateral type", Kind.CATEGORY, "request",
        aliases=("担保方式", "担保类型", "抵质押物类型", "抵押物类型", "collateral type",
                 "collateral", "security type"),
        choices={
            "none": ("信用", "无", "无担保", "none", "unsecured", "credit"),
            "real_estate": ("房产", "不动产", "房地产抵押", "土地", "real estate", "property"),
            "equipment": ("设备", "机器设备", "设备抵押", "equipment", "machinery"),
            "receivables": ("应收账款", "应收账款质押", "receivables"),
            "ip": ("知识产权", "知识产权质押", "专利权质押", "ip", "intellectual property"),
            "equity": ("股权", "股权质押", "equity", "shares"),
            "deposit": ("存单", "保证金", "存单质押", "deposit", "cash deposit"),
            "guarantee": ("保证", "第三方保证", "担保公司保证", "guarantee"),
            "other": ("其他", "other"),
        },
        choice_labels={
            "none": ("信用", "Unsecured"), "real_estate": ("房地产", "Real estate"),
            "equipment": ("设备", "Equipment"), "receivables": ("应收账款", "Receivables"),
            "ip": ("知识产权", "Intellectual property"), "equity": ("股权", "Equity"),
            "deposit": ("存单/保证金", "Deposit"), "guarantee": ("保证", "Guarantee"),
            "other": ("其他", "Other"),
        },
    ),
    _money("collateral_value", "抵质押物价值", "Collateral value", "request", "押品价值",
           "抵押物价值", "抵押物评估价值", "collateral value", lo=0),
    # outcome ---------------------------------------------------------------------------------
    Field(
        "default_12m", "12个月内违约", "Default within 12 months", Kind.FLAG, "outcome",
        aliases=("12个月内违约", "是否违约", "违约标志", "违约", "default", "default flag", "bad",
                 "default 12m", "target"),
        note="Outcome for training and back-testing: 1 = defaulted within 12 months.",
    ),
)

# fmt: on

FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
REQUIRED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)

_DROP = re.compile(r"[\s_\-—:：·.、,，'\"“”‘’*＊#()（）\[\]【】<>《》/\\]+")
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|\d+[、.．)]|[(（][一二三四五六七八九十\d]+[)）])"
)
_LEADING_WORDS = re.compile(r"^(?:其中|减|加)[:：]")


def normalise_header(text: str) -> str:
    """Fold a header cell for matching: NFKC (full-width to half-width), lower case, no
    numbering such as ``一、`` or ``其中：``, no punctuation or spaces.

    >>> normalise_header(" 一、营业总收入 ")
    '营业总收入'
    """
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = _NUMBERING.sub("", s)
    s = _LEADING_WORDS.sub("", s)
    return _DROP.sub("", s)


def _build_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in FIELDS:
        for alias in (f.name, *f.aliases):
            key = normalise_header(alias)
            if key and key not in index:  # first declaration wins: fields are ordered
                index[key] = f.name
    return index


_INDEX = _build_index()


def alias_index() -> dict[str, str]:
    """Normalised header text -> canonical field name (a copy)."""
    return dict(_INDEX)


def match_header(text: str) -> str | None:
    """The canonical field a header cell names, or ``None``."""
    return _INDEX.get(normalise_header(text))


def label(name: str, lang: str = "en") -> str:
    """The label of a field (or the name itself for a column the catalogue does not know)."""
    f = FIELD_BY_NAME.get(name)
    return f.label(lang) if f else name


def schema_markdown() -> str:
    """``docs/schema.md``: the catalogue as tables, one per group, zh and en."""
    out = [
        "# Field catalogue / 字段目录",
        "",
        "Generated from `src/finseg/schema.py` by `finseg schema --markdown`; do not edit.",
        "由 `src/finseg/schema.py` 自动生成，请勿手工修改。",
        "",
        "Money is stored in CNY yuan (元); files may give it in 元, 千元, 万元 or 亿元 — a unit in",
        "the header (e.g. `营业收入(万元)`) or a title row (`单位：万元`) wins over `--unit`.",
        "Required fields are marked **yes**.",
        "",
    ]
    for group, (gzh, gen) in GROUPS.items():
        out += [
            f"## {gen} / {gzh}",
            "",
            "| name | 中文 | English | unit / 单位 | type | required "
            "| bounds | accepted headers / values |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for f in (f for f in FIELDS if f.group == group):
            bounds = "" if f.lo is None and f.hi is None else f"[{_fmt(f.lo)}, {_fmt(f.hi)}]"
            accepted = ", ".join(dict.fromkeys(a for a in f.aliases if a not in (f.zh, f.en)))
            if f.choices:
                accepted += "; values: " + ", ".join(
                    f"`{k}` ({'/'.join(v[:3])})" for k, v in f.choices.items()
                )
            unit = f"{f.unit('zh')} / {f.unit('en')}" if f.unit("en") else ""
            req = "**yes**" if f.required else ""
            out.append(
                f"| `{f.name}` | {f.zh} | {f.en} | {unit} | {f.kind.value} | {req} | {bounds} "
                f"| {accepted[:300]}{' …' if len(accepted) > 300 else ''} |"
            )
            if f.note:
                out.append(f"| | | *{f.note}* | | | | | |")
        out.append("")
    return "\n".join(out)


def _fmt(v: float | None) -> str:
    if v is None:
        return "…"
    return str(int(v)) if float(v).is_integer() else str(v)
