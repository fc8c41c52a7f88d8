"""Rules of thumb to compare the optimiser with: greedy by margin, first-come-first-served, and
a Lagrangian greedy (sort by ``m_i − λ·pd_i·lgd_i`` over a grid of λ).

Each rule fills customers in its order, giving each as much as every limit it touches still
allows (budget, EL and RWA budgets, group and industry caps, its own bound).  Quotas are met
first where possible: a fill without quotas gives the total the limits allow, then each quota's
members (unprofitable ones too, a quota may need them) are filled up to their share of it,
then everyone else, and amounts outside a quota still short are taken back.  The fill is
vectorised: one pass over the remaining customers per limit that fills up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finseg.allocation._model import Problem, RowKind

__all__ = ["LAMBDAS", "Baseline", "baselines", "fill"]

#: λ grid of the Lagrangian greedy (yuan of margin per yuan of expected loss).
LAMBDAS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
_EPS = 1e-9
_WINDOW = 4096


@dataclass
class Baseline:
    """A rule's allocation, its objective and whether it met every quota."""

    name: str
    x: np.ndarray
    objective: float
    meets_quotas: bool
    lam: float | None = None


class _Rows:
    """The ≤ rows a fill must respect: global (coefficient vectors) and partitions."""

    def __init__(self, p: Problem) -> None:
        kinds = np.asarray(p.kinds)
        self.rem = p.upper_rhs.astype(float).copy()
        self.glob: list[tuple[int, np.ndarray]] = [(0, np.ones(p.n))]  # budget is row 0
        for j in np.flatnonzero((kinds == RowKind.EL.value) | (kinds == RowKind.RWA.value)):
            self.glob.append((int(j), p.S[j].toarray().ravel()))
        self.parts: list[np.ndarray] = []
        for kind in (RowKind.GROUP.value, RowKind.INDUSTRY.value):
            rows = np.flatnonzero(kinds == kind)
            of = np.full(p.n, -1)
            coo = p.S[rows].tocoo()
            of[coo.col] = rows[coo.row]
            self.parts.append(of)


def _first_over(cum: np.ndarray, room: np.ndarray) -> int:
    over = np.flatnonzero(cum > room * (1 + _EPS) + _EPS)
    return int(over[0]) if len(over) else len(cum)


def _grouped_cumsum(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    order = np.argsort(codes, kind="stable")
    c, v = codes[order], values[order]
    cum = np.cumsum(v)
    start = np.r_[0, np.flatnonzero(np.diff(c)) + 1]
    cum -= np.repeat(np.r_[0.0, cum[start[1:] - 1]], np.diff(np.r_[start, len(c)]))
    out = np.empty_like(cum)
    out[order] = cum
    return out


def fill(rows: _Rows, order: np.ndarray, cap: np.ndarray, x: np.ndarray, extra=None) -> None:
    """Fill ``x`` in ``order`` up to ``cap`` within ``rows.rem`` (both updated in place).
    ``extra`` is an optional ``[room]`` of one more all-ones row (a quota target).

    Works on a window of the next customers that doubles while no limit fills up, so a
    limit filling up costs about the size of the window rather than of the whole order."""
    idx = order[cap[order] - x[order] > _EPS]
    size = _WINDOW
    while len(idx):
        win = idx[:size]
        want = cap[win] - x[win]
        first = _first_limit(rows, win, want, extra)
        take, want_take = win[:first], want[:first]
        x[take] += want_take
        _use(rows, take, want_take, extra)
        if first == len(win):
            idx, size = idx[len(win) :], size * 2
            continue
        i = win[first]
        amount = max(0.0, min(want[first], _room(rows, i, extra)))
        x[i] += amount
        _use(rows, np.array([i]), np.array([amount]), extra)
        if any(rows.rem[j] <= _EPS * max(1.0, abs(rows.rem[j])) for j, _ in rows.glob) or (
            extra is not None and extra[0] <= _EPS
        ):
            return  # a limit every customer uses is full
        rest = idx[first + 1 :]
        for of in rows.parts:
            full = (of[rest] >= 0) & (rows.rem[np.maximum(of[rest], 0)] <= _EPS)
            rest = rest[~full]
        idx, size = rest, max(_WINDOW, size // 2)


def _first_limit(rows: _Rows, win: np.ndarray, want: np.ndarray, extra) -> int:
    """Position in ``win`` of the first customer that would overfill a limit."""
    first = len(win)
    for j, coef in rows.glob:
        first = min(first, _first_over(np.cumsum(coef[win] * want), rows.rem[j]))
    if extra is not None:
        first = min(first, _first_over(np.cumsum(want), extra[0]))
    for of in rows.parts:
        codes = of[win]
        inside = np.flatnonzero(codes >= 0)
        if len(inside):
            cum = _grouped_cumsum(codes[inside], want[inside])
            first = min(first, _first_pos(inside, cum, rows.rem[codes[inside]]))
    return first


def _first_pos(inside: np.ndarray, cum: np.ndarray, room: np.ndarray) -> int:
    over = np.flatnonzero(cum > room * (1 + _EPS) + _EPS)
    return int(inside[over[0]]) if len(over) else 1 << 62


def _room(rows: _Rows, i: int, extra) -> float:
    room = [rows.rem[j] / coef[i] for j, coef in rows.glob if coef[i] > 0]
    room += [rows.rem[of[i]] for of in rows.parts if of[i] >= 0]
    if extra is not None:
        room.append(extra[0])
    return min(room) if room else np.inf


def _use(rows: _Rows, take: np.ndarray, amount: np.ndarray, extra) -> None:
    for j, coef in rows.glob:
        rows.rem[j] -= float(coef[take] @ amount)
    for of in rows.parts:
        codes = of[take]
        inside = codes >= 0
        np.subtract.at(rows.rem, codes[inside], amount[inside])
    if extra is not None:
        extra[0] -= float(amount.sum())


def _run(p: Problem, order: np.ndarray, cap: np.ndarray, quota_members: list,
         everyone: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """Fill in ``order``; with quotas, first fill each quota's members (taken from
    ``everyone``, the same order with unattractive customers too, since a quota may need
    them) up to its share of the total a fill without quotas reaches, then fill ``order``,
    then trim to meet the quotas."""
    everyone = order if everyone is None else everyone
    kinds = np.asarray(p.kinds)
    quota_rows = np.flatnonzero(kinds == RowKind.QUOTA.value)
    total = p.budget
    if quota_members:
        plain = np.zeros(p.n)
        fill(_Rows(p), order, cap, plain)
        total = float(plain.sum())
    rows = _Rows(p)
    x = np.zeros(p.n)
    for j, members in sorted(zip(quota_rows, quota_members, strict=True),
                             key=lambda t: p.total_coef[t[0]]):  # fmt: skip
        target = -p.total_coef[j] * total - float(x[members].sum())
        if target > 0:
            fill(rows, everyone[members[everyone]], cap, x, extra=[target])
    fill(rows, order, cap, x)
    if quota_members:
        _trim(p, order, x, quota_rows, quota_members)
    return x


def _trim(p: Problem, order: np.ndarray, x: np.ndarray, rows: np.ndarray, members) -> None:
    """Take back the last-filled amounts outside a short quota until the quotas hold."""
    share = -p.total_coef[rows]
    inside = np.array(members)  # quotas × customers
    for _ in range(4 * len(rows)):
        have = inside @ x
        total = x.sum()
        short = have < share * total - 1e-9 * max(total, 1.0)
        if not short.any():
            return
        cut = total - float(np.min(have[short] / share[short]))
        pool = order[::-1][~inside[short][:, order[::-1]].any(axis=0)]
        pool = pool[x[pool] > 0]
        if not len(pool):
            x[:] = 0.0
            return
        cum = np.cumsum(x[pool])
        k = int(np.searchsorted(cum, cut))
        x[pool[:k]] = 0.0
        if k < len(pool):
            x[pool[k]] -= cut - (cum[k - 1] if k else 0.0)


def _meets(p: Problem, x: np.ndarray) -> bool:
    a = p.activity(x)
    q = np.asarray(p.kinds) == RowKind.QUOTA.value
    return bool(np.all(a[q] >= -1e-6 * max(1.0, x.sum())))


def baselines(p: Problem, lambdas=LAMBDAS) -> dict[str, Baseline]:
    """Greedy by margin, first-come-first-served and the best Lagrangian greedy."""
    kinds = np.asarray(p.kinds)
    members = [p.S[j].toarray().ravel() > 0 for j in np.flatnonzero(kinds == "quota")]
    out: dict[str, Baseline] = {}
    fcfs = _run(p, np.arange(p.n), p.cap, members)
    out["fcfs"] = Baseline("fcfs", fcfs, float(p.margin @ fcfs), _meets(p, fcfs))
    best: Baseline | None = None
    for lam in lambdas:
        score = p.margin - lam * p.el
        everyone = np.argsort(-score, kind="stable")
        order = everyone[p.margin[everyone] > 0]
        x = _run(p, order, p.upper, members, everyone)
        b = Baseline("lagrangian", x, float(p.margin @ x), _meets(p, x), lam)
        if lam == 0.0:
            out["greedy"] = Baseline("greedy", x, b.objective, b.meets_quotas, 0.0)
        if best is None or (b.meets_quotas, b.objective) > (best.meets_quotas, best.objective):
            best = b
    assert best is not None
    out["lagrangian"] = best
    return out
