"""Issue 18: which regional estimate is published (direct, modelled, suppressed), and the GX
suite of the small-area mart, on small frames built by the real transform."""

import numpy as np
import pandas as pd
import pytest

from orchestration.quality.batches import small_area_runs
from orchestration.quality.suites import suite
from orchestration.quality.validation import QualityStore
from orchestration.settings import PROJECT_ROOT
from orchestration.transform.small_area_estimates import (
    DIRECT,
    MODELLED,
    NO_FIT,
    PASSED,
    SIGMA2_U_ZERO,
    SUPPRESSED,
    small_area_fits,
)

SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"
REGIONS = [f"{code:02d}" for code in (11, 24, 27, 28, 32, 44, 52, 53, 75, 76, 84, 93, 94)]
# Regional shares that differ (a between-region variance), and how many answered in each.
SHARES = [0.62, 0.48, 0.55, 0.70, 0.40, 0.58, 0.52, 0.66, 0.45, 0.60, 0.50, 0.57, 0.64]
RESPONDENTS = [400, 60, 20, 150, 25, 200, 90, 110, 15, 120, 300, 140, 0]


def status(n: int) -> str:
    return "suppressed" if n < 30 else "fragile" if n < 100 else "published"


def estimates(shares=SHARES, respondents=RESPONDENTS) -> pd.DataFrame:
    """``fct_indicator_estimates`` rows of one indicator × wave: France and the 13 regions."""
    n = np.array(respondents, dtype=float)
    p = np.where(n > 0, shares, np.nan)
    national = float(np.nansum(p * n) / n.sum())
    regions = pd.DataFrame(
        {
            "geo_level": "region",
            "geo_code": REGIONS,
            "estimate": p,
            "n": respondents,
            "deff": np.where(n > 0, 1.3, np.nan),
            "weighted_n": n,
            "status": [status(count) for count in respondents],
            "ci_low": p - 0.05,
            "ci_high": p + 0.05,
        }
    )
    france = pd.DataFrame(
        {"geo_level": ["france"], "geo_code": ["FR"], "estimate": [national], "n": [n.sum()]}
    )
    table = pd.concat([france, regions], ignore_index=True)
    return table.assign(indicator_id="x", study="entreprises", wave=2021)


def catalogue(small_area: bool = True) -> pd.DataFrame:
    return pd.DataFrame({"indicator_id": ["x"], "small_area": [small_area]})


def models() -> pd.DataFrame:
    return pd.read_csv(SEEDS / "small_area_models.csv")


def published(fits: pd.DataFrame) -> pd.DataFrame:
    """What the mart keeps of the fits (as fct_small_area_estimates.sql does)."""
    shown = fits["estimate_type"] == MODELLED
    mart = fits[
        ["indicator_id", "wave", "geo_code", "estimate_type", "model_id", "model_outcome"]
        + ["sigma2_u", "iterations", "truncated_at_zero", "max_abs_standardised_residual"]
    ].copy()
    for column in ("estimate", "ci_low", "ci_high", "mse", "cv"):
        mart[column] = fits[column].where(shown)
    return mart


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> QualityStore:
    root = tmp_path_factory.mktemp("small-area-quality")
    return QualityStore(root / "store", root / "site", "tests")


def test_direct_where_publishable_modelled_where_the_diagnostics_pass_else_suppressed():
    fits = small_area_fits(catalogue(), estimates(), models())
    assert list(fits["geo_code"]) == REGIONS
    publishable = np.array(RESPONDENTS) >= 30
    assert (fits["estimate_type"] == DIRECT).tolist() == publishable.tolist()
    assert fits.loc[0, "sigma2_u"] > 0 and fits.loc[0, "converged"]
    modelled = fits[fits["estimate_type"] == MODELLED]
    assert set(modelled["model_outcome"]) == {PASSED} and len(modelled) >= 1
    withheld = fits[fits["estimate_type"] == SUPPRESSED]
    assert PASSED not in set(withheld["model_outcome"])
    # The region with no respondent gets the synthetic estimate (shrinkage 0).
    empty = fits.iloc[-1]
    assert empty["shrinkage"] == 0 and empty["eblup"] == pytest.approx(empty["synthetic"])
    # Benchmarked: weighted by the regions' base weights, they give the national estimate.
    national = estimates().loc[0, "estimate"]
    weights = fits["weighted_n"].to_numpy(dtype=float)
    assert weights @ fits["estimate"].to_numpy() / weights.sum() == pytest.approx(national, 1e-9)


def test_no_between_region_variance_models_nothing():
    fits = small_area_fits(catalogue(), estimates(shares=[0.5] * 13), models())
    assert fits.loc[0, "truncated_at_zero"] and set(fits["model_outcome"]) == {SIGMA2_U_ZERO}
    assert MODELLED not in set(fits["estimate_type"])


def test_an_indicator_the_catalogue_does_not_allow_is_not_modelled():
    assert small_area_fits(catalogue(False), estimates(), models()).empty


def test_the_suite_passes_on_the_rows_the_transform_publishes(store):
    fits = small_area_fits(catalogue(), estimates(), models())
    [run] = small_area_runs(published(fits), fits)
    outcome = store.validate(suite("small_area_estimates"), run.batch)
    assert not outcome.failures, outcome.summary()
    assert outcome.evaluated == suite("small_area_estimates").size


def test_the_suite_blocks_an_unflagged_or_undiagnosed_row_a_negative_mse_and_a_bad_eblup(store):
    fits = small_area_fits(catalogue(), estimates(), models())
    mart = published(fits)
    [row] = mart.index[mart["estimate_type"] == MODELLED][:1]
    mart.loc[row, ["model_id", "sigma2_u"]] = None
    mart.loc[row, "mse"] = -0.001
    fits.loc[row, "eblup"] = max(fits.loc[row, "direct"], fits.loc[row, "synthetic"]) + 0.01
    [run] = small_area_runs(mart, fits)
    outcome = store.validate(suite("small_area_estimates"), run.batch)
    failed = {(failure.rule, failure.column) for failure in outcome.errors}
    assert {
        ("expect_column_values_to_not_be_null", "model_id"),
        ("expect_column_values_to_not_be_null", "sigma2_u"),
        ("expect_column_values_to_be_between", "mse"),
        ("expect_column_values_to_be_in_set", "eblup_entre_direct_et_synthetique"),
    } <= failed
    assert all(REGIONS[row] in " ".join(failure.rows) for failure in outcome.errors)


def test_a_unanimous_share_is_not_modelled_and_names_no_model():
    fits = small_area_fits(catalogue(), estimates(shares=[1.0] * 13), models())
    assert set(fits["model_outcome"]) == {NO_FIT} and fits["model_id"].isna().all()
    publishable = np.array(RESPONDENTS) >= 30
    assert (fits["estimate_type"] == DIRECT).tolist() == publishable.tolist()
    assert (fits.loc[~publishable, "estimate_type"] == SUPPRESSED).all()
