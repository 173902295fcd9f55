"""Waiting on a Dagster webserver started by a test (``dagster dev`` or the team deployment's
``dagster-webserver``) and on the runs it was asked to launch."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient

from orchestration.automation import AUTOMATION_SENSOR
from orchestration.settings import PROJECT_ROOT

# A cold start loads the code location (dbt manifest, definitions) in a fresh process.
STARTUP_SECONDS = 180
# The code location, as `make ui` and the team deployment name it.
LOCATION = "orchestration.definitions"
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_served(url: str, server: subprocess.Popen, log: Path | None = None) -> None:
    """Return once the webserver at ``url`` answers; fail at once if its process exits (with
    the end of its ``log`` when there is one)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        tail = log.read_text()[-3000:] if log is not None else ""
        assert server.poll() is None, f"the webserver exited during start-up: {tail}"
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"the webserver did not answer at {url} within {STARTUP_SECONDS} s")


def wait_for_run(client: DagsterGraphQLClient, run_id: str, seconds: float) -> DagsterRunStatus:
    """The run's final status, polled until it finishes or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get_run_status(run_id)
        if status in FINISHED:
            return status
        time.sleep(1)
    raise TimeoutError(f"run {run_id} did not finish within {seconds} s")


def graphql(url: str, query: str, variables: dict) -> dict:
    """One request to the webserver's GraphQL API, as the UI sends it; its ``data``."""
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


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


# The sensors that launch runs by themselves: stopped where the only runs must be the test's.
LAUNCHING_SENSORS = ("raw_delivery_sensor", AUTOMATION_SENSOR)


def stop_sensors(url: str, names: tuple[str, ...], ticking_every: float = 0) -> None:
    """Switch sensors off as a user does in the UI: the state is stored in the instance's
    database, where the daemon reads it.

    Under a running daemon whose sensors tick every ``ticking_every`` seconds, each tick reads
    a sensor's stored state and writes it back with its new cursor: a stop stored in between is
    undone (a race in Dagster's daemon, as dagster-io/dagster#7736 was in its sensor daemon:
    automation went on launching runs after a stop). The
    sensors are then stopped again until they stay stopped for two intervals."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        for state_id, status in sensor_states(url, names).values():
            if status != "STOPPED":
                stopped = graphql(url, STOP_SENSOR, {"id": state_id})["stopSensor"]
                assert stopped["instigationState"]["status"] == "STOPPED", stopped
        time.sleep(2 * ticking_every)
        if all(status == "STOPPED" for _, status in sensor_states(url, names).values()):
            return
        assert time.monotonic() < deadline, f"{names} were started again after each stop"


def sensor_states(url: str, names: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """The id and status (``RUNNING``, ``STOPPED``) of each named sensor's stored state."""
    selector = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__"}
    sensors = graphql(url, SENSORS_QUERY, {"selector": selector})["sensorsOrError"]["results"]
    states = {sensor["name"]: sensor["sensorState"] for sensor in sensors}
    return {name: (states[name]["id"], states[name]["status"]) for name in names}


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
