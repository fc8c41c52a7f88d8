"""Life-cycle stages of the sample firms and the cash-flow sign patterns they imply.

Stages follow Dickinson (2011) (domain.md §5): the sign pattern of operating, investing and
financing cash flows *is* the stage, so the sample draws a stage first (from the firm's age
and strength) and then signs that a Dickinson classifier maps back to it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["STAGES", "draw_growth", "draw_signs", "draw_stages", "stage_index"]

STAGES: tuple[str, ...] = ("introduction", "growth", "mature", "shake_out", "decline")

# Stage probabilities by age band (< 3, 3-8, 8-15, >= 15 years): young firms are mostly
# introducing or growing, old ones mature, with shake-out and decline more common late.
_AGE_BANDS = np.array([3.0, 8.0, 15.0])
_BY_AGE = np.array(
    [
        [0.45, 0.35, 0.08, 0.08, 0.04],
        [0.12, 0.38, 0.32, 0.11, 0.07],
        [0.04, 0.27, 0.48, 0.12, 0.09],
        [0.02, 0.18, 0.52, 0.14, 0.14],
    ]
)
# How a strong firm (quality +1) tilts the odds of each stage, as a log-weight.
_QUALITY_TILT = np.array([0.0, 0.2, 0.3, -0.5, -0.7])

# (CFO, CFI, CFF) signs, +1 / -1, per stage with the share of each pattern within the stage.
_PATTERNS: dict[str, tuple[tuple[tuple[int, int, int], float], ...]] = {
    "introduction": (((-1, -1, 1), 1.0),),
    "growth": (((1, -1, 1), 1.0),),
    "mature": (((1, -1, -1), 1.0),),
    "shake_out": (((-1, -1, -1), 0.4), ((1, 1, 1), 0.25), ((1, 1, -1), 0.35)),
    "decline": (((-1, 1, 1), 0.5), ((-1, 1, -1), 0.5)),
}
# Revenue growth (mean, sd) in the year that ends in a given stage.
_GROWTH = {
    "introduction": (0.35, 0.20),
    "growth": (0.18, 0.10),
    "mature": (0.04, 0.06),
    "shake_out": (-0.02, 0.10),
    "decline": (-0.12, 0.10),
}


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a matrix of (unnormalised) probabilities."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), probs.shape[1] - 1)


def draw_stages(
    rng: np.random.Generator,
    age: np.ndarray,
    quality: np.ndarray,
    previous: np.ndarray | None = None,
    persistence: float = 0.7,
) -> np.ndarray:
    """Stage of each firm; with ``previous`` (the adjacent year) it is kept with probability
    ``persistence`` because stages last several years."""
    probs = _BY_AGE[np.searchsorted(_AGE_BANDS, age, side="right")]
    probs = probs * np.exp(np.outer(np.clip(quality, -3, 3), _QUALITY_TILT))
    stage = np.asarray(STAGES, dtype=object)[_categorical(rng, probs)]
    if previous is not None:
        keep = (rng.random(len(age)) < persistence) & ~((previous == "introduction") & (age > 8))
        stage = np.where(keep, previous, stage)
    return stage


def draw_signs(rng: np.random.Generator, stage: np.ndarray) -> np.ndarray:
    """An ``(n, 3)`` array of +1 / -1 for CFO, CFI and CFF matching each stage."""
    signs = np.zeros((len(stage), 3), dtype=int)
    for name, patterns in _PATTERNS.items():
        rows = np.flatnonzero(stage == name)
        shares = np.array([[share for _, share in patterns]] * len(rows))
        pick = _categorical(rng, shares) if len(rows) else np.array([], dtype=int)
        signs[rows] = np.array([p for p, _ in patterns])[pick]
    return signs


def stage_index(stage: np.ndarray) -> np.ndarray:
    """Position of each stage name in :data:`STAGES`."""
    return np.select([stage == s for s in STAGES], list(range(len(STAGES))), 0)


def draw_growth(rng: np.random.Generator, stage: np.ndarray) -> np.ndarray:
    """Revenue growth over the year ending in ``stage``, at least -50 %."""
    mean = np.array([_GROWTH[s][0] for s in STAGES])
    sd = np.array([_GROWTH[s][1] for s in STAGES])
    idx = stage_index(stage)
    return np.maximum(rng.normal(mean[idx], sd[idx]), -0.5)
