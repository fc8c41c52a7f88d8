"""The strategy stage: a financing decision per customer, explainable end to end.

For every customer, under the run's macro scenario:

1. **Scenario PD and grade** — ``scenario_pd = min(1, pd × multiplier[industry section])``;
   ``scenario_grade`` moves the (possibly expert-adjusted) grade by as many notches as the
   PD moved on the master scale.
2. **Products** — every product whose eligibility rule matches and which is offered to the
   customer's segment, ranked by priority, a programme's dedicated products first for its
   members; the first is recommended.
3. **Limit** — the minimum of the named caps of the recommended product: ``requested``
   (requested amount), ``capacity`` (revenue, working-capital need, cash flow, receivables
   or assets × the scenario's limit scale), ``collateral`` (collateral value × LTV by type ×
   grade factor × (1 − haircut), when the product needs security or sizes by collateral),
   ``regulatory`` (``allocation.single_cap`` × ``allocation.net_capital``) and ``product``
   (its maximum) — rounded down; ``limit_binding`` names the smallest cap.
4. **Collateral, LGD, price** — the security the product asks at the grade (moved by the
   scenario's collateral notches); LGD blends the secured LGD of the collateral type over the
   covered part with the unsecured LGD; price = base rate + PD·LGD + hurdle × IRB K + opex +
   margin + product spread − the largest programme discount, clipped to [min, max].
5. **Review level, covenants, decision** — the highest level of the matching review rules
   (at least the scenario's); covenants whose rules match; decline when a decline rule
   matches, no product is eligible, the grade is worse than the scenario's minimum or the
   limit is below the product's minimum; refer when a refer rule matches, the review level
   reaches ``refer_at`` or the security asked is missing; approve otherwise.
6. **Tightening scenarios** (``tighten: true``) are never more lenient than the baseline:
   limit ≤ baseline limit (cap ``baseline``), review level and decision at least as strict.

``decision_reasons`` lists every rule that fired, in the order above, as codes
(``product:ip_pledge | cap:collateral | review:mid_grade | refer:litigation``);
:func:`explain` turns them into text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from finseg.allocation._policy import AllocationPolicy
from finseg.risk._irb import irb_capital
from finseg.risk._master_scale import MasterScale, default_master_scale
from finseg.rules import compile_rule, evaluate, known_columns
from finseg.strategy._policy import (
    CapacityBasis,
    CollateralLevel,
    PricingPolicy,
    ProductDef,
    ReviewLevel,
    Scenario,
    StrategyPolicy,
)
from finseg.strategy._reasons import Reasons, patterns

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["CAPS", "DECISIONS", "STRATEGY_OUTPUT", "price_parts", "strategy_stage"]

#: The named caps of a limit, in the order they are reported.
CAPS = ("requested", "capacity", "collateral", "regulatory", "product")
#: Decisions from the most to the least favourable.
DECISIONS = ("approve", "refer", "decline")
#: The columns the stage adds.
STRATEGY_OUTPUT = (
    "scenario", "scenario_pd", "scenario_grade", "eligible_products", "product", "limit",
    "limit_binding", *(f"cap_{c}" for c in CAPS), "collateral_required", "collateral_met",
    "review_level", "lgd", "maturity_years", "capital_k", "price", "expected_loss", "rwa",
    "programmes", "covenants", "decision", "decision_reasons",
)  # fmt: skip
_LEVELS = list(ReviewLevel)
_SECURITY = list(CollateralLevel)


def _num(df: pd.DataFrame, column: str) -> np.ndarray:
    if column not in df:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[column], errors="coerce").astype(float).to_numpy(na_value=np.nan)


def _codes(df: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (−1: missing) and the distinct values of a text column."""
    if column not in df:
        return np.full(len(df), -1), np.array([], dtype=object)
    codes, uniques = pd.factorize(df[column], use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _lookup(df: pd.DataFrame, column: str, table: Callable[[Any], float], missing: float):
    """``table(value)`` per row, computed once per distinct value; ``missing`` where empty."""
    codes, uniques = _codes(df, column)
    values = np.array([float(table(u)) for u in uniques] + [missing], dtype=float)
    return values[codes]


def _is_in(df: pd.DataFrame, column: str, allowed: Iterable[str]) -> np.ndarray:
    allowed = set(allowed)
    return _lookup(df, column, lambda v: v in allowed, 0.0).astype(bool)


def _grade_index(scale: MasterScale, pd_: np.ndarray) -> np.ndarray:
    """The position of each PD's grade on the scale (the default grade for PD ≥ 1)."""
    lowers = np.array([g.pd_lower for g in scale.grades[:-1]])
    index = np.searchsorted(lowers, pd_, side="right") - 1
    return np.where(pd_ >= 1, len(lowers), index)


def _scenario_grades(
    df: pd.DataFrame, scn: Scenario, scale: MasterScale
) -> tuple[np.ndarray, np.ndarray]:
    """``scenario_pd`` and the scenario grade's position on the scale (−1: no grade)."""
    labels = scale.labels
    pd_ = _num(df, "pd")
    spd = np.minimum(pd_ * _lookup(df, "industry_section", scn.multiplier, scn.multiplier(None)),
                     1.0)  # fmt: skip
    position = _lookup(df, "grade", lambda g: labels.index(g) if g in labels else -1, -1)
    position = position.astype(int)
    known = ~np.isnan(pd_)
    moved = np.zeros(len(df), dtype=int)
    moved[known] = _grade_index(scale, spd[known]) - _grade_index(scale, pd_[known])
    default = len(labels) - 1
    shifted = np.where(position == default, default, np.clip(position + moved, 0, default - 1))
    return spd, np.where(position < 0, -1, shifted)


def _category(values: np.ndarray, codes: np.ndarray) -> pd.Categorical:
    """``values[codes]`` as a categorical (code −1: missing) without a per-row string."""
    cat = pd.Categorical(values)
    mapped = np.append(cat.codes, -1)[codes]
    return pd.Categorical.from_codes(mapped, categories=cat.categories)


def _rules(cfg: StrategyPolicy, kind: str):
    columns = known_columns()
    if kind == "first":
        return [compile_rule(f"product__{p.id}", p.when, columns) for p in cfg.products] + [
            compile_rule(f"programme__{p.id}", p.when, columns) for p in cfg.programmes
        ]
    groups = (("review", cfg.review), ("decline", cfg.decline), ("refer", cfg.refer),
              ("covenant", cfg.covenants))  # fmt: skip
    return [compile_rule(f"{g}__{r.id}", r.when, columns) for g, rules in groups for r in rules]


def _capacity(df: pd.DataFrame, product: ProductDef) -> np.ndarray:
    """The capacity cap of ``product`` for every customer (NaN: the product has none)."""
    rule, n = product.capacity, len(df)
    if rule.basis is CapacityBasis.COLLATERAL:
        return np.full(n, np.nan)
    revenue = _num(df, "operating_revenue")
    if rule.basis is CapacityBasis.WORKING_CAPITAL:
        margin = np.clip(np.nan_to_num(_num(df, "net_margin")), 0, 1)
        growth = np.clip(np.nan_to_num(_num(df, "revenue_growth")), 0, rule.max_growth)
        value = revenue * (1 - margin) * (1 + growth) / rule.turnover
        value = value - np.nan_to_num(_num(df, "short_term_debt"))
    else:
        column = {CapacityBasis.REVENUE: "operating_revenue", CapacityBasis.CASH_FLOW: "cfo",
                  CapacityBasis.RECEIVABLES: "accounts_receivable",
                  CapacityBasis.TOTAL_ASSETS: "total_assets"}[rule.basis]  # fmt: skip
        value = rule.multiple * _num(df, column)
    if rule.net_of_outstanding:
        value = value - np.nan_to_num(_num(df, "outstanding_loans"))
    return np.maximum(np.nan_to_num(value, nan=0.0), 0.0)  # an unknown basis: no capacity


def price_parts(
    pd_used: Any,
    lgd: Any,
    k: Any,
    spread: Any,
    discount: Any,
    pricing: PricingPolicy,
    capital: AllocationPolicy,
) -> dict[str, Any]:
    """The components of a price (scalars or arrays), in order; their sum clipped to
    ``[pricing.min_rate, pricing.max_rate]`` is the price.

    >>> parts = price_parts(0.02, 0.45, 0.08, 0.0, 0.003, PricingPolicy(), AllocationPolicy())
    >>> round(sum(parts.values()), 4), list(parts)[:3]
    (0.06, ['base_rate', 'expected_loss', 'capital'])
    """
    return {
        "base_rate": pricing.base_rate,
        "expected_loss": pd_used * lgd,
        "capital": capital.hurdle_rate * k,
        "opex": capital.opex_rate,
        "margin": pricing.margin,
        "product_spread": spread,
        "programme_discount": -discount,
    }


def _decide(
    df: pd.DataFrame,
    cfg: StrategyPolicy,
    scn_id: str,
    capital: AllocationPolicy,
    scale: MasterScale,
) -> tuple[pd.DataFrame, Reasons]:
    n, scn, pricing = len(df), cfg.scenario(scn_id), cfg.pricing
    reasons = Reasons(n)
    spd, gpos = _scenario_grades(df, scn, scale)
    grades = np.array(scale.labels, dtype=object)
    sgrade = _category(grades, gpos)
    work = df.assign(scenario_pd=spd, scenario_grade=sgrade)

    # 2. products and programmes
    hits = evaluate(_rules(cfg, "first"), work).to_numpy(bool)
    n_prod = len(cfg.products)
    eligible, member = hits[:, :n_prod].copy(), hits[:, n_prod:]
    for k, product in enumerate(cfg.products):
        if product.segments:
            eligible[:, k] &= _is_in(df, "segment", product.segments)
    rank = np.array([p.priority for p in cfg.products], dtype=float)
    dedicated = np.zeros((n, n_prod), dtype=bool)
    for j, prog in enumerate(cfg.programmes):
        for pid in prog.products:
            dedicated[:, [p.id for p in cfg.products].index(pid)] |= member[:, j]
    has_product = eligible.any(axis=1)
    ids = np.array([p.id for p in cfg.products], dtype=object)

    # 3. every product's caps and limit; the best product that can lend is recommended
    cvalue = np.nan_to_num(_num(df, "collateral_value"))
    ltv_type = _lookup(df, "collateral_type", lambda t: pricing.ltv.get(t, 0.0), 0.0)
    factors = np.array([pricing.ltv_grade_factor.get(g, 0.0) for g in scale.labels] + [0.0])
    ltv = ltv_type * factors[gpos] * (1 - scn.ltv_haircut)
    worst = len(scale.labels) - 1
    notch = np.where(gpos < 0, worst, np.minimum(gpos + scn.collateral_notches, worst))
    held = {"none": 0, "guarantee": 1}  # any other type is a pledge or mortgage
    have = _lookup(df, "collateral_type", lambda t: held.get(t, 2), 0).astype(int)
    have = np.where((have == 2) & (cvalue <= 0), 0, have)
    requested = _num(df, "requested_amount")
    regulatory = np.nan
    if capital.net_capital is not None and capital.single_cap is not None:
        regulatory = capital.single_cap * capital.net_capital
    capacity = np.empty((n, n_prod))
    collateral = np.full((n, n_prod), np.nan)
    need = np.empty((n, n_prod), dtype=int)
    limits = np.empty((n, n_prod))
    for k, product in enumerate(cfg.products):
        capacity[:, k] = _capacity(df, product) * scn.limit_scale
        table = np.array([product.required(i).rank for i in range(len(scale.labels))])
        need[:, k] = table[notch]
        by_collateral = product.capacity.basis is CapacityBasis.COLLATERAL
        secured = (need[:, k] == CollateralLevel.SECURED.rank) | by_collateral
        collateral[secured, k] = cvalue[secured] * ltv[secured]
        # the smallest cap that applies (fmin skips NaN = "does not apply"); none: no limit
        smallest = np.fmin(np.fmin(requested, capacity[:, k]), collateral[:, k])
        for bound in (regulatory, product.max_amount):
            if bound is not None and not np.isnan(bound):
                smallest = np.fmin(smallest, bound)
        smallest = np.nan_to_num(smallest, nan=0.0)
        limits[:, k] = np.floor(smallest / pricing.rounding) * pricing.rounding
    floor = np.maximum([p.min_amount for p in cfg.products], pricing.rounding)
    viable = eligible & (limits >= floor)
    served = have[:, None] >= need
    key = rank - 1e6 * dedicated - 1e8 * served - 1e9 * viable
    chosen = np.where(has_product, np.where(eligible, key, np.inf).argmin(axis=1), -1)
    reasons.add("product", ids, chosen)
    reasons.flags("programme", [p.id for p in cfg.programmes], member)
    rows, pick = np.arange(n), np.maximum(chosen, 0)
    caps = np.column_stack([requested, capacity[rows, pick], collateral[rows, pick],
                            np.full(n, regulatory),
                            np.array([np.nan if p.max_amount is None else p.max_amount
                                      for p in cfg.products])[pick]])  # fmt: skip
    caps[~has_product] = np.nan
    need_c = need[rows, pick]
    met = have >= need_c
    binding = np.where(np.isnan(caps), np.inf, caps).argmin(axis=1)
    limit = np.where(has_product, limits[rows, pick], 0.0)
    reasons.add("cap", np.array(CAPS, dtype=object), np.where(has_product, binding, -1))
    reasons.add("collateral", np.array([s.value for s in _SECURITY], dtype=object),
                np.where(has_product, need_c, -1))  # fmt: skip
    reasons.mark("collateral_short", has_product & ~met)

    # 4. LGD, maturity, capital and price
    covered = np.clip(np.divide(cvalue * ltv, limit, out=np.zeros(n), where=limit > 0), 0, 1)
    unsecured = pricing.lgd_unsecured
    lgd_sec = _lookup(df, "collateral_type", lambda t: pricing.lgd_secured.get(t, unsecured),
                      unsecured)  # fmt: skip
    lgd = pricing.lgd_unsecured - (pricing.lgd_unsecured - lgd_sec) * covered
    tenors = np.array([p.tenor_months for p in cfg.products] + [(12, 12)], dtype=float)
    months = _num(df, "requested_term_months")
    lo, hi = tenors[chosen, 0], tenors[chosen, 1]
    maturity = np.clip(np.where(np.isnan(months), np.maximum(lo, 12.0), months), lo, hi) / 12
    p_used = np.where(np.isnan(spd), 1.0, np.maximum(spd, capital.pd_floor))
    sales = _num(df, "operating_revenue") / capital.cny_per_eur / 1e6
    k_irb = irb_capital(p_used, lgd, np.clip(maturity, 1.0, 5.0), sales, capital.pd_floor)["K"]
    k_irb = k_irb.to_numpy()
    discount = np.max(np.where(member, [p.price_discount for p in cfg.programmes], 0.0),
                      axis=1, initial=0.0)  # fmt: skip
    spreads = np.array([p.spread for p in cfg.products] + [0.0])[chosen]
    parts = price_parts(p_used, lgd, k_irb, spreads, discount, pricing, capital)
    price = np.clip(sum(parts.values()), pricing.min_rate, pricing.max_rate)

    out = pd.DataFrame(index=df.index)
    out["scenario"] = pd.Categorical.from_codes(np.zeros(n, dtype=int), categories=[scn_id])
    out["scenario_pd"], out["scenario_grade"] = spd, sgrade
    out["eligible_products"] = _ranked(ids, eligible, rank, viable, served, dedicated)
    out["product"] = _category(ids, chosen)
    out["limit"] = limit
    out["limit_binding"] = np.where(has_product, binding, -1)  # a category at the end
    for j, cap in enumerate(CAPS):
        out[f"cap_{cap}"] = caps[:, j]
    security = np.array([lv.value for lv in _SECURITY], dtype=object)
    out["collateral_required"] = _category(security, np.where(has_product, need_c, -1))
    out["collateral_met"] = met
    out["lgd"], out["maturity_years"], out["capital_k"], out["price"] = lgd, maturity, k_irb, price
    out["programmes"] = _ranked(np.array([p.id for p in cfg.programmes], dtype=object),
                                member, np.arange(member.shape[1], dtype=float))  # fmt: skip

    # 5. review, covenants, decline / refer, on the frame with everything computed so far
    later = evaluate(_rules(cfg, "later"), pd.concat([work.drop(columns=[
        c for c in out.columns if c in work.columns]), out], axis=1)).to_numpy(bool)  # fmt: skip
    nr, nd, nf = len(cfg.review), len(cfg.decline), len(cfg.refer)
    review_hits, decline_hits = later[:, :nr], later[:, nr : nr + nd]
    refer_hits, covenant_hits = later[:, nr + nd : nr + nd + nf], later[:, nr + nd + nf :]
    level_rank = np.array([r.level.rank for r in cfg.review], dtype=int)
    review = np.max(np.where(review_hits, level_rank, 0), axis=1, initial=0)
    review = np.maximum(review, scn.min_review_level.rank)
    reasons.flags("review", [r.id for r in cfg.review], review_hits)
    reasons.flags("covenant", [r.id for r in cfg.covenants], covenant_hits)

    below_grade = np.zeros(n, dtype=bool)
    if scn.min_grade is not None:
        below_grade = gpos > scale.labels.index(scn.min_grade)
    mins = np.array([p.min_amount for p in cfg.products] + [0.0])[chosen]
    too_small = has_product & ((limit <= 0) | (limit < mins))
    reasons.flags("decline", [r.id for r in cfg.decline], decline_hits)
    reasons.mark("decline:no_grade", gpos < 0)
    reasons.mark("decline:below_min_grade", below_grade)
    reasons.mark("decline:no_product", ~has_product)
    reasons.mark("decline:limit_below_minimum", too_small)
    decline = decline_hits.any(axis=1) | below_grade | ~has_product | too_small | (gpos < 0)
    committee = review >= cfg.refer_at.rank
    reasons.flags("refer", [r.id for r in cfg.refer], refer_hits)
    reasons.mark("refer:review_level", committee & ~decline)
    reasons.mark("refer:collateral_short", has_product & ~met & ~decline)
    refer = refer_hits.any(axis=1) | committee | (has_product & ~met)
    decision = np.where(decline, 2, np.where(refer, 1, 0))
    out["review_level"] = review
    out["decision"] = decision
    out.loc[decline, "limit"] = 0.0
    return out, reasons


def _ranked(ids: np.ndarray, hits: np.ndarray, rank: np.ndarray, *tiers: np.ndarray
            ) -> pd.Categorical:  # fmt: skip
    """Comma-joined ids of the set bits of each row, best first: by the ``tiers`` (boolean
    matrices, the first weighs most; set is better), then ``rank`` (lower first).  The text is
    built once per distinct pattern, not per customer."""
    n, width = hits.shape
    if n == 0 or width == 0:
        return pd.Categorical([""] * n)
    first, inverse = patterns(np.hstack([hits, *tiers]))
    texts = []
    for row in first:
        key = rank - sum(10.0 ** (9 - j) * tier[row] for j, tier in enumerate(tiers))
        order = np.argsort(key, kind="stable")
        texts.append(",".join(ids[order][hits[row][order]]))
    return _category(np.array(texts, dtype=object), inverse)


def strategy_stage(
    df: pd.DataFrame,
    cfg: StrategyPolicy | None = None,
    *,
    capital: AllocationPolicy | None = None,
    scale: MasterScale | None = None,
    scenario: str | None = None,
) -> pd.DataFrame:
    """``df`` with the decision columns (:data:`STRATEGY_OUTPUT`) added.

    Parameters
    ----------
    df : DataFrame
        Customers after the features, risk and segments stages.
    cfg : StrategyPolicy, optional
        The policy's ``strategy`` section (default: the shipped one).
    capital : AllocationPolicy, optional
        The ``allocation`` section: hurdle rate, opex, PD floor, the EUR rate of the IRB SME
        adjustment, and the regulatory single-customer cap (``single_cap`` × ``net_capital``).
    scale : MasterScale, optional
        The master scale that re-grades scenario PDs (``risk.master_scale``).
    scenario : str, optional
        A scenario id of ``cfg.scenarios`` (default: ``cfg.default_scenario``).

    Raises
    ------
    UserError
        An unknown scenario, or a rule that reads a column the frame lacks.
    """
    # a stored run's decisions are never read back as inputs of the new ones
    df = df.drop(columns=[c for c in STRATEGY_OUTPUT if c in df.columns])
    cfg = cfg or StrategyPolicy()
    capital = capital or AllocationPolicy()
    scale = scale or default_master_scale()
    scn_id = scenario or cfg.default_scenario
    scn = cfg.scenario(scn_id)
    out, reasons = _decide(df, cfg, scn_id, capital, scale)
    if scn.tighten and scn_id != "baseline":
        base, _ = _decide(df, cfg, "baseline", capital, scale)
        capped = out["limit"].to_numpy() > base["limit"].to_numpy()
        out["limit"] = np.minimum(out["limit"].to_numpy(), base["limit"].to_numpy())
        out.loc[capped, "limit_binding"] = len(CAPS)
        reasons.mark("cap:baseline", capped)
        stricter_review = base["review_level"].to_numpy() > out["review_level"].to_numpy()
        reasons.mark("review:baseline", stricter_review)
        out["review_level"] = np.maximum(out["review_level"], base["review_level"])
        stricter = base["decision"].to_numpy() > out["decision"].to_numpy()
        reasons.mark("decision:baseline", stricter)
        out["decision"] = np.maximum(out["decision"], base["decision"])
        out.loc[out["decision"].to_numpy() == 2, "limit"] = 0.0
    level = np.array([lv.value for lv in _LEVELS], dtype=object)
    out["review_level"] = _category(level, out["review_level"].to_numpy())
    bindings = np.array([*CAPS, "baseline"], dtype=object)
    out["limit_binding"] = _category(bindings, out["limit_binding"].to_numpy())
    limit = out["limit"].to_numpy()
    p_used = np.maximum(np.nan_to_num(out["scenario_pd"].to_numpy(), nan=1.0), capital.pd_floor)
    out["expected_loss"] = p_used * out["lgd"].to_numpy() * limit
    out["rwa"] = 12.5 * out["capital_k"].to_numpy() * limit
    out["covenants"] = reasons.joined("covenant:", sep=";")
    code = out["decision"].to_numpy()
    out["decision"] = _category(np.array(DECISIONS, dtype=object), code)
    out["decision_reasons"] = reasons.text()
    clash = [c for c in out.columns if c in df.columns]
    return pd.concat([df.drop(columns=clash), out[list(STRATEGY_OUTPUT)]], axis=1)
