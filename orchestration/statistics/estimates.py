"""Weighted means, proportions and totals with their Taylor-linearised standard errors.

Each estimator returns an :class:`Estimate` carrying what the publication rules and the
confidence intervals need: the standard error, the design effect, the number of respondents,
the effective sample size and the design degrees of freedom.

Missing values (NaN) are left out the way R's ``na.rm=TRUE`` leaves them out: as a domain, the
respondents keeping their place in the design (see :mod:`orchestration.statistics.design`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from orchestration.statistics.design import ArrayLike, Design


@dataclass(frozen=True)
class Estimate:
    """A design-based estimate.

    Attributes:
        estimate: the weighted mean, proportion or total.
        se: its Taylor-linearised standard error under the design.
        deff: design effect against simple random sampling *with replacement* of the same
            number of respondents (R's ``deff="replace"``, Kish's deft squared). NaN when the
            values do not vary in the domain (a share of exactly 0 or 1: both variances are
            0, whatever the weights).
        n: respondents counted: in the domain, with a value and a positive weight.
        n_effective: ``n / deff``, the size of a simple random sample as precise as this
            estimate (it can exceed ``n`` when the design gains precision, e.g. through
            calibration); exactly ``n`` when ``deff`` is undefined (no variation to lose
            precision on). Not Kish's effective size of the weights alone
            (:mod:`orchestration.statistics.weights`), which is the same for every estimate.
        df: design degrees of freedom, PSUs minus strata reached by the counted respondents.
    """

    estimate: float
    se: float
    deff: float
    n: int
    n_effective: float
    df: int

    @property
    def variance(self) -> float:
        """The squared standard error."""
        return self.se**2


def weighted_mean(values: ArrayLike, design: Design, domain: ArrayLike | None = None) -> Estimate:
    """Weighted mean of ``values`` over the respondents of ``domain`` (all by default).

    The mean is a ratio of two totals; its influence values are ``w (y - mean) / sum(w)``, zero
    outside the domain (linearisation of a ratio, Woodruff 1971).
    """
    linear = linearised_mean(values, design, domain)
    variance = design.variance_of_total(linear.influence)
    # Reference variance of a mean under SRS with replacement: s^2 / n, with the n - 1 divisor
    # inside s^2 as R's svyvar uses it.
    y, counted = _counted_rows(values, design, domain)
    w = np.where(counted, design.weights, 0.0)
    n = int(counted.sum())
    srs_variance = _weighted_variance(y, w, linear.value, n) / n
    return _estimate(linear.value, variance, srs_variance, n, design.degrees_of_freedom(counted))


@dataclass(frozen=True, eq=False)
class LinearisedMean:
    """A domain mean and its influence values, for combining means (differences, contrasts).

    Attributes:
        value: the weighted mean over the counted respondents.
        influence: ``w (y - value) / sum(w)`` for counted respondents, 0 for the others.
        counted: mask of the counted respondents (in the domain, with a value, weight > 0).
    """

    value: float
    influence: np.ndarray
    counted: np.ndarray


def linearised_mean(
    values: ArrayLike, design: Design, domain: ArrayLike | None = None
) -> LinearisedMean:
    """The weighted mean of ``values`` over ``domain`` with its influence values."""
    y, counted = _counted_rows(values, design, domain)
    w = np.where(counted, design.weights, 0.0)
    total_weight = w.sum()
    mean = _exact_if_constant(y[counted], float(np.dot(w, y) / total_weight))
    return LinearisedMean(value=mean, influence=w * (y - mean) / total_weight, counted=counted)


def _exact_if_constant(values: np.ndarray, mean: float) -> float:
    """``mean``, or the common value itself when every counted value is the same.

    With unequal weights, ``sum(w y) / sum(w)`` of values all equal to 1 comes out as
    0.9999999999999999: that rounding noise then passed for sampling variance (an SE of 1e-18, a
    design effect and an effective size invented from it, a zero-width interval). Unanimous
    values have a mean known exactly, and no spread: influence values, variance and the
    reference variance of the design effect are then exactly 0.
    """
    first = values[0]
    return float(first) if np.all(values == first) else mean


def weighted_proportion(
    values: ArrayLike, design: Design, domain: ArrayLike | None = None
) -> Estimate:
    """Weighted proportion of respondents with ``values`` true (1) among those with a value.

    A proportion is the mean of a 0/1 indicator; the check only catches a category code passed
    by mistake.
    """
    y = np.asarray(values, dtype=float)
    known = y[~np.isnan(y)]
    if not np.all((known == 0) | (known == 1)):
        raise ValueError("a proportion needs 0/1 (or boolean) values, NaN for missing")
    estimate = weighted_mean(y, design, domain)
    # A ratio of float sums can overshoot by an ulp (1.0000000000000002 when all are 1).
    return replace(estimate, estimate=float(np.clip(estimate.estimate, 0.0, 1.0)))


def weighted_total(values: ArrayLike, design: Design, domain: ArrayLike | None = None) -> Estimate:
    """Weighted (population) total of ``values`` over the respondents of ``domain``."""
    y, counted = _counted_rows(values, design, domain)
    w = np.where(counted, design.weights, 0.0)
    total = float(np.dot(w, y))
    variance = design.variance_of_total(w * y)
    n = int(counted.sum())
    total_weight = w.sum()
    mean = np.dot(w, y) / total_weight
    # R's svytotal reference: svyvar(y) * (sum of weights)^2 / n.
    srs_variance = _weighted_variance(y, w, mean, n) * total_weight**2 / n
    return _estimate(total, variance, srs_variance, n, design.degrees_of_freedom(counted))


def _counted_rows(
    values: ArrayLike, design: Design, domain: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray]:
    """Values with NaN replaced by 0, and the mask of counted respondents."""
    y = np.asarray(values, dtype=float)
    if y.shape != design.weights.shape:
        raise ValueError("values must have one entry per respondent of the design")
    counted = ~np.isnan(y) & (design.weights > 0)
    if domain is not None:
        in_domain = np.asarray(domain)
        if in_domain.shape != y.shape or in_domain.dtype != bool:
            raise ValueError("domain must be a boolean mask with one entry per respondent")
        counted &= in_domain
    if not counted.any():
        raise ValueError("no respondent with a value and a positive weight in the domain")
    return np.where(counted, y, 0.0), counted


def _weighted_variance(y: np.ndarray, w: np.ndarray, mean: float, n: int) -> float:
    """Population variance estimate of ``y``: weighted mean square deviation times n/(n-1).

    NaN for a single respondent, whose spread cannot be estimated.
    """
    if n < 2:
        return float("nan")
    return float(np.dot(w, (y - mean) ** 2) / w.sum() * n / (n - 1))


def _estimate(value: float, variance: float, srs_variance: float, n: int, df: int) -> Estimate:
    """Assemble an Estimate; the design effect is undefined when the reference variance is 0."""
    deff = variance / srs_variance if srs_variance > 0 else float("nan")
    n_effective = n / deff if np.isfinite(deff) and deff > 0 else float(n)
    return Estimate(
        estimate=value,
        se=float(np.sqrt(variance)),
        deff=float(deff),
        n=n,
        n_effective=float(n_effective),
        df=df,
    )
