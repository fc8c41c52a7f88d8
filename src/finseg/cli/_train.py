"""``finseg train`` and ``finseg predict``: PD models in the workspace registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from finseg.cli._app import app, err, out
from finseg.cli._workspace import WorkspaceOption

__all__ = ["predict_command", "train_command"]


def _columns(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def _print_metrics(metrics: dict, model_id: str, status: str) -> None:
    table = Table(title=f"{model_id} ({status})")
    table.add_column("指标 / metric")
    table.add_column("数值 / value", justify="right")
    for key in ("auc", "gini", "ks", "brier", "rows", "default_rate"):
        if key in metrics:
            table.add_row(
                key,
                f"{metrics[key]:,.4f}" if isinstance(metrics[key], float) else f"{metrics[key]:,}",
            )
    if "cv" in metrics:
        cv = metrics["cv"]
        table.add_row("cv auc (mean ± std)", f"{cv['auc_mean']:.4f} ± {cv['auc_std']:.4f}")
    out.print(table)


@app.command("train")
def train_command(
    data: Annotated[Path, typer.Option("--data", help="Training table / 训练数据")],
    target: Annotated[
        str, typer.Option(help="0/1 outcome column (1 = default) / 目标列")
    ] = "default_12m",
    model: Annotated[
        str, typer.Option("--model", help="scorecard, gbm, expert or auto / 模型类型")
    ] = "scorecard",
    name: Annotated[
        str | None, typer.Option(help="Registry name (default: generated) / 模型名称")
    ] = None,
    segment_by: Annotated[
        str | None,
        typer.Option("--segment-by", help="One model per segment of this column / 分群建模列"),
    ] = None,
    cv: Annotated[int, typer.Option(help="Cross-validation folds (0: none) / 交叉验证折数")] = 5,
    time_col: Annotated[
        str | None,
        typer.Option("--time-col", help="Validate forward in time on this column / 时间列"),
    ] = None,
    features: Annotated[
        str | None, typer.Option(help="Comma-separated columns to use / 使用的列")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write metrics as JSON / 指标 JSON")] = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Train and register a PD model / 训练并登记违约概率模型.

    A canonical portfolio goes through ingest and the features stage; any other table (CSV,
    Parquet, ARFF) is used as it is.  --model auto compares the scorecard and gradient
    boosting by CV AUC (the expert model when defaults are too few); --segment-by fits one
    model per segment where it beats the pooled model in CV; --time-col validates on later
    periods.  Needs a logged-in user (the trainer); the model is a candidate until an
    approver other than the trainer promotes it (`finseg models promote`).
    """
    from finseg._safe import check_output
    from finseg.cli._login import current_actor
    from finseg.services import TrainedModel, register_trained_model
    from finseg.store import model_card, transaction
    from finseg.training import load_table, train
    from finseg.workspace import open_workspace

    if report is not None:
        check_output(report, option="--report", suffixes=(".json",), inputs=[data])
    ws = open_workspace(workspace)
    actor = current_actor(ws)  # before the (long) training: who trains is known up front
    cfg = ws.policy().risk.training
    table = load_table(
        data, target, _columns(features), segment_by=segment_by, time_col=time_col, kind=model
    )
    with err.status("交叉验证与训练 / cross-validating and fitting…"):
        result = train(table, model, cfg, cv)
    estimator, metrics = result.estimator, result.metrics
    params = {"kind": result.kind, "mode": table.mode, "segment_by": segment_by,
              "time_col": time_col, **estimator.get_params()}  # fmt: skip
    card = model_card(
        estimator,
        features=list(table.X.columns),
        target=table.target,
        training_sha256=table.sha256,
        metrics=metrics,
        params=params,
        directions=table.directions,
    )
    with transaction(ws.engine()) as s:
        trained = TrainedModel(estimator, result.kind, card, name)
        record = register_trained_model(s, actor, ws.models_dir, trained)
        model_id, status = record.id, record.status.value
    ws.close()
    if report is not None:
        from finseg._files import atomic_target

        with atomic_target(report) as tmp:
            tmp.write_text(json.dumps(metrics, indent=1, ensure_ascii=False), encoding="utf-8")
    _print_metrics(metrics, model_id, status)
    out.print(f"已登记 / Registered: {model_id} ({status})")


@app.command("predict")
def predict_command(
    data: Annotated[Path, typer.Option("--data", help="Table to score / 待评分数据")],
    out_path: Annotated[Path, typer.Option("--out", help="Output .parquet or .csv / 输出")],
    model: Annotated[str, typer.Option("--model", help="Model id or champion / 模型")] = "champion",
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Score a table: pd, score, grade, reason_1..3 for every row / 评分."""
    from finseg.ingest import check_output, write_table
    from finseg.risk import points_from_pd
    from finseg.store import (
        CHAMPION,
        get_model,
        load_model,
        read_session,
        require_champion_evidence,
    )
    from finseg.training import load_table
    from finseg.workspace import open_workspace

    check_output(out_path, [data])
    ws = open_workspace(workspace)
    with read_session(ws.engine()) as s:
        if model == CHAMPION:  # its promotion must be in the audit log, checked before unpickling
            require_champion_evidence(s, get_model(s, CHAMPION))
        estimator, record = load_model(s, ws.models_dir, model)
        card, model_id = dict(record.card), record.id
    risk = ws.policy().risk
    ws.close()
    table = load_table(data, None, card["features"])
    pd_ = np.clip(estimator.predict_proba(table.X)[:, 1], risk.master_scale.pd_floor, 1.0)
    scores = (
        estimator.points(table.X)
        if hasattr(estimator, "points")
        else points_from_pd(pd_, risk.scaling)
    )
    result = pd.DataFrame(
        {"pd": pd_, "score": scores, "grade": pd.array(risk.master_scale.grade(pd_), dtype="str")}
    )
    result = pd.concat([result, estimator.reasons(table.X).reset_index(drop=True)], axis=1)
    if table.ids is not None:
        result.insert(0, "customer_id", table.ids.to_numpy())
    result["model"] = model_id
    write_table(result, out_path)
    out.print(f"{len(result):,} 行已评分 / rows scored by {model_id} → {out_path}")
