"""What the running UI does by itself: ``dagster dev``'s daemon, its delivery sensor and
declarative automation, on a project whose history lives in its own ``DAGSTER_HOME`` (the
runs launched by hand are in ``test_ui``)."""

import time

import dagster as dg
import pytest
from dagster import DagsterRunStatus

from orchestration.automation import AUTOMATION_SENSOR
from orchestration.geography import region_by_code, regions
from orchestration.ingest.deliveries import CASE_DATABASE
from orchestration.ingest.observations import CHANGES_METADATA
from orchestration.publication.report_jobs import ReportJob, all_report_jobs
from orchestration.publication.report_keys import regional_report_key
from synthetic import case_database
from tests.conftest import settled
from tests.dagster_servers import graphql, stop_sensors, wait_for_run
from tests.running_ui import RUN_SECONDS, SENSOR_SECONDS, RunningUI, running_ui

# The definitions these tests load read the dbt manifest.
pytestmark = pytest.mark.usefixtures("dbt_manifest")

CASE_EXPORT = "cases/impact_pratiques_partenariales.xlsx"
# Sensor ticks, the settling of a copied file (20 s) and four runs one after the other.
AUTOMATION_SECONDS = 900
SENSOR_NAME_TAG = "dagster/sensor_name"  # set by Dagster on the runs a sensor launches
STALE_QUERY = """
query Stale($keys: [AssetKeyInput!]) {
  assetNodes(assetKeys: $keys) { assetKey { path } staleStatus }
}
"""


@pytest.fixture(scope="module")
def ui(finished_run, tmp_path_factory):
    """``make ui`` on a copy of the shared run (``tests/running_ui.py``)."""
    with running_ui(finished_run, tmp_path_factory.mktemp("ui")) as running:
        yield running


def stale_status(ui: RunningUI, keys: list[dg.AssetKey]) -> dict[str, str]:
    """What the UI says of each asset: FRESH, STALE or MISSING."""
    variables = {"keys": [key.to_graphql_input() for key in keys]}
    nodes = graphql(ui.url, STALE_QUERY, variables)["assetNodes"]
    return {"/".join(node["assetKey"]["path"]): node["staleStatus"] for node in nodes}


def rendered_by(job: ReportJob) -> str:
    """The run that last rendered a report."""
    return job.record().run_id


def test_a_corrected_delivery_updates_its_region_with_nobody_launching_a_run(ui):
    jobs = {job.title: job for job in all_report_jobs(ui.paths, regions())}
    before = {title: rendered_by(job) for title, job in jobs.items()}
    cases, catalysts = case_database.generate()
    withdrawn_from = region_by_code(cases.iloc[-1]["region"]).name
    # The corrected export is copied into raw/: the delivery sensor ingests it, then declarative
    # automation updates the case models, the export, the reports concerned and the index.
    delivered = ui.paths.raw_dir / CASE_EXPORT
    case_database.write_xlsx((cases.iloc[:-1], catalysts), delivered)
    # A copy that ended a while ago: the sensor reads it at its next tick (the wait for a copy
    # in progress is tested in test_automation.py).
    settled(delivered)

    index = ui.paths.reports_dir / "index.html"
    deadline = time.monotonic() + AUTOMATION_SECONDS
    while time.monotonic() < deadline:
        rendered = {title for title, job in jobs.items() if rendered_by(job) != before[title]}
        regional = jobs[withdrawn_from].html.stat().st_mtime
        if withdrawn_from in rendered and index.stat().st_mtime > regional:
            break
        time.sleep(5)
    else:
        raise TimeoutError(f"the reports were not updated within {AUTOMATION_SECONDS} s")

    assert rendered == {withdrawn_from, "Synthèse nationale"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(ui.dagster_home))
        with dg.DagsterInstance.get() as instance:
            launchers = {run.tags.get(SENSOR_NAME_TAG) for run in instance.get_runs()}
            # The delivery sensor observed the changed delivery; the automation sensor
            # launched the runs.
            [observed] = instance.fetch_observations(CASE_DATABASE.source_key, limit=1).records
            changes = observed.asset_observation.metadata[CHANGES_METADATA].value
    assert changes == CASE_EXPORT
    assert AUTOMATION_SENSOR in launchers
    reports = [regional_report_key(region) for region in regions()]
    assert set(stale_status(ui, reports).values()) == {"FRESH"}


def test_a_region_whose_figures_changed_shows_stale_until_rendered(ui, tmp_path):
    # Automation off, as a user may switch it off: the changed figures wait for a render.
    stop_sensors(ui.url, (AUTOMATION_SENSOR,), SENSOR_SECONDS)
    delivered = ui.paths.raw_dir / CASE_EXPORT
    cases, catalysts = case_database.generate()
    changed = {region_by_code(cases.iloc[0]["region"])}
    # The case the automation test withdrew, if it ran, comes back (the export is written
    # byte for byte the same from the same cases).
    case_database.write_xlsx((cases.iloc[:-1], catalysts), tmp_path / "withdrawn.xlsx")
    if delivered.read_bytes() == (tmp_path / "withdrawn.xlsx").read_bytes():
        changed.add(region_by_code(cases.iloc[-1]["region"]))
    # The first case withdrawn; the delivery sensor observes the new export.
    case_database.write_xlsx((cases.iloc[1:], catalysts), delivered)
    settled(delivered)
    ingest = CASE_DATABASE.asset_key
    deadline = time.monotonic() + AUTOMATION_SECONDS
    while stale_status(ui, [ingest])[ingest.to_user_string()] != "STALE":
        assert time.monotonic() < deadline, "the changed delivery was not observed"
        time.sleep(5)

    # Everything from the ingest to the export slices, not the reports.
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    reports = (
        dg.AssetSelection.groups("reports")
        - dg.AssetSelection.key_prefixes(["report_export"])
        - dg.AssetSelection.assets("report_data")
    )
    upstream = dg.AssetSelection.assets(ingest).downstream() - reports
    keys = sorted(upstream.resolve(graph))
    run_id = ui.client.submit_job_execution("refresh_all", asset_selection=keys)
    assert wait_for_run(ui.client, run_id, RUN_SECONDS) == DagsterRunStatus.SUCCESS

    report_keys = [regional_report_key(region) for region in regions()]
    statuses = stale_status(ui, [*report_keys, dg.AssetKey("national_report")])
    stale = {name for name, status in statuses.items() if status == "STALE"}
    expected = {regional_report_key(region).to_user_string() for region in changed}
    assert stale == expected | {"national_report"}
