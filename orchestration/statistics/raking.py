"""Raking (iterative proportional fitting) of survey weights to population margins, with bounds.

Raking multiplies the weights of each category of one margin so that the weighted count hits the
population count, margin after margin, until all margins hold at once. Post-stratification is
raking on a single margin (it converges in one pass).

Bounds (``trim``) limit the adjustment ratio ``raked weight / base weight``, as Calmar's bounded
raking ratio does: each pass first clips the ratios to the bounds, then re-rakes. A pass always
ends on a margin step, so the weights always sum to the population total; convergence means every
margin holds *and* every ratio lies within the bounds. Bounds too tight for the margins never
converge, which ``converged=False`` reports.

The variance of an estimate from raked weights must account for the calibration (weights are not
fixed: they depend on the sample): :func:`calibrated_design` attaches what
:class:`~orchestration.statistics.design.Design` needs for that.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.statistics.design import ArrayLike, Calibration, Design

# Population margins: for each raking variable (a column of the frame), the population count of
# each of its categories.
Margins = Mapping[str, Mapping[Hashable, float]]


@dataclass(frozen=True, eq=False)
class RakedWeights:
    """Result of :func:`rake`.

    Attributes:
        weights: the raked weights, one per respondent, all positive.
        iterations: passes over the margins done.
        converged: every margin met within the tolerance and every ratio within the bounds.
        kish_deff: Kish's design effect of unequal weighting, ``n sum(w^2) / sum(w)^2``.
        n_effective: ``n / kish_deff``.
        min_weight: smallest raked weight.
        max_weight: largest raked weight.
        base_weights: the weights raking started from.
        indicators: respondent-by-cell indicator matrix of all margins (for the variance).
    """

    weights: np.ndarray
    iterations: int
    converged: bool
    kish_deff: float
    n_effective: float
    min_weight: float
    max_weight: float
    base_weights: np.ndarray
    indicators: np.ndarray


@dataclass(frozen=True, eq=False)
class _Margin:
    """One margin: each respondent's category code and each category's population count."""

    codes: np.ndarray
    targets: np.ndarray

    def achieved(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes, weights=weights, minlength=self.targets.size)

    def indicators(self) -> np.ndarray:
        return (self.codes[:, None] == np.arange(self.targets.size)[None, :]).astype(float)


def rake(
    frame: pd.DataFrame,
    margins: Margins,
    weights: ArrayLike,
    trim: tuple[float, float] | None = None,
    max_iter: int = 200,
    tolerance: float = 1e-10,
) -> RakedWeights:
    """Rake ``weights`` so that the weighted counts of ``frame``'s columns match ``margins``.

    Args:
        frame: one row per respondent, holding the raking variables.
        margins: ``{column: {category: population count}}``; all margins must share one total.
        weights: base (design) weights, positive.
        trim: ``(low, high)`` bounds on the ratio raked / base weight, e.g. ``(0.25, 4.0)``;
            ``None`` for plain raking.
        max_iter: passes over the margins before giving up.
        tolerance: relative error allowed on each margin count and on the bounds.

    Raises:
        ValueError: on a missing raking variable, a respondent in a category with no population,
            a populated category with no respondent, margins with different totals, or invalid
            weights or bounds.
    """
    base = np.asarray(weights, dtype=float)
    if base.shape != (len(frame),) or not np.all(np.isfinite(base)) or np.any(base <= 0):
        raise ValueError("weights must be positive and finite, one per row of the frame")
    if trim is not None and not 0 < trim[0] <= 1 <= trim[1]:
        raise ValueError("trim bounds must satisfy 0 < low <= 1 <= high")
    if not margins:
        raise ValueError("raking needs at least one margin")
    cells = [_margin(frame, column, counts) for column, counts in margins.items()]
    totals = np.array([cell.targets.sum() for cell in cells])
    if not np.allclose(totals, totals[0], rtol=1e-9, atol=0):
        raise ValueError(f"margins have different population totals: {totals.tolist()}")

    raked = base.copy()
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        if trim is not None:
            raked = base * np.clip(raked / base, trim[0], trim[1])
        for cell in cells:
            raked = raked * (cell.targets / cell.achieved(raked))[cell.codes]
        if _fits(cells, raked, base, trim, tolerance):
            converged = True
            break

    kish_deff = float(raked.size * np.sum(raked**2) / np.sum(raked) ** 2)
    return RakedWeights(
        weights=raked,
        iterations=iterations,
        converged=converged,
        kish_deff=kish_deff,
        n_effective=raked.size / kish_deff,
        min_weight=float(raked.min()),
        max_weight=float(raked.max()),
        base_weights=base,
        indicators=np.hstack([cell.indicators() for cell in cells]),
    )


def post_stratify(
    frame: pd.DataFrame, column: str, population: Mapping[Hashable, float], weights: ArrayLike
) -> RakedWeights:
    """Post-stratification: raking on the single margin ``column``."""
    return rake(frame, {column: population}, weights)


def calibrated_design(design: Design, raked: RakedWeights) -> Design:
    """``design`` with the raked weights, its variances accounting for the raking.

    Use ``design.with_weights(raked.weights)`` instead to treat the raked weights as fixed (which
    overstates the variance of what the margins explain, and understates nothing else).
    """
    if raked.weights.shape != design.weights.shape:
        raise ValueError("raked weights and design have different numbers of respondents")
    calibration = Calibration(base_weights=raked.base_weights, indicators=raked.indicators)
    return design.with_weights(raked.weights, calibration)


def _margin(frame: pd.DataFrame, column: str, counts: Mapping[Hashable, float]) -> _Margin:
    """Codes and targets of one margin, checking sample and population categories agree."""
    values = frame[column]
    if values.isna().any():
        raise ValueError(f"raking variable {column!r} has missing values")
    populated = {category: float(count) for category, count in counts.items() if count > 0}
    if any(count < 0 for count in counts.values()):
        raise ValueError(f"margin {column!r} has a negative population count")
    in_sample = set(values.unique())
    if unpopulated := in_sample - set(populated):
        raise ValueError(f"{column!r}: respondents in categories without population: {unpopulated}")
    if empty := set(populated) - in_sample:
        raise ValueError(f"{column!r}: populated categories without respondents: {empty}")
    categories = list(populated)
    codes = pd.Categorical(values, categories=categories).codes.astype(np.intp)
    return _Margin(codes=codes, targets=np.array([populated[c] for c in categories]))


def _fits(
    cells: list[_Margin],
    raked: np.ndarray,
    base: np.ndarray,
    trim: tuple[float, float] | None,
    tolerance: float,
) -> bool:
    """Whether every margin holds and every ratio lies within the bounds, to ``tolerance``."""
    for cell in cells:
        if np.max(np.abs(cell.achieved(raked) / cell.targets - 1)) > tolerance:
            return False
    if trim is None:
        return True
    ratio = raked / base
    return bool(
        np.all(ratio >= trim[0] * (1 - tolerance)) and np.all(ratio <= trim[1] * (1 + tolerance))
    )
