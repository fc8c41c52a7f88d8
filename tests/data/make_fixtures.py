"""Regenerate the messy-export fixtures: ``python tests/data/make_fixtures.py``.

``messy_export.xlsx`` looks like a bank's export: two title rows (the second says 单位：万元),
a two-row header with merged cells, thousands separators, full-width digits, bracketed
negatives, dashes for missing, blank rows, a totals row and bad cells of every kind.
``messy_export_gbk.csv`` is its twin as a GBK-encoded CSV (no merges: the parent header is
written once, its other cells left empty).  ``expected.json`` lists the yuan values and
the problems the tests expect.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

HERE = Path(__file__).parent

# One spreadsheet row per line: the fixture reads like the sheet it makes.
# fmt: off
TOP = ["客户编号", "客户名称", "统一社会信用代码", "报表日期", "行业代码", "从业人员", "营业收入", "",
       "资产总计", "负债合计", "所有者权益合计", "流动资产合计", "净利润（元）", "是否高新技术企业", "五级分类", "备注"]
SUB = ["", "", "", "", "", "", "本期", "上期", "", "", "", "", "", "", "", ""]
GOOD = "91350100M000100Y43"
ROWS = [
    ["C001", "甲公司", GOOD, "2024-12-31", "C3825", "120", "1,234.56", "1000", "5000", "3000", "2000", "2500", "(12.5)", "是", "正常", "重点客户"],
    ["C002", "乙公司", "", "2024年12月31日", "3825", "35", "１２３４", "—", "８０００", "4000", "4000", "3000", "12,345", "否", "关注类", ""],
    [""] * 16,
    ["C003", "丙公司", "", "2024-12-31", "F5123", "8", "15%", "100", "500", "300", "200", "100", "1000", "否", "正常", ""],
    ["C004", "丁公司", "", "2024/12/31", "I6510", "", "—", "-", "600", "200", "400", "300", "--", "是", "正常", ""],
    ["C005", "戊公司", "91350100M000100Y44", "2024-12-31", "C3825", "50", "100", "90", "500", "300", "200", "100", "1", "否", "正常", ""],
    ["C006", "己公司", "", "2024-13-45", "C3825", "50", "100", "90", "500", "300", "200", "100", "1", "否", "正常", ""],
    ["C007", "庚公司", "", "2024-12-31", "C3825", "50", "100", "90", "--", "300", "200", "100", "1", "否", "正常", ""],
    ["C008", "辛公司", "", "2024-12-31", "C3825", "50", "100", "90", "5000", "3000", "1000", "100", "1", "否", "正常", ""],
    ["C009", "壬公司", "", "2024-12-31", "C3825", "50", "100", "90", "(100)", "300", "200", "100", "1", "否", "正常", ""],
    ["C010", "癸公司", "", "2024-12-31", "Z99", "50", "100", "90", "500", "300", "200", "100", "1", "否", "正常", ""],
    ["C001", "甲公司", GOOD, "2024-12-31", "C3825", "120", "1000", "900", "5000", "3000", "2000", "2500", "1", "是", "正常", "重复"],
    ["C011", "子公司", "", "2024-12-31", "C3825", "12.5", "100", "90", "500", "300", "200", "100", "1", "否", "正常", ""],
    ["C012", "丑公司", "", "2024-12-31", "C3825", "50", "100", "90", "500", "abc", "200", "100", "1", "否", "正常", ""],
    ["C013", "寅公司", "", "2024-12-31", "C3825", "50", "100", "90", "500", "300", "200", "100", "1", "否", "很好", ""],
    ["C014", "卯公司", "", "2024-12-31", "C3825", "50", "100", "90", "500", "300", "200", "100", "1", "也许", "正常", ""],
    ["C015", "辰公司", "", "2024-12-31", "C3825", "50", "100", "90", "500", "300", "200", "900", "1", "否", "正常", ""],
    ["C016", "巳公司", "", "2024-12-31", "C3825", "50", "1,23,4", "90", "500", "300", "200", "100", "1", "否", "正常", ""],
    [""] * 16,
    ["合计", "", "", "", "", "", "99999", "", "99999", "", "", "", "", "", "", ""],
]
# fmt: on


def write_xlsx(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("客户数据")
    sheet.merge_range(0, 0, 0, 15, "XX银行对公客户财务数据导出")
    sheet.merge_range(1, 0, 1, 15, "单位：万元　导出日期：2025-01-15")
    for j, text in enumerate(TOP):
        if SUB[j]:
            continue
        sheet.merge_range(2, j, 3, j, text)
    sheet.merge_range(2, 6, 2, 7, "营业收入")
    sheet.write_row(3, 6, ["本期", "上期"])
    for i, row in enumerate(ROWS):
        for j, text in enumerate(row):
            if text:
                sheet.write_string(4 + i, j, text)
    book.close()


def write_csv(path: Path) -> None:
    lines = ["XX银行对公客户财务数据导出" + "," * 15, "单位：万元　导出日期：2025-01-15" + "," * 15]
    lines += [",".join(TOP), ",".join(SUB)]
    lines += [",".join(f'"{c}"' if "," in c else c for c in row) for row in ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))


if __name__ == "__main__":
    write_xlsx(HERE / "messy_export.xlsx")
    write_csv(HERE / "messy_export_gbk.csv")
