"""``make ui`` started on a copy of the shared run, for the modules that test the running UI
(``test_ui``: launching runs by hand; ``test_ui_automation``: what the sensors do by
themselves). Each module starts its own, so that the two run on two test workers."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dagster_graphql import DagsterGraphQLClient

from orchestration.geography import region_by_code
from orchestration.publication.report_keys import regional_report_key
from orchestration.settings import (
    PROJECT_ROOT,
    REPORTS_URL_VAR,
    SENSOR_SECONDS_VAR,
    ProjectPaths,
)
from tests.conftest import FinishedRun
from tests.dagster_servers import free_port, start, stop, wait_until_served

RUN_SECONDS = 900
# The sensors tick every 5 s instead of 30: the same chain of ticks and runs, sooner.
SENSOR_SECONDS = 5


@dataclass(frozen=True)
class RunningUI:
    """A ``dagster dev`` serving the test project, and its GraphQL client."""

    url: str
    client: DagsterGraphQLClient
    paths: ProjectPaths
    dagster_home: Path


@contextmanager
def running_ui(finished_run: FinishedRun, root: Path) -> Iterator[RunningUI]:
    """The sample data refreshed once (a copy of the shared run in ``root``: its project, and
    its instance as ``DAGSTER_HOME``), then ``make ui``'s commands on that ``DAGSTER_HOME``: the
    reports folder served over HTTP, and ``dagster dev``, which opens on that run's history."""
    project = finished_run.copy_to(root)
    dagster_home = root / "dagster"
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", dagster_home / "dagster.yaml")
    python = Path(sys.executable)
    reports_port, port = free_port(), free_port()
    env = {**os.environ, **project.env(), "DAGSTER_HOME": str(dagster_home)}
    env[REPORTS_URL_VAR] = f"http://127.0.0.1:{reports_port}"
    env[SENSOR_SECONDS_VAR] = str(SENSOR_SECONDS)
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
