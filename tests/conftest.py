"""Shared fixtures: the dbt manifest, a project whose raw/, warehouse and reports live in a
temporary folder (the environment variables of ``orchestration.settings``), and one full pipeline
run, as ``make run`` runs it, shared by the end-to-end tests (read it as is, or change a copy of
it).

Every test gets one marker (``make test-fast`` runs ``-m unit``): ``ui`` for the modules that
start Dagster's servers, ``e2e`` for those that run Dagster or dbt on a project, ``unit`` for the
rest."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pyreadstat
import pytest
from dagster._core.execution.execution_result import ExecutionResult
from dagster._core.storage.dagster_run import DagsterRun
from filelock import FileLock

from orchestration.ingest.sensors import SETTLE_SECONDS
from orchestration.settings import (
    DBT_PROJECT_DIR,
    DEFAULT_PATHS,
    PROJECT_ROOT,
    RAW_DIR_VAR,
    REPORTS_DIR_VAR,
    WAREHOUSE_VAR,
    ProjectPaths,
    dagster_instance_settings,
)
from orchestration.transform.project import DBT_EXECUTABLE

# A test process started in the background (`make test &`, some CI runners) ignores SIGINT, and
# Dagster gives SIGTERM the handler of SIGINT: the servers a test starts would inherit SIGTERM
# ignored and outlive their stop() by its 30 s grace. Python's own SIGINT handler avoids that.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# `make test` exports the path variables; a bare `pytest` gets the same project defaults, so the
# definitions load (tests that run the pipeline point them at a temporary project).
for _variable, _default in DEFAULT_PATHS.values():
    os.environ.setdefault(_variable, str(_default))

# The shipped citizens 2020 delivery, the one most tests change.
CITIZENS_2020 = "surveys/citoyens/2020/citoyens_2020.sav"

# The modules that start Dagster's webserver (and the team deployment's daemon and database).
UI_MODULES = {"test_ui", "test_ui_automation", "test_team_deployment"}
# The modules that build a warehouse with dbt or materialize assets with Dagster, in module
# fixtures (the tests that request the fixtures below are end-to-end wherever they are).
E2E_MODULES = {
    "test_automation",
    "test_calibrated_estimates",
    "test_cases",
    "test_conformance",
    "test_context_statistics",
    "test_delivery_limits",
    "test_escaping",
    "test_fragilities",
    "test_indicators",
    "test_ingest",
    "test_quality",
    "test_recovery",
    "test_render_isolation",
    "test_small_area_estimates",
    "test_warehouse",
    "test_weighting",
}
E2E_FIXTURES = {"isolated_project", "dagster_instance", "finished_run"}
# What dbt reads to parse the project (the manifest is current when newer than all of them).
DBT_OUTPUTS = {"target", "logs", "dbt_packages"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One tier marker per test: ``ui``, ``e2e`` or ``unit`` (see the module docstring); then
    the modules in tier order, so that ``pytest -n`` starts the longest ones first and fills
    in with the short ones (``module_order``)."""
    module_tier: dict[str, int] = {}
    waits: set[str] = set()  # the modules with a test that reads the shared run
    for item in items:
        tier = tier_of(item)
        item.add_marker(getattr(pytest.mark, TIERS[tier]))
        module = item.module.__name__
        module_tier[module] = min(tier, module_tier.get(module, tier))
        if "finished_run" in item.fixturenames:
            waits.add(module)
    items.sort(key=lambda item: module_order(item.module.__name__, module_tier, waits))


# The longest modules (docs/benchmarks.md), first in their tier: none is left to run alone at
# the end while the other workers have finished.
LONGEST_MODULES = (
    "test_recovery",
    "test_quality_gates",
    "test_new_study",
    "test_incremental",
    "test_conformance",
    "test_ingest",
    "test_escaping",
)


def module_order(module: str, tiers: dict[str, int], waits: set[str]) -> tuple[int, bool, int]:
    """Where a module runs: by tier, those that do not wait for the shared run first, the
    longest first."""
    name = module.rsplit(".", 1)[-1]
    longest = LONGEST_MODULES.index(name) if name in LONGEST_MODULES else len(LONGEST_MODULES)
    return tiers[module], module in waits, longest


# The tiers, from the longest tests to the shortest.
TIERS = ("ui", "e2e", "unit")


def tier_of(item: pytest.Item) -> int:
    """The rank in ``TIERS`` of a test's tier."""
    module = item.module.__name__.rsplit(".", 1)[-1]
    if module in UI_MODULES:
        return TIERS.index("ui")
    if module in E2E_MODULES or E2E_FIXTURES & set(item.fixturenames):
        return TIERS.index("e2e")
    return TIERS.index("unit")


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """``dbt parse``, as ``make manifest`` does: the definitions need the manifest to load
    (requested by the tests that load them). Skipped when the manifest is newer than every
    file of the dbt project (``make test-fast`` does the same)."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not manifest_is_current(manifest):
        subprocess.run(
            [str(DBT_EXECUTABLE), "parse", "--quiet"],
            cwd=DBT_PROJECT_DIR,
            check=True,
        )
    return manifest


def manifest_is_current(manifest: Path) -> bool:
    """Whether ``manifest`` was written after the last change to the dbt project's files."""
    if not manifest.exists():
        return False
    written = manifest.stat().st_mtime
    sources = (
        path
        for path in DBT_PROJECT_DIR.rglob("*")
        if path.is_file() and path.relative_to(DBT_PROJECT_DIR).parts[0] not in DBT_OUTPUTS
    )
    return all(path.stat().st_mtime <= written for path in sources)


@dataclass(frozen=True)
class IsolatedProject:
    """Where a test's pipeline reads and writes."""

    raw_dir: Path
    warehouse: Path
    reports_dir: Path

    @property
    def paths(self) -> ProjectPaths:
        """The same three places, as the pipeline's settings type."""
        return ProjectPaths(self.raw_dir, self.warehouse, self.reports_dir)

    def env(self) -> dict[str, str]:
        """The environment variables that point the pipeline here."""
        return {
            RAW_DIR_VAR: str(self.raw_dir),
            WAREHOUSE_VAR: str(self.warehouse),
            REPORTS_DIR_VAR: str(self.reports_dir),
        }


def make_isolated_project(root: Path) -> IsolatedProject:
    """A copy of the shipped sample deliveries, an empty warehouse folder and reports folder."""
    project = project_in(root)
    shutil.copytree(PROJECT_ROOT / "raw", project.raw_dir)
    return project


@contextmanager
def project_env(project: IsolatedProject) -> Iterator[IsolatedProject]:
    """The project's variables set in the environment for the block."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in project.env().items():
            monkeypatch.setenv(name, value)
        yield project


@pytest.fixture
def isolated_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dbt_manifest: Path
) -> IsolatedProject:
    """A per-test isolated project, its variables set in the environment."""
    project = make_isolated_project(tmp_path)
    for name, value in project.env().items():
        monkeypatch.setenv(name, value)
    return project


@dataclass(frozen=True)
class Console:
    """What a command printed: its exit status, its standard output and error."""

    status: int
    out: str
    err: str


class RecordedRun(ExecutionResult):
    """A finished run's result read from the instance that recorded it: its events and
    status, as ``dg.execute_job`` returned them to the process that launched it (here another
    test worker, which cannot pass that object on)."""

    def __init__(self, run: DagsterRun, events: list[dg.DagsterEvent]) -> None:
        self._run = run
        self._events = events

    @classmethod
    def read(cls, instance: dg.DagsterInstance, run_id: str) -> "RecordedRun":
        """The run ``run_id`` of ``instance``."""
        records = instance.all_logs(run_id)
        events = [record.dagster_event for record in records if record.is_dagster_event]
        return cls(instance.get_run_by_id(run_id), events)

    @property
    def job_def(self) -> dg.JobDefinition:
        """The job the run executed."""
        from orchestration.definitions import defs

        return defs.resolve_job_def(self._run.job_name)

    @property
    def dagster_run(self) -> DagsterRun:
        """The run, as stored."""
        return self._run

    @property
    def all_events(self) -> list[dg.DagsterEvent]:
        """The run's Dagster events, in the order they were stored."""
        return self._events

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self._run.run_id

    def _get_output_for_handle(self, handle, output_name: str) -> object:
        raise NotImplementedError("a recorded run keeps no output value in memory")


@dataclass(frozen=True)
class FinishedRun:
    """The shared full run: its project folder (the project, and the Dagster instance in
    ``dagster/``), the run's result, and ``make run``'s console, which launched it."""

    root: Path
    result: ExecutionResult
    console: Console

    @property
    def project(self) -> IsolatedProject:
        """The project the run read and wrote."""
        return project_in(self.root)

    @property
    def instance_dir(self) -> Path:
        """The Dagster instance the run was recorded in."""
        return self.root / "dagster"

    def copy_to(self, folder: Path) -> IsolatedProject:
        """A copy of the finished project and of its instance (``folder/dagster``), for a test
        that changes them: copying is much cheaper than running again."""
        shutil.copytree(self.root, folder, symlinks=True, dirs_exist_ok=True)
        return project_in(folder)


def project_in(root: Path) -> IsolatedProject:
    """The project that ``make_isolated_project(root)`` made."""
    return IsolatedProject(root / "raw", root / "warehouse" / "impact.duckdb", root / "reports")


@contextmanager
def instance_in(folder: Path) -> Iterator[dg.DagsterInstance]:
    """The Dagster instance stored in ``folder``, with the project's settings."""
    with dg.instance_for_test(
        overrides=dagster_instance_settings(), temp_dir=str(folder)
    ) as instance:
        yield instance


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> FinishedRun:
    """One run of every asset and check, all regions, on the shipped samples in an isolated
    project, launched by ``make run``'s function: what the end-to-end tests read (and what
    ``make run`` printed). None may change it (``pipeline_copy`` does).

    Under ``pytest -n`` (``make test``), the first worker that needs it runs it in the session's
    shared folder while the others wait on a lock; each then reads the run back from the
    instance it was recorded in."""
    if XDIST_WORKER in os.environ:
        root = tmp_path_factory.getbasetemp().parent / "finished"  # the session's, not the worker's
    else:
        root = tmp_path_factory.mktemp("finished")
    with FileLock(f"{root}.lock"):
        if not (root / FINISHED_MARK).exists():
            shutil.rmtree(root, ignore_errors=True)  # a worker stopped half way
            run_shared_pipeline(root)
    return read_finished_run(root)


# Set by pytest-xdist in its workers' environment.
XDIST_WORKER = "PYTEST_XDIST_WORKER"
# Written once the shared run and its console are complete.
FINISHED_MARK = "run_id"


def run_shared_pipeline(root: Path) -> None:
    """``make run`` on a fresh isolated project in ``root``, its console in ``root/console``
    and its run id in ``root/run_id``."""
    project = make_isolated_project(root)
    (root / "dagster").mkdir()
    with project_env(project), instance_in(root / "dagster") as instance:
        result, console = run_on_console_recorded(instance, root / "console")
    (root / "console" / "status").write_text(str(console.status))
    (root / FINISHED_MARK).write_text(result.run_id)


def read_finished_run(root: Path) -> FinishedRun:
    """The shared run in ``root``: its result, as the instance recorded it, and its console."""
    folder = root / "console"
    console = Console(
        int((folder / "status").read_text()),
        (folder / "stdout").read_text(),
        (folder / "stderr").read_text(),
    )
    with instance_in(root / "dagster") as instance:
        result = RecordedRun.read(instance, (root / FINISHED_MARK).read_text())
    return FinishedRun(root, result, console)


def run_on_console_recorded(
    instance: dg.DagsterInstance, folder: Path
) -> tuple[dg.JobExecutionResult, Console]:
    """``make run`` on ``instance`` (``run_on_console``), its console written to ``folder``;
    the result of the run it launched (which it keeps to itself: recorded on the way, from the
    real ``run_everything``) and its console."""
    from orchestration import run_all

    results = []

    def run_everything(instance: dg.DagsterInstance) -> dg.JobExecutionResult:
        results.append(launch_everything(instance))
        return results[-1]

    launch_everything = run_all.run_everything
    folder.mkdir()
    out, err = folder / "stdout", folder / "stderr"
    with pytest.MonkeyPatch.context() as monkeypatch, console_to(out, err):
        monkeypatch.setattr(run_all, "run_everything", run_everything)
        status = run_all.run_on_console(instance)
    [result] = results
    return result, Console(status, out.read_text(), err.read_text())


@contextmanager
def console_to(out: Path, err: Path) -> Iterator[None]:
    """Standard output and error, of this process (its descriptors and Python streams) and of
    those it starts, into two files for the block: a terminal's view, as ``capfd`` gives a
    test, for a session fixture."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with (
            out.open("w", encoding="utf-8", buffering=1) as out_file,
            err.open("w", encoding="utf-8", buffering=1) as err_file,
            redirect_stdout(out_file),
            redirect_stderr(err_file),
        ):
            os.dup2(out_file.fileno(), 1)
            os.dup2(err_file.fileno(), 2)
            yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for descriptor in saved:
            os.close(descriptor)


@pytest.fixture
def finished_pipeline(
    finished_run: FinishedRun, monkeypatch: pytest.MonkeyPatch
) -> tuple[IsolatedProject, Path, ExecutionResult]:
    """The shared run, its project's variables set: (project, instance folder, result). Read
    only."""
    project = finished_run.project
    for name, value in project.env().items():
        monkeypatch.setenv(name, value)
    return project, finished_run.instance_dir, finished_run.result


@pytest.fixture
def pipeline_copy(
    finished_run: FinishedRun,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[IsolatedProject, dg.DagsterInstance, ExecutionResult]]:
    """A copy of the shared run's project and instance, its variables set, for a test that
    changes them: (project, open instance, the shared run's result)."""
    root = tmp_path_factory.mktemp("copy")
    project = finished_run.copy_to(root)
    for name, value in project.env().items():
        monkeypatch.setenv(name, value)
    with instance_in(root / "dagster") as instance:
        yield project, instance, finished_run.result


@pytest.fixture
def dagster_instance(dbt_manifest: Path):
    """A temporary Dagster instance with the project's settings (the warehouse pool limit)."""
    with dg.instance_for_test(overrides=dagster_instance_settings()) as instance:
        yield instance


def rewrite_survey(path: Path, change) -> str:
    """Rewrite a delivered ``.sav`` with ``change`` applied to its data, labels kept; return
    the new file's SHA-256."""
    answers, meta = pyreadstat.read_sav(str(path))
    change(answers)
    pyreadstat.write_sav(
        answers,
        str(path),
        column_labels=meta.column_names_to_labels,
        variable_value_labels=meta.variable_value_labels,
        file_label=meta.file_label,
    )
    return hashlib.sha256(path.read_bytes()).hexdigest()


def settled(*paths: Path) -> None:
    """Date files back past the delivery sensor's settling time, as a finished copy would be."""
    past = time.time() - SETTLE_SECONDS - 1
    for path in paths:
        os.utime(path, (past, past))
