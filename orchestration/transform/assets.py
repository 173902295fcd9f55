"""dbt models, seeds and tests as Dagster assets and asset checks."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.automation import after_its_inputs
from orchestration.ingest.deliveries import ALL_SURVEYS_KEY, SURVEY_KINDS
from orchestration.settings import DATA_OWNERS
from orchestration.transform.check_descriptions import check_description
from orchestration.transform.project import manifest_path
from orchestration.warehouse import WAREHOUSE_POOL


class ImpactDbtTranslator(DagsterDbtTranslator):
    """Puts every dbt node in the ``transform`` group, between ingest and reports, updated
    after its inputs (``orchestration/automation.py``); every dbt test is an asset check
    described in French.

    An ingest asset writes several raw tables (the case database's cases, profiles...): their
    dbt sources share its asset key (``meta.dagster.asset_key`` in ``_sources.yml``). The
    surveys' sources are views over every study's tables (``raw.survey_answers``...), which
    each study's ingest writes its part of: their key, ``ALL_SURVEYS_KEY``, stands for all the
    survey ingests, so a model reading them depends on each study's ingest asset.
    """

    def __init__(self):
        super().__init__(DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> dg.AssetSpec:
        """dagster-dbt's spec, a dependency on the surveys' sources replaced by one on each
        study's ingest asset (the studies of the seed)."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        if all(dep.asset_key != ALL_SURVEYS_KEY for dep in spec.deps):
            return spec
        deps = [dep for dep in spec.deps if dep.asset_key != ALL_SURVEYS_KEY]
        studies = [dg.AssetDep(kind.asset_key) for kind in SURVEY_KINDS.values()]
        return spec.replace_attributes(deps=[*deps, *studies])

    def get_group_name(self, dbt_resource_props: dict[str, Any]) -> str | None:
        return "transform"

    def get_owners(self, dbt_resource_props: dict[str, Any]) -> list[str]:
        return DATA_OWNERS

    def get_automation_condition(
        self, dbt_resource_props: dict[str, Any]
    ) -> dg.AutomationCondition | None:
        return after_its_inputs()

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: Any,
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        # dagster-dbt reads only ``meta.description``; the test's own description comes first.
        return spec._replace(description=check_description(manifest["nodes"][unique_id]))


# What every refresh runs: dbt build, the unit tests aside (see impact_dbt_models).
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


@dbt_assets(
    manifest=manifest_path(),
    dagster_dbt_translator=ImpactDbtTranslator(),
    pool=WAREHOUSE_POOL,
)
def impact_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """``dbt build`` of the selected models: seeds, models and their data tests. The unit tests
    check the models' SQL on fixed inputs, not the data: they run in the test suite
    (``tests/test_dbt_unit_tests.py``), not at every refresh, as dbt advises."""
    yield from dbt.cli(BUILD_ARGS, context=context).stream()
