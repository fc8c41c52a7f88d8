"""Financial statements of one annual period: balance sheet, income statement, cash flows.

Every identity a reviewer checks holds by construction (assets = liabilities + equity,
parts <= totals, interest = debt x rate, tax only on profit); amounts are yuan rounded to fen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finseg.sample._catalog import INDUSTRIES, PROFILES, profile_values
from finseg.sample._lifecycle import stage_index

__all__ = ["Period", "balance_sheet", "cash_flows", "income_statement", "tax_rate"]

# Stage effects, in STAGES order (introduction, growth, mature, shake-out, decline).
_MARGIN_BY_STAGE = np.array([-0.06, 0.01, 0.015, -0.02, -0.06])
_LEVERAGE_BY_STAGE = np.array([0.05, 0.02, -0.03, 0.03, 0.08])


@dataclass
class Period:
    """The drivers of one period: scale, latent strength and stage of every firm."""

    employees: np.ndarray
    revenue: np.ndarray
    assets: np.ndarray
    quality: np.ndarray
    stage: np.ndarray


def _fen(x: np.ndarray) -> np.ndarray:
    return np.round(x, 2)


def _jitter(rng: np.random.Generator, n: int, sd: float) -> np.ndarray:
    return np.exp(rng.normal(0.0, sd, n))


def balance_sheet(
    rng: np.random.Generator, industry: np.ndarray, tech: np.ndarray, p: Period
) -> dict[str, np.ndarray]:
    """Assets, liabilities and equity with every part inside its total."""
    n, q, ta = len(industry), p.quality, p.assets
    lev = profile_values(industry, "leverage") - 0.08 * q + rng.normal(0, 0.08, n)
    lev = np.clip(lev + _LEVERAGE_BY_STAGE[stage_index(p.stage)], 0.05, 0.97)
    # A few distressed firms owe more than they own: negative equity.
    distressed = (q < -1.8) & (rng.random(n) < 0.35)
    lev = np.where(distressed, rng.uniform(1.0, 1.3, n), lev)
    tl = _fen(ta * lev)
    ca_share = profile_values(industry, "ca_share")
    ca = _fen(ta * np.clip(ca_share * _jitter(rng, n, 0.2), 0.05, 0.95))
    mix = np.array([PROFILES[i.profile].mix for i in INDUSTRIES])[industry]
    mix = mix * np.exp(rng.normal(0, 0.3, (n, 3)))
    mix[:, 0] *= np.exp(0.25 * q)  # strong firms hold more cash
    mix = mix * np.minimum(1.0, 0.95 / mix.sum(axis=1))[:, None]  # leave room for other items
    non_current = ta - ca
    cl = _fen(tl * np.clip(0.45 + 0.4 * ca_share - 0.06 * q + rng.normal(0, 0.1, n), 0.3, 1.0))
    # About one firm in eight has no bank or bond debt at all (new to credit).
    no_debt = rng.random(n) < 0.12
    paid_in = np.maximum(ta - tl, 0) * rng.uniform(0.3, 0.8, n) + (p.stage == "introduction") * (
        np.maximum(ta - tl, 0) * 0.4
    )
    return {
        "total_assets": ta,
        "total_liabilities": tl,
        "owners_equity": _fen(ta - tl),
        "current_assets": ca,
        "current_liabilities": cl,
        "cash": _fen(ca * mix[:, 0]),
        "inventory": _fen(ca * mix[:, 1]),
        "accounts_receivable": _fen(ca * mix[:, 2]),
        "fixed_assets": _fen(non_current * rng.uniform(0.35, 0.8, n)),
        "intangible_assets": _fen(
            non_current * np.clip(0.02 + 0.2 * tech * rng.random(n), 0, 0.18)
        ),
        "short_term_debt": np.where(no_debt, 0.0, _fen(cl * rng.uniform(0.15, 0.55, n))),
        "long_term_debt": np.where(no_debt, 0.0, _fen((tl - cl) * rng.uniform(0.2, 0.85, n))),
        "retained_earnings": _fen(ta - tl - paid_in),
    }


def income_statement(
    rng: np.random.Generator,
    industry: np.ndarray,
    p: Period,
    bs: dict[str, np.ndarray],
    small: np.ndarray,
    high_tech: np.ndarray,
    rd_intensity: np.ndarray,
) -> dict[str, np.ndarray]:
    """Costs, interest at a plausible loan rate, profit before and after tax, R&D."""
    n, q, rev = len(industry), p.quality, p.revenue
    gm = np.clip(
        profile_values(industry, "gross_margin") + 0.03 * q + rng.normal(0, 0.04, n), -0.1, 0.9
    )
    ebit_margin = (
        profile_values(industry, "ebit_margin")
        + 0.03 * q
        + _MARGIN_BY_STAGE[stage_index(p.stage)]
        + rng.normal(0, 0.03, n)
    )
    ebit_margin = np.minimum(ebit_margin, gm - 0.01)  # operating profit within gross profit
    # Loan rates: LPR (~3.1 %) plus a spread that grows for small and weak borrowers.
    rate = np.clip(0.034 + 0.008 * small - 0.005 * q + rng.normal(0, 0.004, n), 0.025, 0.09)
    interest = _fen((bs["short_term_debt"] + bs["long_term_debt"]) * rate)
    total_profit = _fen(rev * ebit_margin - interest)
    tax = tax_rate(small, high_tech)
    return {
        "operating_cost": _fen(rev * (1 - gm)),
        "total_profit": total_profit,
        "interest_expense": interest,
        "net_profit": np.where(total_profit > 0, _fen(total_profit * (1 - tax)), total_profit),
        "rd_expense": _fen(rev * rd_intensity),
    }


def tax_rate(small: np.ndarray, high_tech: np.ndarray) -> np.ndarray:
    """Income tax rate: 25 % standard, 15 % for high-tech enterprises, about 5 % effective
    for small and micro ones."""
    return np.where(high_tech, 0.15, np.where(small, 0.05, 0.25))


def cash_flows(
    rng: np.random.Generator, signs: np.ndarray, p: Period, net_profit: np.ndarray
) -> dict[str, np.ndarray]:
    """Net operating, investing and financing cash flows with the stage's signs."""
    n = len(signs)
    cfo = np.abs(net_profit) * rng.uniform(0.5, 1.5, n) + p.revenue * rng.uniform(0.01, 0.06, n)
    cfi = p.assets * rng.uniform(0.01, 0.12, n)
    cff = p.assets * rng.uniform(0.01, 0.10, n)
    # at least one fen so that the sign (and so the Dickinson stage) is never ambiguous
    return {
        name: signs[:, j] * np.maximum(_fen(v), 0.01)
        for j, (name, v) in enumerate((("cfo", cfo), ("cfi", cfi), ("cff", cff)))
    }
