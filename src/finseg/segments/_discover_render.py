"""``discovery.html`` and ``discovery.xlsx``: the discovery document rendered in one language.

The HTML page reuses the report template (CSS, vendored ECharts inlined, works offline); the
workbook has one sheet per table.  Both are written atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from finseg._files import atomic_target
from finseg._safe import safe_excel_writer
from finseg.reporting import Chart, NumFmt, ReportContext, Section, Table, bar_chart
from finseg.reporting._charts import _base
from finseg.reporting._html import html_text
from finseg.segments._discover_report import label, ratio_label

__all__ = ["k_chart", "render_discovery"]


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def k_chart(scores: list[dict[str, Any]], chosen: int, lang: str) -> dict[str, Any]:
    """ECharts option: silhouette (left axis) and total cost (right axis) against k.

    >>> opt = k_chart([{"k": 2, "silhouette": 0.3, "cost": 9.0}], 2, "en")
    >>> opt["series"][0]["data"], opt["xAxis"]["data"]
    ([0.3], ['2'])
    """
    sil, cost = _t(lang, "轮廓系数", "Silhouette"), _t(lang, "总成本", "Total cost")
    ks = [str(s["k"]) for s in scores]
    return _base(
        _t(lang, f"簇数选择（选定 k = {chosen}）", f"Choice of k (chosen k = {chosen})")
    ) | {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 24, "data": [sil, cost]},
        "grid": {"left": 8, "right": 8, "top": 64, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "name": "k", "data": ks},
        "yAxis": [
            {"type": "value", "name": sil, "scale": True},
            {"type": "value", "name": cost, "scale": True, "splitLine": {"show": False}},
        ],
        "series": [
            {
                "type": "line",
                "name": sil,
                "data": [s["silhouette"] for s in scores],
                "markPoint": {
                    "data": [
                        {
                            "coord": [
                                str(chosen),
                                next((s["silhouette"] for s in scores if s["k"] == chosen), None),
                            ],
                            "value": "k",
                        }
                    ]
                },
            },
            {
                "type": "line",
                "name": cost,
                "yAxisIndex": 1,
                "data": [s["cost"] for s in scores],
                "lineStyle": {"type": "dashed"},
            },
        ],
    }


def _seg_name(doc: dict[str, Any], seg: str, lang: str) -> str:
    names = doc.get("segment_names", {}).get(seg)
    return names[lang] if names else seg


def _scores_table(doc: dict[str, Any], lang: str) -> Table:
    frame = pd.DataFrame(
        {
            "k": [s["k"] for s in doc["scores"]],
            _t(lang, "轮廓系数", "Silhouette"): [s["silhouette"] for s in doc["scores"]],
            _t(lang, "总成本", "Total cost"): [s["cost"] for s in doc["scores"]],
        }
    )
    return Table(
        _t(lang, "各 k 的得分", "Scores per k"),
        frame,
        {c: NumFmt.DECIMAL for c in frame.columns[1:]} | {"k": NumFmt.INT},
    )


def _stability_table(doc: dict[str, Any], lang: str) -> Table:
    ari = doc["stability"]["ari"]
    frame = pd.DataFrame({_t(lang, "自助样本", "Bootstrap"): range(1, len(ari) + 1), "ARI": ari})
    return Table(
        _t(lang, "自助重抽样的调整兰德指数", "Adjusted Rand index per bootstrap"),
        frame,
        {"ARI": NumFmt.DECIMAL},
    )


def _mix_text(p: dict[str, Any], column: str, lang: str) -> str:
    return "; ".join(f"{label(column, m['value'], lang)} {m['share']:.0%}" for m in p[column])


def _profiles_table(doc: dict[str, Any], lang: str) -> Table:
    share, dr, pd_ = _t(lang, "占比", "Share"), _t(lang, "违约率", "Default rate"), "PD"
    mixes = {"industry_section": _t(lang, "主要行业", "Top industries"),
             "size_class": _t(lang, "规模结构", "Size mix")}  # fmt: skip
    rows = []
    for p in doc["profiles"]:
        row = {_t(lang, "簇", "Cluster"): p["cluster"], _t(lang, "客户数", "Customers"): p["n"],
               share: p["share"]}  # fmt: skip
        row |= {dr: p["default_rate"]} if "default_rate" in p else {}
        row |= {pd_: p["mean_pd"]} if "mean_pd" in p else {}
        row[_t(lang, "特征", "What sets it apart")] = p["description"][lang]
        row |= {name: _mix_text(p, column, lang) for column, name in mixes.items() if column in p}
        rows.append(row)
    formats = {_t(lang, "客户数", "Customers"): NumFmt.INT, share: NumFmt.SHARE,
               dr: NumFmt.SHARE, pd_: NumFmt.SHARE}  # fmt: skip
    note = _t(
        lang, "PD 为簇内平均违约概率。", "PD is the mean probability of default in the cluster."
    )
    return Table(_t(lang, "簇画像", "Cluster profiles"), pd.DataFrame(rows), formats, note)


def _medians_table(doc: dict[str, Any], lang: str) -> Table:
    frame = pd.DataFrame(
        [{_t(lang, "簇", "Cluster"): p["cluster"]}
         | {ratio_label(r, lang): v for r, v in p["medians"].items()} for p in doc["profiles"]]
    )  # fmt: skip
    return Table(_t(lang, "关键比率中位数", "Key ratio medians"), frame,
                 {c: NumFmt.DECIMAL for c in frame.columns[1:]})  # fmt: skip


def _crosstab_table(doc: dict[str, Any], lang: str) -> Table:
    ct = doc["crosstab"]
    frame = pd.DataFrame(ct["counts"], columns=[_seg_name(doc, s, lang) for s in ct["segments"]])
    frame.insert(0, _t(lang, "簇", "Cluster"), ct["clusters"])
    return Table(
        _t(lang, "簇 × 分群（客户数）", "Clusters × taxonomy segments (customers)"),
        frame,
        {c: NumFmt.INT for c in frame.columns[1:]},
    )


def _advice_table(doc: dict[str, Any], lang: str) -> Table:
    kinds = {
        "lumps": _t(lang, "合并了不同客户", "lumps different customers"),
        "splits": _t(lang, "拆分了相似客户", "splits similar customers"),
    }
    frame = pd.DataFrame(
        {
            _t(lang, "类型", "Kind"): [kinds[a["kind"]] for a in doc["advice"]],
            _t(lang, "建议", "Advice"): [a[lang] for a in doc["advice"]],
        }
    )
    note = _t(lang, "仅为建议，不会修改分群政策。", "Advice only: the policy is not changed.")
    return Table(_t(lang, "对分群体系的建议", "Advice on the taxonomy"), frame, {}, note)


_WEAK_ZH = "，低于 0.25：结构较弱，簇是对连续分布的切分；可用 --k 4 至 6 查看更细的划分并看其稳定性"
_WEAK_EN = (
    "; below 0.25: weak structure, the clusters cut a continuum; try --k 4 to 6 for a "
    "finer split and check its stability"
)


def _narrative(doc: dict[str, Any], lang: str) -> str:
    m, st = doc["method"], doc["stability"]
    best = next((s["silhouette"] for s in doc["scores"] if s["k"] == doc["k"]), None)
    feats = (
        "、".join(ratio_label(r, "zh") for r in m["ratios"])
        if lang == "zh"
        else ", ".join(ratio_label(r, "en") for r in m["ratios"])
    )
    how = _t(
        lang,
        "按轮廓系数自动选定" if m["k_mode"] == "auto" else "由用户指定",
        "chosen by the best silhouette" if m["k_mode"] == "auto" else "set by the user",
    )
    weak = best is not None and best < 0.25
    return _t(
        lang,
        f"方法：k-prototypes 混合聚类（比率缩尾后标准化，类别变量按不一致计分，γ = {m['gamma']}）。"
        f"比率：{feats}。在 {m['sample']:,} 户样本上拟合，再分配全部 {m['customers']:,} 户。"
        f"簇数 k = {doc['k']}，{how}（轮廓系数 {best if best is None else f'{best:.3f}'}"
        f"{_WEAK_ZH if weak else ''}）。"
        f"\n\n稳定性：{st['n_boot']} 次自助重抽样的调整兰德指数平均 {st['mean'] or 0:.3f}，"
        f"最低 {st['min'] or 0:.3f}（≥ 0.8 通常视为稳定）。",
        f"Method: k-prototypes clustering of mixed data (ratios winsorised then z-scored, "
        f"categories scored per mismatch, γ = {m['gamma']}). Ratios: {feats}. Fitted on a "
        f"sample of {m['sample']:,} customers, then all {m['customers']:,} assigned. k = "
        f"{doc['k']}, {how} (silhouette {best if best is None else f'{best:.3f}'}"
        f"{_WEAK_EN if weak else ''})."
        f"\n\nStability: adjusted Rand index over {st['n_boot']} bootstrap refits, mean "
        f"{st['mean'] or 0:.3f}, min {st['min'] or 0:.3f} (>= 0.8 is usually read as stable).",
    )


def _tables(doc: dict[str, Any], lang: str) -> list[Table]:
    tables = [_scores_table(doc, lang), _stability_table(doc, lang), _profiles_table(doc, lang),
              _medians_table(doc, lang)]  # fmt: skip
    if "crosstab" in doc:
        tables += [_crosstab_table(doc, lang), _advice_table(doc, lang)]
    return tables


def _sections(doc: dict[str, Any], lang: str, tables: list[Table]) -> list[Section]:
    risk_key = "default_rate" if doc["risk_measure"] == "default_rate" else "mean_pd"
    risk = pd.Series([p.get(risk_key) for p in doc["profiles"]])
    risk_chart = bar_chart(
        [p["cluster"] for p in doc["profiles"]],
        (risk * 100).round(2).tolist(),
        _t(lang, "各簇违约率 / 平均 PD（%）", "Default rate / mean PD per cluster (%)"),
        horizontal=False,
    )
    method = Section(
        "discovery",
        1,
        "聚类发现",
        "Segment discovery",
        _narrative(doc, lang),
        tables[:2],
        [Chart("k", "k", k_chart(doc["scores"], doc["k"], lang))] if len(doc["scores"]) > 1 else [],
    )
    profiles = Section(
        "profiles",
        2,
        "簇画像",
        "Cluster profiles",
        "",
        tables[2:4],
        [Chart("risk", "risk", risk_chart)],
    )
    out = [method, profiles]
    if len(tables) > 4:
        none = _t(lang, "未发现需要提示的差异。", "No rule fired: nothing to flag.")
        out.append(
            Section(
                "taxonomy",
                3,
                "与分群体系对照",
                "Against the taxonomy",
                "",
                tables[4:],
                [],
                [] if doc["advice"] else [none],
            )
        )
    return out


def render_discovery(doc: dict[str, Any], out_dir: Path, lang: str) -> dict[str, Path]:
    """Write ``discovery.html`` and ``discovery.xlsx`` into ``out_dir``; ``{format: path}``."""
    tables = _tables(doc, lang)
    ctx = ReportContext(run={"run_id": doc.get("run_id", "")}, lang=lang)
    html = Path(out_dir) / "discovery.html"
    with atomic_target(html) as tmp:
        tmp.write_text(html_text(ctx, _sections(doc, lang, tables)), encoding="utf-8")
    xlsx = Path(out_dir) / "discovery.xlsx"
    with safe_excel_writer(xlsx) as writer:
        for name, table in zip(_SHEETS[lang], tables, strict=False):
            _sheet(writer, name, table)
    return {"html": html, "xlsx": xlsx}


_SHEETS = {
    "zh": ["k 选择", "稳定性", "簇画像", "比率中位数", "簇×分群", "建议"],
    "en": ["k choice", "Stability", "Profiles", "Ratio medians", "Cross-tab", "Advice"],
}


def _sheet(writer: pd.ExcelWriter, name: str, table: Table) -> None:
    """One table on its own sheet, numbers in the table's formats (values, never formulas)."""
    table.frame.to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    for i, column in enumerate(table.frame.columns):
        excel = table.fmt(column).excel
        wide = 60 if table.frame[column].astype(str).str.len().max() > 40 else 16
        fmt = writer.book.add_format({"num_format": excel, "text_wrap": wide > 16} if excel else
                                     {"text_wrap": wide > 16})  # fmt: skip
        sheet.set_column(i, i, wide, fmt)
