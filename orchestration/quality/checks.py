"""Blocking asset checks that run the GX suites on warehouse tables."""

import dagster as dg

from orchestration.ingest.deliveries import CITIZENS_SURVEY
from orchestration.ingest.lineage import SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN
from orchestration.quality.validation import validate_frame
from orchestration.settings import EXPECTATIONS_DIR
from orchestration.warehouse import WAREHOUSE_POOL, Warehouse

CITIZENS_SUITE = EXPECTATIONS_DIR / "raw_citizens_survey.json"


@dg.asset_check(
    asset=CITIZENS_SURVEY.asset_key,
    name="raw_citizens_survey",
    blocking=True,
    pool=WAREHOUSE_POOL,
    description=(
        "Suite Great Expectations `expectations/raw_citizens_survey.json` : codes, poids, "
        "valeurs manquantes et doublons. Bloquante : en cas d'échec, rien n'est publié."
    ),
)
def raw_citizens_survey_suite(warehouse: Warehouse) -> dg.AssetCheckResult:
    """Validate ``raw.citizens_survey`` as loaded; failures name the file and row."""
    outcome = validate_frame(
        warehouse.read_table("raw.citizens_survey"),
        CITIZENS_SUITE,
        row_columns=[SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN],
    )
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=outcome.summary(),
        metadata={
            "suite": outcome.suite,
            "expectations_evaluated": outcome.evaluated,
            "expectations_failed": len(outcome.failures),
            "failed_expectations": dg.MetadataValue.md(
                "\n".join(f"- {failure.describe()}" for failure in outcome.failures) or "aucune"
            ),
        },
    )
