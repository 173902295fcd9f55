"""The running UI, as users meet it: ``dagster dev`` (webserver and daemon) on a project whose
history lives in its own ``DAGSTER_HOME``, its reports served over HTTP as ``make ui`` serves
them, driven through its GraphQL API and in Chromium."""

import json
import os
import shutil
import signal
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient

from orchestration.automation import AUTOMATION_SENSOR
from orchestration.geography import region_by_code, regions
from orchestration.ingest.deliveries import CASE_DATABASE
from orchestration.ingest.observations import CHANGES_METADATA
from orchestration.publication.report_jobs import ReportJob, all_report_jobs, regional_job
from orchestration.publication.report_keys import regional_report_key
from orchestration.recovery import RunWorker, recorded_worker
from orchestration.settings import PROJECT_ROOT, REPORTS_URL_VAR, ProjectPaths
from synthetic import case_database
from tests.conftest import settled
from tests.dagster_servers import (
    LOCATION,
    free_port,
    graphql,
    start,
    stop,
    stop_sensors,
    wait_for_run,
    wait_until_served,
)
from tests.test_recovery import slot_holders

# The definitions these tests load read the dbt manifest.
pytestmark = pytest.mark.usefixtures("dbt_manifest")

CHROMIUM = Path(os.environ.get("IMPACT_CHROMIUM", "/usr/bin/chromium"))
# Chromium in a closed network: no background connections, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUN_SECONDS = 900
REGION = "84"
CASE_EXPORT = "cases/impact_pratiques_partenariales.xlsx"
# Sensor ticks (30 s), the settling of a copied file (20 s) and four runs one after the other.
AUTOMATION_SECONDS = 900
SENSOR_NAME_TAG = "dagster/sensor_name"  # set by Dagster on the runs a sensor launches
STALE_QUERY = """
query Stale($keys: [AssetKeyInput!]) {
  assetNodes(assetKeys: $keys) { assetKey { path } staleStatus }
}
"""


@dataclass(frozen=True)
class RunningUI:
    """A ``dagster dev`` serving the test project, and its GraphQL client."""

    url: str
    client: DagsterGraphQLClient
    paths: ProjectPaths
    dagster_home: Path


@pytest.fixture(scope="module")
def ui(finished_run, tmp_path_factory):
    """The sample data refreshed once (a copy of the shared run: its project, and its instance
    as ``DAGSTER_HOME``), then ``make ui``'s commands on that ``DAGSTER_HOME``: the reports
    folder served over HTTP, and ``dagster dev``, which opens on that run's history."""
    root = tmp_path_factory.mktemp("ui")
    project = finished_run.copy_to(root)
    dagster_home = root / "dagster"
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", dagster_home / "dagster.yaml")
    python = Path(sys.executable)
    reports_port, port = free_port(), free_port()
    reports_url = f"http://127.0.0.1:{reports_port}"
    env = {**os.environ, **project.env(), "DAGSTER_HOME": str(dagster_home)}
    env[REPORTS_URL_VAR] = reports_url
    files = [python, "-m", "http.server", str(reports_port), "--bind", "127.0.0.1"]
    files += ["--directory", str(project.paths.reports_dir)]
    reports = start(files, env, root / "reports-server.log")
    command = [python.parent / "dagster", "dev", "-m", "orchestration.definitions"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    server = start(command, env, root / "dagster-dev.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_served(url, server)
        client = DagsterGraphQLClient("127.0.0.1", port_number=port)
        yield RunningUI(url, client, project.paths, dagster_home)
    finally:
        stop(server)
        stop(reports)


def render(ui: RunningUI, region: str) -> str:
    """Launch, as « Materialize » on the region's report does, the render of one region (up to
    date or not: it is rendered because it was asked for)."""
    key = regional_report_key(region_by_code(region))
    return ui.client.submit_job_execution("render_reports", asset_selection=[key])


def stale_status(ui: RunningUI, keys: list[dg.AssetKey]) -> dict[str, str]:
    """What the UI says of each asset: FRESH, STALE or MISSING."""
    variables = {"keys": [key.to_graphql_input() for key in keys]}
    nodes = graphql(ui.url, STALE_QUERY, variables)["assetNodes"]
    return {"/".join(node["assetKey"]["path"]): node["staleStatus"] for node in nodes}


def test_a_run_for_one_region_launched_through_graphql_succeeds(ui):
    job = regional_job(region_by_code(REGION), ui.paths)
    before = json.loads(job.record_file.read_text(encoding="utf-8"))

    run_id = render(ui, REGION)

    assert wait_for_run(ui.client, run_id, RUN_SECONDS) == DagsterRunStatus.SUCCESS
    record = json.loads(job.record_file.read_text(encoding="utf-8"))
    assert record["run_id"] == run_id != before["run_id"]
    assert job.html.stat().st_mtime > time.time() - RUN_SECONDS


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


def test_two_writing_runs_launched_at_once_both_succeed(ui):
    # Both write the warehouse: the `warehouse` pool makes their steps take turns instead of
    # failing on DuckDB's lock. A render runs beside them.
    writers = [ui.client.submit_job_execution("ingest_case_database") for _ in range(2)]
    reader = render(ui, "53")

    runs = [*writers, reader]
    statuses = {run_id: wait_for_run(ui.client, run_id, RUN_SECONDS) for run_id in runs}

    assert set(statuses.values()) == {DagsterRunStatus.SUCCESS}, statuses


def test_a_run_worker_killed_in_a_warehouse_step_is_failed_and_frees_the_pool(ui):
    # Under dagster dev, the code server marks a run failed when its worker process dies, but
    # leaves its warehouse slot held; the sensor dead_run_sweep (every minute) frees it.
    run_id = ui.client.submit_job_execution("ingest_case_database")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(ui.dagster_home))
        with dg.DagsterInstance.get() as instance:
            worker = freeze_worker_holding_the_warehouse(instance, run_id)
            os.kill(worker.pid, signal.SIGKILL)

            assert wait_for_run(ui.client, run_id, RUN_SECONDS) == DagsterRunStatus.FAILURE
            deadline = time.monotonic() + RUN_SECONDS
            while slot_holders(instance) and time.monotonic() < deadline:
                time.sleep(2)
            assert slot_holders(instance) == []

    after = ui.client.submit_job_execution("ingest_case_database")
    assert wait_for_run(ui.client, after, RUN_SECONDS) == DagsterRunStatus.SUCCESS


def freeze_worker_holding_the_warehouse(instance: dg.DagsterInstance, run_id: str) -> RunWorker:
    """The run's worker process, stopped (SIGSTOP) while its run holds the warehouse slot."""
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        worker = recorded_worker(instance, run_id)
        if worker is not None and slot_holders(instance) == [run_id]:
            os.kill(worker.pid, signal.SIGSTOP)
            if slot_holders(instance) == [run_id]:
                return worker
            os.kill(worker.pid, signal.SIGCONT)  # it was leaving the step: catch another
        time.sleep(0.1)
    raise TimeoutError(f"run {run_id} held no warehouse slot within {RUN_SECONDS} s")


def dismiss_welcome(page) -> None:
    """A fresh instance greets the first visit with a newsletter dialog: skip it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=15_000)
    except PlaywrightTimeout:
        return  # already dismissed in this browser profile
    skip.click()


def published_at(job: ReportJob) -> tuple[int, int]:
    return job.html.stat().st_mtime_ns, job.pdf.stat().st_mtime_ns


def wait_for_render(job: ReportJob, before: tuple[int, int]) -> None:
    """Until the report's two files are published again."""
    deadline = time.monotonic() + RUN_SECONDS
    while published_at(job) == before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{job.title} was not rendered within {RUN_SECONDS} s")
        time.sleep(2)


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (IMPACT_CHROMIUM)")
def test_a_user_picks_a_region_by_name_materializes_it_and_opens_it(ui, tmp_path):
    from playwright.sync_api import sync_playwright

    bretagne = regional_job(region_by_code("53"), ui.paths)
    key = regional_report_key(region_by_code("53")).to_user_string()
    before = published_at(bretagne)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{ui.url}/locations/{LOCATION}/asset-groups/reports", timeout=60_000)
        dismiss_welcome(page)
        for node in ("report_data", "reports_index"):
            page.get_by_text(node, exact=True).first.wait_for(timeout=60_000)
        graph = tmp_path / "asset-graph.png"
        page.screenshot(path=str(graph))

        # The regional reports, listed by region name.
        page.goto(f"{ui.url}/assets/regional_report", timeout=60_000)
        page.get_by_text("94-corse", exact=True).first.wait_for(timeout=60_000)
        listed = page.inner_text("body")  # long names are cut on screen, whole in the page
        for region in regions():
            assert region.slug in listed and f"IMPACT-{region.name}" in listed
        listing = tmp_path / "regional-reports.png"
        page.screenshot(path=str(listing), full_page=True)

        # Bretagne, materialized with no configuration to type.
        page.goto(f"{ui.url}/assets/{key}", timeout=60_000)
        page.get_by_text("IMPACT-Bretagne", exact=False).first.wait_for(timeout=60_000)
        page.get_by_text("Materialize", exact=True).first.click()
        wait_for_render(bretagne, before)
        record = bretagne.record()
        assert wait_for_run(ui.client, record.run_id, RUN_SECONDS) == DagsterRunStatus.SUCCESS

        # Its page links to the report, served where the link says.
        page.goto(f"{ui.url}/assets/{key}", timeout=60_000)
        link = page.locator(f'a[href$="/{bretagne.html.name}"]').first
        link.wait_for(timeout=60_000)
        address = link.get_attribute("href")
        asset = tmp_path / "bretagne.png"
        page.screenshot(path=str(asset), full_page=True)
        browser.close()

    with urllib.request.urlopen(address, timeout=30) as response:
        served = response.read().decode("utf-8")
    assert "IMPACT-Bretagne" in served
    for screenshot in (graph, listing, asset):
        assert screenshot.stat().st_size > 20_000  # a drawn page, not a blank one


def test_a_region_whose_figures_changed_shows_stale_until_rendered(ui, tmp_path):
    # Automation off, as a user may switch it off: the changed figures wait for a render.
    stop_sensors(ui.url, (AUTOMATION_SENSOR,))
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
