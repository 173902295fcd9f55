"""The running UI, as users meet it: ``dagster dev`` (webserver and daemon) on a project whose
history lives in its own ``DAGSTER_HOME``, its reports served over HTTP as ``make ui`` serves
them, driven through its GraphQL API and in Chromium: the runs a user launches (what the
sensors and automation do by themselves is in ``test_ui_automation``)."""

import os
import signal
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest
from dagster import DagsterRunStatus

from orchestration.geography import region_by_code, regions
from orchestration.publication.report_jobs import ReportJob, regional_job
from orchestration.publication.report_keys import regional_report_key
from orchestration.recovery import RunWorker, recorded_worker
from tests.dagster_servers import LAUNCHING_SENSORS, LOCATION, stop_sensors, wait_for_run
from tests.running_ui import RUN_SECONDS, SENSOR_SECONDS, render, running_ui
from tests.test_recovery import slot_holders, sqlite_free

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
REGION = "84"


@pytest.fixture(scope="module")
def ui(finished_run, tmp_path_factory):
    """``make ui`` on a copy of the shared run (``tests/running_ui.py``), the sensors that
    launch runs by themselves switched off: the runs here are the ones a user launches (what
    the sensors do is ``test_ui_automation``'s), and nothing else competes with them."""
    with running_ui(finished_run, tmp_path_factory.mktemp("ui")) as running:
        stop_sensors(running.url, LAUNCHING_SENSORS, SENSOR_SECONDS)
        yield running


def test_two_writing_runs_and_a_render_launched_at_once_all_succeed(ui):
    # Both writers write the warehouse: the `warehouse` pool makes their steps take turns
    # instead of failing on DuckDB's lock. The region's render runs beside them.
    job = regional_job(region_by_code(REGION), ui.paths)
    before = job.record()
    launched = time.time()
    writers = [ui.client.submit_job_execution("ingest_case_database") for _ in range(2)]
    reader = render(ui, REGION)

    runs = [*writers, reader]
    statuses = {run_id: wait_for_run(ui.client, run_id, RUN_SECONDS) for run_id in runs}

    assert set(statuses.values()) == {DagsterRunStatus.SUCCESS}, statuses
    # The region was rendered by the run launched for it, and published.
    assert job.record().run_id == reader != before.run_id
    assert job.html.stat().st_mtime > launched and job.pdf.stat().st_mtime > launched


def test_a_run_worker_killed_in_a_warehouse_step_is_failed_and_frees_the_pool(ui):
    # Under dagster dev, the code server marks a run failed when its worker process dies, but
    # leaves its warehouse slot held; the sensor dead_run_sweep frees it at its next tick.
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
            # Frozen inside a SQLite write, it would make reading the instance fail.
            if sqlite_free(instance) and slot_holders(instance) == [run_id]:
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
