"""An optional downturn shock (经济下行冲击) on the latest snapshot(s) of the sample.

The shock is applied to one period's generated columns, after the seeded draws of the
portfolio and with a random stream of its own, so that the firms it does not hit keep exactly
the figures they have without it, and a portfolio built without a shock is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from finseg.exceptions import UserError
from finseg.sample._statements import tax_rate

__all__ = ["Downturn", "shock", "shock_rng"]

_STREAM = 0xD0C  # mixed into the seed: the shock's own random stream
_CLASSES = np.array(["pass", "special_mention", "substandard", "doubtful", "loss"], dtype=object)


@dataclass(frozen=True)
class Downturn:
    """A downturn that hits some industries in the latest ``periods`` snapshots.

    Parameters
    ----------
    industries : tuple of str
        GB/T 4754-2017 code prefixes of the industries hit: a section letter (``"K"``) or a
        section with its division (``"C30"``).  The default is a property-led downturn: real
        estate (K), construction (E), the building-materials and steel makers that supply them
        (C30, C31) and building-materials traders (F5165) — about 18 % of the sample book.
    severity : float
        Scales every effect; 1 gives the sizes below (0 < severity <= 3).
    periods : int
        Number of latest snapshots hit (each one independently, from its own figures).

    Notes
    -----
    At severity 1, for each firm hit: revenue falls by 15 % on average (firm by firm
    N(15 %, 8 %), within 0-60 %) and R&D with it; the gross margin loses 2-6 points and the
    operating margin 3-9 points, so that many firms turn loss-making; liabilities grow by 4-12 %
    of assets as new current liabilities, 60 % of them bank debt for firms that borrow (at
    their own interest rate), with owners' equity and retained earnings lower by as much
    (assets unchanged, so assets = liabilities + equity still holds); receivables grow by
    20-60 %, paid for out of cash (receivable days lengthen); operating cash flow weakens by
    30-70 % (its sign, and so the Dickinson stage, is kept); about one firm in five — more of
    the weak ones — falls newly overdue (1-3 events, 15-720 days, median 40), which moves its
    five-category classification to special mention (over 30 days) or, for half of those over
    90 days, substandard; credit inquiries and litigation rise.  ``default_12m`` follows from
    the latent default model on the shocked figures, with its intercept set on the figures
    without the shock, so the book's default rate rises rather than being re-normalised.

    Examples
    --------
    >>> d = Downturn()
    >>> d.hits(["K7010", "C3011", "C3484", "F5165", "F5211"]).tolist()
    [True, True, False, True, False]
    """

    industries: tuple[str, ...] = ("E", "K", "C30", "C31", "F5165")
    severity: float = 1.0
    periods: int = 1

    def __post_init__(self) -> None:
        bad = [c for c in self.industries if not (isinstance(c, str) and c[:1].isupper())]
        if not self.industries or bad:
            raise UserError(
                f"downturn industries must be GB/T 4754 code prefixes such as 'K' or 'C30', "
                f"got {list(self.industries)!r}",
                f"下行冲击行业须为国民经济行业分类代码前缀（如 'K'、'C30'），收到 "
                f"{list(self.industries)!r}",
            )
        if not 0 < self.severity <= 3:
            raise UserError(
                f"downturn severity must be above 0 and at most 3, got {self.severity!r}",
                f"下行冲击强度须大于 0 且不超过 3，收到 {self.severity!r}",
            )
        if int(self.periods) != self.periods or self.periods < 1:
            raise UserError(
                f"downturn periods must be a positive whole number, got {self.periods!r}",
                f"下行冲击期数必须为正整数，收到 {self.periods!r}",
            )

    def hits(self, industry_code: Iterable[str]) -> np.ndarray:
        """Whether each GB/T 4754 code is in an industry the downturn hits."""
        codes = np.asarray(list(industry_code), dtype=str)
        return np.char.startswith(codes[:, None], np.asarray(self.industries)).any(axis=1)


def shock_rng(seed: int) -> np.random.Generator:
    """The shock's random stream for a sample seed, apart from the portfolio's own."""
    return np.random.default_rng([seed, _STREAM])


def shock(
    rng: np.random.Generator,
    downturn: Downturn,
    hit: np.ndarray,
    cols: dict[str, np.ndarray],
    quality: np.ndarray,
    small: np.ndarray,
    high_tech: np.ndarray,
) -> dict[str, np.ndarray]:
    """``cols`` (one period, every firm) with the downturn applied to the firms ``hit``."""
    s = downturn.severity * hit  # zero for the firms not hit
    new = _leverage(rng, s, cols)
    old_debt = cols["short_term_debt"] + cols["long_term_debt"]
    debt = new["short_term_debt"] + cols["long_term_debt"]
    ratio = np.divide(debt, old_debt, out=np.zeros_like(debt), where=old_debt > 0)
    new |= _income(rng, s, cols, ratio, tax_rate(small, high_tech))
    new |= _working_capital(rng, s, cols)
    new |= _credit(rng, s, quality, cols)
    new["outstanding_loans"] = _fen(cols["outstanding_loans"] * ratio)
    # the firms not hit keep their figures bit for bit
    return cols | {k: np.where(hit, v, cols[k]) for k, v in new.items()}


def _fen(x: np.ndarray) -> np.ndarray:
    return np.round(x, 2)


def _leverage(
    rng: np.random.Generator, s: np.ndarray, c: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """New current liabilities of 4-12 % of assets; equity lower by as much."""
    ta = c["total_assets"]
    extra = _fen(ta * s * rng.uniform(0.04, 0.12, len(s)))
    borrower = (c["short_term_debt"] + c["long_term_debt"]) > 0
    tl = _fen(c["total_liabilities"] + extra)
    return {
        "total_liabilities": tl,
        "current_liabilities": _fen(c["current_liabilities"] + extra),
        "short_term_debt": _fen(c["short_term_debt"] + np.where(borrower, 0.6 * extra, 0.0)),
        "owners_equity": _fen(ta - tl),
        "retained_earnings": _fen(c["retained_earnings"] - extra),
    }


def _income(
    rng: np.random.Generator,
    s: np.ndarray,
    c: dict[str, np.ndarray],
    debt_ratio: np.ndarray,
    tax: np.ndarray,
) -> dict[str, np.ndarray]:
    """Lower revenue and margins; interest on the new debt at the firm's own rate."""
    n, rev = len(s), c["operating_revenue"]
    new_rev = _fen(rev * (1 - np.clip(s * np.clip(rng.normal(0.15, 0.08, n), 0, 0.6), 0, 0.8)))
    per_yuan = np.where(rev > 0, rev, 1.0)
    gm = np.where(rev > 0, 1 - c["operating_cost"] / per_yuan, 0.0)
    gm = gm - s * rng.uniform(0.02, 0.06, n)
    ebit = np.where(rev > 0, (c["total_profit"] + c["interest_expense"]) / per_yuan, 0.0)
    ebit = np.minimum(ebit - s * rng.uniform(0.03, 0.09, n), gm - 0.01)
    interest = _fen(c["interest_expense"] * debt_ratio)
    total = _fen(new_rev * ebit - interest)
    return {
        "operating_revenue": new_rev,
        "operating_cost": _fen(new_rev * (1 - gm)),
        "interest_expense": interest,
        "total_profit": total,
        "net_profit": np.where(total > 0, _fen(total * (1 - tax)), total),
        "rd_expense": _fen(c["rd_expense"] * new_rev / per_yuan),
    }


def _working_capital(
    rng: np.random.Generator, s: np.ndarray, c: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Receivables up 20-60 % out of cash; operating cash flow 30-70 % weaker, same sign."""
    n, ar, cash, cfo = len(s), c["accounts_receivable"], c["cash"], c["cfo"]
    more = np.minimum(_fen(ar * s * rng.uniform(0.2, 0.6, n)), _fen(0.9 * cash))
    weaker = np.clip(s * rng.uniform(0.3, 0.7, n), 0.0, 0.95)
    cfo = np.where(cfo > 0, np.maximum(_fen(cfo * (1 - weaker)), 0.01), _fen(cfo * (1 + weaker)))
    return {"accounts_receivable": _fen(ar + more), "cash": _fen(cash - more), "cfo": cfo}


def _credit(
    rng: np.random.Generator, s: np.ndarray, quality: np.ndarray, c: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """New overdues (more likely for weak firms), worse classification, inquiries, suits."""
    n = len(s)
    late = rng.random(n) < np.clip(0.2 * s * np.exp(-0.5 * quality), 0.0, 0.9)
    days = np.clip(np.ceil(np.exp(rng.normal(np.log(40), 0.8, n))), 15, 720)
    dpd = np.where(late, np.maximum(c["max_days_past_due_24m"], days), c["max_days_past_due_24m"])
    u = rng.random(n)
    level = np.select(
        [late & (dpd > 90) & (u < 0.5), late & (dpd > 30), u < 0.04 * s], [2, 1, 1], 0
    )
    now = (np.asarray(c["loan_classification"])[:, None] == _CLASSES).argmax(axis=1)
    return {
        "overdue_count_24m": c["overdue_count_24m"] + late * (1 + rng.poisson(0.8, n)),
        "max_days_past_due_24m": dpd,
        "loan_classification": _CLASSES[np.maximum(now, level)],
        "credit_inquiries_6m": c["credit_inquiries_6m"] + rng.poisson(s),
        "litigation_count": c["litigation_count"] + (rng.random(n) < 0.05 * s),
    }
