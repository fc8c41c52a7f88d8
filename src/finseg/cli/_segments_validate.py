"""``finseg segments validate``: the validation figures of a run's segments and, with
``--compare``, how stable segment membership is between two runs."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from finseg.cli._app import LangOption, check_lang, out
from finseg.cli._segments import segments_app
from finseg.cli._workspace import WorkspaceOption

__all__ = ["segments_payload"]


def _strict(value: Any) -> Any:
    """``value`` with every non-finite float replaced by ``None`` (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _results(ws: Any, run_id: str) -> pd.DataFrame:
    """The results table of a finished run that has the segments stage (else a user error)."""
    from finseg.runs import run_results

    return run_results(ws, run_id, ("segment",), ("to validate", "无法验证"))


def _membership(results: pd.DataFrame) -> pd.Series:
    """Segment by customer id; a categorical segment keeps the taxonomy order."""
    return pd.Series(results["segment"].array, index=results["customer_id"].astype(str))


def segments_payload(ws: Any, run_id: str, compare: str | None = None) -> dict[str, Any]:
    """What ``finseg segments validate`` writes: ``run_id``, the run's
    :func:`~finseg.segments.segment_validation` figures (with the policy's minimum segment
    size) and, with ``compare``, ``stability`` — :func:`~finseg.segments.membership_stability`
    from the ``compare`` run to this one.  Strict JSON (no NaN)."""
    from finseg.runs import run_policy
    from finseg.segments import membership_stability, segment_validation

    results = _results(ws, run_id)
    policy = run_policy(ws, run_id).segments
    from finseg.runs import run_metadata

    payload: dict[str, Any] = {"run_id": run_id}
    payload["policy_status"] = run_metadata(ws, run_id)["policy_status"]  # "draft": what-if
    payload |= segment_validation(results, policy.min_segment_size)
    payload["names"] = {s.id: {"zh": s.zh, "en": s.en} for s in policy.taxonomy}
    if compare is not None:
        before = _membership(_results(ws, compare))
        stability = membership_stability(before, _membership(results))
        payload["stability"] = {"compare_run_id": compare, **stability}
    return _strict(payload)


@segments_app.command("validate")
def validate_command(
    run_id: Annotated[str, typer.Option("--run", help="Run id / 运行编号")],
    workspace: WorkspaceOption = Path("."),
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the figures as JSON / 写入 JSON 文件")
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option("--compare", help="An earlier run: membership stability / 比较的运行"),
    ] = None,
    lang: LangOption = None,
) -> None:
    """Validate a run's segments: default rates, tests, sizes, stability / 分群验证."""
    from finseg._files import atomic_target
    from finseg._safe import check_output
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        if json_path is not None:
            check_output(json_path, option="--json", suffixes=(".json",), runs_dir=ws.runs_dir,
                         existing_folder=False)  # fmt: skip
        zh = check_lang(lang, ws.settings.language.value) == "zh"
        payload = segments_payload(ws, run_id, compare)
    finally:
        ws.close()
    if json_path is not None:
        text = json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False)
        with atomic_target(json_path) as tmp:
            tmp.write_text(text + "\n", encoding="utf-8")
    _print(payload, zh)
    if json_path is not None:
        out.print(f"JSON: {json_path}")


def _fmt(value: Any, pattern: str) -> str:
    return "—" if value is None else pattern.format(value)


def _print(payload: dict[str, Any], zh: bool) -> None:
    names = payload["names"]
    table = Table(
        *(
            ("分群", "客户数", "占比", "违约数", "违约率", "平均PD", "敞口（万元）", "过小")
            if zh
            else ("segment", "customers", "share", "defaults", "ODR", "mean PD", "exposure "
                  "(CNY 10k)", "too small")
        ),
        title=("运行 " if zh else "Run ") + payload["run_id"],
    )  # fmt: skip
    for seg, r in payload["segments"].items():
        label = names.get(seg, {}).get("zh" if zh else "en", seg)
        exposure = None if r.get("exposure") is None else r["exposure"] / 10_000
        table.add_row(
            label,
            f"{r['n']:,}",
            _fmt(r["share"], "{:.1%}"),
            _fmt(r.get("defaults"), "{:,}"),
            _fmt(r.get("odr"), "{:.2%}"),
            _fmt(r.get("mean_pd"), "{:.2%}"),
            _fmt(exposure, "{:,.0f}"),
            ("是" if zh else "yes") if r["too_small"] else "",
        )
    out.print(table)
    chi = payload.get("chi_square")
    if chi:
        out.print(
            f"卡方检验 / chi-square: {chi['statistic']:.2f}, df {chi['df']}, "
            f"p = {chi['p_value']:.3g}"
        )
    for pair in payload.get("adjacent") or []:
        a, b = pair["pair"]
        out.print(f"Fisher {a} → {b}: p = {pair['p_value']:.3g}")
    if payload.get("pd_variance_explained") is not None:
        out.print(f"η² (PD): {payload['pd_variance_explained']:.3f}")
    stability = payload.get("stability")
    if stability:
        _print_stability(stability, zh)


def _print_stability(st: dict[str, Any], zh: bool) -> None:
    share, ari = _fmt(st["unchanged_share"], "{:.1%}"), _fmt(st["adjusted_rand"], "{:.3f}")
    n, before, after = f"{st['customers']:,}", f"{st['only_before']:,}", f"{st['only_after']:,}"
    out.print(
        f"与运行 {st['compare_run_id']} 比较：共同客户 {n} 户，分群不变 {share}，"
        f"调整兰德指数 {ari}；仅在前一次 / 本次运行中的客户 {before} / {after} 户。"
        if zh
        else f"Against run {st['compare_run_id']}: {n} customers in both, {share} in the same "
        f"segment, adjusted Rand index {ari}; in the earlier / this run only: {before} / {after}."
    )
    migration = st["migration"]
    seen = {t for row in migration.values() for t in row}
    ordered = dict.fromkeys([*migration, *(t for row in migration.values() for t in row)])
    targets = [t for t in ordered if t in seen]  # taxonomy order, as the rows
    table = Table(
        "从 \\ 到" if zh else "from \\ to", *targets,
        title="分群迁移（客户数）" if zh else "Segment migration (customers)",
    )  # fmt: skip
    for src, row in migration.items():  # ids, not names: the matrix stays narrow
        table.add_row(src, *(f"{row[t]:,}" if t in row else "" for t in targets))
    out.print(table)
