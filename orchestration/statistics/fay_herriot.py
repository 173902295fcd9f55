"""Area-level Fay–Herriot model: REML fit, EBLUP and its MSE, as R ``sae`` computes them.

Model (Fay & Herriot 1979; Rao & Molina 2015, ch. 6): the direct estimate of area ``d`` is
``y_d = x_d' beta + u_d + e_d`` with ``u_d ~ N(0, A)`` between areas and ``e_d ~ N(0, psi_d)``
the sampling error, ``psi_d`` taken as known (smoothed first: :mod:`.small_area`).

- ``A`` (``sigma2_u``) by REML with Fisher scoring, exactly as ``sae::eblupFH(method="REML")``
  (version 1.3): start at ``median(psi)``; update ``A += s / F`` with the restricted score
  ``s = -tr(P)/2 + y'P P y/2`` and information ``F = tr(P P)/2``,
  ``P = V^-1 - V^-1 X (X'V^-1 X)^-1 X'V^-1``; stop when ``|A_new - A| / |A| <= precision``
  (1e-4) or after ``max_iterations`` (100); the final ``A`` is truncated at 0. One departure:
  ``sae`` goes on iterating from a negative ``A``, where ``A + psi_d`` may reach 0 and the
  matrices blow up; here such a step stops the iterations and ``A`` is taken as 0 (reported).
- ``beta`` by GLS, ``(X'V^-1 X)^-1 X'V^-1 y``; synthetic estimate ``x_d' beta``.
- shrinkage ``gamma_d = A / (A + psi_d)``; EBLUP ``gamma_d y_d + (1 - gamma_d) x_d' beta``.
- MSE: the Prasad–Rao estimator in the form Datta & Lahiri (2000) give for REML, which is what
  ``sae::mseFH(method="REML")`` returns: ``g1 + g2 + 2 g3`` with ``g1 = gamma_d psi_d``,
  ``g2 = (1 - gamma_d)^2 x_d'(X'V^-1 X)^-1 x_d``, ``g3 = (1 - gamma_d)^2 Var(A) / (A + psi_d)``
  and ``Var(A) = 2 / sum(1 / (A + psi_d)^2)`` (REML needs no bias term, unlike ML or FH).

An area with no direct estimate (no respondent) enters with ``psi_d = inf``: it weighs nothing
in the fit, its ``gamma_d`` is 0, its EBLUP is the synthetic estimate and its MSE is the limit
``A + x_d'(X'V^-1 X)^-1 x_d`` (the between-area variance plus the g2 term, ``g3`` vanishing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.statistics.design import ArrayLike

PRECISION = 1e-4
MAX_ITERATIONS = 100


@dataclass(frozen=True)
class FayHerriotFit:
    """Result of :func:`fay_herriot`; arrays are per area, in the order given.

    Attributes:
        direct: the direct estimates (NaN where an area has none).
        sampling_variances: ``psi_d`` as used (``inf`` where no direct estimate).
        beta: GLS coefficients; ``beta_se`` their standard errors, ``sqrt(diag((X'V^-1 X)^-1))``.
        sigma2_u: REML between-area variance, truncated at 0; ``sigma2_u_estimated`` False
            where it was given as known.
        iterations: Fisher-scoring iterations run (0 for a ``sigma2_u`` given as known).
        converged: whether the relative change fell to ``precision`` within the iterations.
        truncated_at_zero: whether REML ended at or below 0 (then ``sigma2_u`` is 0 and every
            EBLUP is the synthetic estimate).
        synthetic: ``x_d' beta``; ``shrinkage``: ``gamma_d``; ``eblup``: the model estimate.
        standardised_residuals: ``(y_d - x_d' beta) / sqrt(sigma2_u + psi_d)`` (NaN without a
            direct estimate).
        g1, g2, g3: the MSE's terms; ``mse = g1 + g2 + 2 g3``.
    """

    direct: np.ndarray
    sampling_variances: np.ndarray
    beta: np.ndarray
    beta_se: np.ndarray
    sigma2_u: float
    sigma2_u_estimated: bool
    iterations: int
    converged: bool
    truncated_at_zero: bool
    synthetic: np.ndarray
    shrinkage: np.ndarray
    eblup: np.ndarray
    standardised_residuals: np.ndarray
    g1: np.ndarray
    g2: np.ndarray
    g3: np.ndarray
    mse: np.ndarray


@dataclass(frozen=True)
class _Reml:
    sigma2_u: float
    iterations: int
    converged: bool
    truncated_at_zero: bool
    estimated: bool = True


def fay_herriot(
    direct: ArrayLike,
    sampling_variances: ArrayLike,
    covariates: ArrayLike | None = None,
    precision: float = PRECISION,
    max_iterations: int = MAX_ITERATIONS,
    sigma2_u: float | None = None,
) -> FayHerriotFit:
    """Fit the Fay–Herriot model by REML and return the EBLUPs with their MSE (see module).

    Args:
        direct: the ``m`` direct estimates; NaN for an area without respondents.
        sampling_variances: their sampling variances ``psi_d`` (>= 0; ignored, taken as
            ``inf``, where the direct estimate is NaN).
        covariates: an ``m x p`` matrix including the intercept column; None for the intercept
            only (``sae``'s ``y ~ 1``).
        precision: relative change of ``sigma2_u`` that stops the Fisher scoring.
        max_iterations: iterations allowed.
        sigma2_u: a between-area variance taken as known instead of estimated (e.g. an earlier
            wave's, where REML ends at 0): no REML (0 iterations) and ``g3 = 0``, the MSE then
            being that of the BLUP with estimated ``beta`` (Rao & Molina 2015, ch. 6).
    """
    y = np.asarray(direct, dtype=float)
    psi = np.asarray(sampling_variances, dtype=float).copy()
    x = np.ones((y.size, 1)) if covariates is None else np.asarray(covariates, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if psi.shape != y.shape or x.shape[0] != y.size:
        raise ValueError("direct, sampling_variances and covariates must cover the same areas")
    observed = ~np.isnan(y)
    psi[~observed] = np.inf
    if np.any(psi[observed] < 0) or np.any(np.isnan(psi)):
        raise ValueError("sampling variances must be >= 0")
    if np.linalg.matrix_rank(x[observed & np.isfinite(psi)]) < x.shape[1]:
        raise ValueError("too few areas with a direct estimate for the covariates")
    # An area without a direct estimate has zero weight (1/psi = 0): its value is irrelevant.
    y_fit = np.where(observed, y, 0.0)
    if sigma2_u is None:
        reml = _reml(y_fit, psi, x, precision, max_iterations)
    elif sigma2_u >= 0:
        reml = _Reml(float(sigma2_u), 0, True, False, estimated=False)
    else:
        raise ValueError("a between-area variance must be >= 0")
    if reml.sigma2_u == 0 and np.any(psi == 0):
        raise ValueError("a zero sampling variance with sigma2_u = 0: smooth the variances first")
    return _predict(y, y_fit, psi, x, reml)


def _reml(y: np.ndarray, psi: np.ndarray, x: np.ndarray, precision: float, max_it: int) -> _Reml:
    """Fisher scoring for the REML between-area variance, ``sae::eblupFH``'s loop."""
    a = float(np.median(psi[np.isfinite(psi)]))
    k, change = 0, precision + 1
    while change > precision and k < max_it:
        k += 1
        if np.any(a + psi <= 0):
            # A negative step made some A + psi_d <= 0: the likelihood is not defined there,
            # and the maximum on A >= 0 is at the boundary.
            return _Reml(0.0, k - 1, True, True)
        p = _projection(psi, x, a)
        py = p @ y
        score = -0.5 * np.trace(p) + 0.5 * py @ py
        information = 0.5 * np.sum(p * p.T)
        updated = a + score / information
        change = abs((updated - a) / a) if a != 0 else np.inf
        a = updated
    converged = not (k >= max_it and change >= precision)
    return _Reml(max(float(a), 0.0), k, converged, bool(a <= 0))


def _projection(psi: np.ndarray, x: np.ndarray, a: float) -> np.ndarray:
    """REML's ``P = V^-1 - V^-1 X (X'V^-1 X)^-1 X'V^-1`` with ``V = diag(a + psi)``."""
    v_inv = 1.0 / (a + psi)
    xt_v_inv = (v_inv[:, None] * x).T
    q = np.linalg.inv(xt_v_inv @ x)
    return np.diag(v_inv) - xt_v_inv.T @ q @ xt_v_inv


def _predict(
    y: np.ndarray, y_fit: np.ndarray, psi: np.ndarray, x: np.ndarray, reml: _Reml
) -> FayHerriotFit:
    """GLS coefficients, EBLUPs and the Prasad–Rao/Datta–Lahiri MSE at the REML ``A``."""
    a = reml.sigma2_u
    v_inv = 1.0 / (a + psi)
    xt_v_inv = (v_inv[:, None] * x).T
    q = np.linalg.inv(xt_v_inv @ x)
    beta = q @ xt_v_inv @ y_fit
    synthetic = x @ beta
    gamma = a * v_inv
    # g1 = gamma psi, written so that psi = inf gives its limit A instead of inf * 0.
    with np.errstate(divide="ignore"):
        g1 = a / (1.0 + a / psi)
    observed = ~np.isnan(y)
    eblup = np.where(observed, gamma * y_fit + (1 - gamma) * synthetic, synthetic)
    with np.errstate(divide="ignore"):
        residuals = np.where(observed, (y_fit - synthetic) * np.sqrt(v_inv), np.nan)
    shrunk = (1 - gamma) ** 2
    g2 = shrunk * np.einsum("ij,jk,ik->i", x, q, x)
    # g3 is the price of estimating A (its asymptotic REML variance); none for a known A.
    var_a = 2.0 / np.sum(v_inv**2) if reml.estimated else 0.0
    g3 = shrunk * var_a * v_inv
    return FayHerriotFit(
        direct=y,
        sampling_variances=psi,
        beta=beta,
        beta_se=np.sqrt(np.diag(q)),
        sigma2_u=a,
        sigma2_u_estimated=reml.estimated,
        iterations=reml.iterations,
        converged=reml.converged,
        truncated_at_zero=reml.truncated_at_zero,
        synthetic=synthetic,
        shrinkage=gamma,
        eblup=eblup,
        standardised_residuals=residuals,
        g1=g1,
        g2=g2,
        g3=g3,
        mse=g1 + g2 + 2 * g3,
    )
