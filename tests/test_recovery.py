"""A run killed in a warehouse step, and a run waiting for one: real processes on an instance on
disk (``$DAGSTER_HOME``), as ``make run`` runs them, stopped with real signals."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.recovery import dead_run_sweep
from orchestration.settings import PROJECT_ROOT
from orchestration.warehouse import WAREHOUSE_POOL

# The definitions these tests load read the dbt manifest.
pytestmark = pytest.mark.usefixtures("dbt_manifest")

# Generous bounds that only keep a broken test from hanging: nothing is timed.
START_SECONDS = 600
RUN_SECONDS = 900
STOP_SECONDS = 120

# A run of a few assets, named on its command line: the assets and their checks, as the
# delivery sensor's runs are. Prints the run's status last.
RUN_ASSETS = """
import sys
import dagster as dg
from orchestration.run_all import run_assets
with dg.DagsterInstance.get() as instance:
    keys = [dg.AssetKey.from_user_string(key) for key in sys.argv[1:]]
    result = run_assets(instance, keys, {})
    print("status:", instance.get_run_by_id(result.run_id).status.value)
"""
# Each kind of warehouse step, alone in its run: the case database's ingest and its quality
# check (Great Expectations, in the run's process), or the dbt models built on it (dbt, a child
# process); and the table the run writes last.
CASE_INGEST = (["raw/case_database"], "raw.case_database")
CASE_MODELS = (
    [f"staging/stg_{name}" for name in ("cases", "case_modes", "case_profiles", "catalysts")]
    + ["marts/fct_case_database_indicators"],
    "marts.fct_case_database_indicators",
)


@pytest.fixture
def project(finished_run, tmp_path):
    """A copy of the shared finished project (its warehouse built, so that a run of a few
    assets finds the tables their dbt tests read) and its own empty ``DAGSTER_HOME``; the
    environment of its processes."""
    isolated = finished_run.copy_to(tmp_path / "project")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, **isolated.env(), "DAGSTER_HOME": str(home)}
    return isolated, home, env


@contextmanager
def instance_at(home: Path):
    """The instance the processes share, opened from this process too."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A process of the pipeline, its console written to ``log``."""
    with log.open("w") as output:
        return subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT
        )


def make_run(env: dict, log: Path) -> subprocess.Popen:
    """``make run``'s command."""
    return start([sys.executable, "-m", "orchestration.run_all"], env, log)


def assets_command(keys: list[str]) -> list[str]:
    """:data:`RUN_ASSETS` on these assets (keys as the UI writes them)."""
    return [sys.executable, "-c", RUN_ASSETS, *keys]


def slot_holders(instance: dg.DagsterInstance) -> list[str]:
    """The runs holding a slot of the warehouse pool."""
    return [run_id for run_id, _ in held_slots(instance)]


def held_slots(instance: dg.DagsterInstance) -> list[tuple[str, str]]:
    """The run and step holding each slot of the warehouse pool."""
    info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
    return [(slot.run_id, slot.step_key) for slot in info.claimed_slots]


def sqlite_free(instance: dg.DagsterInstance) -> bool:
    """Whether every SQLite file of the instance can be locked for writing right now."""
    for database in Path(instance.root_directory).rglob("*.db"):
        try:
            with closing(sqlite3.connect(database, timeout=0.2)) as connection:
                connection.execute("BEGIN EXCLUSIVE")
                connection.rollback()
        except sqlite3.OperationalError:
            return False
    return True


def freeze_inside_a_warehouse_step(
    instance: dg.DagsterInstance, process: subprocess.Popen, step_suffix: str = ""
) -> str:
    """Wait until the process's run holds the warehouse slot in a step whose key ends with
    ``step_suffix``, and stop the process there (SIGSTOP: alive, but frozen inside the step);
    return the run's id."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before reaching the step"
        if any(step.endswith(step_suffix) for _, step in held_slots(instance)):
            process.send_signal(signal.SIGSTOP)
            # Not in the middle of writing an event, and still in the step once frozen: a
            # process frozen inside a SQLite transaction would lock the instance for everyone,
            # a deadlock no live run causes (it failed the waiting run's start in CI); reading
            # the instance then can fail too (« locking protocol »), so that is checked first.
            held = held_slots(instance) if sqlite_free(instance) else []
            if any(step.endswith(step_suffix) for _, step in held):
                [(run_id, _)] = held
                return run_id
            process.send_signal(signal.SIGCONT)  # leaving the step, or writing: catch another
        time.sleep(0.1)
    raise TimeoutError(f"no warehouse step *{step_suffix} within {START_SECONDS} s")


def wait_for_line(log: Path, text: str, process: subprocess.Popen) -> str:
    """The first line of the log containing ``text``, once the process printed it."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if text in line:
                return line
        assert process.poll() is None, f"exited without printing {text!r}:\n{log.read_text()}"
        time.sleep(0.5)
    raise TimeoutError(f"{text!r} not printed within {START_SECONDS} s")


# As in the report of issue 14: inside a quality check (Great Expectations, in the run's
# process) or inside dbt (a child process, which outlives the run's).
@pytest.mark.parametrize(
    "step, assets",
    [("_quality", CASE_INGEST), ("impact_dbt_models", CASE_MODELS)],
    ids=["quality", "dbt"],
)
def test_a_run_killed_in_a_warehouse_step_does_not_block_the_next_one(
    project, tmp_path, step, assets
):
    isolated, home, env = project
    keys, table = assets
    # The copy's table dropped: finding it at the end shows that the next run wrote it.
    with duckdb.connect(str(isolated.warehouse)) as connection:
        connection.execute(f"drop table {table}")
    victim = start(assets_command(keys), env, tmp_path / "killed.log")
    with instance_at(home) as instance:
        try:
            dead_run = freeze_inside_a_warehouse_step(instance, victim, step)
        finally:
            victim.kill()  # kill -9
            victim.wait(timeout=STOP_SECONDS)
        assert instance.get_run_by_id(dead_run).status == dg.DagsterRunStatus.STARTED
        assert slot_holders(instance) == [dead_run]

        started = time.monotonic()
        after = subprocess.run(
            assets_command(keys),
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=RUN_SECONDS,
        )
        print(f"next run: {time.monotonic() - started:.0f} s")

        assert after.returncode == 0, after.stderr[-3000:]
        assert after.stdout.splitlines()[-1] == "status: SUCCESS", after.stderr[-3000:]
        notice = f"Run {dead_run} (refresh_all) interrompu (processus {victim.pid} sur"
        assert notice in after.stdout
        assert instance.get_run_by_id(dead_run).status == dg.DagsterRunStatus.FAILURE
        [failure] = instance.all_logs(dead_run, of_type=dg.DagsterEventType.RUN_FAILURE)
        assert failure.dagster_event.message.startswith("Run interrompu : son processus")
        assert slot_holders(instance) == []
        assert not instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).pending_steps

    # The next run wrote the warehouse to the end: the dead run left no lock behind.
    with duckdb.connect(str(isolated.warehouse), read_only=True) as connection:
        assert connection.execute(f"select count(*) from {table}").fetchone()[0] > 0


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_run_waiting_for_a_live_run_says_for_which_and_stops_on_a_signal(project, tmp_path, stop):
    _, home, env = project
    holder = make_run(env, tmp_path / "holder.log")
    with instance_at(home) as instance:
        try:
            holding_run = freeze_inside_a_warehouse_step(instance, holder)  # alive, holding
            waiter = make_run(env, tmp_path / "waiter.log")
            try:
                line = wait_for_line(tmp_path / "waiter.log", "attend sa place", waiter)
                waiter.send_signal(stop)
                code = waiter.wait(timeout=STOP_SECONDS)
            finally:
                if waiter.poll() is None:
                    waiter.kill()
            [waiting_run] = [r.run_id for r in instance.get_runs() if r.run_id != holding_run]

            assert f"tenue par le run {holding_run} (job refresh_all, étape " in line
            assert code == 130
            assert "arrêté à votre demande" in (tmp_path / "waiter.log").read_text()
            assert instance.get_run_by_id(waiting_run).status == dg.DagsterRunStatus.CANCELED
            # The live run was left alone: still running, still holding its slot.
            assert instance.get_run_by_id(holding_run).status == dg.DagsterRunStatus.STARTED
            assert slot_holders(instance) == [holding_run]
            pending = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
            assert {step.run_id for step in pending.pending_steps} == {holding_run}
        finally:
            holder.kill()
            holder.wait(timeout=STOP_SECONDS)


def test_under_dagster_dev_the_sensor_fails_a_dead_run_and_leaves_a_live_one(project, tmp_path):
    # The sensor the daemon evaluates at each tick, on the same instance as a real run.
    _, home, env = project
    run_process = make_run(env, tmp_path / "run.log")
    with instance_at(home) as instance:
        try:
            run_id = freeze_inside_a_warehouse_step(instance, run_process)
            alive = dead_run_sweep(dg.build_sensor_context(instance=instance))
            assert alive.skip_message == "Aucun run interrompu."
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED
            assert slot_holders(instance) == [run_id]
        finally:
            run_process.kill()
            run_process.wait(timeout=STOP_SECONDS)

        dead = dead_run_sweep(dg.build_sensor_context(instance=instance))

        assert f"Run {run_id} (refresh_all) interrompu" in dead.skip_message
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
        assert slot_holders(instance) == []
