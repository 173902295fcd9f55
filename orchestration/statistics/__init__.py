"""Survey statistics of the observatory: the one place where its formulas live.

Weighted means, proportions and totals with Taylor-linearised standard errors under a stratified,
clustered design (:mod:`.design`, :mod:`.estimates`), Korn–Graubard intervals
(:mod:`.intervals`), raking with bounded weights (:mod:`.raking`), the publication rule
(:mod:`.publication`), difference tests (:mod:`.comparisons`) and summaries of a set of weights
(Kish design effect, effective size: :mod:`.weights`), and small-area estimates: the
Fay–Herriot model (:mod:`.fay_herriot`) with its smoothed inputs, benchmarking, intervals and
diagnostics (:mod:`.small_area`). Results are checked against R
``survey``'s and ``sae``'s published outputs (``tests/statistics``).

scipy is imported inside the functions that use it, not with their modules: every process that
loads the code location imports this package, and most (the code server, the runs that only
render) never compute an interval; scipy.stats is among the slowest imports of the code location
(docs/benchmarks.md).
"""

from orchestration.statistics.comparisons import (
    SIGNIFICANCE_LEVEL,
    Difference,
    compare_domains,
    compare_paired,
    compare_waves,
    with_edge_uncertainty,
)
from orchestration.statistics.design import Calibration, Design
from orchestration.statistics.estimates import (
    Estimate,
    LinearisedMean,
    linearised_mean,
    weighted_mean,
    weighted_proportion,
    weighted_total,
)
from orchestration.statistics.fay_herriot import FayHerriotFit, fay_herriot
from orchestration.statistics.intervals import (
    Interval,
    edge_standard_error,
    korn_graubard,
    mean_interval,
    proportion_interval,
)
from orchestration.statistics.publication import (
    MIN_EFFECTIVE_N,
    MIN_RESPONDENTS,
    ROBUST_RESPONDENTS,
    PublicationStatus,
    publication_status,
)
from orchestration.statistics.raking import (
    Margins,
    RakedWeights,
    calibrated_design,
    post_stratify,
    rake,
)
from orchestration.statistics.small_area import (
    Benchmarked,
    SmallAreaDiagnostics,
    benchmark,
    diagnose,
    logit_interval,
    smoothed_sampling_variances,
)
from orchestration.statistics.weights import (
    WeightSummary,
    effective_sample_size,
    kish_design_effect,
    summarise_weights,
)

__all__ = [
    "smoothed_sampling_variances",
    "logit_interval",
    "fay_herriot",
    "diagnose",
    "benchmark",
    "SmallAreaDiagnostics",
    "FayHerriotFit",
    "Benchmarked",
    "MIN_EFFECTIVE_N",
    "MIN_RESPONDENTS",
    "ROBUST_RESPONDENTS",
    "SIGNIFICANCE_LEVEL",
    "Calibration",
    "Design",
    "Difference",
    "Estimate",
    "Interval",
    "LinearisedMean",
    "Margins",
    "PublicationStatus",
    "RakedWeights",
    "WeightSummary",
    "calibrated_design",
    "compare_domains",
    "compare_paired",
    "compare_waves",
    "edge_standard_error",
    "effective_sample_size",
    "kish_design_effect",
    "korn_graubard",
    "linearised_mean",
    "mean_interval",
    "post_stratify",
    "proportion_interval",
    "publication_status",
    "rake",
    "summarise_weights",
    "weighted_mean",
    "weighted_proportion",
    "weighted_total",
    "with_edge_uncertainty",
]
