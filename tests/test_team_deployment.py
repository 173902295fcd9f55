"""The team deployment (``deployment/team``): a Dagster instance stored in PostgreSQL, the
webserver and the daemon as separate processes, a run queued by one and started by the other.

PostgreSQL is a throwaway cluster started by the deployment's own script; a machine where it
cannot start fails this test (``.ci/run`` installs Debian's package).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from dagster import DagsterEventType, DagsterRunStatus
from dagster._core.scheduler.instigation import InstigatorStatus, InstigatorType
from dagster_graphql import DagsterGraphQLClient

from orchestration.automation import AUTOMATION_SENSOR
from orchestration.ingest.deliveries import CASE_DATABASE
from orchestration.ingest.sensors import delivery_job_name
from orchestration.settings import PROJECT_ROOT
from orchestration.warehouse import WAREHOUSE_POOL
from tests.conftest import make_isolated_project

DEPLOYMENT = PROJECT_ROOT / "deployment" / "team"
LOCATION = "orchestration.definitions"  # as deployment/team/workspace.yaml names it
STARTUP_SECONDS = 180
RUN_SECONDS = 300
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
# The sensors that launch runs by themselves: stopped from the UI before the daemon starts, so
# the only run is the test's.
LAUNCHING_SENSORS = ("raw_delivery_sensor", AUTOMATION_SENSOR)


@dataclass(frozen=True)
class TeamDeployment:
    """The running webserver (and its GraphQL client) and the environment of every process."""

    client: DagsterGraphQLClient
    env: dict[str, str]
    dagster_home: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, str]]:
    """A PostgreSQL cluster of its own (temporary folder, free port), stopped and deleted at
    the end; the ``DAGSTER_PG_*`` variables that reach it."""
    # Not under pytest's basetemp: its folders are private to root, and the server runs as the
    # `postgres` user when the tests run as root.
    data_dir = Path(tempfile.mkdtemp(prefix="impact-team-pg-"))
    env = {
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": str(free_port()),
        "DAGSTER_PG_DB": "dagster",
        "DAGSTER_PG_USERNAME": "dagster",
        "DAGSTER_PG_PASSWORD": "team-test",
    }
    script = str(DEPLOYMENT / "postgres.sh")
    try:
        started = subprocess.run(
            [script, "start", str(data_dir)],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        assert started.returncode == 0, f"PostgreSQL did not start: {started.stderr}"
        yield env
    finally:
        subprocess.run([script, "stop", str(data_dir)], check=False)
        shutil.rmtree(data_dir, ignore_errors=True)


def start(command: list, env: dict, log: Path) -> subprocess.Popen:
    """A long-running Dagster process in its own process group (its code server and run
    workers with it), its output in ``log``."""
    with log.open("w") as output:
        return subprocess.Popen(
            command,
            env=env,
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group, SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def wait_until_served(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the webserver exited: {log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"the webserver did not answer at {url} within {STARTUP_SECONDS} s")


SENSORS_QUERY = """
query Sensors($selector: RepositorySelector!) {
  sensorsOrError(repositorySelector: $selector) {
    ... on Sensors { results { name sensorState { id status } } }
    ... on PythonError { message }
  }
}
"""
STOP_SENSOR = """
mutation Stop($id: String!) {
  stopSensor(id: $id) {
    ... on StopSensorMutationResult { instigationState { status } }
    ... on PythonError { message }
  }
}
"""


def stop_sensors(client: DagsterGraphQLClient, names: tuple[str, ...]) -> None:
    """Switch sensors off as a user does in the UI: the state is stored in PostgreSQL, where
    the daemon reads it."""
    selector = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__"}
    sensors = client._execute(SENSORS_QUERY, {"selector": selector})["sensorsOrError"]["results"]
    states = {sensor["name"]: sensor["sensorState"]["id"] for sensor in sensors}
    for name in names:
        stopped = client._execute(STOP_SENSOR, {"id": states[name]})["stopSensor"]
        assert stopped["instigationState"]["status"] == "STOPPED", stopped


@pytest.fixture(scope="module")
def team(postgres, tmp_path_factory) -> Iterator[TeamDeployment]:
    """``make team-webserver`` and ``make team-daemon``'s commands on an isolated project, the
    instance's settings copied from ``deployment/team/dagster.yaml``."""
    root = tmp_path_factory.mktemp("team")
    project = make_isolated_project(root)
    dagster_home = root / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(DEPLOYMENT / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {**os.environ, **project.env(), **postgres, "DAGSTER_HOME": str(dagster_home)}
    bin_dir = Path(sys.executable).parent
    workspace = ["-w", str(DEPLOYMENT / "workspace.yaml")]
    port = free_port()
    webserver_log = root / "webserver.log"
    webserver = start(
        [bin_dir / "dagster-webserver", *workspace, "--host", "127.0.0.1", "--port", str(port)],
        env,
        webserver_log,
    )
    daemon = None
    try:
        wait_until_served(f"http://127.0.0.1:{port}", webserver, webserver_log)
        client = DagsterGraphQLClient("127.0.0.1", port_number=port)
        stop_sensors(client, LAUNCHING_SENSORS)
        daemon = start([bin_dir / "dagster-daemon", "run", *workspace], env, root / "daemon.log")
        yield TeamDeployment(client, env, dagster_home)
    finally:
        for process in (daemon, webserver):
            if process is not None:
                stop(process)


def wait_for_run(client: DagsterGraphQLClient, run_id: str) -> DagsterRunStatus:
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        status = client.get_run_status(run_id)
        if status in FINISHED:
            return status
        time.sleep(1)
    raise TimeoutError(f"run {run_id} did not finish within {RUN_SECONDS} s")


@contextmanager
def fresh_instance(team: TeamDeployment) -> Iterator[dg.DagsterInstance]:
    """A new instance object on the deployment's settings: all it knows comes from PostgreSQL."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in team.env.items():
            if name.startswith("DAGSTER_"):
                patch.setenv(name, value)
        with dg.DagsterInstance.from_config(str(team.dagster_home)) as instance:
            yield instance


def test_a_run_queued_by_the_webserver_is_started_by_the_daemon_and_kept_in_postgres(team):
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    run_id = team.client.submit_job_execution(delivery_job_name(CASE_DATABASE))

    assert wait_for_run(team.client, run_id) == DagsterRunStatus.SUCCESS
    with fresh_instance(team) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        run = instance.get_run_by_id(run_id)
        events = [event.dagster_event_type for event in instance.all_logs(run_id)]
        materialized = instance.get_latest_materialization_event(CASE_DATABASE.asset_key)
        pool = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
        daemons = instance.get_daemon_heartbeats()
    assert run.job_name == delivery_job_name(CASE_DATABASE)
    assert run.status == DagsterRunStatus.SUCCESS
    # Queued by the webserver; only the daemon takes a run off the queue and launches it.
    order = [DagsterEventType.RUN_ENQUEUED, DagsterEventType.RUN_STARTING]
    order += [DagsterEventType.RUN_START, DagsterEventType.RUN_SUCCESS]
    assert [event for event in events if event in order] == order
    assert materialized.run_id == run_id
    # The ingest step took the warehouse slot in PostgreSQL, and gave it back.
    assert pool.slot_count == 1
    assert pool.claimed_slots == []
    assert "QUEUED_RUN_COORDINATOR" in daemons


def test_the_instance_settings_are_the_deployments(team):
    with fresh_instance(team) as instance:
        queue = instance.get_concurrency_config().run_queue_config
        pool_limit = instance.get_concurrency_config().pool_config.default_pool_limit
        sensors = {
            state.instigator_name: state.status
            for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
        }
    assert queue.max_concurrent_runs == 3
    assert pool_limit == 1
    # Stopped through the webserver, read by the daemon: both from PostgreSQL.
    assert {name: sensors.get(name) for name in LAUNCHING_SENSORS} == {
        name: InstigatorStatus.STOPPED for name in LAUNCHING_SENSORS
    }
