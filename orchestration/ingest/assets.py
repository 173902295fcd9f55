"""Ingest assets: one per delivery kind (each survey study, the case database); each replaces
its tables in the warehouse's ``raw`` schema in one transaction, or changes nothing. A survey
study's ingest also recreates the views over every study's tables that dbt reads
(``raw.survey_respondents``, ``_answers``, ``_files``), in the same transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from orchestration.automation import after_its_data_changed
from orchestration.ingest.cases import case_table_names, case_tables, read_case_export
from orchestration.ingest.conformance import REPORT_METADATA, DeliveryRejected
from orchestration.ingest.context import (
    CATALOGUE_SEED,
    context_table,
    read_context_statistics,
)
from orchestration.ingest.deliveries import (
    CASE_DATABASE,
    CONTEXT_STATISTICS,
    REFUSED,
    SURVEY_KINDS,
    DeliveryKind,
    codebook_location,
    study_and_wave,
)
from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.lineage import LOAD_KEY_COLUMN, Lineage, load_key
from orchestration.ingest.observations import FINGERPRINTS_METADATA
from orchestration.ingest.surveys import (
    accept_survey,
    one_file_per_wave,
    survey_table_names,
    survey_tables,
    survey_union_views,
)
from orchestration.resources import ProjectPathsResource
from orchestration.settings import DATA_OWNERS, ProjectPaths
from orchestration.warehouse import RAW_SCHEMA, WAREHOUSE_POOL, Warehouse

PREVIEW_ROWS, PREVIEW_COLUMNS = 5, 8
# A preview cell is cut there: a delivered text of 32 767 characters (or more, before the
# limits) must not make the run's event too large to record.
PREVIEW_CELL_CHARS = 60
# Materialization metadata: the load key, recorded by Dagster only once the step has succeeded.
LOAD_KEY_METADATA = "load_key"


@contextmanager
def refused_for_the_analyst() -> Iterator[None]:
    """A refused delivery fails the step with its French message first (a ``dg.Failure``
    whose description is the message), the original exception chained for the log; retrying
    would refuse the same files again."""
    try:
        yield
    except DeliveryRejected as error:
        metadata = {REPORT_METADATA: dg.MetadataValue.path(str(error.written_to))}
        raise dg.Failure(str(error), metadata, allow_retries=False) from error
    except DeliveryError as error:
        metadata = {"fichier": dg.MetadataValue.path(str(error.file)), "règle": error.rule}
        raise dg.Failure(str(error), metadata, allow_retries=False) from error


def survey_asset(kind: DeliveryKind) -> dg.AssetsDefinition:
    """The ingest asset of one survey study: all its waves, each held to its codebook."""

    @dg.asset(
        key=kind.asset_key,
        deps=[kind.source_key],
        automation_condition=after_its_data_changed(),
        group_name="ingest",
        owners=DATA_OWNERS,
        kinds={"duckdb"},
        pool=WAREHOUSE_POOL,
        tags={"study": kind.study},
        description=f"{kind.description} Tables `raw.{kind.name}` (telle que livrée), "
        f"`_respondents`, `_answers` (forme longue selon le codebook), `_labels`, `_files` ; "
        "ses lignes dans les vues `raw.survey_respondents`, `_answers`, `_files`, "
        "communes aux études, que lit dbt.",
    )
    def _ingest(
        context: dg.AssetExecutionContext,
        warehouse: Warehouse,
        project_paths: ProjectPathsResource,
    ) -> dg.MaterializeResult:
        with refused_for_the_analyst():
            return _load_survey(kind, context, warehouse, project_paths.paths())

    _ingest.__name__ = kind.name
    return _ingest


def _load_survey(
    kind: DeliveryKind,
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    paths: ProjectPaths,
) -> dg.MaterializeResult:
    # Hashed before reading: a file replaced meanwhile differs from the record.
    fingerprints = kind.fingerprints(paths.raw_dir)
    reject_refused_entries(kind, paths.raw_dir, fingerprints)
    codebooks = _codebooks_of(paths.raw_dir, fingerprints)
    key = load_key(fingerprints, codebooks)
    if _already_loaded(context, warehouse, kind, survey_table_names(kind.name), key):
        # The union views follow the seed: a study added or removed there since they were
        # made is added or removed now, whichever study's ingest runs first.
        warehouse.replace_views(RAW_SCHEMA, survey_union_views)
        return _result(kind, fingerprints, key, None)
    files = one_file_per_wave(_delivered_files(kind, paths))
    accepted = [
        accept_survey(
            paths.raw_dir,
            path,
            fingerprints[path.relative_to(paths.raw_dir).as_posix()],
            paths.quarantine_dir,
        )
        for path in files
    ]
    for wave in accepted:
        if wave.report.warnings:
            context.log.warning(wave.report.text())
    lineage = Lineage(paths.raw_dir, fingerprints, datetime.now(UTC), key)
    tables = survey_tables(kind.name, accepted, lineage)
    # Everything that can fail comes before the commit; the load key is recorded last, in
    # the materialization (see _already_loaded).
    result = _result(kind, fingerprints, key, tables)
    # The views dbt reads change with the tables, in the same transaction.
    warehouse.replace_tables(RAW_SCHEMA, tables, views=survey_union_views)
    context.log.info(
        "%s: loaded %d respondents from %d file(s)",
        kind.name,
        len(tables[f"{kind.name}_respondents"]),
        len(files),
    )
    return result


survey_assets = [survey_asset(kind) for kind in SURVEY_KINDS.values()]


@dg.asset(
    key=CASE_DATABASE.asset_key,
    deps=[CASE_DATABASE.source_key],
    automation_condition=after_its_data_changed(),
    group_name="ingest",
    owners=DATA_OWNERS,
    kinds={"excel", "duckdb"},
    pool=WAREHOUSE_POOL,
    description=(
        f"{CASE_DATABASE.description} Tables `raw.case_database` (un cas par ligne), "
        "`_profiles` et `_modes` (valeurs multiples, une par ligne), `_catalysts`."
    ),
)
def case_database(
    context: dg.AssetExecutionContext, warehouse: Warehouse, project_paths: ProjectPathsResource
) -> dg.MaterializeResult:
    """Load the case-database export delivered under ``raw/cases/``."""
    with refused_for_the_analyst():
        return _load_cases(context, warehouse, project_paths.paths())


def _load_cases(
    context: dg.AssetExecutionContext, warehouse: Warehouse, paths: ProjectPaths
) -> dg.MaterializeResult:
    fingerprints = CASE_DATABASE.fingerprints(paths.raw_dir)
    reject_refused_entries(CASE_DATABASE, paths.raw_dir, fingerprints)
    key = load_key(fingerprints, rules=[])
    if _already_loaded(
        context, warehouse, CASE_DATABASE, case_table_names(CASE_DATABASE.name), key
    ):
        return _result(CASE_DATABASE, fingerprints, key, None)
    path = _only_file(CASE_DATABASE, paths, "plus d'un export de la base de cas")
    relative = path.relative_to(paths.raw_dir).as_posix()
    export = read_case_export(paths.raw_dir, path, fingerprints[relative], paths.quarantine_dir)
    lineage = Lineage(paths.raw_dir, fingerprints, datetime.now(UTC), key)
    tables = case_tables(CASE_DATABASE.name, export, lineage)
    result = _result(CASE_DATABASE, fingerprints, key, tables)  # before the commit
    warehouse.replace_tables(RAW_SCHEMA, tables)
    context.log.info("loaded %d cases and %d catalysts", len(export.cases), len(export.catalysts))
    return result


@dg.asset(
    key=CONTEXT_STATISTICS.asset_key,
    deps=[CONTEXT_STATISTICS.source_key],
    automation_condition=after_its_data_changed(),
    group_name="ingest",
    owners=DATA_OWNERS,
    kinds={"csv", "duckdb"},
    pool=WAREHOUSE_POOL,
    description=(
        f"{CONTEXT_STATISTICS.description} Table `raw.context_statistics`, tenue au catalogue "
        "`dbt_project/seeds/context_indicators.csv`."
    ),
)
def context_statistics(
    context: dg.AssetExecutionContext, warehouse: Warehouse, project_paths: ProjectPathsResource
) -> dg.MaterializeResult:
    """Load the context statistics delivered under ``raw/context/``."""
    with refused_for_the_analyst():
        return _load_context(context, warehouse, project_paths.paths())


def _load_context(
    context: dg.AssetExecutionContext, warehouse: Warehouse, paths: ProjectPaths
) -> dg.MaterializeResult:
    kind = CONTEXT_STATISTICS
    fingerprints = kind.fingerprints(paths.raw_dir)
    reject_refused_entries(kind, paths.raw_dir, fingerprints)
    # The catalogue interprets the file, as a codebook does a survey: a new one reloads it.
    key = load_key(fingerprints, rules=[CATALOGUE_SEED])
    if _already_loaded(context, warehouse, kind, [kind.name], key):
        return _result(kind, fingerprints, key, None)
    path = _only_file(kind, paths, "plus d'un fichier de statistiques de contexte")
    relative = path.relative_to(paths.raw_dir).as_posix()
    rows = read_context_statistics(
        paths.raw_dir, path, fingerprints[relative], paths.quarantine_dir
    )
    lineage = Lineage(paths.raw_dir, fingerprints, datetime.now(UTC), key)
    tables = context_table(kind.name, path, rows, lineage)
    result = _result(kind, fingerprints, key, tables)  # before the commit
    warehouse.replace_tables(RAW_SCHEMA, tables)
    context.log.info("loaded %d context statistics", len(rows))
    return result


def _only_file(kind: DeliveryKind, paths: ProjectPaths, several: str):
    """The kind's one delivered file; two are refused (which one would be the right one?)."""
    files = _delivered_files(kind, paths)
    if len(files) > 1:
        raise DeliveryError(
            paths.raw_dir / kind.folder, f"{several} : ne gardez que le plus récent"
        )
    return files[0]


def reject_refused_entries(kind: DeliveryKind, raw_dir, fingerprints: dict[str, str]) -> None:
    """Fail the whole delivery, before anything is read or loaded, when one of its entries
    cannot be read (a folder or a broken link in place of a file, a link out of the drop zone,
    a wave folder without data file): left out, its wave would vanish from the reports."""
    refused = {
        path: value.removeprefix(REFUSED)
        for path, value in fingerprints.items()
        if value.startswith(REFUSED)
    }
    if refused:
        lines = "\n".join(f"- {path} : {reason}" for path, reason in refused.items())
        raise DeliveryError(
            raw_dir / kind.folder,
            f"livraison refusée, rien n'est chargé ni publié (voir docs/data-contract.md) :\n"
            f"{lines}",
        )


def _delivered_files(kind: DeliveryKind, paths: ProjectPaths) -> list:
    files = kind.files(paths.raw_dir)
    if not files:
        raise DeliveryError(
            paths.raw_dir / kind.folder,
            f"aucune livraison ici (fichiers {', '.join(kind.suffixes)} attendus)",
        )
    return files


def _already_loaded(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    kind: DeliveryKind,
    tables: list[str],
    key: str,
) -> bool:
    # Ingesting the same files with the same codebooks again changes nothing, not even the
    # ingestion time; any new file, codebook, loader version or missing table makes a full load.
    # Two records must hold the key: every table (the warehouse holds this load) and the asset's
    # last materialization, which Dagster writes only once the step has succeeded, after the
    # commit. A step that fails after its commit thus leaves the next run validating again.
    if _recorded_load_key(context.instance, kind) != key:
        return False
    qualified = [f"{RAW_SCHEMA}.{table}" for table in tables]
    if warehouse.load_keys(qualified, LOAD_KEY_COLUMN) == {key}:
        context.log.info("%s already holds these deliveries: nothing to load", kind.name)
        return True
    return False


def _recorded_load_key(instance: dg.DagsterInstance, kind: DeliveryKind) -> str | None:
    event = instance.get_latest_materialization_event(kind.asset_key)
    if event is None or event.asset_materialization is None:
        return None
    recorded = event.asset_materialization.metadata.get(LOAD_KEY_METADATA)
    return recorded.value if recorded is not None else None


def _codebooks_of(raw_dir, fingerprints: dict[str, str]) -> list:
    # Only those that exist: a missing codebook is reported when the file is read.
    paths = set()
    for relative in fingerprints:
        try:
            paths.add(codebook_location(raw_dir, *study_and_wave(raw_dir, raw_dir / relative)))
        except DeliveryError:
            continue  # a misplaced file is reported when it is read
    return sorted(path for path in paths if path.exists())


def _result(
    kind: DeliveryKind,
    fingerprints: dict[str, str],
    key: str,
    tables: dict[str, pd.DataFrame] | None,
) -> dg.MaterializeResult:
    """Materialization metadata, bounded in size; ``tables`` is None when the files were
    already loaded."""
    metadata: dict[str, object] = {
        FINGERPRINTS_METADATA: dg.MetadataValue.json(fingerprints),
        LOAD_KEY_METADATA: key,
        "loaded": tables is not None,
    }
    if tables is not None:
        metadata["rows"] = dg.MetadataValue.json({name: len(t) for name, t in tables.items()})
        first_name, first = next(iter(tables.items()))
        metadata["dagster/row_count"] = len(first)
        metadata["preview"] = dg.MetadataValue.md(f"`{first_name}`\n\n{preview(first)}")
    return dg.MaterializeResult(asset_key=kind.asset_key, metadata=metadata)


def preview(table: pd.DataFrame, rows: int = PREVIEW_ROWS, columns: int = PREVIEW_COLUMNS) -> str:
    """The first rows and columns of a table as a markdown table, for the UI; each cell cut at
    ``PREVIEW_CELL_CHARS``, so the preview stays small whatever the delivery holds."""
    shown = table.iloc[:rows, :columns]
    cells = [[preview_cell(name) for name in shown.columns]]
    cells += [
        ["" if pd.isna(value) else preview_cell(value) for value in row]
        for row in shown.itertuples(index=False)
    ]
    lines = ["| " + " | ".join(row) + " |" for row in cells]
    lines.insert(1, "|" + "---|" * len(shown.columns))
    return "\n".join(lines)


def preview_cell(value) -> str:
    """A value as a markdown table cell: on one line, ``|`` escaped, cut with « … »."""
    text = str(value)
    cut = len(text) > PREVIEW_CELL_CHARS
    text = " ".join(text[:PREVIEW_CELL_CHARS].split()).replace("|", "\\|")
    return f"{text}…" if cut else text
