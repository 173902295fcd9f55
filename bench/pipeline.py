"""``make bench``: time a full run on the sample data, step by step, and its peak memory.

Runs the ``refresh_all`` job into a temporary project (the shipped ``raw/`` copied), like
``make run``, and prints wall time per step and in all, the renders' wall time and the peak
resident memory of the step processes. Then one case is withdrawn and the job runs again: only
that case's region and the synthesis are rendered, and the renders' wall time is printed again.
Figures, not assertions: compare them across changes on the same machine.
"""

import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import psutil

from orchestration.run_all import run_everything
from orchestration.settings import (
    PROJECT_ROOT,
    RAW_DIR_VAR,
    REPORTS_DIR_VAR,
    WAREHOUSE_VAR,
    dagster_instance_settings,
)
from synthetic import case_database

STEP_ENDS = (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)
REPORT_STEPS = ("regional_report", "national_report")
CASE_EXPORT = "cases/impact_pratiques_partenariales.xlsx"


@dataclass(frozen=True)
class Span:
    """When a step started and ended (seconds since the epoch)."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        """Its wall time."""
        return self.end - self.start


def step_spans(instance: dg.DagsterInstance, run_id: str) -> dict[str, Span]:
    """When each step started and ended, from the run's log."""
    starts, spans = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type in STEP_ENDS:
            spans[event.step_key] = Span(starts[event.step_key], entry.timestamp)
    return spans


def reports_seconds(spans: dict[str, Span]) -> float:
    """Wall time of the renders: from the first report step's start to the last one's end
    (the regional reports and the synthesis render at the same time)."""
    renders = [spans[step] for step in REPORT_STEPS if step in spans]
    return max(span.end for span in renders) - min(span.start for span in renders)


def withdraw_one_case() -> str:
    """Rewrite the case export without its last case; return the case's region code, the one
    report (with the synthesis) whose figures change."""
    export = Path(os.environ[RAW_DIR_VAR]) / CASE_EXPORT
    cases, catalysts = case_database.generate()
    case_database.write_xlsx((cases.iloc[:-1], catalysts), export)
    return str(cases.iloc[-1]["region"])


def gx_seconds(result: dg.JobExecutionResult) -> float:
    """Time spent in Great Expectations: each quality step records its own on its checks."""
    per_step = {
        evaluation.asset_key: evaluation.metadata["gx_seconds_for_step"].value
        for evaluation in result.get_asset_check_evaluations()
        if "gx_seconds_for_step" in evaluation.metadata
    }
    return sum(per_step.values())


@dataclass
class MemoryPeak:
    """The largest resident memory seen, of one process and of all at once, in MiB."""

    one_process: float = 0.0
    all_processes: float = 0.0


@contextmanager
def sampled_memory(interval: float = 0.2) -> Iterator[MemoryPeak]:
    """Sample the resident memory of this process's descendants (step processes, forked from
    the forkserver, are not our direct children: ``getrusage`` would miss them)."""
    peak = MemoryPeak()
    stop = threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not stop.wait(interval):
            sizes = []
            for process in me.children(recursive=True):
                try:
                    sizes.append(process.memory_info().rss / 2**20)
                except psutil.Error:  # ended between listing and reading
                    continue
            if sizes:
                peak.one_process = max(peak.one_process, max(sizes))
                peak.all_processes = max(peak.all_processes, sum(sizes))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()


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
    """Run once from scratch, then again after one region's cases changed; print the figures."""
    with (
        isolated_project(),
        dg.instance_for_test(overrides=dagster_instance_settings()) as instance,
    ):
        started = time.perf_counter()
        with sampled_memory() as memory:
            result = run_everything(instance)
        total = time.perf_counter() - started
        spans = step_spans(instance, result.run_id)
        changed_region = withdraw_one_case()
        again = run_everything(instance)
        spans_again = step_spans(instance, again.run_id)
    print(f"{'step':<40} {'seconds':>8}")
    for step, span in sorted(spans.items(), key=lambda item: -item[1].seconds):
        print(f"{step:<40} {span.seconds:>8.1f}")
    print(f"{'whole run (wall)':<40} {total:>8.1f}")
    print(f"{'of which in GX (validations, Data Docs)':<40} {gx_seconds(result):>8.1f}")
    print(f"{'renders, 28 outputs (wall)':<40} {reports_seconds(spans):>8.1f}")
    print(
        f"{f'renders after region {changed_region} changed (wall)':<40} "
        f"{reports_seconds(spans_again):>8.1f}"
    )
    print(f"peak resident memory, one process: {memory.one_process:.0f} MiB")
    print(f"peak resident memory, all processes at once: {memory.all_processes:.0f} MiB")
    succeeded = result.success and again.success
    print(f"runs {'succeeded' if succeeded else 'FAILED'}")
    return 0 if succeeded else 1


if __name__ == "__main__":
    sys.exit(main())
