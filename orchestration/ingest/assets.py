"""Ingest assets: one per delivery kind (each survey study, the case database); each replaces
its tables in the warehouse's ``raw`` schema in one transaction, or changes nothing."""

from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from orchestration.ingest.cases import case_table_names, case_tables, read_case_export
from orchestration.ingest.codebooks import codebook_path
from orchestration.ingest.deliveries import (
    CASE_DATABASE,
    SURVEY_KINDS,
    DeliveryKind,
    study_and_wave,
)
from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.lineage import LOAD_KEY_COLUMN, Lineage, load_key
from orchestration.ingest.surveys import (
    accept_survey,
    one_file_per_wave,
    survey_table_names,
    survey_tables,
)
from orchestration.settings import DATA_OWNERS, ProjectPaths
from orchestration.warehouse import WAREHOUSE_POOL, Warehouse

RAW_SCHEMA = "raw"
PREVIEW_ROWS, PREVIEW_COLUMNS = 5, 8
# Materialization metadata: what was ingested, compared with raw/ by the delivery sensor.
FINGERPRINTS_METADATA = "fingerprints"


def survey_asset(kind: DeliveryKind) -> dg.AssetsDefinition:
    """The ingest asset of one survey study: all its waves, each held to its codebook."""

    @dg.asset(
        key=kind.asset_key,
        group_name="ingest",
        owners=DATA_OWNERS,
        kinds={"duckdb"},
        pool=WAREHOUSE_POOL,
        tags={"study": kind.study},
        description=f"{kind.description} Tables `raw.{kind.name}` (telle que livrée), "
        f"`_respondents`, `_answers` (forme longue selon le codebook), `_labels`, `_files`.",
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        paths = ProjectPaths.from_env()
        # Hashed before reading: a file replaced meanwhile differs from the record.
        fingerprints = kind.fingerprints(paths.raw_dir)
        codebooks = _codebooks_of(paths.raw_dir, fingerprints)
        key = load_key(fingerprints, codebooks)
        if _already_loaded(context, warehouse, kind, survey_table_names(kind.name), key):
            return _result(kind, fingerprints, None)
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
        warehouse.replace_tables(RAW_SCHEMA, tables)
        context.log.info(
            "%s: loaded %d respondents from %d file(s)",
            kind.name,
            len(tables[f"{kind.name}_respondents"]),
            len(files),
        )
        return _result(kind, fingerprints, tables)

    _ingest.__name__ = kind.name
    return _ingest


survey_assets = [survey_asset(kind) for kind in SURVEY_KINDS.values()]


@dg.asset(
    key=CASE_DATABASE.asset_key,
    group_name="ingest",
    owners=DATA_OWNERS,
    kinds={"excel", "duckdb"},
    pool=WAREHOUSE_POOL,
    description=(
        f"{CASE_DATABASE.description} Tables `raw.case_database` (un cas par ligne), "
        "`_profiles` et `_modes` (valeurs multiples, une par ligne), `_catalysts`."
    ),
)
def case_database(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Load the case-database export delivered under ``raw/cases/``."""
    paths = ProjectPaths.from_env()
    fingerprints = CASE_DATABASE.fingerprints(paths.raw_dir)
    key = load_key(fingerprints, rules=[])
    if _already_loaded(
        context, warehouse, CASE_DATABASE, case_table_names(CASE_DATABASE.name), key
    ):
        return _result(CASE_DATABASE, fingerprints, None)
    files = _delivered_files(CASE_DATABASE, paths)
    if len(files) > 1:
        raise DeliveryError(
            paths.raw_dir / CASE_DATABASE.folder,
            "more than one case-database export: keep only the latest",
        )
    (path,) = files
    relative = path.relative_to(paths.raw_dir).as_posix()
    export = read_case_export(paths.raw_dir, path, fingerprints[relative], paths.quarantine_dir)
    lineage = Lineage(paths.raw_dir, fingerprints, datetime.now(UTC), key)
    tables = case_tables(CASE_DATABASE.name, export, lineage)
    warehouse.replace_tables(RAW_SCHEMA, tables)
    context.log.info("loaded %d cases and %d catalysts", len(export.cases), len(export.catalysts))
    return _result(CASE_DATABASE, fingerprints, tables)


def _delivered_files(kind: DeliveryKind, paths: ProjectPaths) -> list:
    files = kind.files(paths.raw_dir)
    if not files:
        raise DeliveryError(
            paths.raw_dir / kind.folder,
            f"no delivery here (expected {', '.join(kind.suffixes)} files)",
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
    qualified = [f"{RAW_SCHEMA}.{table}" for table in tables]
    if warehouse.load_keys(qualified, LOAD_KEY_COLUMN) == {key}:
        context.log.info("%s already holds these deliveries: nothing to load", kind.name)
        return True
    return False


def _codebooks_of(raw_dir, fingerprints: dict[str, str]) -> list:
    # Only those that exist: a missing codebook is reported when the file is read.
    paths = set()
    for relative in fingerprints:
        try:
            paths.add(codebook_path(*study_and_wave(raw_dir, raw_dir / relative)))
        except DeliveryError:
            continue  # a misplaced file is reported when it is read
    return sorted(path for path in paths if path.exists())


def _result(
    kind: DeliveryKind, fingerprints: dict[str, str], tables: dict[str, pd.DataFrame] | None
) -> dg.MaterializeResult:
    """Materialization metadata; ``tables`` is None when the files were already loaded."""
    metadata: dict[str, object] = {
        FINGERPRINTS_METADATA: dg.MetadataValue.json(fingerprints),
        "loaded": tables is not None,
    }
    if tables is not None:
        metadata["rows"] = dg.MetadataValue.json({name: len(t) for name, t in tables.items()})
        first_name, first = next(iter(tables.items()))
        metadata["dagster/row_count"] = len(first)
        metadata["preview"] = dg.MetadataValue.md(f"`{first_name}`\n\n{preview(first)}")
    return dg.MaterializeResult(asset_key=kind.asset_key, metadata=metadata)


def preview(table: pd.DataFrame, rows: int = PREVIEW_ROWS, columns: int = PREVIEW_COLUMNS) -> str:
    """The first rows and columns of a table as a markdown table, for the UI."""
    shown = table.iloc[:rows, :columns]
    cells = [list(map(str, shown.columns))]
    cells += [
        ["" if pd.isna(value) else str(value) for value in row]
        for row in shown.itertuples(index=False)
    ]
    lines = ["| " + " | ".join(row) + " |" for row in cells]
    lines.insert(1, "|" + "---|" * len(shown.columns))
    return "\n".join(lines)
