"""The team deployment (``deployment/team``): a Dagster instance stored in PostgreSQL, the
webserver and the daemon as separate processes, a run queued by one and started by the other.

PostgreSQL is a throwaway cluster started by the deployment's own script; a machine where it
cannot start fails this test (``.ci/run`` installs Debian's package).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import dagster as dg
import pytest
from dagster import DagsterEventType, DagsterRunStatus
from dagster._core.scheduler.instigation import InstigatorStatus, InstigatorType
from dagster_graphql import DagsterGraphQLClient

from orchestration.ingest.deliveries import CASE_DATABASE, DeliveryKind
from orchestration.ingest.jobs import delivery_job_name
from orchestration.settings import PROJECT_ROOT
from orchestration.warehouse import WAREHOUSE_POOL
from tests.conftest import make_isolated_project
from tests.dagster_servers import (
    LAUNCHING_SENSORS,
    LOCATION,
    free_port,
    graphql,
    start,
    stop,
    stop_sensors,
    wait_for_run,
    wait_until_served,
)

# The definitions these tests load read the dbt manifest.
pytestmark = pytest.mark.usefixtures("dbt_manifest")

DEPLOYMENT = PROJECT_ROOT / "deployment" / "team"

RUN_SECONDS = 300


@dataclass(frozen=True)
class TeamDeployment:
    """The running webserver (its address and GraphQL client) and every process's environment."""

    url: str
    client: DagsterGraphQLClient
    env: dict[str, str]
    dagster_home: Path


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


LAUNCH_RUN = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}
"""


def submit_ingest_only(url: str, kind: DeliveryKind) -> str:
    """Launch a delivery's ingest job as the UI's « Materialize » on its asset alone does: the
    ingest step without the quality checks (importing Great Expectations would take most of
    the test's time, and the checks are not what it is about)."""
    selector = {
        "repositoryLocationName": LOCATION,
        "repositoryName": "__repository__",
        "jobName": delivery_job_name(kind),
        "assetSelection": [kind.asset_key.to_graphql_input()],
        "assetCheckSelection": [],
    }
    launched = graphql(url, LAUNCH_RUN, {"params": {"selector": selector}})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


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
    url = f"http://127.0.0.1:{port}"
    webserver_log = root / "webserver.log"
    webserver = start(
        [bin_dir / "dagster-webserver", *workspace, "--host", "127.0.0.1", "--port", str(port)],
        env,
        webserver_log,
    )
    daemon = None
    try:
        wait_until_served(url, webserver, webserver_log)
        stop_sensors(url, LAUNCHING_SENSORS)
        daemon = start([bin_dir / "dagster-daemon", "run", *workspace], env, root / "daemon.log")
        client = DagsterGraphQLClient("127.0.0.1", port_number=port)
        yield TeamDeployment(url, client, env, dagster_home)
    finally:
        for process in (daemon, webserver):
            if process is not None:
                stop(process)


@contextmanager
def fresh_instance(team: TeamDeployment) -> Iterator[dg.DagsterInstance]:
    """A new instance object on the deployment's settings: all it knows comes from PostgreSQL."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in team.env.items():
            if name.startswith("DAGSTER_"):
                patch.setenv(name, value)
        with dg.DagsterInstance.from_config(str(team.dagster_home)) as instance:
            yield instance


def warehouse_steps(job_name: str) -> set[str]:
    """The steps of a job that take a slot in the ``warehouse`` pool."""
    from orchestration.definitions import defs

    job = defs.resolve_job_def(job_name)
    return {node.name for node in job.graph.nodes if node.definition.pool == WAREHOUSE_POOL}


def step_spans(instance: dg.DagsterInstance, run_id: str, steps: set[str]) -> list[tuple]:
    """When each of these steps that a run executed started and finished, by its events."""
    started, finished = {}, {}
    for entry in instance.all_logs(run_id):
        if entry.step_key not in steps:
            continue
        if entry.dagster_event_type == DagsterEventType.STEP_START:
            started[entry.step_key] = entry.timestamp
        elif entry.dagster_event_type == DagsterEventType.STEP_SUCCESS:
            finished[entry.step_key] = entry.timestamp
    assert started.keys() == finished.keys()
    return [(started[step], finished[step], run_id, step) for step in started]


def test_runs_queued_by_the_webserver_are_started_by_the_daemon_and_kept_in_postgres(team):
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    job_name = delivery_job_name(CASE_DATABASE)
    # Two runs that write the warehouse, at once, as two people would.
    run_ids = [submit_ingest_only(team.url, CASE_DATABASE) for _ in range(2)]

    assert [wait_for_run(team.client, run_id, RUN_SECONDS) for run_id in run_ids] == [
        DagsterRunStatus.SUCCESS
    ] * 2
    in_pool = warehouse_steps(job_name)
    with fresh_instance(team) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        runs = instance.get_runs()
        events = [[entry.dagster_event_type for entry in instance.all_logs(r)] for r in run_ids]
        spans = sorted(span for r in run_ids for span in step_spans(instance, r, in_pool))
        materialized = instance.get_latest_materialization_event(CASE_DATABASE.asset_key)
        pool = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
        daemons = instance.get_daemon_heartbeats()
    # Nothing else ran: the daemon kept the sensors stopped from the webserver.
    assert {run.run_id for run in runs} == set(run_ids)
    assert {(run.job_name, run.status) for run in runs} == {(job_name, DagsterRunStatus.SUCCESS)}
    # Queued by the webserver; only the daemon takes a run off the queue and launches it.
    order = [DagsterEventType.RUN_ENQUEUED, DagsterEventType.RUN_STARTING]
    order += [DagsterEventType.RUN_START, DagsterEventType.RUN_SUCCESS]
    for run_events in events:
        assert [event for event in run_events if event in order] == order
    assert "QUEUED_RUN_COORDINATOR" in daemons
    assert materialized.run_id in run_ids
    # The warehouse steps of both runs took turns: each started after the previous finished.
    assert {run_id for *_, run_id, _ in spans} == set(run_ids)
    for (_, finished, *_), (next_started, *_) in pairwise(spans):
        assert next_started >= finished, spans
    # The slot is a row in PostgreSQL, limit 1, given back by both runs.
    assert pool.slot_count == 1
    assert pool.claimed_slots == []


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
    # Stopped through the webserver, stored in PostgreSQL.
    assert {name: sensors.get(name) for name in LAUNCHING_SENSORS} == {
        name: InstigatorStatus.STOPPED for name in LAUNCHING_SENSORS
    }
