"""Credit records and the latent default model of the sample.

Credit behaviour is driven by the same latent strength as the statements (plus its own noise),
and ``default_12m`` is a Bernoulli draw from a logit of observable ratios, credit history,
size, stage and industry plus an unobserved part, with the intercept solved so the book's
default rate hits a target.  A PD model fitted on the sample therefore has real, but not
perfect, signal.
"""

from __future__ import annotations

import numpy as np

from finseg.sample._catalog import profile_values
from finseg.sample._lifecycle import stage_index

__all__ = ["credit_history", "default_draw", "latent_logit"]

_TAX_LEVELS = np.array(["A", "B", "M", "C", "D"], dtype=object)
_TAX_EFFECT = {"A": -0.4, "B": 0.0, "M": 0.2, "C": 0.8, "D": 1.3}
_SIZE_EFFECT = np.array([0.5, 0.2, 0.0, -0.5])  # micro, small, medium, large
_STAGE_EFFECT = np.array([0.3, -0.1, -0.3, 0.3, 0.8])  # STAGES order
# Shrinks the observable part so the true PD ranks defaults with an AUC near 0.85 (a strong
# but realistic corporate model) rather than an implausible 0.95.
_SIGNAL = 0.6
_CLASS_EFFECT = {"special_mention": 1.0, "substandard": 1.8, "doubtful": 2.2, "loss": 2.5}


def credit_history(
    rng: np.random.Generator,
    quality: np.ndarray,
    rank: np.ndarray,
    age: np.ndarray,
    bs: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Overdues, lenders, inquiries, litigation, tax rating and loan classification."""
    n = len(quality)
    bad = -(0.7 * quality + 0.7 * rng.standard_normal(n))  # credit behaviour, higher is worse
    overdue = rng.poisson(0.15 * np.exp(1.2 * bad))
    dpd = np.exp(rng.normal(np.log(8) + 0.9 * np.maximum(bad, 0), 0.9))
    dpd = np.where(overdue > 0, np.clip(np.ceil(dpd), 1, 730), 0.0)
    debt = bs["short_term_debt"] + bs["long_term_debt"]
    # Larger firms borrow from more banks; weak firms from more lenders than they need.
    lenders = 1 + rng.poisson(np.choose(rank, [0.2, 0.8, 2.0, 4.5]) + 0.6 * np.maximum(bad, 0))
    guarantees = np.where(
        rng.random(n) < 0.25 + 0.05 * rank,
        np.round(bs["total_assets"] * rng.uniform(0.02, 0.3, n) * np.exp(0.3 * bad), 2),
        0.0,
    )
    return {
        "overdue_count_24m": overdue,
        "max_days_past_due_24m": dpd,
        "outstanding_loans": np.round(debt * rng.uniform(0.7, 1.0, n), 2),
        "lender_count": np.where(debt > 0, lenders, 0),
        "guarantees_given": guarantees,
        "credit_inquiries_6m": rng.poisson(0.6 + 1.2 * np.exp(0.6 * bad)),
        "litigation_count": rng.poisson(0.08 * np.exp(0.9 * bad) * (1 + 0.5 * rank)),
        "tax_credit_rating": _tax_rating(rng, bad, rank, age),
        "loan_classification": _classification(rng, bad, overdue, dpd),
    }


def _tax_rating(
    rng: np.random.Generator, bad: np.ndarray, rank: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """A/B/M/C/D: M is what a newly registered enterprise gets (新设立企业), A the best payers."""
    score = -bad + 0.3 * rank + rng.normal(0, 0.5, len(bad))
    level = np.select([score > 0.9, score > -1.2, score > -1.9, score > -2.4], [0, 1, 2, 3], 4)
    level = np.where((age < 1.5) & (level < 2), 2, level)
    return _TAX_LEVELS[level]


def _classification(
    rng: np.random.Generator, bad: np.ndarray, overdue: np.ndarray, dpd: np.ndarray
) -> np.ndarray:
    """Five-category classification: mostly pass; overdue and stress push it down."""
    stress = bad + rng.normal(0, 0.5, len(bad))
    return np.select(
        [
            (dpd > 360) & (stress > 2.2),
            (dpd > 270) & (stress > 1.9),
            (dpd > 90) & (stress > 1.5),
            ((overdue > 0) & (dpd > 30) & (stress > 0.8)) | (stress > 2.3),
        ],
        ["loss", "doubtful", "substandard", "special_mention"],
        "pass",
    ).astype(object)


def latent_logit(
    industry: np.ndarray,
    rank: np.ndarray,
    stage: np.ndarray,
    cols: dict[str, np.ndarray],
    unobserved: np.ndarray,
) -> np.ndarray:
    """Log-odds of default before the intercept: the 'true' model of the sample."""
    ta = cols["total_assets"]
    lev = cols["total_liabilities"] / ta
    roa = np.clip(cols["net_profit"] / ta, -0.3, 0.3)
    current = np.clip(cols["current_assets"] / np.maximum(cols["current_liabilities"], 1), 0.2, 5)
    ebit = cols["total_profit"] + cols["interest_expense"]
    coverage = np.where(
        cols["interest_expense"] > 0, ebit / np.maximum(cols["interest_expense"], 1), 15
    )
    tax = np.vectorize(_TAX_EFFECT.__getitem__, otypes=[float])(cols["tax_credit_rating"])
    klass = np.vectorize(lambda c: _CLASS_EFFECT.get(c, 0.0), otypes=[float])(
        cols["loan_classification"]
    )
    observed = (
        3.0 * (np.minimum(lev, 1.4) - 0.6)
        - 8.0 * roa
        - 0.5 * np.log(current)
        - 0.08 * np.clip(coverage, -5, 15)
        + 0.6 * np.log1p(cols["overdue_count_24m"])
        + 0.5 * (cols["max_days_past_due_24m"] > 30)
        + 0.25 * np.log1p(cols["credit_inquiries_6m"])
        + 0.3 * (cols["litigation_count"] > 0)
        + tax
        + klass
        + 1.0 * (cols["owners_equity"] < 0)
        + _SIZE_EFFECT[rank]
        + _STAGE_EFFECT[stage_index(stage)]
        + profile_values(industry, "risk")
    )
    return _SIGNAL * observed + unobserved


def default_draw(
    rng: np.random.Generator,
    logit: np.ndarray,
    target_rate: float,
    calibrate_on: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Shift ``logit`` so the mean PD is ``target_rate``; return (PD, default 0/1).

    With ``calibrate_on`` the shift is the one that gives ``calibrate_on`` (the same book
    without a shock) the target rate, so a shock moves the book's default rate.
    """
    base = logit if calibrate_on is None else calibrate_on
    lo, hi = -20.0, 20.0
    for _ in range(60):  # bisection: the mean PD is increasing in the intercept
        mid = (lo + hi) / 2
        if np.mean(_sigmoid(base + mid)) < target_rate:
            lo = mid
        else:
            hi = mid
    pd_ = _sigmoid(logit + (lo + hi) / 2)
    return pd_, (rng.random(len(pd_)) < pd_).astype(np.int8)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
