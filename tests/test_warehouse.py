"""The warehouse file held by another program: the step waits and retries, then succeeds."""

import subprocess
import sys

import dagster as dg
import duckdb

from orchestration.ingest.assets import case_database
from orchestration.resources import project_resources
from orchestration.warehouse import LOCK_WAIT_SECONDS

HOLD_SECONDS = LOCK_WAIT_SECONDS + 3  # long enough to refuse the first two attempts


def test_a_step_retries_while_another_program_holds_the_warehouse(
    isolated_project, dagster_instance
):
    isolated_project.warehouse.parent.mkdir(parents=True)
    duckdb.connect(str(isolated_project.warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            f" time.sleep({HOLD_SECONDS})",
            str(isolated_project.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = dg.materialize(
            [case_database], instance=dagster_instance, resources=project_resources()
        )
    finally:
        holder.wait(timeout=60)

    assert result.success
    retries = [
        event
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
    ]
    assert retries, "the step should have waited for the file"
    with duckdb.connect(str(isolated_project.warehouse), read_only=True) as connection:
        assert connection.execute("select count(*) from raw.case_database").fetchone()[0] > 0
