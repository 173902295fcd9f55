"""Ingest assets: each delivery kind replaces its tables in the warehouse's ``raw`` schema."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd

from orchestration.ingest.codebooks import Codebook, codebook_path, load_codebook
from orchestration.ingest.conformance import DeliveryRejected, check_survey, quarantine
from orchestration.ingest.deliveries import (
    CASE_DATABASE,
    CITIZENS_SURVEY,
    DeliveryKind,
    study_and_wave,
)
from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.lineage import (
    LOAD_KEY_COLUMN,
    SHEET_FIRST_ROW,
    SPSS_FIRST_ROW,
    Lineage,
    load_key,
)
from orchestration.ingest.readers import SurveyFile, read_case_export, read_survey
from orchestration.ingest.tidy import tidy_answers
from orchestration.settings import ProjectPaths
from orchestration.warehouse import WAREHOUSE_POOL, Warehouse

RAW_SCHEMA = "raw"
# Materialization metadata: what was ingested, compared with raw/ by the delivery sensor.
FINGERPRINTS_METADATA = "fingerprints"


CITIZENS_TABLES = {
    "citizens_survey": "Réponses de l'enquête IMPACT-Citoyens telles que livrées (codes SPSS), "
    "une ligne par répondant et par vague.",
    "citizens_survey_labels": "Libellés livrés avec l'enquête : de chaque variable (code vide) "
    "et de chaque modalité.",
    "citizens_survey_files": "Un enregistrement par fichier livré, avec son libellé SPSS.",
    "citizens_survey_answers": "Forme longue : une ligne par répondant et par question, "
    "réponse canonique selon le codebook de la vague (vide si non-réponse).",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            dg.AssetKey([RAW_SCHEMA, table]),
            group_name="ingest",
            kinds={"spss", "duckdb"},
            description=description,
        )
        for table, description in CITIZENS_TABLES.items()
    ],
    pool=WAREHOUSE_POOL,
)
def citizens_survey(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Load every citizens-survey wave delivered under ``raw/surveys/``, labels kept."""
    raw_dir = ProjectPaths.from_env().raw_dir
    # Hashed before reading: a file replaced meanwhile differs from the record and is re-ingested.
    fingerprints = CITIZENS_SURVEY.fingerprints(raw_dir)
    key = load_key(fingerprints, _codebooks_of(raw_dir, fingerprints))
    if _already_loaded(context, warehouse, list(CITIZENS_TABLES), key):
        for table in CITIZENS_TABLES:
            yield _result(dg.AssetKey([RAW_SCHEMA, table]), fingerprints, None)
        return
    accepted = [
        _conforming_survey(context, raw_dir, path, fingerprints)
        for path in _one_file_per_wave(_delivered_files(CITIZENS_SURVEY, raw_dir))
    ]
    surveys = [survey for survey, _ in accepted]
    lineage = Lineage(raw_dir, fingerprints, datetime.now(UTC), key)
    tables = {
        "citizens_survey": _stack(lineage, surveys, lambda s: s.data, SPSS_FIRST_ROW),
        "citizens_survey_labels": _stack(lineage, surveys, lambda s: s.labels),
        "citizens_survey_files": _stack(lineage, surveys, _file_label_row),
        "citizens_survey_answers": pd.concat(
            [lineage.stamp(s.path, tidy_answers(s.data, codebook)) for s, codebook in accepted],
            ignore_index=True,
        ),
    }
    warehouse.replace_tables(RAW_SCHEMA, tables)
    context.log.info(
        "loaded %d respondents from %d file(s)", len(tables["citizens_survey"]), len(surveys)
    )
    for table, frame in tables.items():
        yield _result(dg.AssetKey([RAW_SCHEMA, table]), fingerprints, frame)


@dg.asset(
    key=CASE_DATABASE.asset_key,
    group_name="ingest",
    kinds={"excel", "duckdb"},
    pool=WAREHOUSE_POOL,
    description=(
        "Cas de la base « IMPACT-Pratiques partenariales innovantes », tels qu'exportés "
        "(table `raw.case_database`)."
    ),
)
def case_database(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Load the case-database export(s) delivered under ``raw/cases/``."""
    raw_dir = ProjectPaths.from_env().raw_dir
    fingerprints = CASE_DATABASE.fingerprints(raw_dir)
    key = load_key(fingerprints, rules=[])
    if _already_loaded(context, warehouse, ["case_database"], key):
        return _result(CASE_DATABASE.asset_key, fingerprints, None)
    paths = _delivered_files(CASE_DATABASE, raw_dir)
    lineage = Lineage(raw_dir, fingerprints, datetime.now(UTC), key)
    cases = pd.concat(
        [lineage.stamp(path, read_case_export(path), SHEET_FIRST_ROW) for path in paths],
        ignore_index=True,
    )
    warehouse.replace_tables(RAW_SCHEMA, {"case_database": cases})
    context.log.info("loaded %d cases from %d file(s)", len(cases), len(paths))
    return _result(CASE_DATABASE.asset_key, fingerprints, cases)


def _conforming_survey(
    context: dg.AssetExecutionContext, raw_dir: Path, path: Path, fingerprints: dict[str, str]
) -> tuple[SurveyFile, Codebook]:
    """Read a survey file and hold it to its codebook; a breach rejects the whole delivery."""
    study, wave = study_and_wave(raw_dir, path)
    survey = read_survey(path)
    codebook_file = codebook_path(study, wave)
    if not codebook_file.exists():
        raise DeliveryError(path, f"no codebook for {study} {wave}: expected {codebook_file}")
    codebook = load_codebook(codebook_file)
    relative = path.relative_to(raw_dir)
    report = check_survey(relative, survey.data, codebook)
    if not report.accepted:
        quarantine_dir = ProjectPaths.from_env().quarantine_dir
        entry = quarantine(report, fingerprints[relative.as_posix()], quarantine_dir)
        raise DeliveryRejected(report, entry)
    if report.warnings:
        context.log.warning(report.text())
    return survey, codebook


def _one_file_per_wave(paths: list[Path]) -> list[Path]:
    # Two files for one wave would be two truths; the contract asks for one.
    folders = [path.parent for path in paths]
    for folder in folders:
        if folders.count(folder) > 1:
            raise DeliveryError(folder, "more than one data file for this wave: keep only one")
    return paths


def _delivered_files(kind: DeliveryKind, raw_dir: Path) -> list[Path]:
    files = kind.files(raw_dir)
    if not files:
        raise DeliveryError(raw_dir / kind.pattern, "no delivery matches this pattern")
    return files


def _stack(
    lineage: Lineage, surveys: list[SurveyFile], part, first_row: int | None = None
) -> pd.DataFrame:
    return pd.concat(
        [lineage.stamp(s.path, part(s), first_row) for s in surveys], ignore_index=True
    )


def _already_loaded(
    context: dg.AssetExecutionContext, warehouse: Warehouse, tables: list[str], key: str
) -> bool:
    # Ingesting the same files with the same codebooks again changes nothing, not even the
    # ingestion time; any new file, codebook or table makes a full load.
    qualified = [f"{RAW_SCHEMA}.{table}" for table in tables]
    if warehouse.load_keys(qualified, LOAD_KEY_COLUMN) == {key}:
        context.log.info("%s already hold these deliveries: nothing to load", ", ".join(qualified))
        return True
    return False


def _codebooks_of(raw_dir: Path, fingerprints: dict[str, str]) -> list[Path]:
    # Only those that exist: a missing codebook is reported when the file is read.
    paths = (codebook_path(*study_and_wave(raw_dir, raw_dir / f)) for f in fingerprints)
    return sorted(path for path in paths if path.exists())


def _file_label_row(survey: SurveyFile) -> pd.DataFrame:
    # The file label says whether a delivery is synthetic sample data ("DONNEES ILLUSTRATIVES").
    return pd.DataFrame({"file_label": [survey.file_label]})


def _result(
    key: dg.AssetKey, fingerprints: dict[str, str], table: pd.DataFrame | None
) -> dg.MaterializeResult:
    """Materialization metadata; ``table`` is None when the files were already loaded."""
    metadata: dict[str, object] = {
        FINGERPRINTS_METADATA: dg.MetadataValue.json(fingerprints),
        "loaded": table is not None,
    }
    if table is not None:
        metadata["dagster/row_count"] = len(table)
    return dg.MaterializeResult(asset_key=key, metadata=metadata)
