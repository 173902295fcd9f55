"""Runs whose process died (``kill -9``, a machine stopped): found, marked failed, their pool
slots freed, so the next run does not wait forever for the ``warehouse`` slot a dead run holds.

Dagster cannot tell: ``make run`` executes without the daemon, and under ``dagster dev`` the
default run launcher has no health check of a run worker (run monitoring only times out runs
that never started). So every run records which process executes it (host, pid, and the
process's start time, since pids are reused) in an engine event when its executor starts; a run
still in progress whose recorded process no longer exists on this host is dead. (Under
``dagster dev`` the code server marks a run failed when its worker dies, while it runs itself,
but leaves the run's slots held: the sweep frees the slots of finished runs too.) The sweep
runs before every launch of ``orchestration.run_all``, in the sensor :data:`dead_run_sweep`
under ``dagster dev``, and whenever a step waits for a slot held by another run. A run with
no record (killed in the instant before its executor started: it holds no slot) or recorded on
another host is never touched.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._core.events import DagsterEventType, EngineEventData, JobFailureData, RunFailureReason

from orchestration.settings import sensor_interval_seconds

RUN_WORKER_KEY = "impact/run_worker"
# A run in these states still owns a process; once finished, only its slots may linger.
UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


@dataclass(frozen=True)
class RunWorker:
    """The process executing a run: host, pid and the process's start time (in clock ticks
    since boot, ``/proc/<pid>/stat``; empty where /proc does not exist)."""

    host: str
    pid: int
    started: str

    @classmethod
    def current(cls) -> RunWorker:
        """This process."""
        return cls(socket.gethostname(), os.getpid(), _process_start(os.getpid()) or "")

    def is_alive(self) -> bool:
        """False only when this process surely no longer exists: on this host, no process has
        its pid, or one has but started at another time (the pid was reused) or is a zombie. A
        process on another host cannot be checked, so it counts as alive."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # another user's process: it exists
        stat = _proc_stat(self.pid)
        if stat is None or not self.started:
            return True  # no /proc to compare with: the pid exists, trust it
        state, started = stat
        return state != "Z" and started == self.started

    def describe(self) -> str:
        """In French, for notices."""
        return f"processus {self.pid} sur {self.host}"


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """The state and start time of a process, from /proc (None without /proc or process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count fields after its end.
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], fields[19]  # fields 3 (state) and 22 (start time)


def _process_start(pid: int) -> str | None:
    stat = _proc_stat(pid)
    return stat[1] if stat else None


def run_worker_event_data() -> EngineEventData:
    """The engine event data recording this process as the run's worker."""
    worker = RunWorker.current()
    record = {"host": worker.host, "pid": worker.pid, "started": worker.started}
    return EngineEventData(metadata={RUN_WORKER_KEY: dg.MetadataValue.json(record)})


def run_worker_message() -> str:
    """The run log line that goes with :func:`run_worker_event_data`."""
    return (
        f"Run exécuté par le {RunWorker.current().describe()} (noté pour reconnaître un run "
        "interrompu)."
    )


def recorded_worker(instance: dg.DagsterInstance, run_id: str) -> RunWorker | None:
    """The process that last recorded itself as this run's worker, if any."""
    worker = None
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        record = entry.dagster_event.engine_event_data.metadata.get(RUN_WORKER_KEY)
        if record is not None:
            value = record.value
            worker = RunWorker(value["host"], int(value["pid"]), value["started"])
    return worker


def dead_worker(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RunWorker | None:
    """The recorded process of an unfinished run if it is gone (None: finished, alive, or not
    recorded)."""
    if run.status not in UNFINISHED:
        return None
    worker = recorded_worker(instance, run.run_id)
    return worker if worker is not None and not worker.is_alive() else None


def interrupted_reason(worker: RunWorker) -> str:
    """Why a dead run is marked failed, in its log (French: users read it in the UI)."""
    return (
        f"Run interrompu : son {worker.describe()} s'est arrêté avant la fin (kill -9, arrêt "
        "de la machine...). Marqué en échec automatiquement ; ses places dans le pool "
        "« warehouse » sont libérées. L'entrepôt ne garde que des écritures achevées (chaque "
        "table est remplacée en une transaction) : relancez le run pour aller au bout."
    )


def fail_dead_run(instance: dg.DagsterInstance, run: dg.DagsterRun, worker: RunWorker) -> str:
    """Mark a run whose worker is dead failed and free its pool slots; return the notice."""
    instance.report_run_failed(
        run,
        interrupted_reason(worker),
        JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION),
    )
    instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return (
        f"Run {run.run_id} ({run.job_name}) interrompu ({worker.describe()} disparu) : marqué "
        "en échec, ses places dans le pool « warehouse » libérées."
    )


def recover_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail every dead run and free the slots still held by finished runs; one French notice
    per run recovered. Live runs, and runs whose process cannot be checked, are left alone."""
    notices = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED)):
        worker = dead_worker(instance, run)
        if worker is not None:
            notices.append(fail_dead_run(instance, run, worker))
    notices += _free_slots_of_finished_runs(instance)
    return notices


def _free_slots_of_finished_runs(instance: dg.DagsterInstance) -> list[str]:
    # A finished run may still hold its slot: under dagster dev the code server marks a run
    # failed when its worker dies, without freeing it; so does marking a run failed by hand.
    # Its process, if recorded, must be gone too, or it may still be writing.
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    notices = []
    for run_id in storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        if run is not None and not run.is_finished:
            continue
        worker = recorded_worker(instance, run_id)
        if worker is not None and worker.is_alive():
            continue
        storage.free_concurrency_slots_for_run(run_id)
        notice = f"Places du pool « warehouse » du run terminé {run_id} libérées."
        if run is not None:
            gone = f"son {worker.describe()} a disparu" if worker else "il est terminé"
            instance.report_engine_event(f"{notice[:-1]} : {gone}.", run)
        notices.append(notice)
    return notices


@dg.sensor(
    minimum_interval_seconds=sensor_interval_seconds(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        f"Toutes les {sensor_interval_seconds()} s : un run dont le processus a disparu (kill "
        "-9, arrêt de la machine) est marqué en échec et ses places dans le pool « warehouse » "
        "libérées."
    ),
)
def dead_run_sweep(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    """Under ``dagster dev``: what ``make run`` does before each launch, at each tick."""
    notices = recover_dead_runs(context.instance)
    for notice in notices:
        context.log.warning(notice)
    return dg.SkipReason(" ".join(notices) or "Aucun run interrompu.")
