"""Assemble the sample portfolio: firms, K annual periods (the latest ones optionally in a
downturn), canonical columns and dtypes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finseg.exceptions import UserError
from finseg.sample._catalog import INDUSTRIES
from finseg.sample._downturn import Downturn, shock, shock_rng
from finseg.sample._firms import Firms, draw_firms, draw_scale
from finseg.sample._lifecycle import draw_growth, draw_signs, draw_stages
from finseg.sample._request import financing_request, innovation
from finseg.sample._risk import credit_history, default_draw, latent_logit
from finseg.sample._statements import Period, balance_sheet, cash_flows, income_statement
from finseg.schema import FIELDS, Kind

__all__ = ["DEFAULT_RATE", "Sample", "build_sample", "generate_portfolio"]

#: Target share of customers defaulting within 12 months, per period.
DEFAULT_RATE = 0.035
_QUALITY_MEMORY = 0.85  # year-on-year autocorrelation of a firm's latent strength
_PREV = ("operating_revenue", "net_profit", "total_assets", "accounts_receivable", "inventory")
# Optional fields that real exports leave blank now and then, with the share left blank.
# Size indicators are kept complete so that the intended size class is reproducible.
_MISSING = {
    "region": 0.01,
    "founded_date": 0.01,
    "intangible_assets": 0.04,
    "retained_earnings": 0.03,
    "rd_expense": 0.05,
    "patents": 0.04,
    "credit_inquiries_6m": 0.03,
    "litigation_count": 0.03,
    "guarantees_given": 0.03,
    "tax_credit_rating": 0.03,
}


@dataclass
class Sample:
    """The portfolio plus the hidden truth behind it (for tests and demonstrations)."""

    frame: pd.DataFrame
    pd_true: np.ndarray  # the latent PD of each row
    stage: np.ndarray  # the life-cycle stage of each row
    size_class: np.ndarray  # the intended size class of the firm at the latest snapshot


def generate_portfolio(
    customers: int,
    *,
    seed: int = 0,
    as_of: dt.date = dt.date(2025, 12, 31),
    periods: int = 1,
    downturn: Downturn | None = None,
) -> pd.DataFrame:
    """A realistic, seeded corporate and SME loan book in canonical columns.

    Parameters
    ----------
    customers : int
        Number of customers (firms).
    seed : int
        Seed of the random generator; the same seed gives an identical frame.
    as_of : date
        Date of the latest annual snapshot.
    periods : int
        Number of consecutive annual snapshots ending at ``as_of``.
    downturn : Downturn, optional
        A downturn shock on the latest ``downturn.periods`` snapshots: the firms of the
        industries hit lose revenue and margin, borrow more, collect more slowly, generate
        less cash, fall overdue and default more often (sizes in :class:`Downturn`).  It draws
        from a random stream of its own: the firms it does not hit, and every earlier
        snapshot, are exactly those of the same seed without it, and ``None`` (the default)
        gives exactly the portfolio it always gave.

    Returns
    -------
    DataFrame
        One row per customer per period, every field of :data:`finseg.schema.FIELDS` in
        catalogue order and dtype, money in yuan.

    Examples
    --------
    >>> df = generate_portfolio(100, seed=1)
    >>> df.shape[0], df["customer_id"].iloc[0]
    (100, 'C000001')
    >>> panel = generate_portfolio(100, seed=1, periods=2, downturn=Downturn(severity=1.5))
    >>> panel["as_of_date"].dt.year.value_counts().sort_index().to_dict()
    {2024: 100, 2025: 100}
    """
    return build_sample(customers, seed=seed, as_of=as_of, periods=periods, downturn=downturn).frame


def build_sample(
    customers: int,
    *,
    seed: int = 0,
    as_of: dt.date = dt.date(2025, 12, 31),
    periods: int = 1,
    downturn: Downturn | None = None,
) -> Sample:
    """Like :func:`generate_portfolio`, keeping the latent PD, stage and intended size."""
    _check(customers, periods, downturn)
    rng = np.random.default_rng(seed)
    shocked = _Shock(downturn, seed) if downturn is not None else None
    firms = draw_firms(rng, customers, min_age=periods - 1 + 0.25)
    rank = np.select([firms.size_class == c for c in ("small", "medium", "large")], [1, 2, 3], 0)
    innov = innovation(rng, firms.tech, rank)
    drivers = _periods(rng, firms, periods + 1)  # one extra year feeds the prior-year fields
    rows, truth = [], []
    for t in range(1, periods + 1):
        age = firms.age - (periods - t)  # age at this snapshot
        cols = _statements(rng, firms, rank, innov, drivers[t], age)
        prev = _statements(rng, firms, rank, innov, drivers[0], age - 1) if t == 1 else rows[-1]
        date = _year_back(as_of, periods - t)
        cols = _identity(firms, innov, cols, date, as_of)
        no_prev = age < 1.0  # founded within the prior year: no prior-year statements
        for name in _PREV:
            cols[name + "_prev"] = np.where(no_prev, np.nan, prev[name])
        logit = base = cols.pop("_logit")
        if shocked is not None and t > periods - shocked.downturn.periods:
            cols, logit = shocked(firms, rank, innov, drivers[t], cols)
        del cols["_unobserved"]
        pd_true, cols["default_12m"] = default_draw(rng, logit, DEFAULT_RATE, calibrate_on=base)
        rows.append(cols)
        truth.append((pd_true, drivers[t].stage))
    return _assemble(rng, firms, rows, truth)


def _check(customers: int, periods: int, downturn: Downturn | None) -> None:
    if int(customers) != customers or customers < 1:
        raise UserError(
            f"customers must be a positive whole number, got {customers!r}",
            f"客户数必须为正整数，收到 {customers!r}",
        )
    if int(periods) != periods or not 1 <= periods <= 50:
        raise UserError(
            f"periods must be a whole number from 1 to 50, got {periods!r}",
            f"期数必须为 1 至 50 的整数，收到 {periods!r}",
        )
    if downturn is not None and downturn.periods > periods:
        raise UserError(
            f"the downturn hits {downturn.periods} periods but the sample has {periods}",
            f"下行冲击涉及 {downturn.periods} 期，但样本只有 {periods} 期",
        )


def _year_back(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _periods(rng: np.random.Generator, firms: Firms, count: int) -> list[Period]:
    """Drivers of ``count`` years ending at the as-of date, generated backwards from the
    latest year so that the latest snapshot has exactly the intended size class."""
    employees, revenue, assets = draw_scale(rng, firms)
    quality = firms.quality
    stage = draw_stages(rng, firms.age, quality)
    out = [Period(employees, revenue, assets, quality, stage)]
    for back in range(1, count):
        growth = draw_growth(rng, stage)
        revenue = np.round(revenue / (1 + growth), 2)
        assets = np.round(assets / (1 + 0.7 * growth + rng.normal(0, 0.03, firms.n)), 2)
        employees = np.maximum(1, np.round(employees / (1 + 0.5 * growth)))
        quality = _QUALITY_MEMORY * quality + np.sqrt(1 - _QUALITY_MEMORY**2) * rng.standard_normal(
            firms.n
        )
        stage = draw_stages(rng, np.maximum(firms.age - back, 0.1), quality, previous=stage)
        out.append(Period(employees, revenue, assets, quality, stage))
    return out[::-1]


def _statements(
    rng: np.random.Generator,
    firms: Firms,
    rank: np.ndarray,
    innov: dict[str, np.ndarray],
    p: Period,
    age: np.ndarray,
) -> dict[str, np.ndarray]:
    """All period-specific columns of one year, plus the latent ``_logit``."""
    bs = balance_sheet(rng, firms.industry, firms.tech, p)
    inc = income_statement(
        rng, firms.industry, p, bs, rank < 2, innov["high_tech"], innov["rd_intensity"]
    )
    cols = {"employees": p.employees, "operating_revenue": p.revenue, **bs, **inc}
    cols |= cash_flows(rng, draw_signs(rng, p.stage), p, inc["net_profit"])
    cols |= credit_history(rng, p.quality, rank, age, bs)
    cols |= financing_request(rng, firms.industry, rank, firms.tech, p.revenue, p.assets)
    cols["_unobserved"] = rng.normal(0, 0.5, firms.n)  # what no data shows
    cols["_logit"] = latent_logit(firms.industry, rank, p.stage, cols, cols["_unobserved"])
    return cols


class _Shock:
    """Applies a :class:`Downturn` to one period's columns, from its own random stream."""

    def __init__(self, downturn: Downturn, seed: int) -> None:
        self.downturn, self.rng = downturn, shock_rng(seed)

    def __call__(
        self,
        firms: Firms,
        rank: np.ndarray,
        innov: dict[str, np.ndarray],
        p: Period,
        cols: dict[str, np.ndarray],
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The shocked columns and their latent logit (same unobserved part)."""
        hit = self.downturn.hits([i.code for i in INDUSTRIES])[firms.industry]
        cols = shock(self.rng, self.downturn, hit, cols, p.quality, rank < 2, innov["high_tech"])
        logit = latent_logit(firms.industry, rank, p.stage, cols, cols["_unobserved"])
        return cols, logit


def _identity(
    firms: Firms,
    innov: dict[str, np.ndarray],
    cols: dict[str, np.ndarray],
    date: dt.date,
    as_of: dt.date,
) -> dict[str, np.ndarray]:
    founded = np.datetime64(as_of, "D") - np.round(firms.age * 365.25).astype("timedelta64[D]")
    return cols | {
        "customer_id": firms.customer_id,
        "customer_name": firms.customer_name,
        "credit_code": firms.credit_code,
        "as_of_date": np.full(firms.n, np.datetime64(date, "D")),
        "industry_code": np.array([i.code for i in INDUSTRIES], dtype=object)[firms.industry],
        "region": firms.region,
        "founded_date": founded,
        "group_id": firms.group_id,
        "listed": firms.listed,
        "patents": innov["patents"],
        "high_tech": innov["high_tech"],
        "specialized_sme": innov["specialized_sme"],
    }


def _assemble(
    rng: np.random.Generator,
    firms: Firms,
    rows: list[dict[str, np.ndarray]],
    truth: list[tuple[np.ndarray, np.ndarray]],
) -> Sample:
    """Stack the periods customer by customer, cast to catalogue dtypes, blank a few cells."""
    k = len(rows)
    order = np.arange(firms.n * k).reshape(k, firms.n).T.ravel()  # customer-major
    data = {}
    for f in FIELDS:
        values = np.concatenate([r[f.name] for r in rows])[order]
        share = _MISSING.get(f.name, 0.0)
        if share:
            values = np.where(rng.random(len(values)) < share, None, values.astype(object))
        data[f.name] = _cast(values, f.dtype, f.kind)
    pd_true = np.concatenate([t[0] for t in truth])[order]
    stage = np.concatenate([t[1] for t in truth])[order]
    size = np.tile(firms.size_class, k)[order]
    return Sample(pd.DataFrame(data), pd_true, stage, size)


def _cast(values: np.ndarray, dtype: str, kind: Kind) -> pd.api.extensions.ExtensionArray:
    if kind is Kind.DATE:
        return pd.array(pd.to_datetime(values).as_unit("ms"), dtype=dtype)
    if dtype in ("Int64", "Int8"):
        return pd.array(pd.to_numeric(values).astype("float64"), dtype="float64").astype(dtype)
    if dtype == "float64":
        return pd.to_numeric(values).astype("float64")
    return pd.array(values, dtype=dtype)
