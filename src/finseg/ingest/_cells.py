"""Parse one column of raw cells into the dtype its field declares — vectorised.

Cells arrive as an Arrow array (strings from CSV and Excel, typed from Parquet and SQL).
The common case (plain numbers, ISO dates) goes through Arrow compute in one pass; only the
cells that fail it reach a Python parser, once per distinct value.  Every cell that cannot be
read is reported with a rule name and a bilingual message; nothing is guessed silently.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from finseg import creditcode
from finseg.industry import normalise_code
from finseg.schema import Field, Kind

__all__ = ["BLANK_TOKENS", "MISSING_TOKENS", "CellIssue", "ParsedColumn", "parse_column"]

#: Cell texts that mean "no value".
MISSING_TOKENS = (
    "",
    "-",
    "—",
    "--",
    "——",
    "－",
    "−",
    "n/a",
    "N/A",
    "NA",
    "na",
    "null",
    "NULL",
    "None",
    "none",
    "nan",
    "NaN",
    "#N/A",
    "/",
    "\\",
    "无数据",
    "不适用",
)

_FAST_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CELL_UNIT = re.compile(r"(万元|亿元|千元|元|万|亿)$")
_CELL_UNIT_FACTOR = {"元": 1.0, "千元": 1e3, "万": 1e4, "万元": 1e4, "亿": 1e8, "亿元": 1e8}
_COUNT_SUFFIX = re.compile(r"(人|名|次|家|项|个|件|天|日|月|个月)$")
_TRUE = {"是", "y", "yes", "true", "t", "1", "1.0", "√", "✓", "✔", "有", "on"}
_FALSE = {"否", "n", "no", "false", "f", "0", "0.0", "×", "✗", "✘", "无", "off"}


@dataclass
class CellIssue:
    """Cells of a column (a boolean mask over its rows) that broke one rule."""

    mask: np.ndarray
    rule: str
    zh: str
    en: str
    error: bool = True


@dataclass
class ParsedColumn:
    """Typed values of one column and the problems found in its cells."""

    values: pd.Series
    issues: list[CellIssue] = field(default_factory=list)


def _as_strings(arr: pa.Array) -> pa.Array:
    if not pa.types.is_string(arr.type):  # also large_string (pandas writes it to Parquet)
        arr = pc.cast(arr, pa.string())
    arr = arr.fill_null("")
    if not pc.all(pc.string_is_ascii(arr)).as_py():  # NFKC cannot change pure ASCII: skip it
        arr = pc.utf8_normalize(arr, "NFKC")
    return pc.utf8_trim_whitespace(arr)


def _factorize(s: pa.Array) -> tuple[np.ndarray, list[str]]:
    """Codes per cell and the distinct values, via Arrow (no Python string per cell)."""
    encoded = pc.dictionary_encode(s)
    return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist()


#: For identifiers and names only dashes and empty cells are missing: "NA" may be an ID.
BLANK_TOKENS = ("", "-", "—", "--", "——", "－", "−")


def _missing(s: pa.Array, tokens: tuple[str, ...] = MISSING_TOKENS) -> np.ndarray:
    return pc.is_in(s, value_set=pa.array(tokens)).to_numpy(zero_copy_only=False)


def _by_distinct(s: pa.Array, mask: np.ndarray, parse: Callable[[str], tuple]) -> list[tuple]:
    """Apply ``parse`` once per distinct value among the masked cells; one result per cell."""
    codes, uniques = _factorize(s.filter(pa.array(mask)))
    parsed = [parse(u) for u in uniques]
    return [parsed[c] for c in codes]


# -- numbers ------------------------------------------------------------------------------------


def _parse_number(text: str) -> tuple[float | None, float | None, str | None]:
    """``(value, cell_unit_factor, error_rule)`` for one messy numeric cell."""
    t = text.replace("−", "-").replace(" ", "").replace("\u00a0", "")
    negative = t.startswith("(") and t.endswith(")")
    if negative:
        t = t[1:-1]
    t = re.sub(r"^(¥|￥|rmb|cny)", "", t, flags=re.IGNORECASE)
    unit = None
    m = _CELL_UNIT.search(t)
    if m and m.start() > 0:
        unit, t = _CELL_UNIT_FACTOR[m.group(1)], t[: m.start()]
    t = _COUNT_SUFFIX.sub("", t)
    percent = t.endswith("%")
    t = t.rstrip("%")
    if "," in t:
        if not _GROUPED.match(t):
            return None, None, "thousands_separator"
        t = t.replace(",", "")
    if not _NUMBER.match(t):
        return None, None, "not_a_number"
    value = float(t) * (-1 if negative else 1)
    if percent:
        return (value / 100, None, "percent") if unit is None else (None, None, "not_a_number")
    return value, unit, None


_NUMBER_MESSAGES = {
    "not_a_number": ("不是有效数字", "not a number"),
    "thousands_separator": ("千分位分隔符位置不正确", "misplaced thousands separator"),
    "percent_amount": ("金额字段不能是百分数", "a percentage where an amount is expected"),
    "not_whole": ("应为非负整数", "expected a whole number"),
    "too_large": ("数值过大（绝对值超过 10^15）", "number too large (beyond 10^15)"),
}
_MAX_ABS = 1e15


#: Rule codes of numeric cells, as small integers so that a million rows compare fast.
_RULE_CODES = ("", "percent", *_NUMBER_MESSAGES)
_CODE = {rule: i for i, rule in enumerate(_RULE_CODES)}
_NULL = pa.scalar(None, pa.string())


def _cast_all(s: pa.Array, missing: np.ndarray) -> np.ndarray | None:
    """Every non-missing cell as float64 in one Arrow cast, or ``None`` when one cannot be."""
    try:
        cast = pc.cast(pc.if_else(pa.array(missing), _NULL, s), pa.float64())
    except pa.ArrowInvalid:
        return None
    return cast.to_numpy(zero_copy_only=False)


def _numbers(arr: pa.Array, f: Field, factor: float) -> ParsedColumn:
    n = len(arr)
    codes = np.zeros(n, dtype=np.int8)
    cell_factor: np.ndarray | None = None
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        values = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        missing = np.isnan(values)
    else:
        s = _as_strings(arr)
        missing = _missing(s)
        values = _cast_all(s, missing)  # the common case: a clean numeric column
        if values is None:
            fast = pc.match_substring_regex(s, _FAST_NUMBER).to_numpy(zero_copy_only=False)
            values = np.full(n, np.nan)
            if fast.any():
                values[fast] = pc.cast(pc.filter(s, pa.array(fast)), pa.float64()).to_numpy()
            slow = ~fast & ~missing
            if slow.any():
                results = _by_distinct(s, slow, _parse_number)
                values[slow] = [np.nan if r[0] is None else r[0] for r in results]
                cell_factor = np.full(n, np.nan)
                cell_factor[slow] = [np.nan if r[1] is None else r[1] for r in results]
                codes[slow] = [_CODE[r[2] or ""] for r in results]
    codes[np.isnan(values) & ~missing & (codes == 0)] = _CODE["not_a_number"]  # "NAN", "nan%"
    return _finish_numbers(values, cell_factor, codes, f, factor)


def _finish_numbers(values, cell_factor, codes, f: Field, factor: float) -> ParsedColumn:
    values = np.array(values, dtype=np.float64)  # Arrow hands out read-only views

    def flag(mask: np.ndarray, rule: str) -> None:
        codes[mask] = _CODE[rule]
        values[mask] = np.nan

    percent = codes == _CODE["percent"]
    if f.kind is Kind.NUMBER:
        codes[percent] = 0  # 12% is a plain number here: already divided by 100
    else:
        flag(percent, "percent_amount")
    flag(np.isinf(values), "not_a_number")
    if f.kind is Kind.MONEY:
        scale = (
            factor if cell_factor is None else np.where(np.isnan(cell_factor), factor, cell_factor)
        )
        values = np.round(values * scale, 2)
    with np.errstate(invalid="ignore"):
        flag(np.abs(values) > _MAX_ABS, "too_large")  # beyond any balance sheet and exact floats
        if f.kind is Kind.COUNT:
            flag(~np.isnan(values) & (values != np.round(values)), "not_whole")
    issues = []
    for code in np.unique(codes[codes > 0]):
        rule = _RULE_CODES[code]
        issues.append(CellIssue(codes == code, rule, *_NUMBER_MESSAGES[rule]))
    series = pd.Series(values)
    return ParsedColumn(series.astype("Int64") if f.kind is Kind.COUNT else series, issues)


# -- dates --------------------------------------------------------------------------------------

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%Y年%m月%d日",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M",
)
_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?$|^(\d{4})(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})\s*(?:年)?\s*(?:q|第)?\s*([1-4])\s*(?:季度?|季|q)?$", re.I)
_YEAR = re.compile(r"^(\d{4})\s*(?:年|年度|年报|fy)?$", re.I)
_EXCEL_EPOCH = date(1899, 12, 30)
# A year, month and day written out: a date on the calendar or an impossible one (02-30).
_YMD = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T][\d:]+)?$"
    r"|^(\d{4})(\d{2})(\d{2})$"
)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _impossible_day(text: str) -> bool:
    """A date written out with a real month and a day of 1-31 that month does not have."""
    m = _YMD.match(text)
    if not m:
        return False
    year, month, day = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
    return 1 <= month <= 12 and calendar.monthrange(year, month)[1] < day <= 31


def _parse_date(text: str, period_end: bool) -> tuple[date | None, str | None]:
    t = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(t, fmt).date(), None
        except ValueError:
            continue
    if _impossible_day(t):
        return None, "invalid_date"
    if period_end:
        if m := _YEAR.match(t):
            return date(int(m.group(1)), 12, 31), None
        if (m := _MONTH.match(t)) and 1 <= int(m.group(2) or m.group(4)) <= 12:
            return _month_end(int(m.group(1) or m.group(3)), int(m.group(2) or m.group(4))), None
        if m := _QUARTER.match(t.replace(" ", "")):
            return _month_end(int(m.group(1)), 3 * int(m.group(2))), None
    if _NUMBER.match(t) and 1 <= float(t) < 2_958_466 and float(t).is_integer():
        return _EXCEL_EPOCH + timedelta(days=int(float(t))), "excel_serial"
    return None, "not_a_date"


def _rolled_over(text: pa.Array, parsed: pa.Array) -> np.ndarray:
    """Cells Arrow's ``strptime`` moved to the next month (2024-02-30 -> 2024-03-01) instead
    of refusing them: those are left to the Python parser, which refuses them.

    A rolled-over date lands on day 1 to 3 from a written day of 29 to 31, so only such
    cells are written back and compared with their text.
    """
    out = np.zeros(len(text), dtype=bool)
    early = (pc.day(parsed).to_numpy(zero_copy_only=False) <= 3) & (
        pc.binary_length(text).to_numpy(zero_copy_only=False) > 0
    )
    if early.any():
        mask = pa.array(early)
        written = pc.strftime(pc.filter(parsed, mask), format="%d")
        day = pc.utf8_slice_codeunits(pc.filter(text, mask), -2)
        out[early] = pc.not_equal(pc.utf8_ltrim(day, "-0"), pc.utf8_ltrim(written, "0")).to_numpy(
            zero_copy_only=False
        )
    return out


def _dates(arr: pa.Array, f: Field) -> ParsedColumn:
    n = len(arr)
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        values = pc.cast(arr, pa.timestamp("ms")).to_pandas()
        return ParsedColumn(pd.Series(values).astype("datetime64[ms]"))
    s = _as_strings(arr)
    missing = _missing(s)
    parsed = pc.strptime(s, format="%Y-%m-%d", unit="ms", error_is_null=True)
    ok = pc.is_valid(parsed).to_numpy(zero_copy_only=False) & ~missing
    ok[ok] = ~_rolled_over(pc.filter(s, pa.array(ok)), pc.filter(parsed, pa.array(ok)))
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ms]")
    out[ok] = pc.filter(parsed, pa.array(ok)).to_numpy().astype("datetime64[ms]")
    slow = ~ok & ~missing
    issues: list[CellIssue] = []
    if slow.any():
        results = _by_distinct(s, slow, lambda t: _parse_date(t, f.period_end))
        out[slow] = [np.datetime64(d, "ms") if d else np.datetime64("NaT") for d, _ in results]
        rules = np.full(n, None, dtype=object)
        rules[slow] = [r for _, r in results]
        if (bad := rules == "not_a_date").any():
            example = "2024-12-31" + (", 2024, 2024-06" if f.period_end else "")
            issues.append(
                CellIssue(
                    bad,
                    "not_a_date",
                    f"不是有效日期（应如 {example}）",
                    f"not a date (expected e.g. {example})",
                )
            )
        if (impossible := rules == "invalid_date").any():
            issues.append(
                CellIssue(
                    impossible,
                    "invalid_date",
                    "日期不存在（如 2 月 30 日、6 月 31 日、非闰年的 2 月 29 日）",
                    "no such calendar date (e.g. 30 February, 31 June, 29 February of a "
                    "common year)",
                )
            )
        if (serial := rules == "excel_serial").any():
            issues.append(
                CellIssue(
                    serial,
                    "excel_serial",
                    "按 Excel 日期序号解读",
                    "read as an Excel date serial number",
                    error=False,
                )
            )
    return ParsedColumn(pd.Series(out), issues)


# -- flags, categories, codes, text -------------------------------------------------------------


def _flags(arr: pa.Array, f: Field) -> ParsedColumn:
    if pa.types.is_boolean(arr.type):
        return ParsedColumn(pd.Series(arr.to_pandas(), dtype="boolean"))
    s = pc.utf8_lower(_as_strings(arr))
    missing = _missing(s)
    codes, uniques = _factorize(s)
    lookup = np.array(
        [True if u in _TRUE else False if u in _FALSE else None for u in uniques], dtype=object
    )
    values = lookup[codes]
    bad = pd.isna(values) & ~missing
    values[missing] = None
    issues = []
    if bad.any():
        issues.append(CellIssue(bad, "not_a_flag", "应为 是/否", "expected yes/no (是/否)"))
    if f.dtype == "Int8":
        return ParsedColumn(pd.Series(values, dtype="boolean").astype("Int8"), issues)
    return ParsedColumn(pd.Series(values, dtype="boolean"), issues)


def _categories(arr: pa.Array, f: Field) -> ParsedColumn:
    from finseg.schema import normalise_header

    spelled = {
        normalise_header(a): key
        for key, spellings in f.choices.items()
        for a in (key, *spellings, *f.choice_labels.get(key, ()))
    }
    s = _as_strings(arr)
    missing = _missing(s)
    codes, uniques = _factorize(s)
    lookup = np.array([spelled.get(normalise_header(u)) for u in uniques], dtype=object)
    values = lookup[codes]
    unknown = pd.isna(values) & ~missing
    issues = []
    allowed = ", ".join(f.choices)
    if unknown.any() and "other" in f.choices:
        values[unknown] = "other"
        issues.append(
            CellIssue(
                unknown,
                "unknown_category",
                "未识别的取值，按“其他”处理",
                "unrecognised value, taken as 'other'",
                error=False,
            )
        )
    elif unknown.any():
        issues.append(
            CellIssue(
                unknown,
                "unknown_category",
                f"取值应为 {allowed} 之一",
                f"expected one of {allowed}",
            )
        )
    return ParsedColumn(pd.Series(values, dtype="string"), issues)


def _credit_codes(s: pa.Array, missing: np.ndarray) -> np.ndarray:
    """Vectorised GB 32100 check: a boolean per cell, True where the code is valid."""
    upper = pc.utf8_upper(pc.replace_substring(s, " ", ""))
    ok = (pc.binary_length(upper).to_numpy(zero_copy_only=False) == 18) & pc.string_is_ascii(
        upper
    ).to_numpy(zero_copy_only=False)
    candidates = pc.filter(upper, pa.array(ok))
    if len(candidates):
        # 18 ASCII bytes each, back to back in Arrow's data buffer: read them as a matrix
        offsets = np.frombuffer(candidates.buffers()[1], dtype=np.int32)
        first, last = offsets[candidates.offset], offsets[candidates.offset + len(candidates)]
        raw = np.frombuffer(candidates.buffers()[2], dtype=np.uint8)[first:last].reshape(-1, 18)
        digits = _CODE_VALUE[raw]
        check = (31 - (digits[:, :17] * _CODE_WEIGHTS).sum(axis=1) % 31) % 31
        ok[ok] = (digits >= 0).all(axis=1) & (check == digits[:, 17])
    return ok | missing


_CODE_VALUE = np.full(256, -1, dtype=np.int64)
_CODE_VALUE[[ord(c) for c in creditcode.ALPHABET]] = np.arange(len(creditcode.ALPHABET))
_CODE_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])


def _codes(arr: pa.Array, f: Field) -> ParsedColumn:
    s = _as_strings(arr)
    if pa.types.is_floating(arr.type):  # Parquet/SQL numbers used as identifiers: 123.0 -> 123
        s = pc.replace_substring_regex(s, r"\.0$", "")
    missing = _missing(s, BLANK_TOKENS)
    issues: list[CellIssue] = []
    if f.name == "credit_code":
        s = pc.utf8_upper(pc.replace_substring(s, " ", ""))
        bad = ~_credit_codes(s, missing)
        if bad.any():
            issues.append(
                CellIssue(
                    bad,
                    "credit_code",
                    "统一社会信用代码无效（应为18位且校验位正确，GB 32100-2015）",
                    "invalid unified social credit code (18 characters with a "
                    "correct GB 32100-2015 check character)",
                )
            )
    elif f.name == "industry_code":
        return _industry_codes(s, missing)
    values = pd.Series(s.to_pandas(), dtype="string").mask(missing)
    return ParsedColumn(values, issues)


def _industry_codes(s: pa.Array, missing: np.ndarray) -> ParsedColumn:
    codes, uniques = _factorize(s)
    parsed = [normalise_code(u) for u in uniques]
    values = np.array([p[0] for p in parsed], dtype=object)[codes]
    problems = np.array([p[1] for p in parsed], dtype=object)[codes]
    bad = pd.isna(values) & ~missing
    issues = []
    for problem in pd.unique(problems[bad]):
        issues.append(
            CellIssue(
                bad & (problems == problem),
                "industry_code",
                f"行业代码无效（GB/T 4754-2017）：{problem}",
                f"invalid GB/T 4754-2017 industry code: {problem}",
            )
        )
    return ParsedColumn(pd.Series(values, dtype="string").mask(missing), issues)


def _text(arr: pa.Array, f: Field) -> ParsedColumn:
    s = _as_strings(arr)
    missing = _missing(s, BLANK_TOKENS)
    return ParsedColumn(pd.Series(s.to_pandas(), dtype="string").mask(missing))


def parse_column(arr: pa.Array, f: Field, factor: float = 1.0) -> ParsedColumn:
    """Parse raw cells of field ``f``; ``factor`` converts money to yuan."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if pa.types.is_null(arr.type):
        arr = pa.array([None] * len(arr), type=pa.string())
    if f.kind in (Kind.MONEY, Kind.COUNT, Kind.NUMBER):
        return _numbers(arr, f, factor)
    if f.kind is Kind.DATE:
        return _dates(arr, f)
    if f.kind is Kind.FLAG:
        return _flags(arr, f)
    if f.kind is Kind.CATEGORY:
        return _categories(arr, f)
    if f.kind is Kind.CODE:
        return _codes(arr, f)
    return _text(arr, f)
