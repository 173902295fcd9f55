"""End to end through Dagster, an update: a changed delivery is observed by the sensor, ingested
alone, and declarative automation renders again only the reports whose figures changed; Dagster
shows the others up to date."""

import dagster as dg
import duckdb
from dagster._core.definitions.data_version import StaleStatus
from dagster._utils.test.data_versions import get_stale_status_resolver

from bench.automation_ticks import observe_deliveries, run_automation
from orchestration.definitions import defs
from orchestration.geography import region_by_code
from orchestration.publication.report_keys import regional_report_key
from synthetic import case_database
from tests.conftest import settled
from tests.index_reading import read_index
from tests.pipeline_reading import (
    CASE_EXPORT,
    html_text,
    report_jobs,
    requested_assets,
)


def published_times(job) -> tuple[int, int]:
    """When the report's two files were last published (each render replaces them)."""
    return job.html.stat().st_mtime_ns, job.pdf.stat().st_mtime_ns


def stale_assets(instance: dg.DagsterInstance) -> set[str]:
    """The assets Dagster's UI shows stale."""
    graph = defs.resolve_asset_graph()
    resolver = get_stale_status_resolver(instance, graph.assets_defs)
    keys = graph.get_all_asset_keys()
    return {k.to_user_string() for k in keys if resolver.get_status(k) == StaleStatus.STALE}


def test_a_changed_case_export_updates_its_region_through_sensor_and_automation(pipeline_copy):
    project, instance, _ = pipeline_copy
    # The full run observed everything under raw/, and everything downstream is up to date.
    assert observe_deliveries(instance) == []
    assert stale_assets(instance) == set()
    idle = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert requested_assets(idle) == set()
    export = project.raw_dir / CASE_EXPORT
    cases, catalysts = case_database.generate()
    case_database.write_xlsx((cases.iloc[:-1], catalysts), export)  # one case withdrawn
    settled(export)
    jobs = report_jobs(project)
    published_before = {job.title: published_times(job) for job in jobs}

    # The sensor observes the case database only: Dagster shows its ingest stale...
    [observation] = observe_deliveries(instance)
    assert observation.asset_key.to_user_string() == "deliveries/case_database"
    assert stale_assets(instance) == {"raw/case_database"}
    # ...and declarative automation ingests it and updates what depends on it, never the survey
    # models, in two runs: the reports whose export slice changed follow at the next tick.
    region = region_by_code(cases.iloc[-1]["region"])
    ticks = run_automation(instance, idle.cursor)
    assert [tick.names for tick in ticks] == [
        {
            "raw/case_database",
            "staging/stg_cases",
            "staging/stg_case_profiles",
            "staging/stg_case_modes",
            "staging/stg_catalysts",
            "marts/fct_case_database_indicators",
            "marts/fct_report_findings",
            "marts/fct_fragility_alliances",
            "marts/fct_report_examples",
            "marts/fct_report_inputs",
            "report_data",
            *(f"report_export/{job.stem.removeprefix('region-')}" for job in jobs[1:]),
            "report_export/france",
        },
        {"national_report", regional_report_key(region).to_user_string(), "reports_index"},
    ]
    assert all(tick.result.success for tick in ticks)
    assert stale_assets(instance) == set()
    # Only the withdrawn case's region and the synthesis print other figures: only they are
    # rendered again; the 12 other regions keep their files.
    rendered = {job.title for job in jobs if published_times(job) != published_before[job.title]}
    assert rendered == {"Synthèse nationale", region.name}
    assert read_index(project.reports_dir / "index.html").states == ["à jour"] * 14
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        total = connection.execute(
            "select sum(count) from marts.fct_case_database_indicators "
            "where dimension = 'total' and geo_level = 'region'"
        ).fetchone()
    assert total[0] == len(cases) - 1
    national = next(job for job in report_jobs(project) if job.title == "Synthèse nationale")
    # The France row: share, interval, base, no rest-of-France difference, cases.
    assert f"3 000 – {len(cases) - 1} " in html_text(national.html)
