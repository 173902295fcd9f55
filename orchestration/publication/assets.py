"""Publication assets: the report data export, the 13 regional reports, the national synthesis
and the index that links them."""

import contextlib
import datetime as dt
import json
import os
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import dagster as dg
from pydantic import Field
from pypdf import PdfReader

from orchestration.automation import after_its_inputs
from orchestration.geography import region_by_code, regions
from orchestration.links import file_entries, markdown_link
from orchestration.publication.comparison_charts import draw_comparison_charts
from orchestration.publication.exposures import report_inputs
from orchestration.publication.fragility_charts import draw_fragility_charts
from orchestration.publication.index_page import ReportStatus, write_index
from orchestration.publication.outcomes import (
    RenderOutcome,
    RenderState,
    failure_reason,
    summary_lines,
)
from orchestration.publication.partitions import region_partitions, regions_label
from orchestration.publication.publishing import recover_publications
from orchestration.publication.rendering import (
    QuartoNotFoundError,
    QuartoRenderError,
    engine_name,
    render_and_publish,
)
from orchestration.publication.report_charts import draw_report_charts
from orchestration.publication.report_data import (
    Provenance,
    code_version,
    read_report_data,
    write_json,
)
from orchestration.publication.report_jobs import (
    ReportJob,
    all_report_jobs,
    national_job,
    regional_job,
)
from orchestration.publication.scratch import remove_leftovers
from orchestration.resources import ProjectPathsResource
from orchestration.settings import REPORT_OWNERS, ProjectPaths
from orchestration.warehouse import WAREHOUSE_POOL, Warehouse

# The whole export, for analysts and tests; each report reads its own slice of it.
WHOLE_EXPORT_FILE = "report-data.json"
# The engine of a step whose QUARTO_PATH names no program (see ``current_engine``).
QUARTO_MISSING_ENGINE = "Quarto (introuvable ou inutilisable)"
# Parallel renders of the regional reports: one per core.
RENDER_WORKERS = os.cpu_count() or 2
# The render steps' metadata entry listing every report's outcome as data (``make run`` reads it).
REPORTS_METADATA = "reports"
INDEX_KEY = dg.AssetKey("reports_index")


class RenderConfig(dg.Config):
    """Launchpad option of the report assets."""

    # E.g. after editing a template outside git, which the code version does not see.
    force: bool = Field(
        default=False,
        description="Rendre aussi les rapports dont les données et le modèle n'ont pas changé "
        "depuis leur dernier rendu.",
    )


@dg.asset(
    group_name="reports",
    automation_condition=after_its_inputs(),
    owners=REPORT_OWNERS,
    kinds={"duckdb", "json"},
    pool=WAREHOUSE_POOL,
    # What the reports read, as their dbt exposures declare it (exposures.py).
    deps=report_inputs(),
    description="Chiffres publiés, exportés des marts pour les rapports (dernière vague).",
)
def report_data(
    context: dg.AssetExecutionContext, warehouse: Warehouse, project_paths: ProjectPathsResource
) -> dg.MaterializeResult:
    """Export the figures the reports print, so renders never hold the warehouse."""
    provenance = Provenance(
        run_id=context.run.run_id,
        code_version=code_version(),
        exported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    with warehouse.connect(read_only=True) as connection:
        data = read_report_data(connection, provenance)
    paths = project_paths.paths()
    folder = paths.exports_dir / "charts"
    charts = (
        draw_report_charts(data, folder)
        | draw_fragility_charts(data, folder)
        | draw_comparison_charts(data, folder)
    )
    data = replace(data, charts=charts)
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
    context: dg.AssetExecutionContext, config: RenderConfig, project_paths: ProjectPathsResource
) -> dg.MaterializeResult:
    """Render the reports of the run's regions (one, or all 13 in a single run) whose inputs
    changed since their last render. Every region is attempted: one region's failure neither
    stops nor hides the others, and fails the step once all were attempted."""
    paths = project_paths.paths()
    _prepare_render_step(context, paths)
    jobs = [regional_job(region_by_code(code), paths) for code in context.partition_keys]
    # Renders wait on subprocesses (kernel, pandoc, Typst): threads keep every core busy, and
    # each render works in its own folder. _attempt never raises, so every region is tried.
    with ThreadPoolExecutor(max_workers=RENDER_WORKERS) as pool:
        outcomes = list(pool.map(lambda job: _attempt(job, context.run.run_id, config), jobs))
    return _finish(context, paths, outcomes)


@dg.asset(
    group_name="reports",
    automation_condition=after_its_inputs(),
    owners=REPORT_OWNERS,
    kinds={"quarto", "html", "pdf"},
    deps=[report_data],
    description="Synthèse nationale (HTML et PDF) : France métropolitaine et les 13 régions.",
)
def national_report(
    context: dg.AssetExecutionContext, config: RenderConfig, project_paths: ProjectPathsResource
) -> dg.MaterializeResult:
    """Render the national synthesis if its inputs changed since its last render."""
    paths = project_paths.paths()
    _prepare_render_step(context, paths)
    outcome = _attempt(national_job(paths), context.run.run_id, config)
    return _finish(context, paths, [outcome])


@dg.asset(
    group_name="reports",
    automation_condition=after_its_inputs(),
    owners=REPORT_OWNERS,
    kinds={"html"},
    deps=[regional_report, national_report],
    description="Page `index.html` : chaque rapport, son état et les contrôles de qualité.",
)
def reports_index(project_paths: ProjectPathsResource) -> dg.MaterializeResult:
    """Write the index of published reports, each with its status."""
    return dg.MaterializeResult(metadata=write_reports_index(project_paths.paths()))


def write_reports_index(paths: ProjectPaths) -> dict[str, dg.MetadataValue]:
    """Write ``index.html`` from what is published now (a publication a killed run committed is
    finished first); return the metadata of the ``reports_index`` asset."""
    recover_publications(paths.reports_dir)
    engine = current_engine()
    jobs = all_report_jobs(paths, regions())
    statuses = [ReportStatus.of(job, engine) for job in jobs]
    data_docs = paths.data_docs_dir / "index.html"
    index = write_index(paths.reports_dir / "index.html", statuses, _export(jobs[0]), data_docs)
    return {
        **file_entries(paths, "index", index),
        "reports_published": dg.MetadataValue.int(
            sum(s.html.exists() and s.pdf.exists() for s in statuses)
        ),
        "reports_current": dg.MetadataValue.int(sum(s.current for s in statuses)),
        "reports_failed": dg.MetadataValue.int(
            sum(s.failure is not None and not s.current for s in statuses)
        ),
        **file_entries(paths, "data_docs", data_docs),
    }


def _export(job: ReportJob) -> dict | None:
    """The synthesis's export (every region's figures, and whether they are illustrative), or
    ``None`` when it cannot be read: the index then lists the reports without figures."""
    try:
        return json.loads(job.data_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def page_count(pdf: Path) -> int:
    """The number of pages of a published PDF."""
    return len(PdfReader(pdf).pages)


def current_engine() -> str:
    """The engine a render uses now; with a ``QUARTO_PATH`` naming no program (or a Quarto
    whose ``--version`` fails), a label no record holds, so that every report is attempted and
    fails saying why (``render_report`` raises again) instead of the step stopping before any
    report."""
    try:
        return engine_name()
    except (QuartoNotFoundError, QuartoRenderError):
        return QUARTO_MISSING_ENGINE


def _prepare_render_step(context: dg.AssetExecutionContext, paths: ProjectPaths) -> None:
    """Clean up after killed runs: finish the publications they committed, remove their
    scratch folders."""
    for stem in recover_publications(paths.reports_dir):
        context.log.warning(f"{stem} : publication interrompue par un arrêt, terminée.")
    for folder in remove_leftovers(paths.scratch_dir):
        context.log.info(f"Dossier temporaire d'un rendu interrompu supprimé : {folder}")


def _attempt(job: ReportJob, run_id: str, config: RenderConfig) -> RenderOutcome:
    """Render and publish ``job`` if needed; a failure is an outcome, not an exception, so
    that the other reports of the step are still attempted."""
    engine = current_engine()
    try:
        key = job.key(engine)
        if not config.force and job.rendered_from(key):
            return RenderOutcome(job, RenderState.UNCHANGED, engine)
        report = render_and_publish(job, key, run_id)
        return RenderOutcome(job, RenderState.RENDERED, report.engine)
    except Exception as error:  # any failure of one report: recorded, the others go on
        reason = failure_reason(error)
        trace = "".join(traceback.format_exception(error))
        _record_failure(job, engine, run_id, reason)
        return RenderOutcome(job, RenderState.FAILED, engine, reason=reason, trace=trace)


def _record_failure(job: ReportJob, engine: str, run_id: str, reason: str) -> None:
    """Record the failure for the index; never raise (the step reports it anyway)."""
    try:
        key = job.key(engine)
    except Exception:  # an unreadable export or image: its key cannot be computed
        key = ""
    with contextlib.suppress(OSError):
        job.write_failure(key, run_id, reason)


def _finish(
    context: dg.AssetExecutionContext, paths: ProjectPaths, outcomes: list[RenderOutcome]
) -> dg.MaterializeResult:
    """Log each outcome, and rewrite the index if what is published changed or a render failed.
    Succeed when no report failed; otherwise record the index and the regions that succeeded
    (Dagster skips the ``reports_index`` step after a failed input), then fail the step."""
    for outcome in outcomes:
        if outcome.failed:
            context.log.error(f"{outcome.job.title} : {outcome.summary()}\n{outcome.trace}")
        else:
            context.log.info(f"{outcome.job.title} : {outcome.summary()}")
    metadata = _outcomes_metadata(paths, outcomes)
    failed = [o for o in outcomes if o.failed]
    if any(o.rendered for o in outcomes) or failed:
        # What is published changed, or a failure must show: the index says so now, whether or
        # not the reports_index step runs after this one.
        index = write_reports_index(paths)
        if failed or _an_earlier_step_failed(context):
            context.log_event(
                dg.AssetMaterialization(
                    INDEX_KEY,
                    description="Réécrit par l'étape de rendu : l'étape reports_index ne "
                    "s'exécute pas après un rendu en échec.",
                    metadata=index,
                )
            )
    if not failed:
        return dg.MaterializeResult(metadata=metadata)
    if context.has_partition_key_range:
        _record_partitions_that_succeeded(context, paths, outcomes)
    raise dg.Failure(
        description=_failure_description(outcomes), metadata=metadata, allow_retries=False
    )


def _an_earlier_step_failed(context: dg.AssetExecutionContext) -> bool:
    failures = context.instance.all_logs(
        context.run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE
    )
    return bool(failures)


def _record_partitions_that_succeeded(
    context: dg.AssetExecutionContext, paths: ProjectPaths, outcomes: list[RenderOutcome]
) -> None:
    """A materialization for each region rendered or unchanged: Dagster then shows those
    partitions materialized and only the failed ones failed."""
    for outcome in outcomes:
        if not outcome.failed:
            context.log_event(
                dg.AssetMaterialization(
                    context.asset_key,
                    partition=outcome.job.params["region"],
                    description=outcome.summary(),
                    metadata=_outcomes_metadata(paths, [outcome]),
                )
            )


def _failure_description(outcomes: list[RenderOutcome]) -> str:
    failed = [o for o in outcomes if o.failed]
    if len(failed) == 1:
        head = f"1 rapport sur {len(outcomes)} n'a pas pu être rendu :"
    else:
        head = f"{len(failed)} rapports sur {len(outcomes)} n'ont pas pu être rendus :"
    lines = [head]
    lines += [f"- {o.job.title} : {o.reason}" for o in failed]
    lines += summary_lines(o.as_record() for o in outcomes if not o.failed)
    return "\n".join(lines)


def _outcomes_metadata(
    paths: ProjectPaths, outcomes: list[RenderOutcome]
) -> dict[str, dg.MetadataValue]:
    def listing(state: RenderState) -> dg.MetadataValue:
        lines = [_listed(paths, o) for o in outcomes if o.state is state]
        return dg.MetadataValue.md("\n".join(lines) or "aucun")

    return {
        "rendered": dg.MetadataValue.int(sum(o.rendered for o in outcomes)),
        "unchanged": dg.MetadataValue.int(sum(o.state is RenderState.UNCHANGED for o in outcomes)),
        "failed": dg.MetadataValue.int(sum(o.failed for o in outcomes)),
        "rendered_reports": listing(RenderState.RENDERED),
        "unchanged_reports": listing(RenderState.UNCHANGED),
        "failed_reports": listing(RenderState.FAILED),
        # The same, as data: make run's summary reads it.
        REPORTS_METADATA: dg.MetadataValue.json([o.as_record() for o in outcomes]),
        "engine": dg.MetadataValue.text(outcomes[0].engine),
    }


def _listed(paths: ProjectPaths, outcome: RenderOutcome) -> str:
    job = outcome.job
    if outcome.failed:
        return f"- {job.title} : {outcome.reason}"
    html = markdown_link(paths, "HTML", job.html)
    pdf = markdown_link(paths, "PDF", job.pdf)
    return f"- {job.title} : {html}, {pdf}, {page_count(job.pdf)} pages"
