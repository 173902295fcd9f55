"""The job that refreshes everything, and its schedule (weekly unless ``IMPACT_REFRESH_CRON``
says otherwise)."""

import os

import dagster as dg

from orchestration.ingest.observations import delivery_sources

# The refresh's cron (Paris time), read when the definitions load: changing it needs a restart
# of `make ui` (or of the team deployment), not an edit of this file.
REFRESH_CRON_VAR = "IMPACT_REFRESH_CRON"
DEFAULT_REFRESH_CRON = "0 6 * * 1"  # Mondays at 06:00
REFRESH_TIMEZONE = "Europe/Paris"

refresh_all_job = dg.define_asset_job(
    "refresh_all",
    # The deliveries' observations too: the run records which files it ingested.
    selection=dg.AssetSelection.all() | dg.AssetSelection.assets(*delivery_sources),
    description="Tout le pipeline : observation des livraisons, ingestion, dbt, contrôles "
    "qualité, les 14 rapports et l'index.",
)


def refresh_cron() -> str:
    """The refresh's cron: ``IMPACT_REFRESH_CRON`` if set, Mondays at 06:00 otherwise."""
    return os.environ.get(REFRESH_CRON_VAR) or DEFAULT_REFRESH_CRON


def _when(cron: str) -> str:
    if cron == DEFAULT_REFRESH_CRON:
        return "hebdomadaire, le lundi à 6 h (heure de Paris)"
    return f"selon le cron `{cron}` (heure de Paris, variable {REFRESH_CRON_VAR})"


def refresh_schedule(cron: str) -> dg.ScheduleDefinition:
    """The schedule running ``refresh_all`` (every asset, the 14 reports included) at ``cron``."""

    @dg.schedule(
        name="weekly_refresh",
        job=refresh_all_job,
        cron_schedule=cron,
        execution_timezone=REFRESH_TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Rafraîchissement complet {_when(cron)}.",
    )
    def _refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        return dg.RunRequest(run_key=context.scheduled_execution_time.isoformat())

    return _refresh


weekly_refresh = refresh_schedule(refresh_cron())
