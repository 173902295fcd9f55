"""Every ingredient of the small-area fits (direct share, smoothed sampling variance, shrinkage,
synthetic part, EBLUP, benchmarked estimate and its MSE, diagnostics), per modellable indicator
× wave × region. Not exported: ``fct_small_area_estimates`` keeps what may be published."""

from orchestration.transform.small_area_estimates import small_area_fits


def model(dbt, session):
    dbt.config(materialized="table")
    return small_area_fits(
        dbt.ref("indicator_catalogue").df(),
        dbt.ref("fct_indicator_estimates").df(),
        dbt.ref("small_area_models").df(),
    )
