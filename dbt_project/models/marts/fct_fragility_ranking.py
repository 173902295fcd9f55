"""The perceived fragility domains of each study wave and geography, ranked: estimate and
interval, position, and tier (1 = the leading group; a tier boundary only where every domain
above is significantly above every domain below, by the paired differences of
``fct_fragility_pairs``). Suppressed domains and geographies get no position nor tier."""

from orchestration.transform.fragilities import fragility_ranking


def model(dbt, session):
    dbt.config(materialized="table")
    return fragility_ranking(
        dbt.ref("indicator_catalogue").df(),
        dbt.ref("fct_indicator_estimates").df(),
        dbt.ref("fct_fragility_pairs").df(),
        dbt.ref("fragility_domains").df(),
    )
