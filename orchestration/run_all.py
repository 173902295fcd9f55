"""``make run``: materialize every asset through the code location, then list the reports.

``python -m orchestration.run_all`` runs the ``refresh_all`` job (all assets, the 13 regions in
one run) on the instance of ``$DAGSTER_HOME``, so the run shows in the UI like any other.
Without the daemon, nothing else notices a run whose process was killed: every launch from
here first fails such runs and frees their pool slots (``orchestration/recovery.py``).
"""

import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import dagster as dg

from orchestration.console import FAILED, echo, failure_lines, output_to, stage_outcomes
from orchestration.geography import regions
from orchestration.publication.assets import REPORTS_METADATA
from orchestration.publication.outcomes import summary_lines
from orchestration.publication.report_jobs import all_report_jobs
from orchestration.recovery import recover_dead_runs
from orchestration.schedules import refresh_all_job
from orchestration.settings import ProjectPaths

# The steps that render reports: their outcomes, report by report, make the run's summary.
RENDER_STEPS = ("regional_report", "national_report")
# Where ``make run`` writes the run's full output, under the instance's folder ($DAGSTER_HOME).
LOG_FOLDER = "logs"


def job_definition(name: str) -> dg.JobDefinition:
    """A job of the code location, resolved; the run rebuilds it from this function."""
    from orchestration.definitions import defs

    return defs.resolve_job_def(name)


def launch(instance: dg.DagsterInstance, name: str, **options) -> dg.JobExecutionResult:
    """Execute a job of the code location (``options``: those of ``dg.execute_job``), once the
    runs killed earlier are failed and their pool slots freed, so that it does not wait for
    them; each one recovered is said on the console."""
    for notice in recover_dead_runs(instance):
        print(notice, flush=True)
        echo(notice)  # under make run, print writes to the log file
    job = dg.build_reconstructable_job(__name__, job_definition.__name__, (name,))
    return dg.execute_job(job, instance=instance, **options)


def run_job(instance: dg.DagsterInstance, name: str, tags: dict[str, str]) -> dg.JobExecutionResult:
    """Execute a job of the code location out of process, as the UI's run launcher would."""
    return launch(instance, name, tags=tags)


def run_assets(
    instance: dg.DagsterInstance, keys: Iterable[dg.AssetKey], tags: dict[str, str]
) -> dg.JobExecutionResult:
    """One run of some assets and their checks, in dependency order, as the backfill that
    declarative automation launches would run them."""
    return launch(instance, refresh_all_job.name, tags=tags, asset_selection=list(keys))


def run_everything(instance: dg.DagsterInstance) -> dg.JobExecutionResult:
    """One run of every asset and check, the 14 reports included."""
    return run_job(instance, refresh_all_job.name, {})


def step_errors(result: dg.JobExecutionResult, skip: Iterable[str] = ()) -> list[str]:
    """The error of each failed step (a bad delivery's file, row, column and rule), but the
    steps of ``skip``."""
    return [
        f"{event.step_key}: {_raised_by_step(event.step_failure_data)}"
        for event in result.get_step_failure_events()
        if event.step_failure_data.error is not None and event.step_key not in skip
    ]


def _raised_by_step(failure) -> str:
    # A refused delivery's dg.Failure carries the French message as its description;
    # otherwise Dagster wraps the exception the step raised, and that one says what was wrong.
    if failure.user_failure_data is not None and failure.user_failure_data.description:
        return failure.user_failure_data.description.strip()
    raised = failure.error.cause if failure.error.cause is not None else failure.error
    return raised.message.strip()


def failed_checks(result: dg.JobExecutionResult) -> list[str]:
    """The descriptions of the blocking failures of the run's checks."""
    return _check_failures(result, dg.AssetCheckSeverity.ERROR)


def check_warnings(result: dg.JobExecutionResult) -> list[str]:
    """The descriptions of the run's checks that failed with a warning (they do not block)."""
    return _check_failures(result, dg.AssetCheckSeverity.WARN)


def _check_failures(result: dg.JobExecutionResult, severity: dg.AssetCheckSeverity) -> list[str]:
    return [
        f"{evaluation.check_name}: {evaluation.description}"
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed and evaluation.severity == severity
    ]


def published_files() -> list[str]:
    """Every published report file, the index first."""
    paths = ProjectPaths.from_env()
    files = [paths.reports_dir / "index.html"]
    for job in all_report_jobs(paths, regions()):
        files += [job.html, job.pdf]
    return [str(path) for path in files if path.exists()]


def main() -> int:
    """Run, then print one line per stage and where to look next (or why nothing changed)."""
    with dg.DagsterInstance.get() as instance:
        return run_on_console(instance)


def run_on_console(instance: dg.DagsterInstance) -> int:
    """``make run`` on ``instance``: the run's own output into a log file under the instance's
    folder, a French line per stage and a summary on the console; the exit status."""
    log_file = (
        Path(instance.root_directory) / LOG_FOLDER / f"run-{datetime.now():%Y%m%d-%H%M%S}.log"
    )
    print(f"Run de tout le pipeline en cours (journal complet : {log_file})…", flush=True)
    with output_to(log_file):
        result = run_everything(instance)
    status = instance.get_run_by_id(result.run_id).status
    if status == dg.DagsterRunStatus.CANCELED:
        print(f"Run {result.run_id} arrêté à votre demande ; les rapports publiés sont inchangés.")
        print(f"Journal complet du run : {log_file}")
        return 130  # as a shell reports a command stopped by Ctrl-C
    outcomes = stage_outcomes(instance, result.run_id)
    lines = [outcome.line() for outcome in outcomes]
    lines += [f"Avertissement : {warning}" for warning in check_warnings(result)]
    if result.success:
        lines.append(f"Run {result.run_id} réussi : {len(published_files())} fichiers publiés.")
    else:
        lines.append(f"Run {result.run_id} en échec.")
        failed = next((o for o in outcomes if o.outcome == FAILED), None)
        if failed is not None:
            lines += failure_lines(instance, result.run_id, failed)
    lines += report_summary(result) + where_to_look(log_file)
    print("\n".join(lines))
    return 0 if result.success else 1


def where_to_look(log_file: Path) -> list[str]:
    """The last lines of ``make run``: the index, the UI, the quality site, the full log."""
    paths = ProjectPaths.from_env()
    lines = [
        f"Ouvrez {paths.reports_dir / 'index.html'} dans un navigateur, "
        "ou lancez `make ui` pour suivre les runs dans l'interface Dagster."
    ]
    quality_site = paths.data_docs_dir / "index.html"
    if quality_site.exists():
        lines.append(f"Page des contrôles qualité : {quality_site}")
    lines.append(f"Journal complet du run : {log_file}")
    return lines


def report_summary(result: dg.JobExecutionResult) -> list[str]:
    """French lines on the reports of a run: which were republished, which failed and why.
    Read from the render steps' outcomes (their materialization or failure
    metadata), never assumed from the run's success."""
    started = _started_steps(result) & set(RENDER_STEPS)
    if not started:
        return ["Aucun rendu n'a été lancé : les rapports publiés sont inchangés."]
    records: dict[str, dict] = {}
    explained = set()
    for step, metadata in _render_step_metadata(result):
        if REPORTS_METADATA in metadata:
            explained.add(step)
            records.update((record["stem"], record) for record in metadata[REPORTS_METADATA].value)
    lines = summary_lines(records.values())
    lines += [
        f"L'étape {step} a échoué avant de dire quels rapports elle a publiés (erreur "
        "ci-dessus) ; index.html dit ce qui est en ligne."
        for step in sorted(started - explained)
    ]
    index = ProjectPaths.from_env().reports_dir / "index.html"
    if index.exists():
        lines.append(f"État de chaque rapport : {index}")
    return lines


def _render_step_metadata(result: dg.JobExecutionResult) -> list[tuple[str, dict]]:
    """(step, metadata) of each materialization of a render asset and of each render step's
    failure in the run."""
    found = [
        (event.step_key, event.materialization.metadata)
        for event in result.get_asset_materialization_events()
        if event.step_key in RENDER_STEPS
    ]
    for event in result.get_step_failure_events():
        if event.step_key in RENDER_STEPS:
            failure = event.step_failure_data.user_failure_data
            found.append((event.step_key, dict(failure.metadata) if failure else {}))
    return found


def _started_steps(result: dg.JobExecutionResult) -> set[str]:
    return {event.step_key for event in result.all_events if event.is_step_start}


if __name__ == "__main__":
    sys.exit(main())
