"""What to do after a failed step, said in the run's log right after the failure."""

import dagster as dg

from orchestration.warehouse import WarehouseLocked

UNCHANGED = (
    "Nothing downstream ran: the warehouse tables and the published reports are those of the "
    "last successful run."
)


def next_step(step_key: str, error: BaseException | None) -> str:
    """Plain advice for the person who launched the run, by the kind of failure."""
    causes = _causes(error)
    if any(isinstance(cause, WarehouseLocked) for cause in causes):
        return (
            "The warehouse file stayed open in another program. Close it (a notebook or a "
            "DuckDB session on impact.duckdb), then re-execute this run from the UI."
        )
    if step_key.startswith("raw__"):
        return (
            "A delivery was refused at the door (file, row, column and rule above). Correct the "
            "file, or ask the institute for a corrected delivery, and drop it again in raw/: the "
            f"sensor ingests it within a minute. {UNCHANGED}"
        )
    if step_key.endswith("_quality"):
        return (
            "A blocking quality rule failed (the check's description names the rows; the Data "
            "Docs site under reports/output/qualite/ shows every result). Correct the delivery "
            f"and drop it again in raw/. {UNCHANGED}"
        )
    if step_key == "impact_dbt_models":
        return (
            "dbt failed: the step's log names the model or test and the rule. A failed test "
            f"points at data to correct in raw/; an error in a model is a bug to report. "
            f"{UNCHANGED}"
        )
    if step_key in ("regional_report", "national_report", "reports_index"):
        return (
            "A report did not render (see the error above, report by report): its last "
            "published files are intact, the other reports were rendered, and index.html marks "
            "it late (the reason is under « À propos de cette publication »). After a fix, "
            "launch the render_regions job for the region concerned."
        )
    return f"See the error above. {UNCHANGED}"


def _causes(error: BaseException | None) -> list[BaseException]:
    chain = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


@dg.failure_hook
def what_to_do_next(context: dg.HookContext) -> None:
    """Log :func:`next_step` for the failed step."""
    context.log.error(f"What to do next: {next_step(context.step_key, context.op_exception)}")
