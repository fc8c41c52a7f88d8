"""A "later" snapshot of a sample portfolio for monitoring tests: one industry worse off,
some customers overdue or defaulted, a few gone and a few new."""

from __future__ import annotations

import numpy as np
import pandas as pd


def later_snapshot(book: pd.DataFrame, new: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """``book`` a year on (statements dated one year later): section F (construction) more
    leveraged, less profitable, slower to collect; 8 % newly overdue; ~6 % defaulted; 5 % left;
    ``new`` customers joined."""
    rng = np.random.default_rng(seed)
    out = book.copy()
    hit = out["industry_code"].astype(str).str.startswith("F").to_numpy()
    extra = 0.35 * out["owners_equity"].where(hit, 0.0).clip(lower=0.0)
    out["total_liabilities"] += extra
    out["owners_equity"] -= extra
    out["short_term_debt"] += extra
    out["net_profit"] = out["net_profit"].where(~hit, out["net_profit"] - 0.04 *
                                                out["total_assets"])  # fmt: skip
    out["total_profit"] = out["total_profit"].where(~hit, out["net_profit"])
    out["accounts_receivable"] = out["accounts_receivable"].where(~hit, out["accounts_receivable"]
                                                                  * 1.8)  # fmt: skip
    late = rng.random(len(out)) < 0.08
    out.loc[late, "overdue_count_24m"] = out.loc[late, "overdue_count_24m"].fillna(0) + 2
    out.loc[late, "max_days_past_due_24m"] = 45.0
    out["default_12m"] = (rng.random(len(out)) < np.where(hit, 0.15, 0.04)).astype("int8")
    kept = out[rng.random(len(out)) >= 0.05]
    joined = new.copy()
    joined["customer_id"] = [f"N{i:06d}" for i in range(1, len(new) + 1)]
    later = pd.concat([kept, joined], ignore_index=True)
    if "as_of_date" in later:  # the statements of a year later
        later["as_of_date"] = pd.to_datetime(book["as_of_date"]).max() + pd.DateOffset(years=1)
    return later
