"""The code location loads, validates and has the shape the UI shows, without the warehouse."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.geography import regions
from orchestration.studies import STUDIES

# The definitions these tests load read the dbt manifest.
pytestmark = pytest.mark.usefixtures("dbt_manifest")


def test_definitions_validate_without_touching_the_warehouse(isolated_project, tmp_path):
    # A fresh process: loading must not open (or create) the warehouse file.
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "definitions",
            "validate",
            "-m",
            "orchestration.definitions",
        ],
        env={**os.environ, **isolated_project.env(), "DAGSTER_HOME": str(dagster_home)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    # The command exits 0 even when validation fails; its log says which.
    assert "Validation successful" in completed.stderr + completed.stdout, completed.stderr
    assert not isolated_project.warehouse.exists()
    assert not isolated_project.warehouse.parent.exists()


def test_asset_graph_reads_ingest_transform_reports():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    for study in STUDIES:
        assert groups[f"raw/survey_{study}"] == "ingest"
    assert groups["raw/case_database"] == "ingest"
    assert groups["marts/fct_indicator_estimates"] == "transform"
    assert groups["deliveries/case_database"] == "deliveries"
    assert groups["regional_report/53-bretagne"] == "reports"
    assert groups["national_report"] == "reports"
    upstream_of_slices = graph.get(dg.AssetKey(["report_export", "53-bretagne"])).parent_keys
    assert upstream_of_slices == {dg.AssetKey("report_data")}


def test_every_asset_has_an_owner_a_kind_and_a_description():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    owners = {
        "deliveries": ["team:donnees"],
        "ingest": ["team:donnees"],
        "transform": ["team:donnees"],
        "reports": ["team:etudes"],
    }
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not (node.is_materializable or node.is_observable):
            continue
        assert node.owners == owners[node.group_name], key
        assert node.description, key
        assert any(tag.startswith("dagster/kind/") for tag in node.tags), key


def test_each_report_is_an_asset_named_by_its_region_and_reads_its_own_export_slice():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for region in regions():
        report = graph.get(dg.AssetKey(["regional_report", region.slug]))
        assert report.parent_keys == {dg.AssetKey(["report_export", region.slug])}
        assert f"IMPACT-{region.name}" in report.description
        # Its sources are its code version: a template edit makes it stale.
        assert report.code_version == graph.get(dg.AssetKey("national_report")).code_version
    assert dg.AssetKey(["regional_report", "53-bretagne"]) in graph.get_all_asset_keys()
    assert graph.get(dg.AssetKey("national_report")).parent_keys == {
        dg.AssetKey(["report_export", "france"])
    }
    # The 13 regions render in one step, or any subset of them.
    assert defs.resolve_assets_def(dg.AssetKey(["regional_report", "53-bretagne"])).can_subset


def test_every_suite_guards_its_asset_and_only_warnings_do_not_block():
    from orchestration.definitions import defs
    from orchestration.ingest.deliveries import CASE_DATABASE, SURVEY_KINDS
    from orchestration.quality.batches import CASE_SUITES, MART_SUITES, SURVEY_SUITES
    from orchestration.quality.checks import INDICATOR_MART, check_name

    expected = {
        dg.AssetCheckKey(kind.asset_key, check_name(kind.name, suite))
        for kind in SURVEY_KINDS.values()
        for suite in SURVEY_SUITES
    }
    expected |= {dg.AssetCheckKey(CASE_DATABASE.asset_key, suite) for suite in CASE_SUITES}
    expected |= {dg.AssetCheckKey(INDICATOR_MART, suite) for suite in MART_SUITES}
    assert expected <= defs.resolve_asset_graph().asset_check_keys
    blocking = {
        key.name: checks.get_spec_for_check_key(key).blocking
        for checks in defs.asset_checks
        for key in checks.check_keys
        if key in expected
    }
    assert {name for name, blocks in blocking.items() if not blocks} == {
        *(f"survey_{study}_item_nonresponse" for study in SURVEY_KINDS),
        "published_figures",
    }


def test_loading_definitions_imports_neither_great_expectations_nor_scipy():
    # Both are slow to import: only a running check, or a computed interval, pays for them.
    loaded = "[name for name in ('great_expectations', 'scipy') if name in sys.modules]"
    completed = subprocess.run(
        [sys.executable, "-c", f"import sys, orchestration.definitions; print({loaded})"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.strip() == "[]"


def test_dbt_staging_reads_each_study_through_its_ingest_asset():
    from orchestration.definitions import defs
    from orchestration.ingest.deliveries import ALL_SURVEYS_KEY

    graph = defs.resolve_asset_graph()
    for model in ("stg_survey_respondents", "stg_survey_answers", "stg_survey_files"):
        parents = graph.get(dg.AssetKey(["staging", model])).parent_keys
        assert {key.to_user_string() for key in parents} == {
            f"raw/survey_{study}" for study in STUDIES
        }
    # The key of the surveys' dbt sources only stands for the studies' ingests.
    assert ALL_SURVEYS_KEY not in graph.get_all_asset_keys()


def test_every_step_opening_the_warehouse_takes_turns_in_the_warehouse_pool():
    from orchestration.definitions import defs
    from orchestration.executor import run_executor
    from orchestration.warehouse import WAREHOUSE_POOL

    job = defs.resolve_job_def("refresh_all")
    ops = {node.name: node.definition for node in job.graph.nodes}
    opening = {
        name for name, op in ops.items() if {"warehouse", "dbt"} & set(op.required_resource_keys)
    }
    in_pool = {name for name, op in ops.items() if op.pool == WAREHOUSE_POOL}
    assert opening == in_pool
    assert {"impact_dbt_models", "report_data", "survey_citoyens_quality"} <= opening
    # Steps run one after the other in the run's process (see orchestration/executor.py).
    assert job.executor_def is run_executor
