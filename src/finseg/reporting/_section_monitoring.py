"""Report section: portfolio monitoring — the run compared with a baseline run by
``finseg monitor``: PSI/CSI with traffic lights, segment and grade shares, grade migration,
segment migration (Sankey), back-test per grade, early warnings and the watch list,
outcomes of expert adjustments, and the re-segmentation advice.

The figures are read from ``monitoring.json`` in the run's directory (written by
``finseg monitor --current <this run>``); without it the section is left out.  Its strings
live here rather than in the shared catalogue.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from finseg.reporting._charts import bar_chart, bar_height
from finseg.reporting._context import ReportContext
from finseg.reporting._sections import Chart, ExcelHint, NumFmt, Section, Table, register_section

__all__ = ["MONITORING_STRINGS", "monitoring_section"]

_FILE = "monitoring.json"
_WATCH_ROWS = 50
#: key -> (zh, en).
MONITORING_STRINGS: dict[str, tuple[str, str]] = {
    "title": ("组合监控", "Portfolio monitoring"),
    "dates": ("报表日期：基期 {base}，本期 {cur}。",
              "Statement dates: baseline {base}, current {cur}."),
    "model_changed": (
        "注意：两次运行使用了不同的模型（基期 {old}，本期 {new}）。",
        "Note: the two runs were graded by different models (baseline {old}, current {new}).",
    ),
    "policy_changed": (
        "注意：两次运行使用了不同的策略版本。",
        "Note: the two runs used different policy versions.",
    ),
    "rescored": (
        "基期已用本期模型重新评级，下文的 PSI、迁移与预警反映组合本身的变化。模型更换本身的影响："
        "评分 PSI {psi}（{light}），下调 {down} 户，上调 {up} 户。",
        "The baseline was graded again by the current model, so the PSI, migration and warnings "
        "below show portfolio drift. The model change alone: score PSI {psi} ({light}), {down} "
        "downgraded, {up} upgraded.",
    ),
    "not_rescored": (
        "基期未重新评级：下文指标同时包含模型更换与组合变化。",
        "The baseline was not graded again: the figures below mix the model change with "
        "portfolio drift.",
    ),
    "intro": ("本期运行与基期运行 {base} 比较：共同客户 {common} 户，退出 {left} 户，新进入 "
              "{entered} 户。", "This run compared with baseline run {base}: {common} customers in "
              "both, {left} left, {entered} entered."),
    "psi": ("评分 PSI 为 {psi}（{light}）；{n} 个特征中黄灯 {amber} 个、红灯 {red} 个。",
            "Score PSI {psi} ({light}); of {n} features, {amber} amber and {red} red."),
    "migration": ("评级迁移：不变 {same}，上调 {up}，下调 {down}。",
                  "Grade migration: {same} unchanged, {up} upgraded, {down} downgraded."),
    "backtest": ("回测：{n} 户基期客户的实际违约率 {odr}，基期平均 PD {pd}；红灯等级 {red} 个。",
                 "Back-test: observed default rate {odr} of {n} baseline customers against a "
                 "mean baseline PD of {pd}; {red} grade(s) red."),
    "warnings": ("预警：{n} 户客户触发至少一条预警规则。", "Early warnings: {n} customers fired "
                 "at least one rule."),
    "green": ("绿灯", "green"), "amber": ("黄灯", "amber"), "red": ("红灯", "red"),
    "t.psi": ("稳定性（PSI/CSI，分箱按基期固定）",
              "Stability (PSI/CSI, bins fixed on the baseline)"),
    "t.segments": ("分群占比：基期与本期", "Segment shares: baseline and current"),
    "t.grades": ("等级占比：基期与本期", "Grade shares: baseline and current"),
    "t.migration": ("评级迁移矩阵（客户数；行为基期等级）",
                    "Grade migration (customers; rows are baseline grades)"),
    "t.backtest": ("回测（按基期等级）", "Back-test by baseline grade"),
    "t.seg_backtest": ("回测（按基期分群）", "Back-test by baseline segment"),
    "t.watch": ("观察名单（前 {n} 户）", "Watch list (top {n})"),
    "t.rules": ("预警规则", "Early-warning rules"),
    "t.adjust": ("专家调整的结果", "Outcomes of expert adjustments"),
    "c.psi": ("PSI / CSI", "PSI / CSI"), "c.sankey": ("分群迁移", "Segment migration"),
    "side.base": ("基期", "baseline"), "side.cur": ("本期", "current"),
    "col.variable": ("变量", "Variable"), "col.psi": ("PSI", "PSI"),
    "col.light": ("信号灯", "Light"), "col.name": ("名称", "Name"),
    "col.base_n": ("基期户数", "Baseline customers"), "col.base": ("基期占比", "Baseline share"),
    "col.cur_n": ("本期户数", "Current customers"), "col.cur": ("本期占比", "Current share"),
    "col.change": ("变化", "Change"), "col.from": ("基期 \\ 本期", "from \\ to"),
    "col.grade": ("等级", "Grade"), "col.segment": ("分群", "Segment"),
    "col.n": ("户数", "Customers"), "col.d": ("违约数", "Defaults"),
    "col.odr": ("实际违约率", "Observed rate"), "col.pd": ("基期平均 PD", "Mean baseline PD"),
    "col.binomial": ("二项检验 p 值", "Binomial p"),
    "col.jeffreys": ("Jeffreys p 值", "Jeffreys p"),
    "col.rank": ("排名", "Rank"), "col.customer": ("客户编号", "Customer"),
    "col.severity": ("预警分值", "Severity"), "col.rules": ("命中规则", "Rules fired"),
    "col.prev_grade": ("基期等级", "Baseline grade"), "col.now_grade": ("本期等级", "Grade"),
    "col.rule": ("规则", "Rule"), "col.when": ("条件", "When"), "col.fired": ("命中户数", "Fired"),
    "col.kind": ("调整对象", "Adjusted"), "col.adjusted": ("调整户数", "Adjusted customers"),
    "col.cmp_odr": ("可比客户违约率", "Comparable rate"), "col.verdict": ("结论", "Verdict"),
    "kind.grade": ("等级", "grade"), "kind.segment": ("分群", "segment"),
}  # fmt: skip


def _t(ctx: ReportContext, key: str, **values: Any) -> str:
    zh, en = MONITORING_STRINGS[key]
    text = zh if ctx.lang == "zh" else en
    return text.format(**values) if values else text


def _load(ctx: ReportContext) -> dict[str, Any] | None:
    path = None if ctx.run_dir is None else ctx.run_dir / _FILE
    if path is None or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


@register_section("monitoring", order=80)
def monitoring_section(ctx: ReportContext) -> Section | None:
    """The monitoring of this run against its baseline; ``None`` without ``monitoring.json``.

    >>> monitoring_section(ReportContext(lang="en")) is None
    True
    """
    p = _load(ctx)
    if p is None:
        return None
    section = Section("monitoring", 80, *MONITORING_STRINGS["title"])
    section.narrative = "\n\n".join(_narrative(ctx, p))
    section.tables.append(_psi_table(ctx, p["psi"]))
    names = [str(k) for k in p["psi"]]
    values = [round(r["psi"], 4) for r in p["psi"].values()]
    title = _t(ctx, "c.psi")
    section.charts.append(
        Chart(
            "psi",
            title,
            bar_chart(names, values, title),
            ExcelHint("bar", names, values, "PSI"),
            bar_height(len(names)),
        )
    )
    for kind in ("segment", "grade"):
        if kind in p["shares"]:
            section.tables.append(_shares_table(ctx, p, kind))
    section.tables.append(_migration_table(ctx, p))
    if p.get("segment_migration"):
        section.charts.append(_sankey(ctx, p))
    if p["backtest"]["available"]:
        section.tables.append(_backtest_table(ctx, p["backtest"]["grades"], "grade", p))
        if p["backtest"].get("segments"):
            section.tables.append(_backtest_table(ctx, p["backtest"]["segments"], "segment", p))
    else:
        section.notes.append(p["backtest"]["reason"][ctx.lang])
    section.tables += [_rules_table(ctx, p["warnings"]), _watch_table(ctx, p["warnings"])]
    adjust = _adjust_table(ctx, p["adjustments"])
    if adjust is not None:
        section.tables.append(adjust)
    if p["adjustments"].get("note"):
        section.notes.append(p["adjustments"]["note"][ctx.lang])
    section.notes += [s[ctx.lang] for s in p["warnings"].get("skipped", [])]
    return section


def _name(ctx: ReportContext, p: dict[str, Any], segment: str) -> str:
    names = p.get("segment_names", {}).get(segment) or {}
    return names.get(ctx.lang, segment)


def _changes(ctx: ReportContext, p: dict[str, Any]) -> list[str]:
    """What else changed between the runs, first (older monitoring files have none of it)."""
    parts = []
    dates = p.get("statement_dates")
    if dates:
        parts.append(_t(ctx, "dates", base=dates["baseline"], cur=dates["current"]))
    changes = p.get("changes") or {}
    if "model" in changes:
        old, new = (", ".join(changes["model"][k]) or "—" for k in ("baseline", "current"))
        parts.append(_t(ctx, "model_changed", old=old, new=new))
    if "policy" in changes:
        parts.append(_t(ctx, "policy_changed"))
    effect = p.get("model_effect")
    if effect:
        down, up = (NumFmt.INT.format(effect[k]) for k in ("downgrades", "upgrades"))
        light = _t(ctx, effect["light"])
        parts.append(_t(ctx, "rescored", psi=f"{effect['score_psi']:.3f}", light=light,
                        down=down, up=up))  # fmt: skip
    elif "model" in changes:
        parts.append(_t(ctx, "not_rescored"))
    return parts


def _narrative(ctx: ReportContext, p: dict[str, Any]) -> list[str]:
    c, score = p["customers"], p["psi"]["score"]
    features = [r for k, r in p["psi"].items() if k != "score"]
    parts = [
        *_changes(ctx, p),
        _t(ctx, "intro", base=p["baseline_run_id"], common=NumFmt.INT.format(c["common"]),
           left=NumFmt.INT.format(c["left"]), entered=NumFmt.INT.format(c["entered"])),
        _t(ctx, "psi", psi=f"{score['psi']:.3f}", light=_t(ctx, score["light"]), n=len(features),
           amber=sum(r["light"] == "amber" for r in features),
           red=sum(r["light"] == "red" for r in features)),
        _t(ctx, "migration", same=NumFmt.INT.format(p["grade_migration_summary"]["unchanged"]),
           up=NumFmt.INT.format(p["grade_migration_summary"]["upgrades"]),
           down=NumFmt.INT.format(p["grade_migration_summary"]["downgrades"])),
    ]  # fmt: skip
    b = p["backtest"]
    if b["available"]:
        parts.append(_t(ctx, "backtest", n=NumFmt.INT.format(b["portfolio"]["n"]),
                        odr=NumFmt.SHARE.format(b["portfolio"]["odr"]),
                        pd=NumFmt.SHARE.format(b["portfolio"]["pd"]),
                        red=sum(g["light"] == "red" for g in b["grades"].values())))  # fmt: skip
    parts.append(_t(ctx, "warnings", n=NumFmt.INT.format(p["warnings"]["customers_warned"])))
    parts.append(p["resegmentation"][ctx.lang])
    return parts


def _psi_table(ctx: ReportContext, psi: dict[str, Any]) -> Table:
    v, s, light = _t(ctx, "col.variable"), _t(ctx, "col.psi"), _t(ctx, "col.light")
    frame = pd.DataFrame({v: list(psi), s: [r["psi"] for r in psi.values()],
                          light: [_t(ctx, r["light"]) for r in psi.values()]})  # fmt: skip
    return Table(_t(ctx, "t.psi"), frame, {s: NumFmt.DECIMAL})


def _shares_table(ctx: ReportContext, p: dict[str, Any], kind: str) -> Table:
    shares = p["shares"][kind]["shares"]
    cols = {k: _t(ctx, f"col.{k}") for k in ("base_n", "base", "cur_n", "cur", "change")}
    label = _t(ctx, f"col.{kind}")
    keys = list(shares)
    frame = pd.DataFrame({label: [_name(ctx, p, k) if kind == "segment" else k for k in keys]})
    for key, field in (("base_n", "baseline_n"), ("base", "baseline"), ("cur_n", "current_n"),
                       ("cur", "current"), ("change", "change")):  # fmt: skip
        frame[cols[key]] = [shares[k][field] for k in keys]
    formats = {cols[k]: NumFmt.INT if k.endswith("_n") else NumFmt.SHARE for k in cols}
    return Table(_t(ctx, f"t.{kind}s"), frame, formats, note=f"PSI {p['shares'][kind]['psi']:.4f}")


def _migration_table(ctx: ReportContext, p: dict[str, Any]) -> Table:
    order = p["grade_migration_summary"]["order"]
    matrix = p["grade_migration"]
    head = _t(ctx, "col.from")
    frame = pd.DataFrame({head: [g for g in order if g in matrix]})
    for to in order:
        frame[to] = [matrix[g].get(to, 0) for g in frame[head]]
    return Table(_t(ctx, "t.migration"), frame, {g: NumFmt.INT for g in order})


def _sankey(ctx: ReportContext, p: dict[str, Any]) -> Chart:
    from finseg.monitoring import sankey_option

    names = {k: _name(ctx, p, k) for k in p["segment_migration"]["order"]}
    title = _t(ctx, "c.sankey")
    sides = (_t(ctx, "side.base"), _t(ctx, "side.cur"))
    option = sankey_option(p["segment_migration"]["matrix"], title, names, sides)
    return Chart("sankey", title, option, None, height=max(360, 40 * len(names)))


def _backtest_table(ctx: ReportContext, rows: dict[str, Any], kind: str, p: dict) -> Table:
    keys = ("n", "d", "odr", "pd", "binomial", "jeffreys", "light")
    cols = {k: _t(ctx, f"col.{k}") for k in keys}
    label = _t(ctx, f"col.{kind}")
    frame = pd.DataFrame({label: [_name(ctx, p, k) if kind == "segment" else k for k in rows]})
    for key, field in zip(keys, ("n", "d", "odr", "pd", "binomial_p", "jeffreys_p", "light"),
                          strict=True):  # fmt: skip
        values = [r[field] for r in rows.values()]
        frame[cols[key]] = [_t(ctx, v) for v in values] if key == "light" else values
    formats = {cols["n"]: NumFmt.INT, cols["d"]: NumFmt.INT, cols["odr"]: NumFmt.SHARE,
               cols["pd"]: NumFmt.SHARE, cols["binomial"]: NumFmt.DECIMAL,
               cols["jeffreys"]: NumFmt.DECIMAL}  # fmt: skip
    title = _t(ctx, "t.backtest" if kind == "grade" else "t.seg_backtest")
    return Table(title, frame, formats)


def _rules_table(ctx: ReportContext, w: dict[str, Any]) -> Table:
    rule, when = _t(ctx, "col.rule"), _t(ctx, "col.when")
    severity, fired = _t(ctx, "col.severity"), _t(ctx, "col.fired")
    frame = pd.DataFrame({
        rule: [r[ctx.lang] for r in w["rules"]], when: [r["when"] for r in w["rules"]],
        severity: [r["severity"] for r in w["rules"]],
        fired: [w["fired"].get(r["id"], {}).get("customers") for r in w["rules"]],
    })  # fmt: skip
    return Table(_t(ctx, "t.rules"), frame, {severity: NumFmt.DECIMAL, fired: NumFmt.INT})


def _watch_table(ctx: ReportContext, w: dict[str, Any]) -> Table:
    rows = w["watchlist"][:_WATCH_ROWS]
    keys = ("rank", "customer", "severity", "rules", "prev_grade", "now_grade")
    cols = {k: _t(ctx, f"col.{k}") for k in keys}
    frame = pd.DataFrame({
        cols["rank"]: [r["rank"] for r in rows],
        cols["customer"]: [r["customer_id"] for r in rows],
        cols["severity"]: [r["severity"] for r in rows],
        cols["rules"]: [r["rules_zh" if ctx.lang == "zh" else "rules_en"] for r in rows],
        cols["prev_grade"]: [r.get("prev_grade") for r in rows],
        cols["now_grade"]: [r.get("grade") for r in rows],
    })  # fmt: skip
    formats = {cols["rank"]: NumFmt.INT, cols["severity"]: NumFmt.DECIMAL}
    return Table(_t(ctx, "t.watch", n=_WATCH_ROWS), frame, formats)


def _adjust_table(ctx: ReportContext, a: dict[str, Any]) -> Table | None:
    kinds = [k for k in ("grade", "segment") if a.get(k)]
    if not kinds:
        return None
    keys = ("kind", "adjusted", "odr", "cmp_odr", "verdict")
    cols = {k: _t(ctx, f"col.{k}") for k in keys}
    frame = pd.DataFrame({
        cols["kind"]: [_t(ctx, f"kind.{k}") for k in kinds],
        cols["adjusted"]: [a[k]["adjusted"] for k in kinds],
        cols["odr"]: [a[k]["odr"] for k in kinds],
        cols["cmp_odr"]: [a[k]["comparable_odr"] for k in kinds],
        cols["verdict"]: [a[k]["verdict"][ctx.lang] for k in kinds],
    })  # fmt: skip
    formats = {cols["adjusted"]: NumFmt.INT, cols["odr"]: NumFmt.SHARE,
               cols["cmp_odr"]: NumFmt.SHARE}  # fmt: skip
    return Table(_t(ctx, "t.adjust"), frame, formats)
