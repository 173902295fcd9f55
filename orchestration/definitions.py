"""The code location: what ``make run``, ``make ui`` and the tests load.

Loading it reads the dbt manifest (``make manifest``) but never opens the warehouse; it needs the
path variables (``IMPACT_RAW_DIR``, ``IMPACT_WAREHOUSE``, ``IMPACT_REPORTS_DIR``), which the
Makefile exports, and says so in French without them.
"""

import dagster as dg

from orchestration.automation import update_downstream_sensor
from orchestration.executor import run_executor
from orchestration.ingest.assets import case_database, context_statistics, survey_assets
from orchestration.ingest.jobs import delivery_jobs
from orchestration.ingest.observations import delivery_sources
from orchestration.ingest.sensors import raw_delivery_sensor
from orchestration.next_steps import what_to_do_next
from orchestration.publication.assets import national_report, regional_report, reports_index
from orchestration.publication.export_asset import report_data
from orchestration.publication.jobs import render_reports_job
from orchestration.quality.checks import quality_checks
from orchestration.recovery import dead_run_sweep
from orchestration.resources import project_resources
from orchestration.schedules import refresh_all_job, weekly_refresh
from orchestration.transform.assets import impact_dbt_models
from orchestration.transform.dbt_cli import dbt_cli

# On every step, whatever launched the run (a job, a schedule, the automation sensor): a failed
# step says what to do next.
assets = [
    *delivery_sources,
    *survey_assets,
    case_database,
    context_statistics,
    impact_dbt_models,
    report_data,
    regional_report,
    national_report,
    reports_index,
]
defs = dg.Definitions(
    assets=[asset.with_hooks({what_to_do_next}) for asset in assets],
    asset_checks=[checks.with_hooks({what_to_do_next}) for checks in quality_checks],
    jobs=[refresh_all_job, render_reports_job, *delivery_jobs],
    schedules=[weekly_refresh],
    sensors=[raw_delivery_sensor, update_downstream_sensor, dead_run_sweep],
    executor=run_executor,
    resources={
        **project_resources(),
        "dbt": dbt_cli(),
    },
)
