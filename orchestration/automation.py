"""Declarative automation: what updates by itself once a delivery is ingested.

The delivery sensor ingests only the delivery that changed. From there every downstream asset
(dbt seeds, models and their tests, the report export, the reports, the index) carries
``after_its_inputs``: it is updated when one of its inputs was, only once its inputs passed
their blocking quality checks. A corrected case database thus rebuilds the case models, the
export, the reports and the index, never the survey models; and the renders skip every report
whose figures did not change, so only the affected regions and the synthesis are rendered again.

The sensor that evaluates the conditions launches what they request as one backfill, in
dependency order (the 13 regional partitions in one run, their backfill policy).
"""

import dagster as dg

AUTOMATION_SENSOR = "update_downstream"


def after_its_inputs() -> dg.AutomationCondition:
    """Dagster's ``eager`` (an input updated, none missing or running), and the inputs'
    blocking checks passed: bad data refused by a check never flows on to the reports."""
    return (
        dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
    ).with_label("after_its_inputs")


update_downstream_sensor = dg.AutomationConditionSensorDefinition(
    AUTOMATION_SENSOR,
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Automatisation déclarative : une livraison ingérée met à jour ce qui en "
    "dépend (modèles dbt et contrôles, export, rapports concernés, synthèse, index), dans "
    "l'ordre des dépendances, et seulement si ses contrôles bloquants sont passés.",
)
