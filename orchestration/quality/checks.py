"""The suites as Dagster asset checks on the assets they guard.

One step per guarded asset runs all its suites (GX is imported once), and reports one check per
suite. A failed critical expectation fails its check with severity ERROR: blocking checks then
stop everything downstream, the reports included. Failed warnings give severity WARN, which
never blocks. Every result lands in the French quality report (``report_page.py``), linked
from the check's metadata.
"""

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.ingest.cases import case_table_names
from orchestration.ingest.codebooks import load_codebook
from orchestration.ingest.context import read_catalogue
from orchestration.ingest.deliveries import (
    CASE_DATABASE,
    CONTEXT_STATISTICS,
    SURVEY_KINDS,
    DeliveryKind,
    codebook_location,
)
from orchestration.links import file_entries, markdown_link
from orchestration.quality.batches import (
    CASE_SUITES,
    MART_SUITES,
    SMALL_AREA_SUITES,
    SURVEY_SUITES,
    SuiteRun,
    case_runs,
    mart_runs,
    small_area_runs,
    survey_runs,
)
from orchestration.quality.context_batches import CONTEXT_SUITES, context_runs
from orchestration.quality.report_page import current_refusals
from orchestration.quality.sampling import SAMPLE_ABOVE_ANSWERS, RespondentSample
from orchestration.quality.suites import suite
from orchestration.quality.validation import QualityStore, ValidationOutcome
from orchestration.resources import ProjectPathsResource
from orchestration.settings import ProjectPaths
from orchestration.transform.assets import impact_dbt_models
from orchestration.warehouse import WAREHOUSE_POOL, Warehouse

# Suites whose every expectation is a warning: their checks never block.
WARNING_ONLY = ("survey_item_nonresponse", "published_figures")
INDICATOR_MART = get_asset_key_for_model([impact_dbt_models], "fct_indicator_estimates")
SMALL_AREA_MART = get_asset_key_for_model([impact_dbt_models], "fct_small_area_estimates")


def quality_store(context: dg.AssetCheckExecutionContext, paths: ProjectPaths) -> QualityStore:
    """The GX project and quality report of this installation, results named after the run."""
    return QualityStore(
        paths.quality_store_dir, paths.data_docs_dir, f"dagster-{context.run.run_id[:8]}"
    )


def check_name(prefix: str, suite_name: str) -> str:
    """``survey_citoyens_weights`` for a study's suite, the suite's own name otherwise."""
    return f"{prefix}_{suite_name.removeprefix('survey_')}" if prefix else suite_name


def suite_specs(asset_key: dg.AssetKey, suites: tuple[str, ...], prefix: str = ""):
    """One check per suite, blocking unless the suite only holds warnings."""
    return [
        dg.AssetCheckSpec(
            check_name(prefix, name),
            asset=asset_key,
            blocking=name not in WARNING_ONLY,
            description=f"Suite Great Expectations `expectations/{name}.json` : "
            f"{suite(name).description}",
        )
        for name in suites
    ]


def run_suites(
    context: dg.AssetCheckExecutionContext,
    paths: ProjectPaths,
    runs: Iterable[SuiteRun],
    suites: tuple[str, ...],
    prefix: str = "",
) -> Iterator[dg.AssetCheckResult]:
    """Validate every batch (``runs`` may build them as it goes) and report one result per
    suite, then rewrite the quality report (every suite's latest result, and the deliveries
    refused at the door)."""
    store = quality_store(context, paths)
    started = time.perf_counter()
    outcomes = {name: [] for name in suites}
    for run in runs:
        outcomes[run.suite].append(store.validate(suite(run.suite), run.batch))
    site = store.build_site(current_refusals(paths.quarantine_dir, paths.raw_dir))
    seconds = round(time.perf_counter() - started, 2)
    for name in suites:
        yield check_result(check_name(prefix, name), outcomes[name], paths, site, seconds)


def check_result(
    name: str,
    outcomes: list[ValidationOutcome],
    paths: ProjectPaths,
    site: Path,
    gx_seconds: float,
) -> dg.AssetCheckResult:
    """A check's result over a suite's batches: ERROR if a critical expectation failed, WARN
    if only warnings did; the description names what failed, the metadata links the quality
    report and each batch's section of it."""
    errors = any(outcome.errors for outcome in outcomes)
    failed = errors or any(outcome.warnings for outcome in outcomes)
    return dg.AssetCheckResult(
        check_name=name,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
        description=_description(outcomes),
        metadata={
            "batches": len(outcomes),
            "expectations_evaluated": sum(outcome.evaluated for outcome in outcomes),
            "blocking_failures": sum(len(outcome.errors) for outcome in outcomes),
            "warnings": sum(len(outcome.warnings) for outcome in outcomes),
            # The GX time of the whole step (import included): what quality costs per run.
            "gx_seconds_for_step": gx_seconds,
            **file_entries(paths, "data_docs", site),
            "data_docs_pages": dg.MetadataValue.md(
                "\n".join(
                    f"- {markdown_link(paths, outcome.batch, site, outcome.anchor)}"
                    for outcome in outcomes
                )
                or "aucune"
            ),
        },
    )


def _description(outcomes: list[ValidationOutcome]) -> str:
    if not outcomes:
        return "Sans objet : aucune livraison de ce type dans cette étude."
    return "\n".join(outcome.summary() for outcome in outcomes)


def survey_check(kind: DeliveryKind) -> dg.AssetChecksDefinition:
    """The survey suites on every delivery (wave) of one study."""
    prefix = kind.name

    @dg.multi_asset_check(
        specs=suite_specs(kind.asset_key, SURVEY_SUITES, prefix),
        name=f"{kind.name}_quality",
        pool=WAREHOUSE_POOL,
    )
    def _check(
        context: dg.AssetCheckExecutionContext,
        warehouse: Warehouse,
        project_paths: ProjectPathsResource,
    ) -> Iterator[dg.AssetCheckResult]:
        yield from run_suites(
            context,
            project_paths.paths(),
            survey_runs_by_wave(kind, warehouse, project_paths.paths().raw_dir),
            SURVEY_SUITES,
            prefix,
        )

    return _check


def survey_runs_by_wave(
    kind: DeliveryKind,
    warehouse: Warehouse,
    raw_dir: Path,
    sample_above: int = SAMPLE_ABOVE_ANSWERS,
) -> Iterator[SuiteRun]:
    """The study's runs, read and built one delivery (wave) at a time: memory holds one
    wave's answers, not the study's whole history; one with more than ``sample_above`` answer
    rows is validated on a sample of its respondents (``sampling.py``)."""
    respondents, answers = f"raw.{kind.name}_respondents", f"raw.{kind.name}_answers"
    counts = warehouse.query(f"SELECT wave, count(*) AS n FROM {answers} GROUP BY wave")
    answer_rows = dict(zip(counts["wave"], counts["n"], strict=True))
    for wave in sorted(warehouse.query(f"SELECT DISTINCT wave FROM {respondents}")["wave"]):
        sample = RespondentSample.for_rows(answer_rows.get(wave, 0), sample_above)
        wave_answers = warehouse.query(
            f"FROM {answers} WHERE wave = ? AND {sample.condition()}", [wave]
        )
        yield from survey_runs(
            kind.study,
            warehouse.query(f"FROM {respondents} WHERE wave = ?", [wave]),
            wave_answers,
            # Without the optional questions the delivery left out (nothing to hold to them).
            {
                int(wave): load_codebook(
                    codebook_location(raw_dir, kind.study, int(wave))
                ).answering(wave_answers["question"].unique())
            },
            sample.note(len(wave_answers)),
        )


@dg.multi_asset_check(
    specs=suite_specs(CASE_DATABASE.asset_key, CASE_SUITES),
    name="case_database_quality",
    pool=WAREHOUSE_POOL,
)
def case_database_check(
    context: dg.AssetCheckExecutionContext,
    warehouse: Warehouse,
    project_paths: ProjectPathsResource,
) -> Iterator[dg.AssetCheckResult]:
    """The case database suites: cases, their profiles and modes, the catalysts."""
    tables = dict(zip(CASE_SUITES, case_table_names(CASE_DATABASE.name), strict=True))
    runs = case_runs(
        {suite_name: warehouse.read_table(f"raw.{table}") for suite_name, table in tables.items()}
    )
    yield from run_suites(context, project_paths.paths(), runs, CASE_SUITES)


@dg.multi_asset_check(
    specs=suite_specs(CONTEXT_STATISTICS.asset_key, CONTEXT_SUITES),
    name="context_statistics_quality",
    pool=WAREHOUSE_POOL,
)
def context_statistics_check(
    context: dg.AssetCheckExecutionContext,
    warehouse: Warehouse,
    project_paths: ProjectPathsResource,
) -> Iterator[dg.AssetCheckResult]:
    """The context statistics' suites: rows, units, plausible ranges, every region present."""
    runs = context_runs(
        warehouse.read_table(f"raw.{CONTEXT_STATISTICS.name}"),
        read_catalogue().reset_index(),
    )
    yield from run_suites(context, project_paths.paths(), runs, CONTEXT_SUITES)


@dg.multi_asset_check(
    specs=suite_specs(INDICATOR_MART, MART_SUITES),
    name="indicator_mart_quality",
    pool=WAREHOUSE_POOL,
)
def indicator_mart_check(
    context: dg.AssetCheckExecutionContext,
    warehouse: Warehouse,
    project_paths: ProjectPathsResource,
) -> Iterator[dg.AssetCheckResult]:
    """The indicator mart's suites: values, completeness, agreement with published figures."""
    files = warehouse.read_table("staging.stg_survey_files")
    asked = warehouse.query(
        "SELECT DISTINCT study, wave, question FROM staging.stg_survey_answers"
        " WHERE role = 'question'"
    )
    questions = asked.groupby(["study", "wave"])["question"].agg(set).to_dict()
    # An optional question a delivery left out expects no estimate.
    raw_dir = project_paths.paths().raw_dir
    codebooks = [
        load_codebook(codebook_location(raw_dir, row.study, int(row.wave))).answering(
            questions.get((row.study, row.wave), set())
        )
        for row in files.itertuples()
    ]
    runs = mart_runs(
        warehouse.read_table("marts.fct_indicator_estimates"),
        warehouse.read_table("reference.indicator_catalogue"),
        warehouse.read_table("reference.published_figures"),
        codebooks,
    )
    yield from run_suites(context, project_paths.paths(), runs, MART_SUITES)


@dg.multi_asset_check(
    specs=suite_specs(SMALL_AREA_MART, SMALL_AREA_SUITES),
    name="small_area_mart_quality",
    pool=WAREHOUSE_POOL,
)
def small_area_mart_check(
    context: dg.AssetCheckExecutionContext,
    warehouse: Warehouse,
    project_paths: ProjectPathsResource,
) -> Iterator[dg.AssetCheckResult]:
    """The small-area mart's suite: every modelled row flagged and diagnosed, MSE >= 0, the
    EBLUP between the direct and synthetic estimates (read in its fits table)."""
    runs = small_area_runs(
        warehouse.read_table("marts.fct_small_area_estimates"),
        warehouse.read_table("intermediate.int_small_area_fits"),
    )
    yield from run_suites(context, project_paths.paths(), runs, SMALL_AREA_SUITES)


quality_checks = [
    *(survey_check(kind) for kind in SURVEY_KINDS.values()),
    case_database_check,
    context_statistics_check,
    indicator_mart_check,
    small_area_mart_check,
]
