"""Design-based tests of a difference: two domains of one survey, two items asked of the same
respondents (:func:`compare_paired`), or one estimate in two waves.

Two domains of the same survey (a region and the rest of France) share strata and PSUs, so their
means are correlated: a PSU drawn with many respondents of one domain tends to bring fewer of the
other. Rather than estimate that covariance separately, the difference is linearised as a whole:
its influence values are those of the first mean minus those of the second, and its variance is
the design variance of that one linear total. The covariance is thereby counted exactly where it
arises, through PSUs holding respondents of both domains; domains in disjoint strata come out
independent. Domains may even overlap.

Two waves are independent samples, so the variance of their difference is the sum of their
variances, with Welch–Satterthwaite degrees of freedom.

Both tests refer the statistic to Student's t, as R ``survey`` does for means.

At the edges a share's SE is no measure of its uncertainty: every answer agreeing (100 % of 123
associations), the SE is 0 and a test would call any gap certain, although the exact interval
[97,0 % ; 100 %] holds values 3 points away. There the share's variance is replaced by that of
its exact interval (:func:`~orchestration.statistics.intervals.edge_standard_error`): for two
waves in :func:`compare_waves`; for a region against the rest of France by
:func:`with_edge_uncertainty` (a unanimous domain has no influence values, so its variance adds
to the difference's with no covariance). A value inside the share's exact interval is then
never significantly different from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from orchestration.statistics.design import ArrayLike, Design
from orchestration.statistics.estimates import Estimate, linearised_mean
from orchestration.statistics.intervals import edge_standard_error

# Two-sided level at which a difference is called significant.
SIGNIFICANCE_LEVEL = 0.05


@dataclass(frozen=True)
class Difference:
    """A tested difference between two estimates.

    Attributes:
        difference: first minus second (see each function for which is first).
        se: standard error of the difference.
        statistic: ``difference / se`` (t statistic).
        df: degrees of freedom of the t reference distribution.
        p_value: two-sided p-value.
        significant: ``p_value < SIGNIFICANCE_LEVEL``.
    """

    difference: float
    se: float
    statistic: float
    df: float
    p_value: float
    significant: bool


def compare_domains(
    values: ArrayLike,
    design: Design,
    domain: ArrayLike,
    other: ArrayLike | None = None,
) -> Difference:
    """Test mean over ``domain`` minus mean over ``other`` (by default: everyone else).

    Degrees of freedom are those of R's ``svyttest``: the design's (PSUs minus strata reached by
    either domain) less one, for the two means estimated.
    """
    in_domain = np.asarray(domain, dtype=bool)
    in_other = ~in_domain if other is None else np.asarray(other, dtype=bool)
    first = linearised_mean(values, design, in_domain)
    second = linearised_mean(values, design, in_other)
    variance = design.variance_of_total(first.influence - second.influence)
    df = design.degrees_of_freedom(first.counted | second.counted) - 1
    return _t_test(first.value - second.value, math.sqrt(variance), df)


def compare_paired(
    first: ArrayLike,
    second: ArrayLike,
    design: Design,
    domain: ArrayLike | None = None,
) -> Difference:
    """Test mean of ``first`` minus mean of ``second``, two items asked of the same
    respondents (two fragilities scored, or cited, by each), over ``domain`` (all by default).

    Each mean keeps its own base (its item's answers), so the difference is that of the two
    published estimates. The same respondents answer both, so the two means are correlated:
    the difference is linearised as a whole (influence values of the first mean minus those of
    the second) and its variance is the design variance of that total, which counts the
    covariance, as R's ``svycontrast(svymean(~a + b, design), c(1, -1))`` does. Degrees of
    freedom: the design's (PSUs minus strata) among the respondents counted in either mean, as
    R's ``degf`` of the (sub)design.
    """
    mean_a = linearised_mean(first, design, domain)
    mean_b = linearised_mean(second, design, domain)
    variance = design.variance_of_total(mean_a.influence - mean_b.influence)
    df = design.degrees_of_freedom(mean_a.counted | mean_b.counted)
    return _t_test(mean_a.value - mean_b.value, math.sqrt(max(variance, 0.0)), df)


def with_edge_uncertainty(difference: Difference, first: Estimate) -> Difference:
    """``difference`` (from :func:`compare_domains`, ``first`` the estimate of its first
    domain) tested again with ``first``'s edge variance added where its interval is the exact
    one on n (a share at 0 or 1): the same test everywhere else."""
    floor = edge_standard_error(first)
    if floor == first.se:
        return difference
    se = math.sqrt(difference.se**2 + floor**2 - first.se**2)
    return _t_test(difference.difference, se, difference.df)


def compare_waves(earlier: Estimate, later: Estimate) -> Difference:
    """Test ``later - earlier`` for estimates from two independent samples (two waves); a share
    at an edge counts with the variance of its exact interval (see the module)."""
    earlier_variance = edge_standard_error(earlier) ** 2
    later_variance = edge_standard_error(later) ** 2
    variance = earlier_variance + later_variance
    # Welch–Satterthwaite: the t distribution whose variance estimate matches the sum's.
    denominator = earlier_variance**2 / earlier.df + later_variance**2 / later.df
    df = variance**2 / denominator if denominator > 0 else min(earlier.df, later.df)
    return _t_test(later.estimate - earlier.estimate, math.sqrt(variance), df)


def _t_test(difference: float, se: float, df: float) -> Difference:
    """Two-sided t test of ``difference`` against 0."""
    from scipy import stats  # on first use: see the package's docstring

    if df < 1:
        raise ValueError("a t test needs at least one degree of freedom")
    if se > 0:
        statistic = difference / se
        p_value = float(2 * stats.t.sf(abs(statistic), df))
    else:
        # No sampling variance: any difference is certain, none is none.
        statistic = math.copysign(math.inf, difference) if difference else 0.0
        p_value = 0.0 if difference else 1.0
    return Difference(
        difference=difference,
        se=se,
        statistic=statistic,
        df=float(df),
        p_value=p_value,
        significant=p_value < SIGNIFICANCE_LEVEL,
    )
