"""Properties of orchestration.statistics on random inputs (hypothesis) and at the edges."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from orchestration.statistics import (
    MIN_EFFECTIVE_N,
    MIN_RESPONDENTS,
    ROBUST_RESPONDENTS,
    Design,
    Estimate,
    PublicationStatus,
    compare_domains,
    compare_waves,
    korn_graubard,
    proportion_interval,
    publication_status,
    rake,
    weighted_mean,
    weighted_proportion,
)

# No deadline: the machine running the suite may be busy, and these are not timing tests.
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- Raking -------------------------------------------------------------------------------------


@st.composite
def raking_problems(draw: st.DrawFn) -> tuple[pd.DataFrame, dict, np.ndarray, float]:
    """A sample with two categorical variables (every category present), positive base
    weights, and two population margins sharing one total."""
    n = draw(st.integers(min_value=4, max_value=60))
    columns, margins = {}, {}
    total = draw(st.floats(min_value=10, max_value=1e6))
    for name in ("region", "age"):
        k = draw(st.integers(min_value=2, max_value=min(4, n)))
        # The first k respondents cover every category; the rest are drawn at random.
        codes = list(range(k)) + draw(
            st.lists(st.integers(0, k - 1), min_size=n - k, max_size=n - k)
        )
        columns[name] = [f"{name}{code}" for code in codes]
        shares = draw(st.lists(st.floats(min_value=0.05, max_value=1), min_size=k, max_size=k))
        margins[name] = {f"{name}{i}": total * s / sum(shares) for i, s in enumerate(shares)}
    weights = np.array(draw(st.lists(st.floats(0.5, 50), min_size=n, max_size=n)))
    return pd.DataFrame(columns), margins, weights, total


@PROPERTY
@given(problem=raking_problems(), bounded=st.booleans())
def test_raked_weights_are_positive_and_sum_to_the_population(problem, bounded) -> None:
    frame, margins, weights, total = problem
    trim = (0.2, 5.0) if bounded else None
    raked = rake(frame, margins, weights, trim=trim, max_iter=100)
    assert np.all(raked.weights > 0)
    assert raked.weights.sum() == pytest.approx(total, rel=1e-9)
    assert raked.min_weight == raked.weights.min() and raked.max_weight == raked.weights.max()
    assert raked.kish_deff >= 1 - 1e-12
    assert raked.n_effective == pytest.approx(len(frame) / raked.kish_deff)
    if raked.converged:
        for column, population in margins.items():
            achieved = pd.Series(raked.weights).groupby(frame[column].to_numpy()).sum()
            assert achieved.to_dict() == pytest.approx(population, rel=1e-8)
        if trim is not None:
            ratio = raked.weights / weights
            assert ratio.min() >= trim[0] * (1 - 1e-8) and ratio.max() <= trim[1] * (1 + 1e-8)


def test_bounds_that_cannot_be_met_are_reported_not_converged() -> None:
    frame = pd.DataFrame({"sex": ["F", "F", "F", "M"]})
    # M must weigh 50 from a base of 1: a ratio of 50, above the bound of 3.
    raked = rake(frame, {"sex": {"F": 50, "M": 50}}, np.ones(4), trim=(0.5, 3.0), max_iter=20)
    assert not raked.converged and raked.iterations == 20
    assert raked.weights.sum() == pytest.approx(100)


def test_raking_refuses_inconsistent_margins() -> None:
    frame = pd.DataFrame({"a": ["x", "y"], "b": ["u", "v"]})
    with pytest.raises(ValueError, match="different population totals"):
        rake(frame, {"a": {"x": 1, "y": 1}, "b": {"u": 1, "v": 2}}, np.ones(2))
    with pytest.raises(ValueError, match="without respondents"):
        rake(frame, {"a": {"x": 1, "y": 1, "z": 1}}, np.ones(2))
    with pytest.raises(ValueError, match="without population"):
        rake(frame, {"a": {"x": 2}}, np.ones(2))


# --- Korn–Graubard ------------------------------------------------------------------------------


@PROPERTY
@given(
    p=st.one_of(st.sampled_from([0.0, 1.0]), st.floats(min_value=0, max_value=1)),
    se=st.floats(min_value=1e-4, max_value=0.5),
    n=st.integers(min_value=2, max_value=5000),
    df_share=st.floats(min_value=0, max_value=1),
    level=st.sampled_from([0.9, 0.95, 0.99]),
)
def test_korn_graubard_brackets_the_estimate(p, se, n, df_share, level) -> None:
    df = max(1, round(df_share * (n - 1)))
    low, high = korn_graubard(p, se, n, df, level)
    assert 0 <= low <= p <= high <= 1
    if p == 0:
        assert low == 0.0 and high > 0
    if p == 1:
        assert high == 1.0 and low < 1


def test_korn_graubard_at_41_of_42() -> None:
    """41 of 42 foundations (97.6 %): a proper two-sided interval below 1."""
    p, n = 41 / 42, 42
    low, high = korn_graubard(p, math.sqrt(p * (1 - p) / n), n, n - 1)
    assert 0.8 < low < p < high < 1


def test_korn_graubard_at_zero_and_one_is_one_sided_clopper_pearson() -> None:
    """p = 0 or 1 (none or all of the respondents): Clopper–Pearson for n, one limit exact."""
    n = 42
    low, high = korn_graubard(p=1.0, se=0.0, n=n, df=10)
    assert high == 1.0
    assert low == pytest.approx(0.025 ** (1 / n), rel=1e-12)  # qbeta(0.025, n, 1)
    low, high = korn_graubard(p=0.0, se=0.0, n=n, df=10)
    assert low == 0.0
    assert high == pytest.approx(1 - 0.025 ** (1 / n), rel=1e-12)


def test_proportion_of_all_respondents_gets_an_interval_and_a_status() -> None:
    """Every respondent answered yes: SE 0, design effect undefined, effective n falls back to n,
    and the interval is the one-sided one above."""
    design = Design(weights=np.linspace(1, 3, 42), clusters=np.arange(42) // 3)
    result = weighted_proportion(np.ones(42), design)
    assert (result.estimate, result.se, result.n_effective) == (1.0, 0.0, 42.0)
    assert math.isnan(result.deff)
    low, high = proportion_interval(result)
    assert high == 1.0 and low == pytest.approx(0.025 ** (1 / 42))
    assert publication_status(result.n, result.n_effective) == "fragile"


def test_fewer_degrees_of_freedom_widen_the_interval() -> None:
    wide = korn_graubard(0.3, 0.05, 400, 10)
    narrow = korn_graubard(0.3, 0.05, 400, 399)
    assert wide.low < narrow.low and wide.high > narrow.high


# --- Publication rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "n_effective", "status"),
    [
        (29, 29.0, "suppressed"),
        (29, 500.0, "suppressed"),
        (30, 30.0, "fragile"),
        (30, 29.99, "suppressed"),
        (99, 99.0, "fragile"),
        (99, 29.0, "suppressed"),
        (100, 100.0, "published"),
        (100, 30.0, "published"),
        (100, 29.9, "suppressed"),
        (100, float("nan"), "suppressed"),
    ],
)
def test_publication_status_at_the_thresholds(n, n_effective, status) -> None:
    assert publication_status(n, n_effective) == status
    assert (MIN_RESPONDENTS, MIN_EFFECTIVE_N, ROBUST_RESPONDENTS) == (30, 30, 100)


@given(n=st.integers(0, 10_000), n_effective=st.floats(0, 10_000))
def test_publication_status_follows_the_rule(n, n_effective) -> None:
    status = publication_status(n, n_effective)
    if n < 30 or n_effective < 30:
        assert status is PublicationStatus.SUPPRESSED
    elif n < 100:
        assert status is PublicationStatus.FRAGILE
    else:
        assert status is PublicationStatus.PUBLISHED


# --- Domains ------------------------------------------------------------------------------------


@st.composite
def clustered_samples(draw: st.DrawFn) -> tuple[pd.DataFrame, np.ndarray]:
    """A stratified cluster sample (2-4 PSUs per stratum, 1-6 respondents per PSU) and a domain
    mask."""
    rows = []
    for stratum in range(draw(st.integers(1, 3))):
        for psu in range(draw(st.integers(2, 4))):
            for _ in range(draw(st.integers(1, 6))):
                rows.append((stratum, psu, draw(st.floats(1, 100)), draw(st.floats(-50, 50))))
    frame = pd.DataFrame(rows, columns=["stratum", "psu", "weight", "y"])
    domain = np.array(draw(st.lists(st.booleans(), min_size=len(frame), max_size=len(frame))))
    assume(domain.sum() >= 2)
    return frame, domain


def _design(frame: pd.DataFrame) -> Design:
    return Design.from_frame(frame, weights="weight", strata="stratum", clusters="psu")


@PROPERTY
@given(sample=clustered_samples())
def test_domain_of_full_design_matches_subset_design(sample) -> None:
    """Point estimates agree. Standard errors agree whenever the subset keeps every PSU: the
    domain's zeros outside it then change no PSU total. When a PSU has no domain member, the
    full design still counts it (as R's subset does, padding PSU totals with zeros), whereas a
    design rebuilt from the subset rows does not, and their variances differ."""
    frame, domain = sample
    full = weighted_mean(frame["y"], _design(frame), domain)
    subset_frame = frame[domain]
    psu_kept = subset_frame.groupby("stratum")["psu"].nunique()
    assume((psu_kept >= 2).all())  # the rebuilt design needs two PSUs per stratum
    subset = weighted_mean(subset_frame["y"], _design(subset_frame))
    assert subset.estimate == pytest.approx(full.estimate, rel=1e-9, abs=1e-9)
    assert subset.n == full.n
    every_psu_kept = len(subset_frame[["stratum", "psu"]].drop_duplicates()) == len(
        frame[["stratum", "psu"]].drop_duplicates()
    )
    if every_psu_kept:
        assert subset.se == pytest.approx(full.se, rel=1e-9, abs=1e-12)
        assert subset.df == full.df


@PROPERTY
@given(
    y=st.lists(st.floats(-100, 100), min_size=4, max_size=40),
    data=st.data(),
)
def test_domain_variance_of_unclustered_sample(y, data) -> None:
    """Without clusters each respondent is a PSU, so a subset drops the PSUs outside the domain.
    The mean's influence values sum to 0 within the domain, so the two variances differ only by
    the factor n/(n-1): subset / full = (n_d / (n_d - 1)) / (n / (n - 1))."""
    n = len(y)
    weights = np.array(data.draw(st.lists(st.floats(1, 10), min_size=n, max_size=n)))
    domain = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    assume(2 <= domain.sum() < n)
    values = np.array(y)
    full = weighted_mean(values, Design(weights=weights), domain)
    subset = weighted_mean(values[domain], Design(weights=weights[domain]))
    n_d = int(domain.sum())
    assert subset.estimate == pytest.approx(full.estimate, rel=1e-9, abs=1e-9)
    expected_ratio = (n_d / (n_d - 1)) / (n / (n - 1))
    assert subset.variance == pytest.approx(full.variance * expected_ratio, rel=1e-9, abs=1e-12)


def test_missing_values_are_a_domain() -> None:
    design = Design(weights=np.array([1.0, 2, 3, 4]), clusters=np.array([1, 1, 2, 2]))
    with_nan = weighted_proportion(np.array([1, np.nan, 0, 1]), design)
    as_domain = weighted_proportion(np.array([1, 0, 0, 1]), design, np.array([1, 0, 1, 1], bool))
    assert with_nan == as_domain
    assert with_nan.n == 3


# --- Difference tests ---------------------------------------------------------------------------


def test_domains_in_disjoint_strata_are_independent() -> None:
    """A domain that is a whole stratum shares no PSU with the rest: the variance of the
    difference is the sum of the two variances."""
    rng = np.random.default_rng(7)
    strata = np.repeat([0, 1, 2], 40)
    design = Design(weights=rng.uniform(1, 5, 120), strata=strata, clusters=np.arange(120) // 5)
    y = rng.normal(10, 3, 120) + strata
    domain = strata == 0
    result = compare_domains(y, design, domain)
    first = weighted_mean(y, design, domain)
    second = weighted_mean(y, design, ~domain)
    assert result.difference == pytest.approx(first.estimate - second.estimate)
    assert result.se == pytest.approx(math.hypot(first.se, second.se), rel=1e-12)
    assert result.df == design.degrees_of_freedom() - 1  # as svyttest: two means estimated


def test_domains_sharing_psus_are_correlated() -> None:
    """Domains mixed within PSUs: the variance of the difference includes their covariance, so
    it is not the sum of the variances; it is the variance of the difference's influence."""
    rng = np.random.default_rng(11)
    clusters = np.arange(200) // 10
    cluster_effect = rng.normal(0, 5, 20)[clusters]
    design = Design(weights=rng.uniform(1, 3, 200), clusters=clusters)
    y = 50 + cluster_effect + rng.normal(0, 1, 200)
    domain = rng.random(200) < 0.4
    result = compare_domains(y, design, domain)
    first = weighted_mean(y, design, domain)
    second = weighted_mean(y, design, ~domain)
    # A shared cluster effect moves both means together: the difference is more precise than
    # independent samples would make it.
    assert result.se < 0.8 * math.hypot(first.se, second.se)
    assert result.statistic == pytest.approx(result.difference / result.se)
    assert 0 <= result.p_value <= 1
    assert result.significant == (result.p_value < 0.05)


def test_independent_waves_add_variances() -> None:
    earlier = Estimate(estimate=0.40, se=0.02, deff=1.5, n=900, n_effective=600, df=40)
    later = Estimate(estimate=0.48, se=0.03, deff=1.5, n=800, n_effective=533, df=30)
    result = compare_waves(earlier, later)
    assert result.difference == pytest.approx(0.08)
    assert result.se == pytest.approx(math.sqrt(0.02**2 + 0.03**2))
    assert 30 <= result.df <= 70  # Welch–Satterthwaite lies between min(df) and the sum
    assert result.statistic == pytest.approx(0.08 / result.se)
    assert result.significant and result.p_value < 0.05
    unchanged = compare_waves(earlier, earlier)
    assert unchanged.difference == 0 and unchanged.p_value == 1 and not unchanged.significant


# --- Design validation --------------------------------------------------------------------------


def test_a_stratum_with_one_psu_is_refused_unless_taken_whole() -> None:
    weights = np.ones(4)
    strata = np.array(["a", "a", "b", "b"])
    clusters = np.array([1, 2, 3, 3])
    with pytest.raises(ValueError, match="single PSU"):
        Design(weights=weights, strata=strata, clusters=clusters)
    # A certainty stratum (its only PSU is the whole population stratum) adds no variance.
    design = Design(weights=weights, strata=strata, clusters=clusters, fpc=np.array([5, 5, 1, 1]))
    assert design.variance_of_total(np.array([0, 0, 1.0, 3.0])) == 0


def test_clusters_are_nested_in_strata() -> None:
    """The same cluster label in two strata is two PSUs (R's nest=TRUE)."""
    design = Design(
        weights=np.ones(4), strata=np.array([1, 1, 2, 2]), clusters=np.array([1, 2, 1, 2])
    )
    assert design.degrees_of_freedom() == 2  # 4 PSUs - 2 strata
