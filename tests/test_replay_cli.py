"""`finseg policy replay`: the run's own policy replays to zero differences (the acceptance
point); a new decline rule is a rule change with its reason code counted; a changed master
scale, segment rule or expert adjustment is a model change; a bad draft exits 2 with its
line and column."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from finseg.cli import main
from finseg.pipeline import run_pipeline
from finseg.risk._master_scale import default_master_scale
from finseg.sample import generate_portfolio, write_sample
from finseg.store import PolicyVersion, get_run, read_session
from finseg.workspace import init_workspace, open_workspace

PARTS = ("change", "rule", "model")
METRICS = ("approve", "refer", "decline", "granted", "proposed", "expected_loss", "rwa")


def _strict_loads(text: str):
    def refuse(constant: str):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def _make_run(root: Path, n: int, seed: int) -> tuple[Path, str]:
    workspace = init_workspace(root / "ws", language="en")
    data = root / "book.parquet"
    write_sample(generate_portfolio(n, seed=seed), data)
    run_id = run_pipeline(workspace, data, scenario=None).run_id
    workspace.close()
    return workspace.root, run_id


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A workspace with one finished run of 500 customers."""
    return _make_run(tmp_path_factory.mktemp("replaycli"), 500, 8)


def _run_policy_text(ws: Path, run_id: str) -> str:
    """The policy text the run recorded (its policy version), not today's file."""
    workspace = open_workspace(ws)
    try:
        with read_session(workspace.engine()) as s:
            return s.get(PolicyVersion, get_run(s, run_id).policy_version_id).content
    finally:
        workspace.close()


def _draft(tmp_path: Path, data: dict | str) -> Path:
    path = tmp_path / "draft.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def _replay(ws: Path, run_id: str, draft: Path, tmp_path: Path, *extra: str) -> dict:
    target = tmp_path / "replay.json"
    args = ["policy", "replay", "--policy", str(draft), "--run", run_id, "-w", str(ws)]
    assert main([*args, "--json", str(target), *extra]) == 0
    return _strict_loads(target.read_text(encoding="utf-8"))


def _numbers(payload: dict, part: str) -> list:
    blocks = [payload["total"], *payload["segments"].values()]
    return [block[m][part] for block in blocks for m in METRICS]


@pytest.mark.parametrize("full", [False, True])
def test_the_runs_own_policy_replays_to_zero_differences(run, tmp_path, capsys, full) -> None:
    ws, run_id = run
    draft = _draft(tmp_path, _run_policy_text(ws, run_id))
    book = tmp_path / "replay.xlsx"
    extra = ["--out", str(book), *(["--full"] if full else [])]
    payload = _replay(ws, run_id, draft, tmp_path, *extra)
    assert payload["unchanged"] is True
    for part in PARTS:
        assert all(v == 0 for v in _numbers(payload, part)), part
    assert payload["changed_customers"] == {"rule": 0, "model": 0, "total": 0}
    assert payload["decision_changes"] == {"rule": [], "model": [], "total": []}
    assert payload["reason_changes"] == {"rule": [], "model": []}
    assert payload["segment_changes"] == [] and payload["rule_changes"] == []
    assert payload["model_part"] == {"computed": full, "causes": ["full"] if full else []}
    assert payload["scenario"] == "baseline" and payload["total"]["customers"] == 500
    printed = capsys.readouterr().out
    assert "No differences" in printed
    sheets = pd.read_excel(book, sheet_name=None, header=None, engine="calamine")
    assert [name.split()[-1] for name in sheets] == ["Summary", "changes", "changes", "codes",
                                                     "moves"]  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "draft.yaml",
        "replay.json",
        "replay.xlsx",
    ]


def _policy_data(ws: Path, run_id: str) -> dict:
    return yaml.safe_load(_run_policy_text(ws, run_id))


def test_a_new_decline_rule_is_a_rule_change(run, tmp_path, capsys) -> None:
    ws, run_id = run
    data = _policy_data(ws, run_id)
    data["strategy"]["decline"].append({"id": "tax_cd", "zh": "纳税信用 C 或 D",
                                        "en": "Tax credit rating C or D",
                                        "when": "tax_credit_rating IN ('C', 'D')"})  # fmt: skip
    payload = _replay(ws, run_id, _draft(tmp_path, data), tmp_path, "--lang", "zh")
    total = payload["total"]
    assert total["approve"]["rule"] < 0 and total["approve"]["model"] == 0
    assert all(v == 0 for v in _numbers(payload, "model"))
    assert payload["model_part"]["computed"] is False and not payload["unchanged"]
    results = pd.read_parquet(ws / "runs" / run_id / "results.parquet")
    hit = results["tax_credit_rating"].isin(["C", "D"]) & (results["decision"] != "decline")
    codes = {r["code"]: r["customers"] for r in payload["reason_changes"]["rule"]}
    assert codes["+decline:tax_cd"] == hit.sum() > 0
    assert [c["id"] for c in payload["rule_changes"]] == ["tax_cd"]
    printed = capsys.readouterr().out
    assert "+decline:tax_cd" in printed and "新增" in printed


def test_a_changed_master_scale_is_a_model_change(run, tmp_path) -> None:
    ws, run_id = run
    data = _policy_data(ws, run_id)
    scale = default_master_scale().model_dump(mode="json")
    bands = {g["label"]: g for g in scale["grades"]}
    bands["B"]["pd_upper"] = bands["CCC"]["pd_lower"] = 0.03  # CCC from 3 % instead of 6 %
    data.setdefault("risk", {})["master_scale"] = scale
    payload = _replay(ws, run_id, _draft(tmp_path, data), tmp_path)
    assert payload["model_part"] == {"computed": True, "causes": ["risk"]}
    assert payload["changed_customers"]["model"] > 0
    assert any(v != 0 for v in _numbers(payload, "model"))
    assert all(v == 0 for v in _numbers(payload, "rule"))


def test_a_changed_segment_rule_is_a_model_change(run, tmp_path, capsys) -> None:
    ws, run_id = run
    data = _policy_data(ws, run_id)
    data["segments"]["taxonomy"][0]["when"] += " OR debt_to_assets > 0.6"
    payload = _replay(ws, run_id, _draft(tmp_path, data), tmp_path)
    assert payload["model_part"]["causes"] == ["segments"]
    assert payload["total"]["approve"]["model"] < 0
    assert payload["total"]["approve"]["rule"] == 0
    assert any(m["to"] == "high_risk" for m in payload["segment_changes"])
    assert "Every stage re-run (the segments section changed)" in capsys.readouterr().out


def test_an_expert_adjustment_since_the_run_is_a_model_change(tmp_path, capsys) -> None:
    ws, run_id = _make_run(tmp_path, 300, 9)
    for name, role in (("li", "analyst"), ("wang", "approver")):
        assert main(["users", "add", name, "--role", role, "-w", str(ws)]) == 0
    results = pd.read_parquet(ws / "runs" / run_id / "results.parquet")
    customer = results.loc[results["decision"] == "approve", "customer_id"].iloc[0]
    propose = ["override", "propose", "--customer", customer, "--field", "segment", "--to",
               "high_risk", "--reason", "担保链风险", "--by", "li", "-w", str(ws)]  # fmt: skip
    assert main(propose) == 0
    assert main(["override", "approve", "1", "--by", "wang", "-w", str(ws)]) == 0
    capsys.readouterr()
    draft = _draft(tmp_path, _run_policy_text(ws, run_id))
    payload = _replay(ws, run_id, draft, tmp_path)
    assert payload["model_part"]["causes"] == ["overrides"]
    assert payload["segment_changes"] == [{"from": results.set_index("customer_id").loc[
        customer, "segment"], "to": "high_risk", "customers": 1}]  # fmt: skip
    assert payload["changed_customers"] == {"rule": 0, "model": 1, "total": 1}


def test_bad_drafts_exit_2_with_line_and_column(run, tmp_path, capsys) -> None:
    ws, run_id = run
    args = ["policy", "replay", "--run", run_id, "-w", str(ws), "--policy"]
    text = _run_policy_text(ws, run_id)
    broken = text.replace("  refer_at: committee", "  refer_at: board", 1)
    assert broken != text
    line = broken.splitlines().index("  refer_at: board") + 1
    assert main([*args, str(_draft(tmp_path, broken))]) == 2
    err = capsys.readouterr().err
    assert f"draft.yaml:{line}:13: `strategy.refer_at`" in err and "第" in err
    assert main([*args, str(_draft(tmp_path, "name: {zh: 甲, en: [\n"))]) == 2
    assert "draft.yaml:2:1: not valid YAML" in capsys.readouterr().err
    assert main([*args, str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_draft_without_the_runs_scenario_or_an_unknown_run_exits_2(run, tmp_path, capsys):
    ws, _ = run
    workspace = open_workspace(ws)
    upturn = run_pipeline(workspace, ws.parent / "book.parquet", scenario="upturn")
    workspace.close()
    data = _policy_data(ws, upturn.run_id)
    del data["strategy"]["scenarios"]["upturn"]
    draft = str(_draft(tmp_path, data))
    args = ["policy", "replay", "-w", str(ws), "--policy", draft, "--run"]
    assert main([*args, upturn.run_id]) == 2
    err = capsys.readouterr().err
    assert "scenario 'upturn', which the draft policy does not define" in err
    assert main([*args, "no-such-run"]) == 2
    assert "no-such-run" in capsys.readouterr().err
