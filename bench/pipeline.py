"""``make bench``: time a full refresh, step by step and stage by stage, and its peak memory.

``python -m bench.pipeline --scale N`` runs the ``refresh_all`` job into a temporary project,
like ``make run``: on a copy of the shipped ``raw/`` for N = 1, on deliveries generated with N
times the respondents otherwise. It prints wall time per step, per stage and in all, the time
inside GX, the renders' wall time and the peak resident memory of the run's process and its
children. At N = 1 one case is then withdrawn and the update runs as in production: the
delivery sensor's ingest job, then what declarative automation requests, tick after tick
(without the daemon's waits between ticks); only that case's region and the synthesis are
rendered. At N = 1, before that update, the reports are also rendered by Quarto (when
``QUARTO_PATH`` or the PATH names it) and by the built-in engine from the same exports
(``bench/engines.py``). Figures, not assertions: compare them across changes on the same
machine.
"""

import argparse
import os
import platform
import shutil
import subprocess
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

from bench.automation_ticks import observe_deliveries, run_automation
from bench.engines import compare_engines
from orchestration.run_all import run_everything
from orchestration.settings import (
    DBT_PROJECT_DIR,
    PROJECT_ROOT,
    RAW_DIR_VAR,
    REPORTS_DIR_VAR,
    WAREHOUSE_VAR,
    ProjectPaths,
    dagster_instance_settings,
)
from orchestration.transform.project import DBT_EXECUTABLE
from synthetic import case_database
from synthetic.__main__ import CASE_DATABASE_FILE
from synthetic.__main__ import main as synthetic_deliveries

# dbt's own variable: where it (and dagster-dbt's runs) keep their artefacts.
DBT_TARGET_PATH_VAR = "DBT_TARGET_PATH"
STEP_ENDS = (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)
REPORT_STEPS = ("regional_report", "national_report")
# Step name prefixes and the stage they belong to; quality steps end in ``_quality``.
STAGES = {
    "observe_": "ingest",
    "raw__": "ingest",
    "impact_dbt_models": "dbt",
    "report_data": "report export and charts",
    "regional_report": "renders",
    "national_report": "renders",
    "reports_index": "renders",
}


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
    export = Path(os.environ[RAW_DIR_VAR]) / CASE_DATABASE_FILE
    cases, catalysts = case_database.generate()
    case_database.write_xlsx((cases.iloc[:-1], catalysts), export)
    settle_everything(export.parent)  # a copy finished a while ago: the sensor reads it now
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
    """Sample the resident memory of this process (the runs execute their steps here) and of
    its descendants (dbt, the render workers), every ``interval`` seconds."""
    peak = MemoryPeak()
    stop = threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not stop.wait(interval):
            sizes = []
            for process in [me, *me.children(recursive=True)]:
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
def isolated_project(scale: int) -> Iterator[None]:
    """Point the pipeline at a temporary drop zone: a copy of the shipped sample deliveries,
    or, for ``scale`` > 1, deliveries generated with that many times the respondents."""
    with tempfile.TemporaryDirectory(prefix="impact-bench-") as scratch:
        root = Path(scratch)
        if scale == 1:
            shutil.copytree(PROJECT_ROOT / "raw", root / "raw")
        else:
            synthetic_deliveries(root / "raw", scale)
            settle_everything(root / "raw")
        variables = {
            RAW_DIR_VAR: str(root / "raw"),
            WAREHOUSE_VAR: str(root / "warehouse" / "impact.duckdb"),
            REPORTS_DIR_VAR: str(root / "reports"),
            DBT_TARGET_PATH_VAR: str(root / "dbt-target"),
        }
        saved = {name: os.environ.get(name) for name in variables}
        os.environ.update(variables)
        try:
            parse_dbt_project()
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def parse_dbt_project() -> None:
    """``dbt parse`` for this project's warehouse, into its own target folder, as ``make
    manifest`` does for a deployment: dbt then parses only what changed at each run. (The
    shipped partial-parse state names the default warehouse; with another one, every run would
    parse the whole project again, seconds a deployment does not spend.)"""
    subprocess.run([str(DBT_EXECUTABLE), "parse", "--quiet"], cwd=DBT_PROJECT_DIR, check=True)


def settle_everything(raw_dir: Path) -> None:
    """Date freshly generated deliveries back, as files copied in a while ago."""
    past = time.time() - 3600
    for path in raw_dir.rglob("*"):
        os.utime(path, (past, past))


def stage_seconds(spans: dict[str, Span]) -> dict[str, float]:
    """Summed step time per stage: ingest, dbt, GX checks, report export and renders."""
    totals = dict.fromkeys(STAGES.values(), 0.0)
    for step, span in spans.items():
        stage = next((name for prefix, name in STAGES.items() if step.startswith(prefix)), None)
        stage = stage or ("quality (GX)" if step.endswith("_quality") else "other")
        totals[stage] = totals.get(stage, 0.0) + span.seconds
    return totals


def print_run(title: str, spans: dict[str, Span], total: float, gx: float, memory) -> None:
    """Steps, stages, GX time, renders and memory of one run (or of one update's runs)."""
    print(f"\n## {title}\n")
    print(f"{'step':<44} {'seconds':>8}")
    for step, span in sorted(spans.items(), key=lambda item: -item[1].seconds):
        print(f"{step:<44} {span.seconds:>8.1f}")
    for stage, seconds in stage_seconds(spans).items():
        print(f"{f'stage: {stage} (sum of steps)':<44} {seconds:>8.1f}")
    print(f"{'of which inside GX (validations, Data Docs)':<44} {gx:>8.1f}")
    if any(step in spans for step in REPORT_STEPS):
        print(f"{'renders (wall)':<44} {reports_seconds(spans):>8.1f}")
    print(f"{'whole (wall)':<44} {total:>8.1f}")
    print(f"{'peak memory, one process (MiB)':<44} {memory.one_process:>8.0f}")
    print(f"{'peak memory, all processes at once (MiB)':<44} {memory.all_processes:>8.0f}")


def timed_run(instance: dg.DagsterInstance):
    """One full refresh: its result, wall seconds, step spans and memory peaks."""
    started = time.perf_counter()
    with sampled_memory() as memory:
        result = run_everything(instance)
    total = time.perf_counter() - started
    return result, total, step_spans(instance, result.run_id), memory


def timed_update(instance: dg.DagsterInstance):
    """After one case is withdrawn: the sensor's observation, then the automation's runs.
    Their results, wall seconds, step spans (a step run twice is named with its run) and
    memory."""
    idle = dg.evaluate_automation_conditions(defs=code_location(), instance=instance)
    started = time.perf_counter()
    with sampled_memory() as memory:
        observe_deliveries(instance)
        results = [tick.result for tick in run_automation(instance, idle.cursor)]
    total = time.perf_counter() - started
    spans = {}
    for number, result in enumerate(results, start=1):
        for step, span in step_spans(instance, result.run_id).items():
            spans[step if step not in spans else f"{step} (run {number})"] = span
    return results, total, spans, memory


def code_location() -> dg.Definitions:
    """The code location, loaded when first needed (not at import)."""
    from orchestration.definitions import defs

    return defs


def main(argv: list[str]) -> int:
    """Full refresh from scratch; at scale 1, then the update after one region's cases
    changed. Print the figures."""
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--scale", type=int, default=1, help="times the survey respondents")
    scale = parser.parse_args(argv).scale
    print(f"# make bench, scale ×{scale}, {os.cpu_count()} cores, {platform.platform()}")
    with (
        isolated_project(scale),
        dg.instance_for_test(overrides=dagster_instance_settings()) as instance,
    ):
        result, total, spans, memory = timed_run(instance)
        title = f"full refresh, survey data ×{scale}"
        print_run(title, spans, total, gx_seconds(result), memory)
        succeeded = result.success
        if scale == 1:
            # Quarto against the built-in engine, on this run's exports (bench/engines.py).
            compare_engines(ProjectPaths.from_env())
            changed_region = withdraw_one_case()
            results, total, spans, memory = timed_update(instance)
            title = (
                f"update after one case of region {changed_region} changed: "
                f"{len(results)} runs of automation"
            )
            print_run(title, spans, total, sum(map(gx_seconds, results)), memory)
            succeeded = succeeded and all(r.success for r in results)
    print(f"\nruns {'succeeded' if succeeded else 'FAILED'}")
    return 0 if succeeded else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
