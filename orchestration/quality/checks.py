"""Blocking asset checks that run the GX suites on warehouse tables."""

import dagster as dg

from orchestration.ingest.deliveries import SURVEY_KINDS, DeliveryKind
from orchestration.ingest.lineage import SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN
from orchestration.quality.validation import ValidationOutcome, validate_frame
from orchestration.settings import EXPECTATIONS_DIR
from orchestration.warehouse import WAREHOUSE_POOL, Warehouse

RESPONDENTS_SUITE = EXPECTATIONS_DIR / "survey_respondents.json"


def respondents_check(kind: DeliveryKind) -> dg.AssetChecksDefinition:
    """The respondents suite on one survey study's ``raw.<study>_respondents`` table."""

    @dg.asset_check(
        asset=kind.asset_key,
        name=f"{kind.name}_respondents",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=(
            f"Suite Great Expectations `expectations/{RESPONDENTS_SUITE.name}` sur "
            f"`raw.{kind.name}_respondents` : identifiants, régions, départements, poids. "
            "Bloquante : en cas d'échec, rien n'est publié."
        ),
    )
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        outcome = validate_frame(
            warehouse.read_table(f"raw.{kind.name}_respondents"),
            RESPONDENTS_SUITE,
            row_columns=[SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN],
        )
        return check_result(outcome)

    return _check


def check_result(outcome: ValidationOutcome) -> dg.AssetCheckResult:
    """A blocking check's result, its description and metadata naming what failed."""
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


survey_checks = [respondents_check(kind) for kind in SURVEY_KINDS.values()]
