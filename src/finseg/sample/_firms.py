"""Who the sample customers are: industry, size, identity and scale (employees, revenue,
assets) drawn so that the size standard puts each firm in the class it was meant to have.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finseg.creditcode import ALPHABET
from finseg.features import SizeClass, load_size_standard, size_industry
from finseg.sample._catalog import (
    INDUSTRIES,
    PROFILES,
    PROVINCES,
    TRADE_NAMES,
    profile_values,
    weights,
)

__all__ = ["SIZE_SHARES", "Firms", "draw_firms", "draw_scale"]

#: Share of each size class in the book: micro and small firms are the majority by count.
SIZE_SHARES: dict[SizeClass, float] = {
    SizeClass.MICRO: 0.34,
    SizeClass.SMALL: 0.40,
    SizeClass.MEDIUM: 0.19,
    SizeClass.LARGE: 0.07,
}
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])  # GB 11714 organisation-code check weights
# GB 11714 values characters as 0-9 and A=10 ... Z=35, unlike the credit-code alphabet.
_ORG_VALUE = np.array([int(c) if c.isdigit() else ord(c) - 55 for c in ALPHABET])
_CHECK_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])


@dataclass
class Firms:
    """Static attributes of ``n`` firms, one array each (positions are firms)."""

    industry: np.ndarray  # index into INDUSTRIES
    size_class: np.ndarray  # SizeClass values
    size_industry: np.ndarray
    customer_id: np.ndarray
    customer_name: np.ndarray
    credit_code: np.ndarray
    region: np.ndarray
    group_id: np.ndarray  # None outside groups
    listed: np.ndarray
    age: np.ndarray  # years at the as-of date
    tech: np.ndarray  # latent innovation propensity in [0, 1]
    quality: np.ndarray  # latent financial strength, standard normal (higher is better)

    @property
    def n(self) -> int:
        return len(self.industry)


def draw_firms(rng: np.random.Generator, n: int, min_age: float) -> Firms:
    """Draw ``n`` firms; every firm is at least ``min_age`` years old at the as-of date."""
    industry = rng.choice(len(INDUSTRIES), n, p=weights([i.weight for i in INDUSTRIES]))
    classes = [c.value for c in SIZE_SHARES]
    size = np.asarray(classes, dtype=object)[
        rng.choice(4, n, p=weights(list(SIZE_SHARES.values())))
    ]
    std = load_size_standard()
    size_ind = np.array([size_industry(INDUSTRIES[i].code, std) for i in range(len(INDUSTRIES))])
    rank = np.select([size == "large", size == "medium", size == "small"], [3, 2, 1], 0)
    # Bigger firms are older (median ~5 years for micro, ~16 for large), and never younger
    # than the number of annual snapshots requires.
    age = np.exp(rng.normal(np.log(5.0) + 0.42 * rank, 0.6))
    age = np.clip(age, min_age, 40.0)
    profile_tech = np.array([PROFILES[i.profile].tech for i in INDUSTRIES])[industry]
    tech = np.clip(profile_tech + rng.normal(0, 0.12, n) + 0.05 * rank, 0, 1)
    province, city, division = _places(rng, n)
    listed = rng.random(n) < np.choose(rank, [0.0, 0.004, 0.04, 0.30])
    return Firms(
        industry=industry,
        size_class=size,
        size_industry=size_ind[industry],
        customer_id=_ids("C", np.arange(1, n + 1), max(6, len(str(n)))),
        customer_name=_names(rng, city, industry, listed),
        credit_code=_credit_codes(rng, division),
        region=province,
        group_id=_groups(rng, n, rank),
        listed=listed,
        age=age,
        tech=tech,
        quality=rng.standard_normal(n) + 0.15 * rank,
    )


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width)).astype(object)


def _places(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cities = [(p, c, d) for p, _, cs in PROVINCES for c, d in cs]
    w = [pw / len(cs) for _, pw, cs in PROVINCES for _ in cs]
    pick = rng.choice(len(cities), n, p=weights(w))
    table = np.array(cities, dtype=object)
    return table[pick, 0], table[pick, 1], table[pick, 2]


def _names(
    rng: np.random.Generator, city: np.ndarray, industry: np.ndarray, listed: np.ndarray
) -> np.ndarray:
    """Region + trade name + industry word + legal form, e.g. 苏州鑫源机械有限公司."""
    first, second = (np.array(part, dtype=object) for part in TRADE_NAMES)
    trade = (
        first[rng.integers(0, len(first), len(city))]
        + second[rng.integers(0, len(second), len(city))]
    )
    words = np.array([i.word for i in INDUSTRIES], dtype=object)[industry]
    form = np.where(listed, "股份有限公司", "有限公司")
    return city + trade + words + form


def _credit_codes(rng: np.random.Generator, division: np.ndarray) -> np.ndarray:
    """'91' (enterprise, industrial and commercial) + division + organisation code + check.

    The 8-character organisation body is a bijection of the row number (multiplication by a
    unit modulo 31**8, near the golden ratio so neighbours differ): unique without retries.
    """
    n = len(division)
    offset = int(rng.integers(0, 31**8))
    numbers = (np.arange(n, dtype=np.int64) * 527_115_649_796 + offset) % 31**8
    digits = (numbers[:, None] // 31 ** np.arange(7, -1, -1)) % 31
    org_check = (11 - (_ORG_VALUE[digits] * _ORG_WEIGHTS).sum(axis=1) % 11) % 11
    head = np.array([[9, 1]] * n)
    div = np.array([list(d) for d in division], dtype=int)
    body = np.column_stack(
        [head, div, digits, np.where(org_check == 10, ALPHABET.index("X"), org_check)]
    )
    check = (31 - (body * _CHECK_WEIGHTS).sum(axis=1) % 31) % 31
    chars = np.array(list(ALPHABET))[np.column_stack([body, check])]
    return chars.view(f"<U{chars.shape[1]}").ravel().astype(object)


def _groups(rng: np.random.Generator, n: int, rank: np.ndarray) -> np.ndarray:
    """About 10 % of customers (more of the larger ones) in groups of 2-6 members."""
    member = rng.random(n) < np.choose(rank, [0.05, 0.08, 0.16, 0.35])
    rows = rng.permutation(np.flatnonzero(member))
    sizes = rng.integers(2, 7, max(1, len(rows) // 2))
    labels = np.repeat(np.arange(1, len(sizes) + 1), sizes)[: len(rows)]
    if len(labels) < len(rows):  # tiny books: the last group takes the members left over
        labels = np.concatenate([labels, np.full(len(rows) - len(labels), len(sizes))])
    out = np.full(n, None, dtype=object)
    if len(rows):
        out[rows] = _ids("G", labels, 5)
    return out


def draw_scale(rng: np.random.Generator, firms: Firms) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Employees, revenue and total assets (yuan) that classify as each firm's size class.

    The indicators the standard uses for the firm's industry are drawn inside the box of its
    class; the others follow from the industry's revenue per head and asset turnover.
    """
    n = firms.n
    noise = np.exp(rng.normal(0, 0.35, (2, n)))
    head = profile_values(firms.industry, "rev_per_head") * noise[0]
    turn = profile_values(firms.industry, "turnover") * noise[1]
    # Each indicator in units of employees: X = 1, Y = revenue per head, Z = assets per head.
    per_head = {"X": np.ones(n), "Y": head, "Z": head / turn}
    wan = {k: np.full(n, np.nan) for k in "XYZ"}
    position = rng.beta(1.3, 2.2, n)  # where in its class box a firm sits (small ones commoner)
    std = load_size_standard()
    for name in np.unique(firms.size_industry):
        letters = std.required(name)
        for cls in SIZE_SHARES:  # the four real classes; UNKNOWN is never drawn
            rows = np.flatnonzero((firms.size_industry == name) & (firms.size_class == cls.value))
            boxes = _boxes(rng, std.tiers[name], cls, letters, len(rows))
            first = letters[0]
            wan[first][rows] = _log_uniform(*boxes[first], position[rows])
            for letter in letters[1:]:  # the others follow economically, kept inside the box
                econ = wan[first][rows] * per_head[letter][rows] / per_head[first][rows]
                wan[letter][rows] = _into_box(rng, econ, *boxes[letter])
    # Indicators the standard ignores follow from revenue (or revenue from assets or staff).
    missing = {k: np.isnan(v) for k, v in wan.items()}
    from_z = np.where(missing["Z"], wan["X"] * head, wan["Z"] * turn)
    wan["Y"] = np.where(missing["Y"], from_z, wan["Y"])
    wan["Z"] = np.where(missing["Z"], wan["Y"] / turn, wan["Z"])
    wan["X"] = np.where(missing["X"], wan["Y"] / head, wan["X"])
    employees = np.maximum(1, np.floor(wan["X"]))
    return employees, np.round(wan["Y"] * 1e4, 2), np.round(wan["Z"] * 1e4, 2)


def _boxes(
    rng: np.random.Generator,
    tiers: dict[SizeClass, dict[str, float]],
    cls: SizeClass,
    letters: tuple[str, ...],
    n: int,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per indicator, the ``[lo, hi)`` range that keeps a firm in ``cls``.

    Upper bounds sit 0.5 % under the next tier's bound so that rounding to whole persons and
    to fen cannot cross it.  A micro firm has one indicator (chosen at random) below the
    small bound; a large firm's secondary indicators have no upper bound.
    """
    order = [SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL]
    forced = rng.integers(0, len(letters), n)
    out = {}
    for j, letter in enumerate(letters):
        small = tiers[SizeClass.SMALL][letter]
        if cls is SizeClass.MICRO:
            lo, hi = small / 8, np.where(forced == j, small, small * 3)
        elif cls is SizeClass.LARGE:
            lo = tiers[cls][letter]
            hi = lo * 8 if j == 0 else np.inf
        else:
            lo, hi = tiers[cls][letter], tiers[order[order.index(cls) - 1]][letter]
        out[letter] = (np.full(n, lo, dtype=float), np.broadcast_to(hi * 0.995, (n,)))
    return out


def _log_uniform(lo: np.ndarray, hi: np.ndarray, u: np.ndarray) -> np.ndarray:
    return lo * (hi / lo) ** u


def _into_box(
    rng: np.random.Generator, value: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """``value`` where it is inside ``[lo, hi)``, else a draw near the edge it crossed."""
    u = rng.random(len(value)) * 0.3
    top = np.where(np.isfinite(hi), hi, lo * 8)  # an open box is never crossed from above
    near_lo = _log_uniform(lo, np.minimum(top, lo * 4), u)
    near_hi = _log_uniform(top, np.maximum(lo, top / 4), u)
    return np.where(value < lo, near_lo, np.where(value >= hi, near_hi, value))
