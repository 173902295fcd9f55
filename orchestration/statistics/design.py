"""A survey design and the Taylor-linearised variance of a total under it.

Every estimator of the package reduces to one step here: an estimate is linearised into
per-respondent influence values ``z`` (the estimate moves by about ``sum(z)`` when the sample
changes), and the design variance of that linear total is computed the way R ``survey``'s
``svyrecvar`` computes it for a one-stage (ultimate-cluster) design:

    V = sum over strata h of (1 - f_h) * n_h / (n_h - 1) * sum over PSUs c of (Z_hc - mean_h Z)^2

with ``Z_hc`` the total of ``z`` in first-stage cluster (PSU) ``c`` of stratum ``h``, ``n_h`` the
number of PSUs of the stratum in the design and ``f_h`` its first-stage sampling fraction (0 when
no finite population correction is given: sampling with replacement).

Domains (a region, the non-missing answers) are handled as R does when it subsets a design: rows
outside the domain keep their PSU and stratum and contribute ``z = 0``, so ``n_h`` is the design's
and the randomness of the domain size is part of the variance. A design rebuilt from the domain's
rows alone gives the same estimate and, while every PSU keeps a domain member, the same standard
error; it loses the PSUs without one, and its variance then differs (unclustered: by the factor
``(n_d / (n_d - 1)) / (n / (n - 1))``). Estimate domains through the full design.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

ArrayLike = np.ndarray | pd.Series | Sequence[float] | Sequence[str]

# A stratum whose sampling fraction is this close to 1 is taken whole (a certainty stratum):
# it adds no variance, as in R's onestrat.
_CERTAINTY_TOLERANCE = 1e-7


# eq=False: fields are numpy arrays, whose == is elementwise.
@dataclass(frozen=True, eq=False)
class Calibration:
    """What the variance needs to know about a calibration (post-stratification or raking).

    Calibrated weights hit known population totals exactly, so the part of an estimate explained
    by the calibration variables has no sampling variance. The variance is therefore computed on
    the residuals of the regression of the influence values on the calibration variables
    (Deville & Särndal 1992), which is what R ``survey`` does after ``postStratify``/``rake``.

    The regression is weighted by the base weights, as R's ``postStratify`` and ``calibrate``
    do. R's ``rake`` instead backfits with unweighted category means in its variance: the same
    when the base weights are equal (the published api example), slightly different otherwise
    (apistrat raked on two margins: SE 9.3507 with ``rake``, 9.3410 with ``calibrate`` and here).

    Attributes:
        base_weights: weights before calibration; they weight the residual regression (R's
            ``oldweights``), so a post-stratum mean is the base-weighted one.
        indicators: one column per calibration cell (every category of every margin), 1 where
            the respondent is in the cell.
    """

    base_weights: np.ndarray
    indicators: np.ndarray

    def residualise(self, z: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Influence values ``z`` with the calibration regression removed.

        ``z = w * e``: the regression is fitted on the per-unit values ``e = z / w``, weighted by
        the base weights, and the residuals are scaled back by ``w`` (R's
        ``qr.resid(qr, x / w) * w``). The indicator columns of several margins are collinear (each
        margin's columns sum to 1); least squares with a minimum-norm solution copes with that.
        """
        e = np.divide(z, weights, out=np.zeros_like(z), where=weights != 0)
        root = np.sqrt(self.base_weights)
        coef, *_ = np.linalg.lstsq(self.indicators * root[:, None], e * root, rcond=None)
        return (e - self.indicators @ coef) * weights


@dataclass(frozen=True, eq=False)
class Design:
    """A sample design: weights, optional strata, first-stage clusters and finite population
    correction, one entry per respondent.

    Attributes:
        weights: sampling (or calibrated) weights, non-negative.
        strata: stratum label of each respondent; ``None`` for an unstratified design.
        clusters: first-stage cluster (PSU) label; ``None`` when respondents were sampled
            individually. Labels are nested in strata (the same label in two strata is two PSUs,
            R's ``nest=TRUE``).
        fpc: first-stage finite population correction, constant within a stratum: either the
            number of PSUs in the population stratum (all values > 1) or the sampling fraction
            (all values <= 1), as in R's ``svydesign(fpc=)``. ``None``: with replacement.
        calibration: set by :func:`orchestration.statistics.raking.calibrated_design`, so that
            variances account for the calibration; ``None`` treats the weights as fixed.

    Raises:
        ValueError: on missing or negative weights, missing labels, inconsistent fpc, or a
            stratum with a single PSU that is not taken whole (its variance cannot be estimated;
            R's default ``lonely.psu="fail"``).
    """

    weights: np.ndarray
    strata: np.ndarray | None = None
    clusters: np.ndarray | None = None
    fpc: np.ndarray | None = None
    calibration: Calibration | None = None
    # Derived in __post_init__: integer codes of each row's stratum and PSU, and per stratum the
    # design number of PSUs and the first-stage sampling fraction.
    stratum_codes: np.ndarray = field(init=False, repr=False)
    psu_codes: np.ndarray = field(init=False, repr=False)
    psu_stratum: np.ndarray = field(init=False, repr=False)
    psus_per_stratum: np.ndarray = field(init=False, repr=False)
    sampling_fraction: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        weights = np.asarray(self.weights, dtype=float)
        if weights.ndim != 1 or not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError("weights must be a 1-d array of finite, non-negative numbers")
        n = weights.size
        stratum_codes = _codes(self.strata, n, "strata")
        cluster_codes = _codes(self.clusters, n, "clusters") if self.clusters is not None else None
        if cluster_codes is None:
            cluster_codes = np.arange(n)  # each respondent is its own PSU
        # Nest PSUs in strata: a PSU is a (stratum, cluster) pair.
        psu_codes, psu_first_row = _pair_codes(stratum_codes, cluster_codes)
        psu_stratum = stratum_codes[psu_first_row]
        n_strata = int(stratum_codes.max()) + 1 if n else 0
        psus_per_stratum = np.bincount(psu_stratum, minlength=n_strata)
        fraction = _sampling_fraction(self.fpc, stratum_codes, psus_per_stratum, n)
        lonely = (psus_per_stratum == 1) & (fraction < 1 - _CERTAINTY_TOLERANCE)
        if np.any(lonely):
            raise ValueError(
                f"{int(lonely.sum())} stratum/strata with a single PSU: its variance cannot be "
                "estimated (merge it with a neighbouring stratum)"
            )
        set_ = object.__setattr__  # frozen dataclass: derived fields are set once, here
        set_(self, "weights", weights)
        set_(self, "stratum_codes", stratum_codes)
        set_(self, "psu_codes", psu_codes)
        set_(self, "psu_stratum", psu_stratum)
        set_(self, "psus_per_stratum", psus_per_stratum)
        set_(self, "sampling_fraction", fraction)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        weights: str,
        strata: str | None = None,
        clusters: str | None = None,
        fpc: str | None = None,
    ) -> Design:
        """The design whose weights, strata, clusters and fpc are columns of ``frame``."""

        def column(name: str | None) -> np.ndarray | None:
            return None if name is None else frame[name].to_numpy()

        return cls(
            weights=frame[weights].to_numpy(dtype=float),
            strata=column(strata),
            clusters=column(clusters),
            fpc=column(fpc),
        )

    @property
    def n(self) -> int:
        """Number of respondents (rows) in the design."""
        return int(self.weights.size)

    def with_weights(self, weights: np.ndarray, calibration: Calibration | None = None) -> Design:
        """The same strata, PSUs and fpc with other weights (e.g. calibrated ones)."""
        return replace(self, weights=np.asarray(weights, dtype=float), calibration=calibration)

    def variance_of_total(self, z: np.ndarray) -> float:
        """Design variance of ``sum(z)`` for per-respondent influence values ``z``.

        Rows outside a domain must carry ``z = 0`` (they still count as PSUs: see module doc).
        """
        z = np.asarray(z, dtype=float)
        if z.shape != self.weights.shape:
            raise ValueError("influence values must have one entry per respondent")
        if self.calibration is not None:
            z = self.calibration.residualise(z, self.weights)
        psu_totals = np.bincount(self.psu_codes, weights=z, minlength=self.psu_stratum.size)
        n_h = self.psus_per_stratum
        stratum_means = np.bincount(self.psu_stratum, weights=psu_totals) / n_h
        deviations = psu_totals - stratum_means[self.psu_stratum]
        sum_squares = np.bincount(self.psu_stratum, weights=deviations**2, minlength=n_h.size)
        # n_h / (n_h - 1) is the unbiased with-replacement factor; single-PSU strata reaching
        # here are certainty strata (checked at construction), whose (1 - f) is 0.
        scale = (1 - self.sampling_fraction) * n_h / np.maximum(n_h - 1, 1)
        return float(np.sum(scale * sum_squares))

    def degrees_of_freedom(self, rows: np.ndarray | None = None) -> int:
        """PSUs minus strata among ``rows`` (a boolean mask; all rows by default).

        R's ``degf`` counts only PSUs and strata holding a respondent of positive weight, so a
        domain's degrees of freedom are those of the PSUs it reaches.
        """
        mask = self.weights > 0
        if rows is not None:
            mask &= np.asarray(rows, dtype=bool)
        # Counting by bincount, not np.unique: linear, where sorting made this the costliest
        # step of the estimates (called for every domain of every indicator).
        psus = np.bincount(self.psu_codes, weights=mask, minlength=self.psu_stratum.size) > 0
        strata = np.bincount(self.psu_stratum, weights=psus, minlength=self.psus_per_stratum.size)
        return int(np.count_nonzero(psus) - np.count_nonzero(strata))


def _codes(labels: ArrayLike | None, n: int, name: str) -> np.ndarray:
    """Integer codes 0..k-1 of ``labels`` (all zeros when there are none)."""
    if labels is None:
        return np.zeros(n, dtype=np.intp)
    values = np.asarray(labels)
    if values.shape != (n,):
        raise ValueError(f"{name} must have one entry per respondent")
    codes, _ = pd.factorize(values, sort=True)
    if np.any(codes < 0):
        raise ValueError(f"{name} has missing values")
    return codes.astype(np.intp)


def _pair_codes(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the (first, second) pairs, and the first row of each pair."""
    pairs = first.astype(np.int64) * (int(second.max(initial=0)) + 1) + second
    _, first_row, codes = np.unique(pairs, return_index=True, return_inverse=True)
    return codes.astype(np.intp), first_row


def _sampling_fraction(
    fpc: ArrayLike | None, stratum_codes: np.ndarray, psus_per_stratum: np.ndarray, n: int
) -> np.ndarray:
    """First-stage sampling fraction n_h / N_h of each stratum (0 without fpc)."""
    if fpc is None:
        return np.zeros(psus_per_stratum.size)
    values = np.asarray(fpc, dtype=float)
    if values.shape != (n,) or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError("fpc must have one finite positive entry per respondent")
    per_stratum = pd.Series(values).groupby(stratum_codes).agg(["min", "max"])
    if not np.allclose(per_stratum["min"], per_stratum["max"]):
        raise ValueError("fpc must be constant within a stratum")
    stratum_value = per_stratum["min"].to_numpy()
    # As R's as.fpc: values above 1 make them population sizes (then all must be >= 1: a
    # population stratum of one PSU is a certainty stratum); otherwise sampling fractions.
    if np.any(values > 1):
        if np.any(values < 1):
            raise ValueError("fpc must be all population sizes (>= 1) or all fractions (<= 1)")
        population = stratum_value
    else:
        population = psus_per_stratum / stratum_value
    if np.any(population < psus_per_stratum * (1 - 1e-12)):
        raise ValueError("fpc implies more PSUs sampled than the population stratum holds")
    return np.minimum(psus_per_stratum / population, 1.0)
