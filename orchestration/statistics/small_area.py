"""Around the Fay–Herriot fit (:mod:`.fay_herriot`): what goes in, what comes out.

- :func:`smoothed_sampling_variances`, a generalised variance function. A regional proportion's
  own variance is noisy for a few dozen respondents and is exactly 0 at p = 0 or 1, which would
  tell the model the region is known without error (``gamma_d = 1``). It is replaced by
  ``psi_d = p_bar (1 - p_bar) deff_bar / n_d``: the variance a proportion ``p_bar`` would have
  with ``n_d`` respondents under the pooled design effect. ``p_bar`` is the respondent-weighted
  mean of the regional proportions (a pooled share; the caller may pass the national direct
  estimate instead) and ``deff_bar`` the respondent-weighted
  mean of the regional design effects where they are defined (0 < p < 1): the usual
  ``p(1-p) deff / n`` variance function of a proportion with its shares and design effects
  pooled over regions (Rao & Molina 2015, ch. 6). A region with no respondent gets ``inf`` (no
  direct estimate).
- :func:`benchmark`: regional estimates rescaled so that, weighted by each region's estimated
  domain total, they reproduce the national direct estimate. The ratio form multiplies by one
  factor; the additive form adds one shift. Its MSE adds the squared adjustment to the
  unbenchmarked MSE, as the posterior risk of a benchmarked Bayes estimator does (Datta, Ghosh,
  Steorts & Maples 2011): an account of what benchmarking costs, not a second-order MSE of the
  benchmarked EBLUP (the uncertainty of the national estimate and of the totals is left out).
- :func:`logit_interval`: an MSE-based interval kept inside [0, 1], normal on the logit scale
  with the delta-method standard error ``sqrt(mse) / (p (1 - p))``.
- :func:`diagnose`: the figures a publication rule can test before publishing a modelled value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from orchestration.statistics.design import ArrayLike
from orchestration.statistics.fay_herriot import FayHerriotFit
from orchestration.statistics.intervals import Interval


@dataclass(frozen=True)
class Benchmarked:
    """Result of :func:`benchmark`.

    Attributes:
        estimates: benchmarked regional estimates.
        mse: ``mse + (benchmarked - unbenchmarked)^2`` (see the module).
        adjustment: the ratio (``ratio``) or the shift (``additive``) applied.
        method: ``"ratio"`` or ``"additive"``.
    """

    estimates: np.ndarray
    mse: np.ndarray
    adjustment: float
    method: str


@dataclass(frozen=True)
class SmallAreaDiagnostics:
    """Declared diagnostics of one Fay–Herriot fit, per area where an array.

    Attributes:
        converged: REML converged within its iterations.
        sigma2_u: the between-area variance; ``sigma2_u_positive`` whether it is above 0. At 0
            (``fallback_synthetic``) every region gets the regression-synthetic estimate and its
            MSE (g2 + 2 g3), which ignores any real between-region variation; a documented
            fallback is to refit with a known ``sigma2_u`` (e.g. an earlier wave's).
        iterations: REML iterations.
        shrinkage: ``gamma_d`` (weight of the direct estimate), 0 where no direct estimate.
        max_abs_standardised_residual: largest ``|(y_d - x_d' beta)| / sqrt(sigma2_u + psi_d)``.
        cv: ``sqrt(mse_d) / estimate_d``, the coefficient of variation of each estimate.
        max_cv: the largest of them.
    """

    converged: bool
    sigma2_u: float
    sigma2_u_positive: bool
    fallback_synthetic: bool
    iterations: int
    shrinkage: np.ndarray
    max_abs_standardised_residual: float
    cv: np.ndarray
    max_cv: float


def smoothed_sampling_variances(
    proportions: ArrayLike,
    respondents: ArrayLike,
    design_effects: ArrayLike,
    pooled_share: float | None = None,
) -> np.ndarray:
    """GVF sampling variances ``p_bar (1 - p_bar) deff_bar / n_d`` (see the module).

    Args:
        proportions: regional direct proportions (NaN where no respondent).
        respondents: regional numbers of respondents ``n_d`` (0 allowed: ``inf`` variance).
        design_effects: regional design effects (NaN where undefined, e.g. at p = 0 or 1).
        pooled_share: ``p_bar``; by default the respondent-weighted mean of ``proportions``.
    """
    p = np.asarray(proportions, dtype=float)
    n = np.asarray(respondents, dtype=float)
    deff = np.asarray(design_effects, dtype=float)
    if not p.shape == n.shape == deff.shape or np.any(n < 0):
        raise ValueError("one proportion, respondent count and design effect per region")
    answered = n > 0
    if pooled_share is None:
        pooled_share = float(np.sum(n[answered] * p[answered]) / np.sum(n[answered]))
    defined = answered & np.isfinite(deff) & (deff > 0)
    # No region with a defined design effect (all unanimous): the simple-random-sampling value.
    pooled_deff = 1.0
    if np.any(defined):
        pooled_deff = float(np.sum(n[defined] * deff[defined]) / np.sum(n[defined]))
    with np.errstate(divide="ignore"):
        return pooled_share * (1 - pooled_share) * pooled_deff / n


def benchmark(
    estimates: ArrayLike,
    mse: ArrayLike,
    domain_totals: ArrayLike,
    national: float,
    method: Literal["ratio", "additive"] = "ratio",
) -> Benchmarked:
    """Adjust regional ``estimates`` so that ``sum(N_d est_d) / sum(N_d) == national``.

    Args:
        estimates: regional model estimates (EBLUPs).
        mse: their MSEs.
        domain_totals: each region's estimated domain total ``N_d`` (e.g. the weighted number
            of partnering companies); the weights of the national figure.
        national: the national direct estimate.
        method: ``"ratio"`` (``est_d * national / weighted mean``: keeps a 0 at 0, may pass 1)
            or ``"additive"`` (``est_d + national - weighted mean``: the same shift everywhere).
    """
    est = np.asarray(estimates, dtype=float)
    totals = np.asarray(domain_totals, dtype=float)
    if est.shape != totals.shape or np.any(totals < 0) or totals.sum() <= 0:
        raise ValueError("one non-negative domain total per region, not all 0")
    weighted = float(totals @ est / totals.sum())
    if method == "ratio":
        if weighted == 0:
            raise ValueError("a ratio benchmark needs a non-zero weighted mean")
        adjustment = national / weighted
        adjusted = est * adjustment
    elif method == "additive":
        adjustment = national - weighted
        adjusted = est + adjustment
    else:
        raise ValueError(f"unknown benchmarking method {method!r}")
    return Benchmarked(
        estimates=adjusted,
        mse=np.asarray(mse, dtype=float) + (adjusted - est) ** 2,
        adjustment=adjustment,
        method=method,
    )


def logit_interval(estimate: float, mse: float, level: float = 0.95) -> Interval:
    """Interval for a proportion from its MSE, normal on the logit scale (delta method):
    ``expit(logit(p) -/+ z sqrt(mse) / (p (1 - p)))``. At p = 0 or 1, where the logit is
    infinite, the normal interval ``p -/+ z sqrt(mse)`` clipped to [0, 1]."""
    from scipy import special, stats  # on first use: see the package's docstring

    if not 0 <= estimate <= 1 or mse < 0 or not 0 < level < 1:
        raise ValueError("need a proportion in [0, 1], mse >= 0 and 0 < level < 1")
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    half = z * np.sqrt(mse)
    if estimate in (0, 1):
        return Interval(max(0.0, estimate - half), min(1.0, estimate + half))
    # A p within ~1e-308 of an edge makes the spread infinite: expit takes it to 0 or 1.
    with np.errstate(over="ignore"):
        spread = half / (estimate * (1 - estimate))
    low = float(special.expit(special.logit(estimate) - spread))
    high = float(special.expit(special.logit(estimate) + spread))
    # The estimate inside, even where logit and expit round it away (a zero MSE).
    return Interval(min(low, estimate), max(high, estimate))


def diagnose(
    fit: FayHerriotFit, estimates: ArrayLike | None = None, mse: ArrayLike | None = None
) -> SmallAreaDiagnostics:
    """Diagnostics of ``fit``; ``estimates`` and ``mse`` default to its EBLUPs and their MSE
    (pass the benchmarked ones to have the CV of what is published)."""
    est = fit.eblup if estimates is None else np.asarray(estimates, dtype=float)
    err = fit.mse if mse is None else np.asarray(mse, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.sqrt(err) / np.abs(est)
    residuals = fit.standardised_residuals[~np.isnan(fit.standardised_residuals)]
    return SmallAreaDiagnostics(
        converged=fit.converged,
        sigma2_u=fit.sigma2_u,
        sigma2_u_positive=fit.sigma2_u > 0,
        fallback_synthetic=fit.sigma2_u == 0,
        iterations=fit.iterations,
        shrinkage=fit.shrinkage,
        max_abs_standardised_residual=float(np.max(np.abs(residuals))),
        cv=cv,
        max_cv=float(np.max(cv)),
    )
