"""Publication assets: the 13 regional reports, the national synthesis and the index that
links them. The export they read is in ``export_asset.py``.

A report is rendered when it is asked for: by a user materializing it, by the weekly refresh,
or by declarative automation when its export slice's data version or its sources changed
(``automation.after_its_data_changed``). Dagster's data versions decide what is stale; nothing
here skips a report it was asked to render.
"""

import contextlib
import json
import os
import tempfile
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
from pypdf import PdfReader

from orchestration.automation import after_its_data_changed, after_its_inputs
from orchestration.geography import Region, regions
from orchestration.links import file_entries, markdown_link
from orchestration.publication.index_page import ReportStatus, write_index
from orchestration.publication.outcomes import (
    RenderOutcome,
    RenderState,
    failure_reason,
    summary_lines,
)
from orchestration.publication.publishing import recover_publications
from orchestration.publication.rendering import (
    QuartoNotFoundError,
    QuartoRenderError,
    engine_name,
    render_and_publish,
)
from orchestration.publication.report_jobs import (
    ReportJob,
    all_report_jobs,
    national_job,
    sources_version,
)
from orchestration.publication.report_keys import (
    NATIONAL_NAME,
    NATIONAL_REPORT_KEY,
    export_key,
    job_of,
    regional_report_key,
    report_key,
)
from orchestration.publication.scratch import KERNEL_PREFIX, remove_leftovers
from orchestration.resources import ProjectPathsResource
from orchestration.settings import REPORT_OWNERS, ProjectPaths

# The engine of a step whose QUARTO_PATH names no program (see ``current_engine``).
QUARTO_MISSING_ENGINE = "Quarto (introuvable ou inutilisable)"
# Parallel renders of the regional reports: one per core.
RENDER_WORKERS = os.cpu_count() or 2
# The render steps' metadata entry listing their reports' outcomes as data (``make run`` reads it).
REPORTS_METADATA = "reports"
INDEX_KEY = dg.AssetKey("reports_index")
# What the reports' code version is: their sources (a template edit makes them stale).
REPORT_SOURCES_VERSION = sources_version()


def _regional_spec(region: Region) -> dg.AssetSpec:
    return dg.AssetSpec(
        regional_report_key(region),
        deps=[export_key(region.slug)],
        group_name="reports",
        owners=REPORT_OWNERS,
        kinds={"quarto", "html", "pdf"},
        code_version=REPORT_SOURCES_VERSION,
        automation_condition=after_its_data_changed(),
        # A region whose render failed records nothing; the others are recorded.
        skippable=True,
        description=f"Rapport régional IMPACT-{region.name} (HTML et PDF), rendu à partir de "
        f"son extrait de l'export ({export_key(region.slug).to_user_string()}).",
    )


@dg.multi_asset(
    name="regional_report",
    specs=[_regional_spec(region) for region in regions()],
    can_subset=True,
)
def regional_report(
    context: dg.AssetExecutionContext, project_paths: ProjectPathsResource
) -> Iterator[dg.MaterializeResult]:
    """Render the regional reports asked for (one, several or all 13), in parallel. Every
    region is attempted: one region's failure neither stops nor hides the others, and fails
    the step once all were attempted."""
    paths = project_paths.paths()
    _prepare_render_step(context, paths)
    jobs = [job_of(key, paths) for key in sorted(context.selected_asset_keys)]
    # Renders wait on subprocesses (kernel, pandoc, Typst): threads keep every core busy, and
    # each render works in its own folder. _attempt never raises, so every region is tried.
    with ThreadPoolExecutor(max_workers=RENDER_WORKERS) as pool:
        outcomes = list(pool.map(lambda job: _attempt(job, context.run.run_id), jobs))
    yield from _finish(context, paths, outcomes)


@dg.asset(
    key=NATIONAL_REPORT_KEY,
    group_name="reports",
    owners=REPORT_OWNERS,
    kinds={"quarto", "html", "pdf"},
    deps=[export_key(NATIONAL_NAME)],
    code_version=REPORT_SOURCES_VERSION,
    automation_condition=after_its_data_changed(),
    description="Synthèse nationale (HTML et PDF) : France métropolitaine et les 13 régions.",
)
def national_report(
    context: dg.AssetExecutionContext, project_paths: ProjectPathsResource
) -> Iterator[dg.MaterializeResult]:
    """Render the national synthesis."""
    paths = project_paths.paths()
    _prepare_render_step(context, paths)
    outcome = _attempt(national_job(paths), context.run.run_id)
    yield from _finish(context, paths, [outcome])


@dg.asset(
    key=INDEX_KEY,
    group_name="reports",
    automation_condition=after_its_inputs(),
    owners=REPORT_OWNERS,
    kinds={"html"},
    deps=[*regional_report.keys, national_report],
    description="Page `index.html` : chaque rapport, son état et les contrôles de qualité.",
)
def reports_index(project_paths: ProjectPathsResource) -> dg.MaterializeResult:
    """Write the index of published reports, each with its status."""
    return dg.MaterializeResult(metadata=write_reports_index(project_paths.paths()))


def write_reports_index(paths: ProjectPaths) -> dict[str, dg.MetadataValue]:
    """Write ``index.html`` from what is published now (a publication a killed run committed is
    finished first); return the metadata of the ``reports_index`` asset."""
    recover_publications(paths.reports_dir)
    jobs = all_report_jobs(paths, regions())
    statuses = [ReportStatus.of(job) for job in jobs]
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
    kernels = remove_leftovers(Path(tempfile.gettempdir()), prefix=KERNEL_PREFIX)
    for folder in [*remove_leftovers(paths.scratch_dir), *kernels]:
        context.log.info(f"Dossier temporaire d'un rendu interrompu supprimé : {folder}")


def _attempt(job: ReportJob, run_id: str) -> RenderOutcome:
    """Render and publish ``job``; a failure is an outcome, not an exception, so that the
    other reports of the step are still attempted."""
    engine = current_engine()
    try:
        report = render_and_publish(job, job.key(), run_id)
        return RenderOutcome(job, RenderState.RENDERED, report.engine)
    except Exception as error:  # any failure of one report: recorded, the others go on
        reason = failure_reason(error)
        trace = "".join(traceback.format_exception(error))
        _record_failure(job, run_id, reason)
        return RenderOutcome(job, RenderState.FAILED, engine, reason=reason, trace=trace)


def _record_failure(job: ReportJob, run_id: str, reason: str) -> None:
    """Record the failure for the index; never raise (the step reports it anyway)."""
    try:
        key = job.key()
    except Exception:  # an unreadable export or image: its key cannot be computed
        key = ""
    with contextlib.suppress(OSError):
        job.write_failure(key, run_id, reason)


def _finish(
    context: dg.AssetExecutionContext, paths: ProjectPaths, outcomes: list[RenderOutcome]
) -> Iterator[dg.MaterializeResult]:
    """Log each outcome, rewrite the index and yield a materialization per report rendered;
    then, if one failed, fail the step saying which and why (the reports rendered stay
    recorded as such, only the failed ones fail)."""
    for outcome in outcomes:
        if outcome.failed:
            context.log.error(f"{outcome.job.title} : {outcome.summary()}\n{outcome.trace}")
        else:
            context.log.info(f"{outcome.job.title} : {outcome.summary()}")
    # What is published changed, or a failure must show: the index says so now, whether or
    # not the reports_index step runs after this one (Dagster skips it after a failed input).
    index = write_reports_index(paths)
    for outcome in outcomes:
        if not outcome.failed:
            yield dg.MaterializeResult(
                asset_key=report_key(outcome.job), metadata=_report_metadata(paths, outcome)
            )
    if any(o.failed for o in outcomes):
        context.log_event(
            dg.AssetMaterialization(
                INDEX_KEY,
                description="Réécrit par l'étape de rendu : l'étape reports_index ne "
                "s'exécute pas après un rendu en échec.",
                metadata=index,
            )
        )
        raise dg.Failure(
            description=_failure_description(outcomes),
            metadata=_failure_metadata(paths, outcomes),
            allow_retries=False,
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


def _report_metadata(paths: ProjectPaths, outcome: RenderOutcome) -> dict[str, dg.MetadataValue]:
    """A rendered report's materialization: its files, pages and engine."""
    job = outcome.job
    return {
        **file_entries(paths, "html", job.html),
        **file_entries(paths, "pdf", job.pdf),
        "pages": dg.MetadataValue.int(page_count(job.pdf)),
        "engine": dg.MetadataValue.text(outcome.engine),
        # As data: make run's summary reads it.
        REPORTS_METADATA: dg.MetadataValue.json([outcome.as_record()]),
    }


def _failure_metadata(
    paths: ProjectPaths, outcomes: list[RenderOutcome]
) -> dict[str, dg.MetadataValue]:
    """A failed render step's metadata: every report it attempted, and how it went."""

    def listing(state: RenderState) -> dg.MetadataValue:
        lines = [_listed(paths, o) for o in outcomes if o.state is state]
        return dg.MetadataValue.md("\n".join(lines) or "aucun")

    return {
        "rendered": dg.MetadataValue.int(sum(o.rendered for o in outcomes)),
        "failed": dg.MetadataValue.int(sum(o.failed for o in outcomes)),
        "rendered_reports": listing(RenderState.RENDERED),
        "failed_reports": listing(RenderState.FAILED),
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
