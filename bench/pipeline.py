"""``make bench``: time a full run on the sample data, step by step, and its peak memory.

Runs the ``refresh_all`` job into a temporary project (the shipped ``raw/`` copied), like
``make run``, and prints wall time per step and in all, and the peak resident memory of the
step processes. Figures, not assertions: compare them across changes on the same machine.
"""

import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from orchestration.run_all import run_everything
from orchestration.settings import (
    PROJECT_ROOT,
    RAW_DIR_VAR,
    REPORTS_DIR_VAR,
    WAREHOUSE_VAR,
    dagster_instance_settings,
)

STEP_ENDS = (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)


def step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Wall seconds of each step, from its start and end events in the run's log."""
    starts, durations = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type in (
            dg.DagsterEventType.STEP_SUCCESS,
            dg.DagsterEventType.STEP_FAILURE,
        ):
            durations[event.step_key] = entry.timestamp - starts[event.step_key]
    return durations


def gx_seconds(result: dg.JobExecutionResult) -> float:
    """Time spent in Great Expectations: each quality step records its own on its checks."""
    per_step = {
        evaluation.asset_key: evaluation.metadata["gx_seconds_for_step"].value
        for evaluation in result.get_asset_check_evaluations()
        if "gx_seconds_for_step" in evaluation.metadata
    }
    return sum(per_step.values())


@contextmanager
def isolated_project() -> Iterator[None]:
    """Point the pipeline at a temporary copy of the sample deliveries."""
    with tempfile.TemporaryDirectory(prefix="impact-bench-") as scratch:
        root = Path(scratch)
        shutil.copytree(PROJECT_ROOT / "raw", root / "raw")
        variables = {
            RAW_DIR_VAR: str(root / "raw"),
            WAREHOUSE_VAR: str(root / "warehouse" / "impact.duckdb"),
            REPORTS_DIR_VAR: str(root / "reports"),
        }
        saved = {name: os.environ.get(name) for name in variables}
        os.environ.update(variables)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def main() -> int:
    """Run once and print the figures."""
    with (
        isolated_project(),
        dg.instance_for_test(overrides=dagster_instance_settings()) as instance,
    ):
        started = time.perf_counter()
        result = run_everything(instance)
        total = time.perf_counter() - started
        steps = step_seconds(instance, result.run_id)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{'step':<40} {'seconds':>8}")
    for step, seconds in sorted(steps.items(), key=lambda item: -item[1]):
        print(f"{step:<40} {seconds:>8.1f}")
    print(f"{'whole run (wall)':<40} {total:>8.1f}")
    print(f"{'of which in GX (validations, Data Docs)':<40} {gx_seconds(result):>8.1f}")
    print(f"peak resident memory of one step process: {peak_mib:.0f} MiB")
    print(f"run {'succeeded' if result.success else 'FAILED'}")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
