"""Summaries of a set of survey weights: Kish's design effect of unequal weighting, the
effective sample size, and the weight range.

Kish's design effect ``deff = n * sum(w^2) / sum(w)^2`` is the variance inflation of a weighted
mean caused by the spread of the weights alone (equal weights give 1); the effective sample size
``n_eff = n / deff = sum(w)^2 / sum(w^2)`` is the size of an equally weighted sample as precise.
Both are invariant to rescaling the weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.statistics.design import ArrayLike


@dataclass(frozen=True)
class WeightSummary:
    """Result of :func:`summarise_weights`.

    Attributes:
        n: number of weights.
        total: their sum.
        kish_deff: Kish's design effect of unequal weighting, ``n sum(w^2) / sum(w)^2``.
        n_effective: ``sum(w)^2 / sum(w^2)``, i.e. ``n / kish_deff``.
        min_weight: smallest weight.
        max_weight: largest weight.
        ratio: ``max_weight / min_weight``.
    """

    n: int
    total: float
    kish_deff: float
    n_effective: float
    min_weight: float
    max_weight: float
    ratio: float


def kish_design_effect(weights: ArrayLike) -> float:
    """Kish's design effect of unequal weighting, ``n * sum(w^2) / sum(w)^2``."""
    w = _checked(weights)
    return float(w.size * np.sum(w**2) / np.sum(w) ** 2)


def effective_sample_size(weights: ArrayLike) -> float:
    """Kish's effective sample size, ``sum(w)^2 / sum(w^2)``."""
    w = _checked(weights)
    return float(np.sum(w) ** 2 / np.sum(w**2))


def summarise_weights(weights: ArrayLike) -> WeightSummary:
    """Size, total, Kish design effect, effective size and range of ``weights``."""
    w = _checked(weights)
    low, high = float(w.min()), float(w.max())
    return WeightSummary(
        n=int(w.size),
        total=float(w.sum()),
        kish_deff=kish_design_effect(w),
        n_effective=effective_sample_size(w),
        min_weight=low,
        max_weight=high,
        ratio=high / low,
    )


def _checked(weights: ArrayLike) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ValueError("weights must be a non-empty one-dimensional array")
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError("weights must be positive and finite")
    return w
