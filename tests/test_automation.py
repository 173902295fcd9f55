"""The delivery sensor, the automation it sets off and the weekly schedule, evaluated with
Dagster's test utilities."""

import datetime as dt

import dagster as dg
import pytest
from dagster._core.definitions.data_version import extract_data_version_from_entry

from orchestration.automation import AUTOMATION_SENSOR
from orchestration.ingest.assets import case_database, context_statistics, survey_assets
from orchestration.ingest.deliveries import CASE_DATABASE, DELIVERY_KINDS
from orchestration.ingest.observations import CHANGES_METADATA, delivery_version
from orchestration.ingest.sensors import describe_changes, raw_delivery_sensor
from orchestration.publication.report_keys import NATIONAL_REPORT_KEY, REGIONAL_PREFIX
from orchestration.resources import project_resources
from orchestration.schedules import weekly_refresh
from tests.conftest import CITIZENS_2020, settled

# The definitions these tests load read the dbt manifest.
pytestmark = pytest.mark.usefixtures("dbt_manifest")

CASE_EXPORT = "cases/impact_pratiques_partenariales.xlsx"
CONTEXT_FILE = "context/statistiques_contexte.csv"


@pytest.fixture
def instance(dagster_instance):
    return dagster_instance


def evaluate(instance: dg.DagsterInstance) -> dg.SensorResult:
    return raw_delivery_sensor(
        dg.build_sensor_context(instance=instance, resources=project_resources())
    )


def observe(instance: dg.DagsterInstance) -> dict[str, str]:
    """One tick of the delivery sensor, its observations recorded as the daemon records them;
    the changes each one names, by delivery."""
    result = evaluate(instance)
    for event in result.asset_events:
        instance.report_runless_asset_event(event)
    return {
        event.asset_key.path[-1]: event.metadata[CHANGES_METADATA].value
        for event in result.asset_events
    }


def ingest_everything(instance: dg.DagsterInstance) -> None:
    """The deliveries observed, then the real ingest assets, into the isolated project's
    warehouse."""
    observe(instance)
    result = dg.materialize(
        [*survey_assets, case_database, context_statistics],
        instance=instance,
        resources=project_resources(),
    )
    assert result.success


def test_deliveries_never_observed_are_observed_each_with_its_files(isolated_project, instance):
    changes = observe(instance)
    assert sorted(changes) == sorted(kind.name for kind in DELIVERY_KINDS)
    assert changes[CASE_DATABASE.name] == CASE_EXPORT  # the files that changed, shown in the UI
    # The data version Dagster holds is the hash of the files observed.
    record = instance.get_latest_data_version_record(CASE_DATABASE.source_key)
    fingerprints = CASE_DATABASE.fingerprints(isolated_project.raw_dir)
    assert extract_data_version_from_entry(record.event_log_entry) == dg.DataVersion(
        delivery_version(fingerprints)
    )


def test_unchanged_deliveries_are_not_observed_again(isolated_project, instance):
    ingest_everything(instance)
    result = evaluate(instance)
    assert not result.asset_events
    assert result.skip_reason.skip_message == (
        "aucune livraison de raw/ n'a changé depuis sa dernière observation"
    )


def test_a_changed_file_is_observed_and_automation_ingests_its_delivery_only(
    isolated_project, instance
):
    ingest_everything(instance)
    from orchestration.definitions import defs

    idle = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    cases = isolated_project.raw_dir / CASE_EXPORT
    cases.write_bytes(cases.read_bytes() + b"\0")
    settled(cases)
    assert observe(instance) == {CASE_DATABASE.name: CASE_EXPORT}
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=idle.cursor)
    ingests = {kind.asset_key for kind in DELIVERY_KINDS}
    requested = {key for key in ingests if tick.get_num_requested(key)}
    assert requested == {CASE_DATABASE.asset_key}


def test_changed_context_statistics_are_observed_alone(isolated_project, instance):
    ingest_everything(instance)
    context = isolated_project.raw_dir / CONTEXT_FILE
    context.write_text(context.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    settled(context)
    assert observe(instance) == {"context_statistics": CONTEXT_FILE}


def test_a_new_wave_is_observed_with_its_study_only(isolated_project, instance):
    ingest_everything(instance)
    survey = isolated_project.raw_dir / CITIZENS_2020
    new_wave = isolated_project.raw_dir / "surveys" / "citoyens" / "2024"
    new_wave.mkdir()
    (new_wave / "citoyens_2024.sav").write_bytes(survey.read_bytes())
    (survey.parent / "notes.txt").write_text("pas une livraison")
    settled(new_wave / "citoyens_2024.sav")
    assert observe(instance) == {"survey_citoyens": "surveys/citoyens/2024/citoyens_2024.sav"}


def test_a_failing_delivery_is_observed_once_until_its_files_change(isolated_project, instance):
    # Automation runs an ingest once per new data version: a refused delivery is not retried
    # every 30 seconds, only when its files change again.
    assert observe(instance)
    assert observe(instance) == {}


def test_a_file_being_copied_is_read_only_once_settled(isolated_project, instance):
    ingest_everything(instance)
    cases = isolated_project.raw_dir / CASE_EXPORT
    whole = cases.read_bytes()
    cases.write_bytes(whole[: len(whole) // 2])  # the copy has written half the file
    result = evaluate(instance)
    assert not result.asset_events
    assert result.skip_reason.skip_message == (
        f"fichiers en cours de copie, lus à un prochain passage : {CASE_EXPORT}"
    )
    cases.write_bytes(whole + b"\0")  # the copy ends; nothing touches the file any more
    settled(cases)
    assert observe(instance) == {CASE_DATABASE.name: CASE_EXPORT}


def test_describe_changes_names_new_changed_and_withdrawn_files():
    ingested = {"a.sav": "1", "b.sav": "2", "old.sav": "3"}
    current = {"a.sav": "1", "b.sav": "9", "c.sav": "4"}
    assert describe_changes(ingested, current) == "b.sav, c.sav, old.sav (retiré)"


def test_delivery_jobs_observe_ingest_and_check_their_delivery_only():
    from orchestration.definitions import defs

    job = defs.resolve_job_def("ingest_case_database")
    assert job.asset_layer.selected_asset_keys == {CASE_DATABASE.source_key, case_database.key}
    checks = {key.name for key in job.asset_layer.asset_graph.asset_check_keys}
    assert {"case_database", "case_profiles", "case_modes", "case_catalysts"} <= checks


def test_everything_downstream_of_the_deliveries_updates_by_itself():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    sources = {kind.source_key for kind in DELIVERY_KINDS}
    # Run when their inputs' data version changed: a delivery's files, a report's own figures.
    on_data = {kind.asset_key for kind in DELIVERY_KINDS} | {NATIONAL_REPORT_KEY}
    for key in graph.get_all_asset_keys():
        condition = graph.get(key).automation_condition
        if key in sources:
            assert condition is None, key  # the delivery sensor observes them
        elif key in on_data or key.path[0] == REGIONAL_PREFIX:
            assert condition.get_label() == "after_its_data_changed", key
        else:
            assert condition.get_label() == "after_its_inputs", key
    sensor = defs.resolve_sensor_def(AUTOMATION_SENSOR)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_misplaced_files_are_named_by_the_sensor(isolated_project, instance):
    ingest_everything(instance)
    stray = isolated_project.raw_dir / "surveys" / "citizens" / "2024" / "c.sav"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    result = evaluate(instance)
    assert not result.asset_events
    assert result.skip_reason.skip_message == (
        "aucune livraison de raw/ n'a changé depuis sa dernière observation ; "
        "pas des livraisons, ignorés : surveys/citizens/2024/c.sav"
    )


def test_weekly_schedule_refreshes_everything():
    from orchestration.definitions import defs

    monday = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
    request = weekly_refresh(dg.build_schedule_context(scheduled_execution_time=monday))
    assert request.run_key == monday.isoformat()
    schedule = defs.resolve_schedule_def("weekly_refresh")
    assert schedule.cron_schedule == "0 6 * * 1"
    assert schedule.execution_timezone == "Europe/Paris"
    assert schedule.job_name == "refresh_all"
    # Every asset, and every delivery observed first.
    assert defs.resolve_job_def("refresh_all").asset_layer.selected_asset_keys == (
        defs.resolve_asset_graph().get_all_asset_keys()
    )
