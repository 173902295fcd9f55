"""The job that refreshes everything, and its weekly schedule."""

import dagster as dg

from orchestration.publication.partitions import all_regions_run_tags

refresh_all_job = dg.define_asset_job(
    "refresh_all",
    selection=dg.AssetSelection.all(),
    description="Tout le pipeline : ingestion, dbt, contrôles qualité, les 14 rapports et l'index.",
)


@dg.schedule(
    job=refresh_all_job,
    cron_schedule="0 6 * * 1",
    execution_timezone="Europe/Paris",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rafraîchissement hebdomadaire complet, le lundi à 6 h (heure de Paris).",
)
def weekly_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """All assets, all 13 regions in one run."""
    return dg.RunRequest(
        run_key=context.scheduled_execution_time.isoformat(), tags=all_regions_run_tags()
    )
