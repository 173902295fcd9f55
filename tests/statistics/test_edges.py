"""Shares at the edges (0 %, 100 %, and a hair away) with unequal weights: exact estimate, no
variance, design effect or effective size made of rounding noise, and the exact Clopper–Pearson
bounds on n (issue 15, defect 1). The reference is scipy's beta distribution, not this module."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import stats

from orchestration.statistics import (
    Design,
    Estimate,
    compare_domains,
    compare_waves,
    edge_standard_error,
    korn_graubard,
    proportion_interval,
    publication_status,
    weighted_proportion,
    with_edge_uncertainty,
)

PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
N = 165


def clopper_pearson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The exact binomial interval, from scipy's beta quantiles (ends at 0 and 1 set by hand:
    a beta with a zero shape parameter is a point mass)."""
    alpha = 1 - level
    low = 0.0 if successes == 0 else stats.beta.ppf(alpha / 2, successes, n - successes + 1)
    high = 1.0 if successes == n else stats.beta.ppf(1 - alpha / 2, successes + 1, n - successes)
    return float(low), float(high)


def institute_design(n: int = N, seed: int = 15) -> Design:
    """Unequal weights from 0.06 to 9, as in the institute's delivery, in two strata."""
    rng = np.random.default_rng(seed)
    weights = np.concatenate([[0.06, 9.0], rng.uniform(0.06, 9.0, n - 2)])
    return Design(weights=weights, strata=np.arange(n) % 2)


def test_the_weights_alone_do_not_give_an_exact_one() -> None:
    """The premise: for some of the seeds below, the plain weighted mean of unanimous answers
    is not 1 in floating point, so the exact results tested are not an accident of rounding."""
    plain = [
        float(np.dot(d.weights, np.ones(N)) / d.weights.sum())
        for d in (institute_design(seed=seed) for seed in range(20))
    ]
    assert any(value != 1.0 for value in plain)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("answer", [1.0, 0.0])
def test_a_unanimous_share_is_exact_with_the_clopper_pearson_interval(seed, answer) -> None:
    design = institute_design(seed=seed)
    result = weighted_proportion(np.full(N, answer), design)
    assert result.estimate == answer  # exactly, not 0.9999999999999999
    assert result.se == 0.0
    # Nothing to lose precision on: the design effect is undefined, the effective size is n.
    assert math.isnan(result.deff)
    assert result.n_effective == N
    low, high = proportion_interval(result)
    expected = clopper_pearson(N if answer else 0, N)
    assert low == pytest.approx(expected[0], abs=1e-12)
    assert high == pytest.approx(expected[1], abs=1e-12)
    if answer:
        assert round(low, 6) == 0.977891 and high == 1.0  # the figure for n = 165
    else:
        assert low == 0.0 and round(high, 6) == 0.022109
    assert publication_status(result.n, result.n_effective) == "published"


def test_a_unanimous_region_in_a_varied_france() -> None:
    """A region all of whose respondents count: exact 1 there, the interval on its n, and its
    difference with the rest of France carries only the rest's variance."""
    design = institute_design()
    region = np.arange(N) < 60
    y = np.where(region, 1.0, np.arange(N) % 3 == 0).astype(float)
    result = weighted_proportion(y, design, region)
    assert (result.estimate, result.se, result.n_effective) == (1.0, 0.0, 60.0)
    assert proportion_interval(result) == pytest.approx(clopper_pearson(60, 60), abs=1e-12)
    rest = weighted_proportion(y, design, ~region)
    versus = compare_domains(y, design, region)
    assert versus.difference == 1.0 - rest.estimate
    # Domains of one design: the rest's variance with the design's n_h (not the rest's alone).
    assert versus.se == pytest.approx(rest.se, rel=1e-12)


@pytest.mark.parametrize("answer", [1.0, 0.0])
def test_a_hair_from_the_edge_is_never_narrower_than_the_edge(answer) -> None:
    """One dissenting respondent carrying 1e-12 of the weight: the estimate is 1 - 1e-12 (or
    1e-12), genuinely not 1; Korn–Graubard alone would claim an interval 1e-11 wide (a design
    effect of 1e-10). The interval is within 1e-8 of Clopper–Pearson's for n unanimous
    respondents: continuous as the share reaches the edge."""
    design = institute_design()
    weights = design.weights.copy()
    weights[0] = 1e-12 * weights[1:].sum() / (1 - 1e-12)
    near = Design(weights=weights, strata=np.arange(N) % 2)
    y = np.full(N, answer)
    y[0] = 1 - answer
    result = weighted_proportion(y, near)
    edge = 1 - 1e-12 if answer else 1e-12
    assert result.estimate == pytest.approx(edge, abs=1e-15)
    assert result.estimate not in (0.0, 1.0) and result.se > 0
    low, high = proportion_interval(result)
    unanimous = clopper_pearson(N if answer else 0, N)
    assert low <= result.estimate <= high
    # At most the unanimous bound, and within 1e-8 of it: continuous as the share reaches 1.
    if answer:
        assert unanimous[0] - 1e-8 < low <= unanimous[0]
        assert result.estimate <= high <= 1
    else:
        assert unanimous[1] <= high < unanimous[1] + 1e-8
        assert 0 <= low <= result.estimate


def test_ordinary_intervals_are_r_svyciprop() -> None:
    """Away from rounding noise, R's svyciprop(method = "beta") is kept: p = 0.9, se = 0.025,
    n = 165, df = 163."""
    p, se, n, df = 0.9, 0.025, 165, 163
    n_eff = p * (1 - p) / se**2 * (stats.t.ppf(0.025, n - 1) / stats.t.ppf(0.025, df)) ** 2
    expected = (
        stats.beta.ppf(0.025, n_eff * p, n_eff * (1 - p) + 1),
        stats.beta.ppf(0.975, n_eff * p + 1, n_eff * (1 - p)),
    )
    assert korn_graubard(p, se, n, df) == pytest.approx(expected, rel=1e-12)


@st.composite
def shares(draw: st.DrawFn) -> tuple[np.ndarray, Design, np.ndarray]:
    """0/1 answers (often unanimous or nearly), weights spanning up to 1e12, and a domain."""
    n = draw(st.integers(min_value=2, max_value=80))
    weights = np.array(draw(st.lists(st.floats(1e-6, 1e6), min_size=n, max_size=n)), dtype=float)
    kind = draw(st.sampled_from(["ones", "zeros", "one_off", "random"]))
    if kind == "random":
        y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)))
    else:
        y = np.full(n, 0.0 if kind == "zeros" else 1.0)
        if kind == "one_off":
            y[draw(st.integers(0, n - 1))] = 0.0
    domain = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    domain[:2] = True  # at least two respondents in the domain
    return y, Design(weights=weights), domain


@PROPERTY
@given(sample=shares())
def test_no_interval_has_zero_width(sample) -> None:
    """Whatever the weights and answers, an interval on n >= 2 respondents has positive width
    and holds the estimate (only n = 0 leaves no interval, and the mart prints none)."""
    y, design, domain = sample
    result = weighted_proportion(y, design, domain)
    low, high = proportion_interval(result)
    assert 0 <= low <= result.estimate <= high <= 1
    assert high - low > 0
    assert result.n_effective <= result.n or math.isfinite(result.deff)


@PROPERTY
@given(
    p=st.one_of(st.sampled_from([0.0, 1.0, 1 - 1e-12, 1e-12]), st.floats(0, 1)),
    se=st.one_of(st.just(0.0), st.floats(min_value=0, max_value=0.5)),
    n=st.integers(min_value=2, max_value=100_000),
    df=st.integers(min_value=1, max_value=100_000),
)
@example(p=5e-324, se=0.0, n=5, df=1)  # a subnormal share: scipy's beta overflowed
def test_no_korn_graubard_interval_has_zero_width(p, se, n, df) -> None:
    low, high = korn_graubard(p, se, n, min(df, n - 1) or 1)
    assert 0 <= low <= p <= high <= 1
    assert high > low


def unanimous_region_against(rest_share: float, region_n: int = 123, rest_n: int = 2877):
    """A region whose ``region_n`` respondents all count (Auvergne-Rhône-Alpes' 123 employer
    associations), in a France whose other respondents count at ``rest_share``."""
    rng = np.random.default_rng(16)
    n = region_n + rest_n
    design = Design(weights=rng.uniform(0.5, 2.0, n), strata=np.arange(n) % 4)
    region = np.arange(n) < region_n
    rest_yes = np.arange(rest_n) < round(rest_share * rest_n)
    y = np.concatenate([np.ones(region_n), rng.permutation(rest_yes)]).astype(float)
    return y, design, region


def test_a_unanimous_region_is_tested_with_its_exact_interval() -> None:
    """Issue 16: 100 % of 123 (exact interval [97,0 % ; 100 %]) against a rest of France at
    97,7 %. With the region's SE of 0 the 2,3-point gap was called significant; with the SE of
    its exact interval it is not, the rest's value lying inside that interval."""
    y, design, region = unanimous_region_against(0.977)
    result = weighted_proportion(y, design, region)
    low, high = proportion_interval(result)
    assert (result.estimate, result.se) == (1.0, 0.0)
    assert round(low, 3) == 0.970 and high == 1.0
    naive = compare_domains(y, design, region)
    assert 0.015 < naive.difference < 0.035
    assert naive.significant  # the defect: a gap inside the exact interval called certain
    edge_se = edge_standard_error(result)
    assert edge_se == pytest.approx((1 - low) / stats.norm.ppf(0.975))
    honest = with_edge_uncertainty(naive, result)
    assert honest.difference == naive.difference and honest.df == naive.df
    assert honest.se == pytest.approx(math.hypot(naive.se, edge_se))
    assert not honest.significant
    # A gap beyond the exact interval and the rest's own uncertainty stays significant.
    y, design, region = unanimous_region_against(0.90)
    far = with_edge_uncertainty(
        compare_domains(y, design, region), weighted_proportion(y, design, region)
    )
    assert far.significant


@PROPERTY
@given(rest_share=st.floats(0.5, 0.999), region_n=st.integers(30, 400))
def test_a_value_inside_the_exact_interval_never_differs_significantly(rest_share, region_n):
    y, design, region = unanimous_region_against(rest_share, region_n, 600)
    result = weighted_proportion(y, design, region)
    low, _ = proportion_interval(result)
    rest = weighted_proportion(y, design, ~region)
    versus = with_edge_uncertainty(compare_domains(y, design, region), result)
    if rest.estimate >= low:
        assert not versus.significant


def test_a_change_from_a_unanimous_wave_uses_its_exact_interval() -> None:
    """The same rule for two waves: 100 % of 123 then 97,7 % of 900 is no significant fall."""
    earlier = Estimate(estimate=1.0, se=0.0, deff=math.nan, n=123, n_effective=123, df=120)
    later = Estimate(estimate=0.977, se=0.005, deff=1.0, n=900, n_effective=900, df=880)
    result = compare_waves(earlier, later)
    assert result.se == pytest.approx(math.hypot(edge_standard_error(earlier), 0.005))
    assert not result.significant
    # Away from the edges the SE is the estimate's own: the test is unchanged.
    assert edge_standard_error(later) == later.se
