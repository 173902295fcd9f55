"""Publication assets: the report data export, the 13 regional reports, the national synthesis
and the index that links them."""

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import dagster as dg
from dagster_dbt import get_asset_key_for_model
from pypdf import PdfReader

from orchestration.automation import after_its_inputs
from orchestration.geography import region_by_code, regions
from orchestration.publication.charts import draw_report_charts
from orchestration.publication.index_page import ReportStatus, write_index
from orchestration.publication.partitions import region_partitions, regions_label
from orchestration.publication.rendering import engine_name, render_report
from orchestration.publication.report_data import (
    Provenance,
    code_version,
    read_report_data,
    write_json,
)
from orchestration.publication.report_jobs import (
    REPORT_DATA_FILE,
    ReportJob,
    all_report_jobs,
    national_job,
    regional_job,
)
from orchestration.settings import REPORT_OWNERS, ProjectPaths
from orchestration.transform.assets import impact_dbt_models
from orchestration.warehouse import WAREHOUSE_POOL, Warehouse

# The whole export, for analysts and tests; each report reads its own slice of it.
WHOLE_EXPORT_FILE = "report-data.json"
# Parallel renders of the regional reports: one per core.
RENDER_WORKERS = os.cpu_count() or 2


class RenderConfig(dg.Config):
    """Launchpad option of the report assets."""

    # Render even the reports whose inputs have not changed (e.g. after editing a template
    # outside git).
    force: bool = False


@dg.asset(
    group_name="reports",
    automation_condition=after_its_inputs(),
    owners=REPORT_OWNERS,
    kinds={"duckdb", "json"},
    pool=WAREHOUSE_POOL,
    deps=[
        get_asset_key_for_model([impact_dbt_models], "fct_indicator_estimates"),
        get_asset_key_for_model([impact_dbt_models], "fct_case_database_indicators"),
        get_asset_key_for_model([impact_dbt_models], "stg_survey_files"),
        *(
            get_asset_key_for_model([impact_dbt_models], name)
            for name in (
                "weighting_diagnostics",
                "stg_survey_respondents",
                "stg_cases",
                "stg_case_profiles",
                "indicator_catalogue",
                "published_figures",
                "departements",
            )
        ),
    ],
    description="Chiffres publiés, exportés des marts pour les rapports (dernière vague).",
)
def report_data(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Export the figures the reports print, so renders never hold the warehouse."""
    provenance = Provenance(
        run_id=context.run.run_id,
        code_version=code_version(),
        exported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    with warehouse.connect(read_only=True) as connection:
        data = read_report_data(connection, provenance)
    paths = ProjectPaths.from_env()
    data = replace(data, charts=draw_report_charts(data, paths.exports_dir / "charts"))
    path = paths.exports_dir / WHOLE_EXPORT_FILE
    data.write(path)
    # Each report reads its own slice, so a change elsewhere does not make it stale.
    write_json(data.for_nation(), national_job(paths).data_file)
    for region in regions():
        write_json(data.for_region(region.code), regional_job(region, paths).data_file)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "wave": data.wave,
            "national_share": round(data.national.share or 0.0, 4),
            "national_base_n": data.national.base_n,
            "illustrative_data": data.synthetic,
            "charts": len(data.charts),
        }
    )


@dg.asset(
    group_name="reports",
    automation_condition=after_its_inputs(),
    owners=REPORT_OWNERS,
    kinds={"quarto", "html", "pdf"},
    deps=[report_data],
    partitions_def=region_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=f"Rapport régional (HTML et PDF), une partition par région : {regions_label()}.",
)
def regional_report(
    context: dg.AssetExecutionContext, config: RenderConfig
) -> dg.MaterializeResult:
    """Render the reports of the run's regions (one, or all 13 in a single run) whose inputs
    changed since their last render."""
    paths = ProjectPaths.from_env()
    jobs = [regional_job(region_by_code(code), paths) for code in context.partition_keys]
    # Renders wait on subprocesses (kernel, pandoc, Typst): threads keep every core busy, and
    # each render works in its own folder.
    with ThreadPoolExecutor(max_workers=RENDER_WORKERS) as pool:
        outcomes = list(pool.map(lambda job: _render(job, context.run.run_id, config.force), jobs))
    for outcome in outcomes:
        context.log.info("%s: %s", outcome.job.title, outcome.summary())
    return dg.MaterializeResult(metadata=_outcomes_metadata(outcomes))


@dg.asset(
    group_name="reports",
    automation_condition=after_its_inputs(),
    owners=REPORT_OWNERS,
    kinds={"quarto", "html", "pdf"},
    deps=[report_data],
    description="Synthèse nationale (HTML et PDF) : France métropolitaine et les 13 régions.",
)
def national_report(
    context: dg.AssetExecutionContext, config: RenderConfig
) -> dg.MaterializeResult:
    """Render the national synthesis if its inputs changed since its last render."""
    outcome = _render(national_job(ProjectPaths.from_env()), context.run.run_id, config.force)
    context.log.info("%s: %s", outcome.job.title, outcome.summary())
    return dg.MaterializeResult(metadata=_outcomes_metadata([outcome]))


@dg.asset(
    group_name="reports",
    automation_condition=after_its_inputs(),
    owners=REPORT_OWNERS,
    kinds={"html"},
    deps=[regional_report, national_report],
    description="Page `index.html` : chaque rapport, son état et les contrôles de qualité.",
)
def reports_index() -> dg.MaterializeResult:
    """Write the index of published reports, each with its status."""
    paths = ProjectPaths.from_env()
    engine = engine_name()
    statuses = [ReportStatus.of(job, engine) for job in all_report_jobs(paths, regions())]
    data_docs = paths.data_docs_dir / "index.html"
    index = write_index(paths.reports_dir / "index.html", statuses, data_docs)
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(index)),
            "reports_published": sum(s.html.exists() and s.pdf.exists() for s in statuses),
            "reports_current": sum(s.current for s in statuses),
            "data_docs": dg.MetadataValue.path(str(data_docs)),
        }
    )


@dataclass(frozen=True)
class RenderOutcome:
    """What became of one report in a run: rendered (with its engine) or left as it was."""

    job: ReportJob
    rendered: bool
    engine: str

    def summary(self) -> str:
        """One line for the run's log."""
        if self.rendered:
            return f"rendered ({self.engine}): {self.job.html}, {self.job.pdf}"
        return f"unchanged since its last render: {self.job.html}"


def page_count(pdf: Path) -> int:
    """The number of pages of a published PDF."""
    return len(PdfReader(pdf).pages)


def _render(job: ReportJob, run_id: str, force: bool) -> RenderOutcome:
    engine = engine_name()
    key = job.key(engine)
    if not force and job.rendered_from(key):
        return RenderOutcome(job, rendered=False, engine=engine)
    report = render_report(
        job.source,
        {**job.params, "data": REPORT_DATA_FILE},
        inputs=job.inputs(),
        destination=job.paths.reports_dir / job.stem,
    )
    job.write_record(key, run_id, report.engine)
    return RenderOutcome(job, rendered=True, engine=report.engine)


def _outcomes_metadata(outcomes: list[RenderOutcome]) -> dict[str, dg.MetadataValue]:
    def listing(rendered: bool) -> dg.MetadataValue:
        lines = [
            f"- {o.job.title} : [HTML]({o.job.html.as_uri()}), [PDF]({o.job.pdf.as_uri()}), "
            f"{page_count(o.job.pdf)} pages"
            for o in outcomes
            if o.rendered == rendered
        ]
        return dg.MetadataValue.md("\n".join(lines) or "aucun")

    return {
        "rendered": dg.MetadataValue.int(sum(o.rendered for o in outcomes)),
        "unchanged": dg.MetadataValue.int(sum(not o.rendered for o in outcomes)),
        "rendered_reports": listing(True),
        "unchanged_reports": listing(False),
        "engine": dg.MetadataValue.text(outcomes[0].engine),
    }
