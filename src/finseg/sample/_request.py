"""Innovation profile and the financing request of the sample firms."""

from __future__ import annotations

import numpy as np

from finseg.sample._catalog import INDUSTRIES

__all__ = ["COLLATERAL", "PURPOSES", "financing_request", "innovation"]

PURPOSES = ("working_capital", "fixed_asset", "project", "trade", "refinance", "other")
COLLATERAL = (
    "none",
    "real_estate",
    "equipment",
    "receivables",
    "ip",
    "equity",
    "deposit",
    "guarantee",
    "other",
)
# Purpose weights by kind of business (PURPOSES order).
_PURPOSE_BY_PROFILE = {
    "mfg": (0.45, 0.30, 0.05, 0.10, 0.07, 0.03),
    "mfg_tech": (0.45, 0.30, 0.08, 0.07, 0.07, 0.03),
    "wholesale": (0.55, 0.02, 0.0, 0.30, 0.10, 0.03),
    "retail": (0.60, 0.08, 0.0, 0.20, 0.08, 0.04),
    "build": (0.55, 0.10, 0.20, 0.02, 0.10, 0.03),
    "energy": (0.20, 0.25, 0.40, 0.0, 0.10, 0.05),
    "realestate": (0.10, 0.05, 0.60, 0.0, 0.20, 0.05),
    "environment": (0.25, 0.20, 0.40, 0.0, 0.10, 0.05),
    "leasing": (0.30, 0.45, 0.05, 0.0, 0.15, 0.05),
}
_PURPOSE_DEFAULT = (0.55, 0.15, 0.05, 0.08, 0.10, 0.07)
_TERMS = {  # months a request of each purpose typically runs
    "working_capital": (6, 12, 12, 12, 24, 36),
    "fixed_asset": (24, 36, 36, 60, 60),
    "project": (60, 84, 120, 120, 180),
    "trade": (3, 6, 6, 12),
    "refinance": (12, 24, 36),
    "other": (12, 24),
}
# Collateral value / requested amount, (low, high) per type (COLLATERAL order).
_COVER = np.array(
    [
        (0, 0),
        (1.2, 2.5),
        (0.6, 1.5),
        (1.0, 1.6),
        (0.5, 2.0),
        (1.0, 3.0),
        (1.0, 1.1),
        (0, 0),
        (0.5, 1.5),
    ]
)


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), probs.shape[1] - 1)


def innovation(
    rng: np.random.Generator, tech: np.ndarray, rank: np.ndarray
) -> dict[str, np.ndarray]:
    """High-tech and 专精特新 flags, patents and R&D intensity, all driven by ``tech``."""
    n = len(tech)
    high_tech = rng.random(n) < np.clip(1.6 * tech - 0.25, 0.01, 0.85)
    # 专精特新 is an SME programme: large firms are not eligible.
    specialised = (rank < 3) & (rng.random(n) < np.where(high_tech, 0.25, 0.015) * (0.5 + rank))
    patents = rng.negative_binomial(1.2, 1 / (1 + 0.5 + 25 * tech * (1 + rank) * high_tech))
    patents = patents + rng.poisson(2 * specialised * 5)
    # High-tech status requires R&D of at least 3-5 % of revenue.
    rd = np.where(
        high_tech,
        rng.uniform(0.035, 0.12, n),
        np.where(rng.random(n) < tech, rng.uniform(0.0, 0.02, n), 0.0),
    )
    return {
        "high_tech": high_tech,
        "specialized_sme": specialised,
        "patents": patents,
        "rd_intensity": rd,
    }


def financing_request(
    rng: np.random.Generator,
    industry: np.ndarray,
    rank: np.ndarray,
    tech: np.ndarray,
    revenue: np.ndarray,
    assets: np.ndarray,
) -> dict[str, np.ndarray]:
    """Amount (proportional to scale), term, purpose, collateral type and value."""
    n = len(industry)
    by_profile = np.array(
        [_PURPOSE_BY_PROFILE.get(i.profile, _PURPOSE_DEFAULT) for i in INDUSTRIES]
    )
    purpose = np.asarray(PURPOSES, dtype=object)[_categorical(rng, by_profile[industry])]
    base = np.maximum(0.12 * np.abs(revenue), 0.10 * assets) * np.exp(rng.normal(0, 0.5, n))
    step = np.where(base >= 1e6, 1e5, 1e4)  # bankers ask in round 万 / 十万 amounts
    amount = np.maximum(np.round(base / step) * step, 1e4)
    term = np.zeros(n)
    for name, choices in _TERMS.items():
        rows = np.flatnonzero(purpose == name)
        term[rows] = rng.choice(choices, len(rows))
    kind = _collateral(rng, industry, rank, tech)
    lo, hi = _COVER[kind, 0], _COVER[kind, 1]
    value = np.round(amount * rng.uniform(lo, hi), 2)
    return {
        "requested_amount": amount,
        "requested_term_months": term,
        "loan_purpose": purpose,
        "collateral_type": np.asarray(COLLATERAL, dtype=object)[kind],
        "collateral_value": value,
    }


def _collateral(
    rng: np.random.Generator, industry: np.ndarray, rank: np.ndarray, tech: np.ndarray
) -> np.ndarray:
    """Tech firms pledge patents, manufacturers machines, traders receivables, large firms
    borrow unsecured and micro firms lean on guarantee companies."""
    n = len(industry)
    w = np.tile([0.12, 0.38, 0.06, 0.10, 0.02, 0.04, 0.05, 0.20, 0.03], (n, 1))
    profile = np.array([i.profile for i in INDUSTRIES], dtype=object)[industry]
    w[:, 4] += 0.30 * np.clip(tech - 0.25, 0, None)
    w[:, 2] += 0.15 * np.isin(profile, ["mfg", "mfg_tech", "leasing", "transport"])
    w[:, 3] += 0.15 * np.isin(profile, ["wholesale", "build", "software"])
    w[:, 0] += np.choose(rank, [0.0, 0.03, 0.15, 0.5])
    w[:, 7] += np.choose(rank, [0.2, 0.08, 0.0, 0.0])
    return _categorical(rng, w)
