"""Confidence intervals: Korn–Graubard for proportions, Student t for means.

Korn & Graubard (1998) adapt the exact Clopper–Pearson interval to complex samples by replacing
the number of respondents with the effective sample size, itself shrunk for the design's few
degrees of freedom. The computation follows R ``survey``'s ``svyciprop(method="beta")``:

    n_eff = p (1 - p) / se^2 * (t_{n-1, 1-a/2} / t_{df, 1-a/2})^2
    low   = qbeta(a/2,     n_eff p,     n_eff (1 - p) + 1)
    high  = qbeta(1 - a/2, n_eff p + 1, n_eff (1 - p))

R gives no interval when the estimate is 0 or 1 (the variance is 0, so ``n_eff`` is 0/0). There
we take ``n_eff = n``, as the NCHS standards for proportions (and their ``surveytable`` package)
do: the interval is then Clopper–Pearson's for ``n`` respondents, one-sided, with the limit at the
estimate exactly 0 or 1. The same fallback serves a zero standard error at 0 < p < 1, where the
formula would claim infinite precision, and an effective size over a million times ``n``
(a design effect below 1e-6: the rounding noise of a variance that is 0 in exact arithmetic).

A share within a rounding error of 0 or 1 (one « no » carrying 1e-12 of the weight) has an SE
of about 1e-12: the formula would give an interval 1e-11 wide. Such a design effect (below 1e-6)
falls back to ``n`` as above, so the interval is continuous as a share reaches 0 or 1, and no
interval has zero width. Elsewhere R's figures are kept, even where a small design effect near
an edge gives a narrower interval than ``n`` unanimous respondents would (51 mayors of 52 with a
design effect of 0.05 after calibration: [99,1 % ; 99,9 %]).

Wherever the interval falls back to ``n`` its standard error says nothing of the share's
uncertainty (0 for a unanimous share). A test against another estimate then uses
:func:`edge_standard_error` instead: the SE a symmetric normal interval would need to reach the
exact interval's far bound, ``|bound - p| / z_{1-a/2}`` (a unanimous 123: [97,0 % ; 100 %],
SE 1,5 points). A value inside the exact interval is then never called significantly different
(:mod:`.comparisons`).
"""

from __future__ import annotations

import math
import sys
from typing import NamedTuple

from orchestration.statistics.estimates import Estimate

# An effective size above this many times n is taken for rounding noise (see korn_graubard).
_NOISE_FACTOR = 1e6
# Below the smallest normal float, scipy's beta fails (boost overflow) instead of tending to
# the point mass that the shape's limit 0 is.
_SMALLEST_SHAPE = sys.float_info.min


class Interval(NamedTuple):
    """A confidence interval; a tuple, so ``low, high = korn_graubard(...)`` works."""

    low: float
    high: float


def korn_graubard(p: float, se: float, n: int, df: float, level: float = 0.95) -> Interval:
    """Korn–Graubard interval of a proportion ``p`` with standard error ``se``.

    Args:
        p: estimated proportion, in [0, 1].
        se: its design-based standard error.
        n: respondents behind the estimate (R's ``nrow(design)``).
        df: design degrees of freedom (R's ``degf(design)``).
        level: confidence level.
    """
    from scipy import stats  # on first use: see the package's docstring

    if not 0 <= p <= 1:
        raise ValueError(f"a proportion must lie in [0, 1], got {p}")
    if n < 2 or df < 1 or se < 0 or not 0 < level < 1:
        raise ValueError("need n >= 2, df >= 1, se >= 0 and 0 < level < 1")
    alpha = 1 - level
    korn_graubard_n = _korn_graubard_n(p, se, n, df, alpha)
    n_eff = float(n) if korn_graubard_n is None else korn_graubard_n
    successes = n_eff * p
    failures = n_eff * (1 - p)
    # A beta with a zero shape parameter is a point mass at 0 (or 1): R's qbeta returns that,
    # scipy returns NaN, so those ends are set explicitly. Besides p = 0 or 1, a shape can
    # underflow to 0 for a p within a few hundred orders of magnitude of them.
    low = (
        0.0
        if successes < _SMALLEST_SHAPE
        else float(stats.beta.ppf(alpha / 2, successes, failures + 1))
    )
    high = (
        1.0
        if failures < _SMALLEST_SHAPE
        else float(stats.beta.ppf(1 - alpha / 2, successes + 1, failures))
    )
    # The estimate inside, even where scipy's beta quantiles lose it (shapes near 1e-300).
    return Interval(min(low, p), max(high, p))


def _korn_graubard_n(p: float, se: float, n: int, df: float, alpha: float) -> float | None:
    """Korn–Graubard's effective size, or None where the interval falls back to ``n``: a share
    at 0 or 1, a zero SE, or an effective size made of rounding noise."""
    from scipy import stats  # on first use: see the package's docstring

    if p in (0, 1) or se**2 <= 0:
        return None
    # Fewer degrees of freedom than respondents widen the interval, as t widens the normal.
    df_ratio = stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)
    korn_graubard_n = p * (1 - p) / se**2 * df_ratio**2
    # A million times the respondents is no survey's precision: a variance that small is what
    # is left of an exact 0 after rounding (e.g. a share the calibration fixes).
    return korn_graubard_n if korn_graubard_n <= n * _NOISE_FACTOR else None


def edge_standard_error(estimate: Estimate, level: float = 0.95) -> float:
    """The SE a test should use for a proportion :class:`Estimate`: its own, except where its
    interval falls back to Clopper–Pearson on ``n`` (see the module), where its own SE (0 for a
    unanimous share) would claim a certainty the exact interval denies. There it is the
    distance from the estimate to the interval's far bound over the normal quantile: 100 % of
    123 respondents, interval [97,0 % ; 100 %], gives 1,5 points (never less than its own)."""
    alpha = 1 - level
    p, se = estimate.estimate, estimate.se
    # No interval to lean on (one respondent), or not a proportion (a mean): its own SE.
    if estimate.n < 2 or estimate.df < 1 or not 0 <= p <= 1:
        return se
    if _korn_graubard_n(p, se, estimate.n, estimate.df, alpha) is not None:
        return se
    from scipy import stats  # on first use: see the package's docstring

    low, high = proportion_interval(estimate, level)
    far = max(p - low, high - p)
    return max(se, far / float(stats.norm.ppf(1 - alpha / 2)))


def proportion_interval(estimate: Estimate, level: float = 0.95) -> Interval:
    """Korn–Graubard interval of a proportion :class:`Estimate`."""
    return korn_graubard(estimate.estimate, estimate.se, estimate.n, estimate.df, level)


def mean_interval(estimate: Estimate, level: float = 0.95) -> Interval:
    """Symmetric interval ``estimate ± t_{df} se`` (R's ``confint(svymean, df=degf(design))``)."""
    from scipy import stats  # on first use: see the package's docstring

    if estimate.df < 1:
        raise ValueError("a t interval needs at least one degree of freedom")
    half_width = float(stats.t.ppf(1 - (1 - level) / 2, estimate.df)) * estimate.se
    if not math.isfinite(half_width):
        raise ValueError("standard error is not finite")
    return Interval(estimate.estimate - half_width, estimate.estimate + half_width)
