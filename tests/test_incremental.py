"""End to end through Dagster, an update: a changed delivery is sensed, ingested alone, and
declarative automation renders again only the reports whose figures changed."""

import dagster as dg
import duckdb

from orchestration.definitions import defs
from orchestration.geography import region_by_code
from orchestration.ingest.sensors import raw_delivery_sensor
from orchestration.publication.partitions import all_regions_run_tags
from orchestration.resources import project_resources
from orchestration.run_all import (
    run_automation,
    run_job,
)
from synthetic import case_database
from tests.conftest import settled
from tests.index_reading import read_index
from tests.pipeline_reading import CASE_EXPORT, html_text, report_jobs, requested_assets


def published_times(job) -> tuple[int, int]:
    """When the report's two files were last published (each render replaces them)."""
    return job.html.stat().st_mtime_ns, job.pdf.stat().st_mtime_ns


def test_a_changed_case_export_updates_its_region_through_sensor_and_automation(pipeline_copy):
    project, instance, _ = pipeline_copy
    # Everything under raw/ was ingested by the full run, and everything downstream updated.
    assert not raw_delivery_sensor(
        dg.build_sensor_context(instance=instance, resources=project_resources())
    ).run_requests
    idle = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert requested_assets(idle) == set()
    export = project.raw_dir / CASE_EXPORT
    cases, catalysts = case_database.generate()
    case_database.write_xlsx((cases.iloc[:-1], catalysts), export)  # one case withdrawn
    settled(export)
    jobs = report_jobs(project)
    published_before = {job.title: published_times(job) for job in jobs}

    # The sensor ingests the case database only...
    sensed = raw_delivery_sensor(
        dg.build_sensor_context(instance=instance, resources=project_resources())
    )
    [request] = sensed.run_requests
    ingest = run_job(instance, request.job_name, request.tags)
    assert ingest.success
    assert {e.asset_key.to_user_string() for e in ingest.get_asset_materialization_events()} == {
        "raw/case_database"
    }
    # ...and declarative automation updates what depends on it, never the survey models, in
    # three runs: a partitioned asset follows an unpartitioned one at the next tick.
    ticks = run_automation(instance, idle.cursor)
    assert [tick.names for tick in ticks] == [
        {
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
            "national_report",
            "reports_index",
        },
        {"regional_report"},
        {"reports_index"},
    ]
    assert all(tick.result.success for tick in ticks)
    # The 13 regions in one run.
    assert all_regions_run_tags().items() <= ticks[1].result.dagster_run.tags.items()
    # Only the withdrawn case's region and the synthesis print other figures: only they are
    # rendered again; the 12 other regions keep their files.
    region = region_by_code(cases.iloc[-1]["region"])
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
