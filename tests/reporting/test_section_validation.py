"""The model-validation section: from model cards, in both languages, HTML and Excel, and
end to end from `finseg train` through `finseg run` to `finseg report`."""

from __future__ import annotations

import json
import re
import zipfile

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from finseg.cli import main
from finseg.reporting import (
    ReportContext,
    build_sections,
    registered_sections,
    render_html,
    render_xlsx,
)
from finseg.reporting._section_validation import validation_section
from finseg.sample import generate_portfolio, write_sample
from finseg.workspace import init_workspace

GRADES = {  # deliberately out of master-scale order
    "BB": {"n": 300, "mean_pd": 0.02, "defaults": 9, "odr": 0.03, "binomial_p": 0.09,
           "jeffreys_p": 0.08, "traffic_light": "green"},
    "AAA": {"n": 100, "mean_pd": 0.001, "defaults": 0, "odr": 0.0, "binomial_p": 1.0,
            "jeffreys_p": 0.7, "traffic_light": "green"},
    "CCC": {"n": 100, "mean_pd": 0.2, "defaults": 31, "odr": 0.31, "binomial_p": 0.004,
            "jeffreys_p": 0.003, "traffic_light": "red"},
}  # fmt: skip


def full_card() -> dict:
    curve = [{"n": 50, "mean_pd": 0.01 * (i + 1), "odr": 0.012 * (i + 1)} for i in range(10)]
    metrics = {
        "auc": 0.8123, "gini": 0.6246, "ks": 0.45, "brier": 0.061, "log_loss": 0.2345,
        "rows": 500, "default_rate": 0.08,
        "cv": {"auc_mean": 0.801, "auc_std": 0.012, "folds": [0.79, 0.80, 0.813],
               "scheme": "time", "k": 3},
        "psi_train_test": {"mean": 0.05, "max": 0.12, "folds": [0.02, 0.12, 0.30]},
        "calibration_curve": curve,
        "grades": {"per_grade": GRADES,
                   "hosmer_lemeshow": {"statistic": 7.25, "p_value": 0.064, "df": 3},
                   "hhi": 0.44},
        "segments": {"column": "lifecycle_stage", "min_defaults": 30, "rows": [
            {"segment": "growth", "n": 300, "defaults": 25, "pooled_auc": 0.78,
             "segment_auc": 0.81, "chosen": "segment", "reason": "higher CV AUC"},
            {"segment": "mature", "n": 200, "defaults": 12, "pooled_auc": 0.75,
             "segment_auc": None, "chosen": "pooled", "reason": "too few defaults"}]},
        "selection": {"candidates": {"scorecard": 0.801, "gbm": 0.795}, "chosen": "scorecard",
                      "reason": "simpler at equal AUC"},
        "central_tendency": {"target": 0.03, "sample_rate": 0.08, "offset": -1.03},
    }  # fmt: skip
    return {
        "params": {"kind": "scorecard"},
        "training_sha256": "abcdef0123456789" * 4,
        "created_at": "2026-11-26T10:00:00+00:00",
        "metrics": metrics,
    }


def _ctx(lang: str, card: dict | None = None) -> ReportContext:
    return ReportContext(lang=lang, models={"sc1": card or full_card()})


def _table(section, title: str):
    (table,) = [tbl for tbl in section.tables if tbl.title == title]
    return table.frame


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_full_card_gives_every_table_and_the_calibration_chart(lang):
    ctx = _ctx(lang)
    section = validation_section(ctx)
    titles = [tbl.title for tbl in section.tables]
    keys = ["headline", "folds", "calibration", "grades", "segments", "selection"]
    assert titles == [ctx.t(f"validation.table.{k}") for k in keys]
    assert section.title(lang) == ("模型验证" if lang == "zh" else "Model validation")

    headline = _table(section, ctx.t("validation.table.headline"))
    assert headline.iloc[:, 1].tolist() == [0.8123, 0.6246, 0.45, 0.061, 0.2345, 0.801, 0.05, 0.12]
    notes = headline.iloc[:, 2].tolist()
    assert notes[5] == (
        "标准差 0.012，3 折按时间" if lang == "zh" else "± 0.012, 3-fold time-ordered"
    )
    assert notes[6:] == (["🟢 绿", "🟡 黄"] if lang == "zh" else ["🟢 Green", "🟡 Amber"])

    folds = _table(section, ctx.t("validation.table.folds"))
    assert folds.iloc[:, 1].tolist() == [0.79, 0.80, 0.813]
    assert folds.iloc[:, 3].str[0].tolist() == ["🟢", "🟡", "🔴"]

    (chart,) = section.charts
    assert chart.id == "calibration" and chart.excel.kind == "column"
    series = chart.option["series"]
    assert series[0]["data"][0] == [0, 0] and series[0]["data"][1][0] == series[0]["data"][1][1]
    assert series[1]["data"][0] == [1.0, 1.2] and len(series[1]["data"]) == 10
    assert chart.excel.categories[0] == "1.00%" and chart.excel.values[-1] == 12.0
    json.dumps(chart.option, allow_nan=False)
    calibration = _table(section, ctx.t("validation.table.calibration"))
    assert calibration.shape == (10, 4) and calibration.iloc[9, 3] == pytest.approx(0.12)

    grades = _table(section, ctx.t("validation.table.grades"))
    assert grades.iloc[:, 0].tolist() == ["AAA", "BB", "CCC"]  # master-scale order
    assert grades.iloc[:, 1].tolist() == [100, 300, 100]
    assert grades.iloc[:, 2].tolist() == [0.2, 0.6, 0.2]
    assert grades.iloc[2, 7] == 0.003
    assert grades.iloc[:, -1].tolist()[-1] == ("🔴 红" if lang == "zh" else "🔴 Red")

    segments = _table(section, ctx.t("validation.table.segments"))
    assert segments.iloc[:, 0].tolist() == ["growth", "mature"]
    assert segments.iloc[:, 4].tolist()[0] == 0.81 and pd.isna(segments.iloc[1, 4])
    assert segments.iloc[:, 5].tolist() == (
        ["分群模型", "合并模型"] if lang == "zh" else ["Segment model", "Pooled model"]
    )
    selection = section.tables[-1]
    assert selection.frame.iloc[:, 1].tolist() == [0.801, 0.795]
    assert selection.frame.iloc[0, 2].startswith("✓") and selection.frame.iloc[1, 2] == ""
    assert "simpler at equal AUC" in selection.note

    text = section.narrative
    assert "sc1" in text and re.search("SHA-256 abcdef012345[。.]", text)
    assert "2026-11-26 10:00 UTC" in text
    assert "500" in text and "8.00%" in text and "7.250" in text and "0.064" in text
    assert "0.440" in text and "3.00%" in text and "-1.030" in text and "lifecycle_stage" in text
    if lang == "zh":
        assert "评分卡" in text and "3 折按时间交叉验证" in text and "Hosmer–Lemeshow" in text
    else:
        assert "(scorecard)" in text and "3-fold time-ordered cross-validation" in text


def test_a_card_without_optional_keys_gives_only_the_headline():
    card = {"params": {"kind": "gbm"}, "metrics": {"auc": 0.7, "gini": 0.4, "ks": 0.3,
                                                   "brier": 0.05}}  # fmt: skip
    section = validation_section(_ctx("en", card))
    assert [tbl.title for tbl in section.tables] == ["Discrimination and stability"]
    frame = section.tables[0].frame
    assert frame.columns.tolist() == ["Metric", "Value"]  # no notes: no note column
    assert frame["Value"].tolist() == [0.7, 0.4, 0.3, 0.05]
    assert section.charts == [] and "gradient boosting" in section.narrative


def test_no_model_with_metrics_means_no_section():
    assert validation_section(ReportContext(lang="zh")) is None
    assert validation_section(_ctx("zh", {"params": {"kind": "gbm"}, "metrics": {}})) is None
    assert "validation" not in [s.key for s in build_sections(ReportContext(lang="en"))]


def test_section_follows_risk_and_titles_name_each_of_several_models():
    ctx = ReportContext(lang="en", models={"a": full_card(), "b": full_card()})
    section = validation_section(ctx)
    assert [c.id for c in section.charts] == ["calibration-1", "calibration-2"]
    assert section.tables[0].title == "Discrimination and stability (model a)"
    keys = [key for key, _ in registered_sections()]
    assert keys[keys.index("risk") + 1] == "validation"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_and_excel_carry_the_section(tmp_path, lang):
    ctx = _ctx(lang)
    html = render_html(ctx, tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="sec-validation"' in html and "chart-validation-calibration" in html
    assert ctx.t("validation.table.grades") in html and "🔴" in html
    path = render_xlsx(ctx, tmp_path / "r.xlsx")
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        ctx.t("section.validation.title")
    )
    cells = {c for row in sheet.to_python() for c in row if c != ""}
    assert (
        ctx.t("validation.table.calibration") in cells and ctx.t("validation.table.grades") in cells
    )
    assert {"AAA", "CCC", "growth", 0.8123, 0.003} <= cells
    with zipfile.ZipFile(path) as z:  # the calibration chart is a native Excel chart
        assert [n for n in z.namelist() if n.startswith("xl/charts/chart")]


def test_train_run_report_end_to_end(tmp_path, capsys, login_as):
    workspace = init_workspace(tmp_path / "ws")
    ws, runs_dir = workspace.root, workspace.runs_dir
    workspace.close()
    data = tmp_path / "book.parquet"
    write_sample(generate_portfolio(1500, seed=5), data)
    train = ["train", "--data", str(data), "--cv", "3", "--name", "sc1", "-w", str(ws)]
    login_as(ws, "li")  # li trains, wang (an approver) promotes: the champion grades the run
    assert main(train) == 0
    login_as(ws, "wang", "approver")
    assert main(["models", "promote", "sc1", "-w", str(ws)]) == 0
    capsys.readouterr()
    assert main(["run", "--data", str(data), "-w", str(ws), "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_id"]
    for lang, title in (("zh", "模型验证"), ("en", "Model validation")):
        args = ["report", run_id, "-w", str(ws), "--lang", lang, "--format", "html"]
        assert main(args) == 0
        html = (runs_dir / run_id / "report.html").read_text(encoding="utf-8")
        assert re.search(rf"<h2>\d+\. {title}</h2>", html), lang
        assert "sc1" in html
