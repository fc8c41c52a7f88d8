"""A realistic, seeded sample portfolio (示例客户组合) for demos, tests and benchmarks.

A Chinese bank's corporate and SME book: manufacturing-heavy industry mix with real
GB/T 4754-2017 codes, mostly micro and small firms classified by the 2017 size standard,
statements that satisfy the accounting identities, Dickinson life-cycle cash-flow patterns,
credit histories and defaults drawn from a latent risk model; optionally a downturn shock
(:class:`Downturn`) on the latest snapshot(s) for some industries.

>>> df = generate_portfolio(50, seed=7)
>>> len(df), df["credit_code"].str.len().eq(18).all()
(50, np.True_)
"""

from __future__ import annotations

from finseg.sample._downturn import Downturn
from finseg.sample._generate import DEFAULT_RATE, Sample, build_sample, generate_portfolio
from finseg.sample._write import write_sample

__all__ = [
    "DEFAULT_RATE",
    "Downturn",
    "Sample",
    "build_sample",
    "generate_portfolio",
    "write_sample",
]
