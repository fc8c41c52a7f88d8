"""``finseg features``: the customer dimensions of a file, without a workspace."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from finseg.cli._app import LangOption, app, check_lang, err, out
from finseg.exceptions import IngestError

__all__ = ["features_summary"]

_COUNTED = (
    "size_class",
    "industry_section",
    "lifecycle_stage",
    "financial_condition",
    "altman_zone",
)
_SHARES = ("new_energy", "tech_enterprise", "green_category", "strategic_emerging")


def features_summary(frame: pd.DataFrame, added: list[str], seconds: float) -> dict[str, Any]:
    """Counts per dimension and the share of each policy flag, as plain data."""
    counts = {
        c: {str(k): int(v) for k, v in frame[c].value_counts(dropna=False).items()}
        for c in _COUNTED
    }
    shares = {
        c: round(float(frame[c].notna().mean() if frame[c].dtype != bool else frame[c].mean()), 4)
        for c in _SHARES
    }
    return {
        "rows": len(frame),
        "seconds": round(seconds, 3),
        "columns_added": added,
        "counts": counts,
        "flag_shares": shares,
    }


def _print(summary: dict[str, Any], lang: str) -> None:
    from finseg.features import FinancialCondition, LifecycleStage, SizeClass

    labels = {
        e.value: e.label(lang)
        for enum in (SizeClass, LifecycleStage, FinancialCondition)
        for e in enum
    }
    zh = lang == "zh"
    for column in ("size_class", "lifecycle_stage", "financial_condition"):
        table = Table(title=column)
        table.add_column("取值" if zh else "value")
        table.add_column("客户数" if zh else "customers", justify="right")
        for key, n in summary["counts"][column].items():
            table.add_row(labels.get(key, key), f"{n:,}")
        out.print(table)


@app.command("features")
def features_command(
    source: Annotated[
        Path, typer.Argument(help="Customer file (any format ingest reads) / 客户数据文件")
    ],
    out_path: Annotated[Path, typer.Option("--out", help="Output .parquet or .csv / 输出文件")],
    policy: Annotated[
        Path | None,
        typer.Option(
            help="policy.yaml whose `features` section to use (default: built-in) / 策略文件"
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON summary / 输出 JSON")
    ] = False,
    lang: LangOption = None,
) -> None:
    """Derive customer dimensions / 计算客户维度.

    Size, industry, ratios, Altman Z'', financial condition, policy flags and lifecycle stage
    for every row of a file (see docs/features.md).
    """
    from finseg.config import load_policy
    from finseg.features import FeaturesPolicy, compute_features
    from finseg.ingest import check_output, ingest, write_table

    lang = check_lang(lang)
    check_output(out_path, [source, policy])
    cfg = load_policy(policy).features if policy else FeaturesPolicy()
    result = ingest([source])
    if result.report.rows_out == 0:
        raise IngestError(f"{source}: no usable rows", f"{source}：没有可用的数据行")
    started = time.perf_counter()
    frame = compute_features(result.frame, cfg)
    seconds = time.perf_counter() - started
    write_table(frame, out_path)
    added = [c for c in frame.columns if c not in result.frame.columns]
    summary = features_summary(frame, added, seconds)
    if result.report.rows_quarantined:
        err.print(
            f"{result.report.rows_quarantined:,} 行有错误未计入 / rows with errors left out "
            f"(finseg ingest --report for details)"
        )
    if as_json:
        typer.echo(json.dumps({**summary, "out": str(out_path)}, ensure_ascii=False))
        return
    _print(summary, lang)
    out.print(f"{len(frame):,} 行 / rows, {len(added)} 列 / columns → {out_path}")
