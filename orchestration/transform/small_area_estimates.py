"""Small-area estimates of the regions: which regional estimate is published, direct or modelled.

For each indicator the catalogue allows to model (``small_area``) and each wave, one area-level
Fay–Herriot fit over the 13 regions (:mod:`orchestration.statistics.fay_herriot`), under the
model declared in the seed ``small_area_models`` (covariates, benchmark, diagnostic thresholds):

- inputs, from ``fct_indicator_estimates``: each region's direct share, its ``n`` and design
  effect, whose generalised variance function (:func:`smoothed_sampling_variances`, pooled share =
  the national direct estimate) gives the sampling variances; a region with no respondent gets
  the synthetic estimate;
- the EBLUPs are benchmarked to the national direct estimate, each region weighted by its
  ``weighted_n`` (the weights of its respondents in the indicator's base: the very weights by
  which the national direct estimate averages the regional ones), and their MSE gains the
  squared adjustment (:func:`benchmark`);
- per region, ``estimate_type``: ``direct`` where the direct estimate is published or fragile
  (docs/publication-rules.md § 1); otherwise ``modelled`` where the fit passes the declared
  diagnostics and the region's own precision does; otherwise ``suppressed``.

:func:`small_area_fits` returns every ingredient (``int_small_area_fits``, never exported);
``fct_small_area_estimates`` keeps only what may be published.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.statistics.fay_herriot import fay_herriot
from orchestration.statistics.publication import PublicationStatus
from orchestration.statistics.small_area import (
    benchmark,
    diagnose,
    logit_interval,
    smoothed_sampling_variances,
)

DIRECT, MODELLED, SUPPRESSED = "direct", "modelled", "suppressed"
PUBLISHABLE = (PublicationStatus.PUBLISHED.value, PublicationStatus.FRAGILE.value)
# Why a region's model-based estimate is or is not publishable, first failing test first.
PASSED = "passed"
NO_FIT = "no_fit"
NOT_CONVERGED = "not_converged"
SIGMA2_U_ZERO = "sigma2_u_zero"
RESIDUAL_OUT_OF_BOUNDS = "residual_out_of_bounds"
OUTSIDE_UNIT_INTERVAL = "outside_unit_interval"
CV_ABOVE_THRESHOLD = "cv_above_threshold"
PRECISION_BELOW_THRESHOLD = "precision_below_threshold"


@dataclass(frozen=True)
class SmallAreaModel:
    """One row of the seed ``small_area_models``: the model and its diagnostic thresholds."""

    model_id: str
    benchmark: str
    require_converged: bool
    require_positive_sigma2_u: bool
    max_abs_standardised_residual: float
    max_cv: float
    min_effective_size: float

    @classmethod
    def from_seed(cls, models: pd.DataFrame) -> SmallAreaModel:
        """The seed's single model (intercept only, GVF variances, weighted-base benchmark:
        the only options this module implements, which the seed's data tests enforce)."""
        if len(models) != 1:
            raise ValueError("small_area_models must declare exactly one model")
        row = models.iloc[0]
        return cls(
            model_id=str(row["model_id"]),
            benchmark=str(row["benchmark"]),
            require_converged=bool(row["require_converged"]),
            require_positive_sigma2_u=bool(row["require_positive_sigma2_u"]),
            max_abs_standardised_residual=float(row["max_abs_standardised_residual"]),
            max_cv=float(row["max_cv"]),
            min_effective_size=float(row["min_effective_size"]),
        )


FIT_COLUMNS = [
    "indicator_id",
    "study",
    "wave",
    "geo_code",
    "model_id",
    "direct_status",
    "n",
    "weighted_n",
    "direct",
    "sampling_variance",
    "shrinkage",
    "synthetic",
    "eblup",
    "eblup_mse",
    "benchmark_adjustment",
    "estimate",
    "mse",
    "ci_low",
    "ci_high",
    "cv",
    "effective_size",
    "standardised_residual",
    "sigma2_u",
    "iterations",
    "converged",
    "truncated_at_zero",
    "max_abs_standardised_residual",
    "model_outcome",
    "estimate_type",
]


def small_area_fits(
    catalogue: pd.DataFrame, estimates: pd.DataFrame, models: pd.DataFrame
) -> pd.DataFrame:
    """One row per modellable indicator × wave × region, with every ingredient of its fit.

    Args:
        catalogue: ``indicator_catalogue`` (``small_area`` says which indicators to model).
        estimates: ``fct_indicator_estimates`` (France and the regions).
        models: the seed ``small_area_models``.
    """
    model = SmallAreaModel.from_seed(models)
    modellable = catalogue.loc[catalogue["small_area"].astype(bool), "indicator_id"]
    rows = estimates[estimates["indicator_id"].isin(set(modellable))]
    frames = [
        _fit_wave(model, wave_rows)
        for _, wave_rows in rows.groupby(["indicator_id", "wave"], sort=False)
    ]
    if not frames:
        return pd.DataFrame(columns=FIT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[FIT_COLUMNS]


def _fit_wave(model: SmallAreaModel, rows: pd.DataFrame) -> pd.DataFrame:
    """The regions of one indicator × wave, fitted and classified."""
    national = rows[rows["geo_level"] == "france"].iloc[0]
    regions = rows[rows["geo_level"] == "region"].sort_values("geo_code").reset_index(drop=True)
    table = pd.DataFrame(
        {
            "indicator_id": regions["indicator_id"],
            "study": regions["study"],
            "wave": regions["wave"],
            "geo_code": regions["geo_code"],
            "model_id": model.model_id,
            "direct_status": regions["status"],
            "n": regions["n"],
            "weighted_n": regions["weighted_n"],
            "direct": regions["estimate"],
        }
    )
    fitted = _fitted(model, regions, float(national["estimate"]))
    # Without a fit there is no model to name: the region is direct or withheld.
    table = table.assign(**fitted) if fitted else table.assign(model_id=None, model_outcome=NO_FIT)
    direct = regions["status"].isin(PUBLISHABLE)
    modelled = ~direct & (table["model_outcome"] == PASSED)
    table["estimate_type"] = np.select([direct, modelled], [DIRECT, MODELLED], SUPPRESSED)
    return table.reindex(columns=FIT_COLUMNS)


def _fitted(model: SmallAreaModel, regions: pd.DataFrame, national: float) -> dict:
    """The fit's columns, or an empty dict where no fit is possible (a national share of 0 or
    1, whose smoothed variances are all 0, or too few regions with respondents)."""
    if not 0 < national < 1:
        return {}
    direct = regions["estimate"].to_numpy(dtype=float)
    psi = smoothed_sampling_variances(
        direct,
        regions["n"].to_numpy(dtype=float),
        regions["deff"].to_numpy(dtype=float),
        pooled_share=national,
    )
    try:
        fit = fay_herriot(direct, psi)
    except ValueError:
        return {}
    benchmarked = benchmark(
        fit.eblup, fit.mse, regions["weighted_n"].to_numpy(dtype=float), national, model.benchmark
    )
    diagnostics = diagnose(fit, benchmarked.estimates, benchmarked.mse)
    estimate, mse = benchmarked.estimates, benchmarked.mse
    with np.errstate(divide="ignore", invalid="ignore"):
        effective_size = estimate * (1 - estimate) / mse
    intervals = [
        logit_interval(value, error) if 0 <= value <= 1 else (math.nan, math.nan)
        for value, error in zip(estimate, mse, strict=True)
    ]
    outcomes = [
        _outcome(model, fit.converged, fit.sigma2_u, diagnostics.max_abs_standardised_residual, *r)
        for r in zip(estimate, diagnostics.cv, effective_size, strict=True)
    ]
    return {
        "sampling_variance": fit.sampling_variances,
        "shrinkage": fit.shrinkage,
        "synthetic": fit.synthetic,
        "eblup": fit.eblup,
        "eblup_mse": fit.mse,
        "benchmark_adjustment": benchmarked.adjustment,
        "estimate": estimate,
        "mse": mse,
        "ci_low": [low for low, _ in intervals],
        "ci_high": [high for _, high in intervals],
        "cv": diagnostics.cv,
        "effective_size": effective_size,
        "standardised_residual": fit.standardised_residuals,
        "sigma2_u": fit.sigma2_u,
        "iterations": fit.iterations,
        "converged": fit.converged,
        "truncated_at_zero": fit.truncated_at_zero,
        "max_abs_standardised_residual": diagnostics.max_abs_standardised_residual,
        "model_outcome": outcomes,
    }


def _outcome(
    model: SmallAreaModel,
    converged: bool,
    sigma2_u: float,
    max_residual: float,
    estimate: float,
    cv: float,
    effective_size: float,
) -> str:
    """The first declared diagnostic a region's modelled estimate fails, or ``passed``: the
    fit's (convergence, a between-region variance, residuals), then the region's own."""
    if model.require_converged and not converged:
        return NOT_CONVERGED
    if model.require_positive_sigma2_u and not sigma2_u > 0:
        return SIGMA2_U_ZERO
    if not max_residual <= model.max_abs_standardised_residual:
        return RESIDUAL_OUT_OF_BOUNDS
    if not 0 <= estimate <= 1:
        return OUTSIDE_UNIT_INTERVAL
    if not cv <= model.max_cv:
        return CV_ABOVE_THRESHOLD
    if not effective_size >= model.min_effective_size:
        return PRECISION_BELOW_THRESHOLD
    return PASSED
