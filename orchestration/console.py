"""What ``make run`` prints: one French line per stage of the run, then where to look next.

Everything the run itself writes (Dagster's DEBUG events, dbt's and Great Expectations' own
output, in this process and in the step processes it starts) goes to a log file instead: the
console and its descriptors are redirected for the length of the run, so nothing escapes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from orchestration.ingest.conformance import REPORT_METADATA
from orchestration.next_steps import NEXT_STEP_LABEL, next_step


@dataclass(frozen=True)
class Stage:
    """A stage of the run as the console names it, and how its steps are recognised."""

    title: str
    prefixes: tuple[str, ...] = ("",)
    suffix: str = ""
    steps: tuple[str, ...] = ()

    def holds(self, step_key: str) -> bool:
        """Whether the step belongs to this stage."""
        if self.steps:
            return step_key in self.steps
        return step_key.startswith(self.prefixes) and step_key.endswith(self.suffix)


# In the order a run goes through them (the quality checks run beside the ingest and dbt).
STAGES = (
    # The deliveries' observations (their files hashed) belong to their ingest.
    Stage("Ingestion des livraisons", prefixes=("observe_", "raw__")),
    Stage("Contrôles qualité", suffix="_quality"),
    Stage("Modèles et tests dbt", steps=("impact_dbt_models",)),
    Stage("Export des données des rapports", steps=("report_data",)),
    Stage("Rendu des rapports", steps=("regional_report", "national_report")),
    Stage("Page d'accueil (index.html)", steps=("reports_index",)),
)
# The console while ``output_to`` sends the run's output to its log file: what must still be
# seen as it happens (a run waiting for another's pool slot) is written there too.
_console: list = []
SUCCEEDED, FAILED, NOT_RUN = "succès", "échec", "étape non lancée"


@dataclass(frozen=True)
class StageOutcome:
    """What happened to one stage in a run: its outcome, its duration, its failed steps."""

    stage: Stage
    outcome: str
    seconds: float
    failed_steps: tuple[str, ...]

    def line(self) -> str:
        """``Ingestion des livraisons : succès (3,2 s)``."""
        if self.outcome == NOT_RUN:
            return f"{self.stage.title} : {NOT_RUN}"
        return f"{self.stage.title} : {self.outcome} ({_seconds(self.seconds)})"


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f} s".replace(".", ",")


@contextmanager
def output_to(log_file: Path) -> Iterator[None]:
    """Send everything written to stdout and stderr, by this process and by those it starts,
    to ``log_file`` until the block ends; the console gets its descriptors back after."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with log_file.open("a", encoding="utf-8", buffering=1) as log:
            # The descriptors for the step processes and dbt; the Python streams for this
            # process, whose sys.stdout and sys.stderr may not write to them (under pytest).
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            with (
                open(saved[0], "w", encoding="utf-8", buffering=1, closefd=False) as console,
                redirect_stdout(log),
                redirect_stderr(log),
            ):
                _console.append(console)
                try:
                    yield
                finally:
                    _console.remove(console)
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for descriptor in saved:
            os.close(descriptor)


def echo(line: str) -> None:
    """Say ``line`` on the console while ``make run`` sends the run's output to its log file
    (elsewhere, Dagster's own console logger already shows the run's events)."""
    for console in _console:
        print(line, file=console, flush=True)


def stage_outcomes(instance: dg.DagsterInstance, run_id: str) -> list[StageOutcome]:
    """Each stage's outcome, read from the run's event log: failed when a step failed or a
    blocking check of the stage failed, not run when none of its steps started."""
    entries = [entry for entry in instance.all_logs(run_id) if entry.dagster_event is not None]
    return [_outcome(stage, entries) for stage in STAGES]


def _outcome(stage: Stage, entries: list) -> StageOutcome:
    mine = [entry for entry in entries if entry.step_key and stage.holds(entry.step_key)]
    started = [entry for entry in mine if entry.dagster_event.is_step_start]
    if not started:
        return StageOutcome(stage, NOT_RUN, 0.0, ())
    failed = sorted(
        {entry.step_key for entry in mine if entry.dagster_event.is_step_failure}
        | {entry.step_key for entry in mine if _blocking_check_failed(entry.dagster_event)}
    )
    seconds = max(entry.timestamp for entry in mine) - min(entry.timestamp for entry in started)
    return StageOutcome(stage, FAILED if failed else SUCCEEDED, seconds, tuple(failed))


def _blocking_check_failed(event: dg.DagsterEvent) -> bool:
    if event.event_type != dg.DagsterEventType.ASSET_CHECK_EVALUATION:
        return False
    evaluation = event.event_specific_data
    return not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR


def failure_message(entries: list, step_key: str) -> list[str]:
    """The French message of a failed step: its failed blocking checks (the step's own error
    then only says that checks failed), else its ``dg.Failure`` description (first line) and
    where the full rejection report is, else the error it raised."""
    checks = [
        entry.dagster_event.event_specific_data
        for entry in entries
        if entry.step_key == step_key and _blocking_check_failed(entry.dagster_event)
    ]
    if checks:
        return [f"{check.check_name} : {_first_line(check.description)}" for check in checks]
    for entry in entries:
        if entry.step_key != step_key or not entry.dagster_event.is_step_failure:
            continue
        data = entry.dagster_event.step_failure_data
        failure = data.user_failure_data
        if failure is not None and failure.description:
            lines = [_first_line(failure.description)]
            if REPORT_METADATA in failure.metadata:
                lines.append(f"Rapport complet : {failure.metadata[REPORT_METADATA].value}")
            return lines
        if data.error is not None:
            raised = data.error.cause if data.error.cause is not None else data.error
            return [_first_line(raised.message)]
    return []


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""


def advice(entries: list, step_key: str) -> str:
    """The « Que faire maintenant » the failure hook logged for the step; the same advice
    when only a check failed (the step itself succeeded, so no hook ran)."""
    for entry in entries:
        if entry.step_key == step_key and entry.user_message.startswith(NEXT_STEP_LABEL):
            return entry.user_message
    return NEXT_STEP_LABEL + next_step(step_key, None)


def failure_lines(instance: dg.DagsterInstance, run_id: str, outcome: StageOutcome) -> list[str]:
    """Which stage failed, its French message and what to do next, step by step."""
    logs = instance.all_logs(run_id)
    entries = [entry for entry in logs if entry.dagster_event is not None]
    # The failure hook's advice is a plain log message, not an event.
    hooks = [entry for entry in logs if entry.dagster_event is None]
    lines = [f"Étape en échec : {outcome.stage.title}."]
    for step in outcome.failed_steps:
        lines += [f"{step} : {line}" for line in failure_message(entries, step)]
        lines.append(advice(hooks, step))
    return lines
