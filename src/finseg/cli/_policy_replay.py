"""``finseg policy replay``: a stored run decided again under a draft policy — per segment,
the change in approvals, limits and expected loss, split into the rule change and the model
change, with the rule changes that caused it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from finseg.cli._app import LangOption, check_lang, out
from finseg.cli._workspace import WorkspaceOption, policy_app
from finseg.exceptions import PolicyError, UserError

__all__ = ["load_draft", "replay_command"]

_SHOWN_REASONS = 12
_SECTIONS = {  # rule-change sections: (zh, en)
    "products": ("产品", "product"), "review": ("审批层级规则", "review rule"),
    "decline": ("拒绝规则", "decline rule"), "refer": ("转人工规则", "refer rule"),
    "covenants": ("约束条款", "covenant"), "programmes": ("政策计划", "programme"),
    "scenarios": ("情景", "scenario"), "pricing": ("定价", "pricing"),
    "marketing": ("营销", "marketing"), "refer_at": ("转人工层级", "refer_at"),
    "default_scenario": ("默认情景", "default scenario"), "allocation": ("资本参数", "allocation"),
    "master_scale": ("主标尺", "master scale"),
}  # fmt: skip
_CHANGES = {"added": ("新增", "added"), "removed": ("删除", "removed"),
            "changed": ("修改", "changed"), "reordered": ("顺序调整", "reordered")}  # fmt: skip


def load_draft(path: Path) -> Any:
    """The draft policy at ``path``; a user error naming the file, line and column of every
    problem (YAML syntax or validation)."""
    from finseg._policy import check_policy_text

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(
            f"--policy {path}: cannot read: {exc.strerror or exc}",
            f"--policy {path}：无法读取：{exc.strerror or exc}",
        ) from None
    policy, problems = check_policy_text(text, str(path))
    if policy is None:
        error = PolicyError(
            "the draft policy is invalid:\n" + "\n".join(f"{p.where()}: {p.en}" for p in problems),
            "草案策略无效：\n"
            + "\n".join(f"{p.file} 第 {p.line} 行第 {p.column} 列：{p.zh}" for p in problems),
        )
        error.problems = problems  # type: ignore[attr-defined]
        raise error
    return policy


@policy_app.command("replay")
def replay_command(
    policy_path: Annotated[Path, typer.Option("--policy", help="Draft policy.yaml / 草案策略文件")],
    run_id: Annotated[str, typer.Option("--run", help="Run id / 运行编号")],
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the replay as JSON / 写入 JSON 文件")
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write an Excel workbook (.xlsx) / 输出 Excel")
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Re-run every stage even when nothing upstream changed / 强制重新运行全部阶段",
        ),
    ] = False,
    lang: LangOption = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Replay a run under a draft policy: rule vs model change by segment / 用草案策略回放运行."""
    from finseg.cli._xlsx import check_json_path, check_xlsx_path, write_json
    from finseg.strategy import replay_run
    from finseg.workspace import open_workspace

    check_xlsx_path(out_path)
    check_json_path(json_path)
    draft = load_draft(policy_path)
    ws = open_workspace(workspace)
    try:
        zh = check_lang(lang, ws.settings.language.value) == "zh"
        payload = {"draft": str(policy_path), **replay_run(ws, run_id, draft, full=full)}
    finally:
        ws.close()
    if json_path is not None:
        write_json(json_path, payload)
    if out_path is not None:
        _workbook(out_path, payload)
    _print(payload, zh)
    for label, path in (("JSON", json_path), ("Excel", out_path)):
        if path is not None:
            out.print(f"{label}: {path}")


def _signed(value: float | int | None, wan: bool = False) -> str:
    if value is None:
        return "—"
    value = value / 10_000 if wan else value
    return "0" if value == 0 else f"{value:+,.0f}"


def _print(payload: dict[str, Any], zh: bool) -> None:
    lang = "zh" if zh else "en"
    table = Table(
        "分群" if zh else "segment",
        "客户数" if zh else "customers",
        "批准 前→后" if zh else "approved before→after",
        "Δ 规则 / 模型" if zh else "Δ rule / model",
        "批准额度Δ（万元）规则 / 模型" if zh else "granted Δ (CNY 10k) rule / model",
        "预期损失Δ（万元）规则 / 模型" if zh else "EL Δ (CNY 10k) rule / model",
        title=("运行 {} 按草案 {} 回放" if zh else "Run {} replayed under {}").format(
            payload["run_id"], payload["draft"]
        ),
    )
    rows = [(payload["names"].get(s, {}).get(lang, s), b) for s, b in payload["segments"].items()]
    rows.append(("合计" if zh else "Total", payload["total"]))
    for n, (label, b) in enumerate(rows):
        ap, lim, el = b["approve"], b["granted"], b["expected_loss"]
        table.add_row(
            label,
            f"{b['customers']:,}",
            f"{ap['before']:,} → {ap['after']:,}",
            f"{_signed(ap['rule'])} / {_signed(ap['model'])}",
            f"{_signed(lim['rule'], True)} / {_signed(lim['model'], True)}",
            f"{_signed(el['rule'], True)} / {_signed(el['model'], True)}",
            end_section=n == len(rows) - 2,
        )
    out.print(table)
    _print_notes(payload, zh)


def _print_notes(payload: dict[str, Any], zh: bool) -> None:
    from finseg.strategy._replay import CAUSES

    part = payload["model_part"]
    if part["computed"]:
        why = ("、" if zh else "; ").join(CAUSES[c][not zh] for c in part["causes"])
        out.print(f"已重新运行全部阶段（{why}）" if zh else f"Every stage re-run ({why})")
    else:
        out.print(
            "上游规则、模型与专家调整均未变化：模型影响为零，未重新运行"
            if zh
            else "Nothing upstream changed (rules, model, adjustments): model part zero, not re-run"
        )
    if payload["unchanged"]:
        out.print("无差异：草案与运行的策略一致，决策完全相同" if zh else "No differences: "
                  "the draft decides every customer exactly as the run did")  # fmt: skip
        return
    changed = payload["changed_customers"]
    out.print(
        f"决策或额度变化的客户：规则 {changed['rule']:,} 户，模型 {changed['model']:,} 户，"
        f"合计 {changed['total']:,} 户"
        if zh
        else f"Customers whose decision or limit changed: rule {changed['rule']:,}, model "
        f"{changed['model']:,}, in all {changed['total']:,}"
    )
    for move in payload["decision_changes"]["total"]:
        out.print(f"  {move['from']} → {move['to']}: {move['customers']:,}")
    for change in payload["rule_changes"]:
        section = _SECTIONS.get(change["section"], (change["section"],) * 2)[not zh]
        what = _CHANGES[change["change"]][not zh]
        out.print(f"  {what} {section} {change['id']}".rstrip() + _when(change))
    reasons = payload["reason_changes"]["rule"][:_SHOWN_REASONS]
    if reasons:
        out.print("规则原因代码变化：" if zh else "Reason codes gained / lost (rule part):")
        for r in reasons:
            out.print(f"  {r['code']} {r['customers']:,}")


def _when(change: dict[str, Any]) -> str:
    before, after = change.get("when_before"), change.get("when_after")
    if before is not None and after is not None and before != after:
        return f": {before}  →  {after}"
    if change["change"] in ("added", "removed") and (before or after):
        return f": {before or after}"
    keys = [f["key"] for f in change.get("fields") or []]
    return f": {', '.join(keys[:6])}" if keys else ""


_METRIC_LABELS = {
    "approve": ("批准", "approved"), "refer": ("转人工", "referred"),
    "decline": ("拒绝", "declined"), "granted": ("批准额度（元）", "granted limits (CNY)"),
    "proposed": ("转人工拟议额度（元）", "proposed limits, referred (CNY)"),
    "expected_loss": ("预期损失（元）", "expected loss (CNY)"), "rwa": ("RWA（元）", "RWA (CNY)"),
}  # fmt: skip
_PART_LABELS = {"before": ("回放前", "before"), "after": ("回放后", "after"),
                "change": ("变化", "change"), "rule": ("规则影响", "rule part"),
                "model": ("模型影响", "model part")}  # fmt: skip


def _summary_frame(payload: dict[str, Any]) -> tuple[pd.DataFrame, dict, dict]:
    names = payload["names"]
    rows = []
    blocks = [*payload["segments"].items(), ("(total)", payload["total"])]
    for seg, block in blocks:
        name = names.get(seg, {"zh": "合计", "en": "Total"} if seg == "(total)" else None)
        row = {"segment": seg, "segment_name": f"{name['zh']} / {name['en']}" if name else seg,
               "customers": block["customers"]}  # fmt: skip
        for metric in _METRIC_LABELS:
            row |= {f"{metric}__{p}": block[metric][p] for p in _PART_LABELS}
        rows.append(row)
    headers = {"segment": ("分群", "Segment"), "segment_name": ("分群名称", "Segment name"),
               "customers": ("客户数", "Customers")}  # fmt: skip
    kinds = {"customers": "count"}
    for metric, (mz, me) in _METRIC_LABELS.items():
        for part, (pz, pe) in _PART_LABELS.items():
            headers[f"{metric}__{part}"] = (f"{mz}·{pz}", f"{me}: {pe}")
            kinds[f"{metric}__{part}"] = "count" if part in ("before", "after") else "signed"
    return pd.DataFrame(rows), headers, kinds


def _rule_frame(payload: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for c in payload["rule_changes"]:
        fields = c.get("fields") or [{"key": "", "before": None, "after": None}]
        for f in fields:
            rows.append({"section": c["section"], "change": c["change"], "id": c["id"],
                         "key": f["key"], "before": _text(f["before"]),
                         "after": _text(f["after"]), "when_before": c.get("when_before"),
                         "when_after": c.get("when_after")})  # fmt: skip
    columns = ["section", "change", "id", "key", "before", "after", "when_before", "when_after"]
    return pd.DataFrame(rows, columns=columns)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _workbook(path: Path, payload: dict[str, Any]) -> None:
    from finseg.cli._xlsx import Sheet, write_workbook

    summary, headers, kinds = _summary_frame(payload)
    moves = pd.DataFrame(
        [{"part": part, **m} for part in ("rule", "model", "total")
         for m in payload["decision_changes"][part]],
        columns=["part", "from", "to", "customers"],
    )  # fmt: skip
    reasons = pd.DataFrame(
        [
            {"part": part, **r}
            for part in ("rule", "model")
            for r in payload["reason_changes"][part]
        ],
        columns=["part", "code", "customers"],
    )
    segments = pd.DataFrame(payload["segment_changes"], columns=["from", "to", "customers"])
    common = {"part": ("影响来源", "Part"), "from": ("原值", "From"), "to": ("新值", "To"),
              "customers": ("客户数", "Customers"),
              "code": ("原因代码", "Reason code")}  # fmt: skip
    rule_headers = {"section": ("类别", "Section"), "change": ("变化", "Change"),
                    "id": ("编号", "Id"), "key": ("设置项", "Setting"),
                    "before": ("原值", "Before"), "after": ("新值", "After"),
                    "when_before": ("原规则", "Rule before"),
                    "when_after": ("新规则", "Rule after")}  # fmt: skip
    model = payload["model_part"]
    title = f"策略回放 / Policy replay — {payload['run_id']}"
    facts = [("运行 / Run", payload["run_id"]), ("草案 / Draft", payload["draft"]),
             ("情景 / Scenario", payload["scenario"]),
             ("模型影响已计算 / Model part computed", "yes" if model["computed"] else "no"),
             ("原因 / Causes", ", ".join(model["causes"]) or "—"),
             ("无差异 / Unchanged", "yes" if payload["unchanged"] else "no")]  # fmt: skip
    counts = {"customers": "count"}
    write_workbook(path, title, facts, [
        Sheet(("分群汇总", "Summary"), title, summary, headers, kinds),
        Sheet(("规则变化", "Rule changes"), "规则变化 / Rule changes", _rule_frame(payload),
              rule_headers),
        Sheet(("决策变化", "Decision changes"), "决策变化 / Decision changes", moves, common,
              counts),
        Sheet(("原因代码", "Reason codes"), "原因代码变化 / Reason codes gained (+) and lost (-)",
              reasons, common, counts),
        Sheet(("分群迁移", "Segment moves"), "分群迁移 / Segment moves", segments, common,
              counts),
    ])  # fmt: skip
