"""End to end, ``make run`` on the console: a line per stage, a summary, where to look (the
shared finished run is ``make run``'s: ``finished_run`` in tests/conftest.py); a refused
delivery's French message first."""

from pathlib import Path

import dagster as dg

from orchestration.console import STAGES
from orchestration.ingest.readers import read_survey
from orchestration.run_all import (
    run_on_console,
)
from tests.conftest import CITIZENS_2020, Console, rewrite_survey
from tests.pipeline_reading import CODEBOOK, ID, WEIGHT


def console_of(instance, capfd) -> tuple[int, list[str], str]:
    """``make run`` on ``instance``: its exit status, its console lines, its log file's text."""
    status = run_on_console(instance)
    out, err = capfd.readouterr()
    return read_console(Console(status, out, err))


def read_console(console: Console) -> tuple[int, list[str], str]:
    """``make run``'s exit status, console lines and log file's text."""
    assert console.err == ""  # nothing escapes to stderr: Dagster's events and dbt's are logged
    lines = console.out.splitlines()
    [log] = [line for line in lines if line.startswith("Journal complet du run : ")]
    return console.status, lines, Path(log.removeprefix("Journal complet du run : ")).read_text()


def test_make_run_prints_a_line_per_stage_and_a_summary_naming_where_to_look(finished_run):
    status, lines, log = read_console(finished_run.console)
    assert status == 0, "\n".join(lines)
    assert len(lines) <= 20  # was 880 lines of Dagster events before the summary
    for stage in STAGES:
        assert len([line for line in lines if line.startswith(f"{stage.title} : ")]) == 1
    assert any("index.html" in line and "`make ui`" in line for line in lines)
    assert not any(" - DEBUG - " in line or "Traceback" in line for line in lines)
    # The full log holds what the console no longer shows: every Dagster event, dbt's output.
    assert " - DEBUG - " in log and "STEP_START" in log and "RUN_SUCCESS" in log
    assert "dbt build" in log


def test_a_refused_delivery_says_its_french_message_first_on_the_console(pipeline_copy, capfd):
    project, instance, _ = pipeline_copy
    delivery = project.raw_dir / CITIZENS_2020
    original = delivery.read_bytes()
    respondent = int(read_survey(delivery, CODEBOOK).data[ID].iloc[7])

    def negative_weight(answers):
        answers.loc[7, WEIGHT] = -1.0  # SPSS case 8

    rewrite_survey(delivery, negative_weight)
    try:
        status, lines, log = console_of(instance, capfd)
    finally:
        delivery.write_bytes(original)
    message = (
        f"{CITIZENS_2020}, ligne 8 (répondant {respondent}), variable {WEIGHT} : le poids doit "
        "être un nombre fini supérieur à 0 (valeur -1)"
    )
    assert status == 1
    assert "Ingestion des livraisons : échec" in " ".join(lines)
    failed = lines.index("Étape en échec : Ingestion des livraisons.")
    assert lines[failed + 1] == f"raw__survey_citoyens : {message}"
    assert lines[failed + 2].startswith("raw__survey_citoyens : Rapport complet : ")
    assert lines[failed + 3].startswith("Que faire maintenant : Une livraison a été refusée")
    assert not any(
        "Traceback" in line or "Stack Trace" in line or 'File "' in line for line in lines
    )
    # The stack trace is kept for the log; Dagster's failure starts with the French message.
    assert "in accept_survey" in log and "raise DeliveryRejected(" in log
    [failure] = [
        entry.dagster_event.step_failure_data
        for entry in instance.all_logs(
            instance.get_runs(limit=1)[0].run_id, of_type=dg.DagsterEventType.STEP_FAILURE
        )
    ]
    assert failure.user_failure_data.description.startswith(message)
    assert failure.error.message.split(": ", 1)[1].startswith(message)
