"""``finseg explain``: one customer's decision, end to end — what a relationship manager or an
approver reads before a conversation: grade and segment, products, each limit cap, security,
review level, the price and its components, covenants, and every rule that fired."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from finseg.cli._app import LangOption, app, check_lang, out
from finseg.cli._workspace import WorkspaceOption

__all__ = ["customer_decision", "explain_command"]


def _value(row: pd.Series, column: str) -> Any:
    value = row.get(column)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value


def _price_parts(row: pd.Series, policy: Any) -> dict[str, float]:
    """The components of the customer's price under the run's policy (before clipping)."""
    from finseg.strategy import price_parts

    strategy, capital = policy.strategy, policy.allocation
    pd_used = max(_value(row, "scenario_pd") or 1.0, capital.pd_floor)
    lgd, k = _value(row, "lgd") or 0.0, _value(row, "capital_k") or 0.0
    product = _value(row, "product")
    spread = strategy.product(product).spread if product in {p.id for p in strategy.products} else 0
    members = set(filter(None, str(_value(row, "programmes") or "").split(",")))
    discount = max((p.price_discount for p in strategy.programmes if p.id in members), default=0)
    return price_parts(pd_used, lgd, k, spread, discount, strategy.pricing, capital)


def customer_decision(results: pd.DataFrame, policy: Any, customer: str, lang: str) -> dict:
    """Everything about one customer's decision, as plain data in ``lang``."""
    from finseg.exceptions import UserError
    from finseg.strategy import CAPS, explain, reason_labels

    rows = results[results["customer_id"].astype(str) == customer]
    if rows.empty:
        raise UserError(
            f"customer {customer!r} is not in this run",
            f"本次运行中没有客户 {customer!r}",
        )
    row = rows.iloc[0]
    labels, side = reason_labels(policy.strategy), 0 if lang == "zh" else 1
    segments = {s.id: s.label(lang) for s in policy.segments.taxonomy}
    eligible = [p for p in str(_value(row, "eligible_products") or "").split(",") if p]
    names = {p.id: p.label(lang) for p in policy.strategy.products}
    covenants = {c.id: c.label(lang) for c in policy.strategy.covenants}
    covenant_ids = [c for c in str(_value(row, "covenants") or "").split(";") if c]
    caps = {c: _value(row, f"cap_{c}") for c in CAPS}
    return {
        "customer_id": customer,
        "customer_name": _value(row, "customer_name"),
        "segment": _value(row, "segment"),
        "segment_name": segments.get(_value(row, "segment"), _value(row, "segment")),
        "grade": _value(row, "grade"),
        "pd": _value(row, "pd"),
        "scenario": _value(row, "scenario"),
        "scenario_grade": _value(row, "scenario_grade"),
        "scenario_pd": _value(row, "scenario_pd"),
        "risk_reasons": [r for r in (_value(row, f"reason_{i}") for i in (1, 2, 3)) if r],
        "rating_basis": _value(row, "rating_basis"),
        "rating_missing": [m for m in str(_value(row, "rating_missing") or "").split(";") if m],
        "eligible_products": [{"id": p, "name": names.get(p, p)} for p in eligible],
        "cap_names": {c: labels[f"cap:{c}"][side] for c in CAPS},
        "product": _value(row, "product"),
        "requested_amount": _value(row, "requested_amount"),
        "limit": _value(row, "limit"),
        "limit_binding": _value(row, "limit_binding"),
        "caps": caps,
        "collateral_required": _value(row, "collateral_required"),
        "collateral_met": _value(row, "collateral_met"),
        "review_level": _value(row, "review_level"),
        "price": _value(row, "price"),
        "price_parts": _price_parts(row, policy),
        "covenants": [covenants.get(c, c) for c in covenant_ids],
        "decision": _value(row, "decision"),
        "reasons": explain(_value(row, "decision_reasons"), policy.strategy, lang),
        "reason_codes": str(_value(row, "decision_reasons") or ""),
    }


def _money(value: Any) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else (
        f"{value:,.0f}")  # fmt: skip


def _print(info: dict, zh: bool) -> None:
    def t(z: str, e: str) -> str:
        return z if zh else e

    name = f" {info['customer_name']}" if info["customer_name"] else ""
    out.print(f"[bold]{info['customer_id']}{name}[/] — {t('客户细分', 'segment')}: "
              f"{info['segment_name']}; {t('评级', 'grade')} {info['grade']} "
              f"(PD {info['pd']:.2%}); {t('情景', 'scenario')} {info['scenario']}: "
              f"{info['scenario_grade']} (PD {info['scenario_pd']:.2%})")  # fmt: skip
    if info["risk_reasons"]:
        out.print(t("主要风险因素：", "Main risk drivers: ") + "; ".join(info["risk_reasons"]))
    if info["rating_basis"]:
        from finseg.risk import RatingBasis

        basis = RatingBasis(info["rating_basis"]).label("zh" if zh else "en")
        missing = ", ".join(info["rating_missing"])
        out.print(t("评级依据：", "Rating basis: ") + basis + (f" ({missing})" if missing else ""))
    products = ", ".join(p["name"] for p in info["eligible_products"]) or "—"
    out.print(t("可准入产品（按推荐顺序）：", "Eligible products, best first: ") + products)
    caps = Table(title=t("额度与上限（元）", "Limit and its caps (yuan)"))
    caps.add_column(t("上限", "Cap"))
    caps.add_column(t("金额", "Amount"), justify="right")
    for cap, value in info["caps"].items():
        mark = " ←" if cap == info["limit_binding"] else ""
        caps.add_row(info["cap_names"][cap] + mark, _money(value))
    caps.add_row(f"[bold]{t('核定额度', 'Limit')}[/]", f"[bold]{_money(info['limit'])}[/]")
    out.print(caps)
    met = t("满足", "met") if info["collateral_met"] else t("不满足", "missing")
    out.print(f"{t('担保要求', 'Security required')}: {info['collateral_required']} ({met}); "
              f"{t('审批层级', 'review level')}: {info['review_level']}")  # fmt: skip
    parts = " + ".join(f"{k} {v:.2%}" for k, v in info["price_parts"].items() if v)
    out.print(f"{t('定价', 'Price')}: {info['price']:.2%} = {parts}")
    if info["covenants"]:
        out.print(t("约束条款：", "Covenants: ") + "; ".join(info["covenants"]))
    out.print(f"[bold]{t('决策', 'Decision')}: {info['decision']}[/]")
    for i, reason in enumerate(info["reasons"], 1):
        out.print(f"  {i}. {reason}")


@app.command("explain")
def explain_command(
    run: Annotated[str, typer.Option("--run", help="Run id / 运行编号")],
    customer: Annotated[str, typer.Option("--customer", help="Customer id / 客户编号")],
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object / 输出 JSON")
    ] = False,
) -> None:
    """One customer's decision and every rule behind it / 单户决策解释."""
    from finseg.runs import run_policy, run_results
    from finseg.workspace import open_workspace

    ws = open_workspace(workspace)
    lang = check_lang(lang or ws.settings.language.value)
    results = run_results(ws, run, ("decision", "decision_reasons"), ("to explain", "无法解释"))
    info = customer_decision(results, run_policy(ws, run), customer, lang)
    ws.close()
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, default=str))
        return
    _print(info, lang == "zh")
