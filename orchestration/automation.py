"""Declarative automation: what updates by itself once a delivery changes.

The delivery sensor observes the files under ``raw/``: each delivery is an observable source
asset whose data version is the hash of its files. Two conditions then drive everything:

- ``after_its_data_changed`` (the ingest assets and the reports): run when an input's *data
  version* changed, not merely when it was recorded again: a delivery whose files changed, a
  report whose own export slice prints other figures. Also when the asset's code version
  changed (a report template edited) or it is missing;
- ``after_its_inputs`` (dbt seeds, models and their tests, the export, the index): Dagster's
  ``eager``: run when an input was updated.

Both wait for the inputs' blocking quality checks. A corrected case database thus rebuilds the
case models and the export, never the survey models; the export records each report's slice
with its own data version, so only the regions whose figures changed and the synthesis are
rendered again, and Dagster shows the others up to date.
"""

import dagster as dg

from orchestration.settings import sensor_interval_seconds

AUTOMATION_SENSOR = "update_downstream"


def after_its_inputs() -> dg.AutomationCondition:
    """Dagster's ``eager`` (an input updated, none missing or running), and the inputs'
    blocking checks passed: bad data refused by a check never flows on to the reports."""
    return (
        dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
    ).with_label("after_its_inputs")


def after_its_data_changed() -> dg.AutomationCondition:
    """Run when an input's data version changed (or the asset's code version, or it is
    missing), once no input is missing or running and the inputs' blocking checks passed."""
    changed = dg.AutomationCondition.any_deps_match(dg.AutomationCondition.data_version_changed())
    trigger = (
        dg.AutomationCondition.newly_missing()
        | changed
        | dg.AutomationCondition.code_version_changed()
    ).since_last_handled()
    return (
        trigger
        & ~dg.AutomationCondition.any_deps_missing()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
        & dg.AutomationCondition.all_deps_blocking_checks_passed()
    ).with_label("after_its_data_changed")


update_downstream_sensor = dg.AutomationConditionSensorDefinition(
    AUTOMATION_SENSOR,
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=sensor_interval_seconds(),
    description="Automatisation déclarative : une livraison dont les fichiers ont changé est "
    "ingérée, puis ce qui en dépend est mis à jour (modèles dbt et contrôles, export, rapports "
    "dont les chiffres ont changé, synthèse, index), dans l'ordre des dépendances, et seulement "
    "si les contrôles bloquants sont passés.",
)
