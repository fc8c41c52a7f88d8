"""The data-quality report: every problem found while reading, with where it is and why."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from finseg._files import atomic_target

__all__ = ["RULES", "FileSummary", "Problem", "QualityReport", "Severity", "rule_label"]

#: Every rule ingest checks, with a short label in each language.
RULES: dict[str, tuple[str, str]] = {
    "required": ("必填为空", "required field empty"),
    "not_a_number": ("非数字", "not a number"),
    "thousands_separator": ("千分位错误", "bad thousands separator"),
    "percent_amount": ("金额为百分数", "percentage as amount"),
    "not_whole": ("非整数", "not a whole number"),
    "too_large": ("数值过大", "number too large"),
    "not_a_date": ("非日期", "not a date"),
    "invalid_date": ("日期不存在", "no such calendar date"),
    "excel_serial": ("Excel 日期序号", "Excel date serial"),
    "not_a_flag": ("非是/否", "not yes/no"),
    "unknown_category": ("未知取值", "unknown value"),
    "credit_code": ("信用代码无效", "invalid credit code"),
    "industry_code": ("行业代码无效", "invalid industry code"),
    "bounds": ("超出范围", "out of bounds"),
    "balance_identity": ("资产≠负债+权益", "assets ≠ liabilities + equity"),
    "current_assets_bound": ("流动资产>总资产", "current assets > total assets"),
    "current_liabilities_bound": ("流动负债>总负债", "current liabilities > total"),
    "current_assets_parts": ("流动资产构成超额", "current asset parts exceed total"),
    "asset_parts": ("资产构成超额", "asset parts exceed total"),
    "short_term_debt_bound": ("短期借款>流动负债", "short-term debt > current liabilities"),
    "long_term_debt_bound": ("长期借款>总负债", "long-term debt > total liabilities"),
    "founded_after_as_of": ("成立晚于报表日", "founded after statement date"),
    "as_of_in_future": ("报表日在未来", "statement date in the future"),
    "as_of_filled": ("报表日期已填补", "statement date filled"),
    "dpd_without_overdue": ("逾期天数与次数矛盾", "DPD without overdue count"),
    "collateral_without_type": ("信用却有押品价值", "collateral value, unsecured"),
    "duplicate": ("重复行", "duplicate row"),
    "cell_count": ("单元格数不符", "wrong number of cells"),
    "cell_too_large": ("单元格过长", "cell too large"),
    "encoding": ("编码不符", "not in the file's encoding"),
    "formula_error": ("公式错误值", "formula error value"),
    "formula_no_value": ("公式无计算结果", "formula without a value"),
    "totals_row": ("合计行", "totals row"),
    "sheet_skipped": ("跳过的工作表", "sheet skipped"),
    "duplicate_column": ("重复的列", "repeated column"),
    "other_statement_date": ("其他报表日期未用", "other statement date not used"),
}


def rule_label(rule: str, lang: str = "en") -> str:
    """Short label of a rule (the rule id itself for one not in :data:`RULES`)."""
    labels = RULES.get(rule)
    return rule if labels is None else labels[0 if lang == "zh" else 1]


class Severity(StrEnum):
    """An error quarantines its row; a warning keeps it; a note only informs."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Problem:
    """One problem, located as the user sees the file.

    ``row`` is the row number in the file (Excel row, or CSV line, header and title rows
    counted), ``column`` the header text as written in the file, ``column_letter`` the Excel
    column letter (``A``, ``B``, …) of that column.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    severity: Severity
    message_zh: str
    message_en: str
    sheet: str | None = None
    field: str | None = None
    column_letter: str | None = None

    def where(self, lang: str = "en") -> str:
        """``a.xlsx, sheet 客户数据, row 7, column 营业收入(万元) (F)`` in either language."""
        zh = lang == "zh"
        parts = [Path(self.file).name]
        if self.sheet:
            parts.append(f"工作表 {self.sheet}" if zh else f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"第 {self.row} 行" if zh else f"row {self.row}")
        if self.column:
            letter = f" ({self.column_letter})" if self.column_letter else ""
            parts.append(f"列 {self.column}{letter}" if zh else f"column {self.column}{letter}")
        return ", ".join(parts)


@dataclass
class FileSummary:
    """What was read from one file (or one sheet of a workbook)."""

    path: str
    format: str
    sheet: str | None = None
    encoding: str | None = None
    header_row: int | None = None
    unit: str = "yuan"
    unit_source: str = "default"
    rows_read: int = 0
    rows_kept: int = 0
    rows_quarantined: int = 0
    rows_skipped_blank: int = 0
    rows_skipped_total: int = 0
    columns_mapped: dict[str, str] = field(default_factory=dict)
    columns_unmapped: list[str] = field(default_factory=list)


@dataclass
class QualityReport:
    """All files of one ingest and every problem found in them."""

    files: list[FileSummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_out: int = 0
    missing_optional_fields: list[str] = field(default_factory=list)
    #: Rows a run did not use because they carry another statement date than the one it
    #: uses, and of those the rows of customers who have a statement on that date.
    rows_other_dates: int = 0
    rows_superseded: int = 0

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def count(self, severity: Severity) -> int:
        return sum(1 for p in self.problems if p.severity == severity)

    @property
    def rows_in(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    def by_rule(self) -> dict[str, int]:
        return dict(Counter(p.rule for p in self.problems).most_common())

    def to_dict(self, max_problems: int | None = None) -> dict[str, Any]:
        problems = self.problems if max_problems is None else self.problems[:max_problems]
        return {
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "rows_quarantined": self.rows_quarantined,
            "rows_other_dates": self.rows_other_dates,
            "rows_superseded": self.rows_superseded,
            "errors": self.count(Severity.ERROR),
            "warnings": self.count(Severity.WARNING),
            "notes": self.count(Severity.NOTE),
            "by_rule": self.by_rule(),
            "missing_optional_fields": self.missing_optional_fields,
            "files": [asdict(f) for f in self.files],
            "problems": [asdict(p) for p in problems],
            "problems_truncated": len(self.problems) - len(problems),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QualityReport:
        report = cls(
            files=[FileSummary(**f) for f in data.get("files", [])],
            problems=[
                Problem(**{**p, "severity": Severity(p["severity"])})
                for p in data.get("problems", [])
            ],
            rows_out=data.get("rows_out", 0),
            missing_optional_fields=list(data.get("missing_optional_fields", [])),
            rows_other_dates=data.get("rows_other_dates", 0),
            rows_superseded=data.get("rows_superseded", 0),
        )
        return report

    def write_json(self, path: Path) -> None:
        """Write atomically (temporary file, then rename)."""
        with atomic_target(path) as tmp:
            tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1, default=str))
