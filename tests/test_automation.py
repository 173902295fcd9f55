"""The delivery sensor and the weekly schedule, evaluated with Dagster's test utilities."""

import datetime as dt

import dagster as dg
import pytest

from orchestration.automation import AUTOMATION_SENSOR
from orchestration.ingest.assets import case_database, context_statistics, survey_assets
from orchestration.ingest.deliveries import DELIVERY_KINDS
from orchestration.ingest.sensors import describe_changes, raw_delivery_sensor
from orchestration.publication.partitions import all_regions_run_tags
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


def ingest_everything(instance: dg.DagsterInstance) -> None:
    """The real ingest assets, into the isolated project's warehouse."""
    result = dg.materialize(
        [*survey_assets, case_database, context_statistics],
        instance=instance,
        resources=project_resources(),
    )
    assert result.success


def test_deliveries_never_ingested_request_one_run_per_kind(isolated_project, instance):
    result = evaluate(instance)
    assert sorted(r.job_name for r in result.run_requests) == sorted(
        f"ingest_{kind.name}" for kind in DELIVERY_KINDS
    )
    for request in result.run_requests:
        assert request.tags["impact/deliveries"]  # the files that changed, shown in the UI


def test_ingested_deliveries_request_nothing(isolated_project, instance):
    ingest_everything(instance)
    result = evaluate(instance)
    assert not result.run_requests
    assert result.skip_reason.skip_message == "toutes les livraisons de raw/ sont ingérées"


def test_a_changed_file_triggers_its_own_ingest_only(isolated_project, instance):
    ingest_everything(instance)
    cases = isolated_project.raw_dir / CASE_EXPORT
    cases.write_bytes(cases.read_bytes() + b"\0")
    settled(cases)
    [request] = evaluate(instance).run_requests
    assert request.job_name == "ingest_case_database"
    assert request.tags["impact/deliveries"] == CASE_EXPORT


def test_changed_context_statistics_trigger_their_own_ingest_only(isolated_project, instance):
    ingest_everything(instance)
    context = isolated_project.raw_dir / CONTEXT_FILE
    context.write_text(context.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    settled(context)
    [request] = evaluate(instance).run_requests
    assert request.job_name == "ingest_context_statistics"
    assert request.tags["impact/deliveries"] == CONTEXT_FILE


def test_a_new_wave_triggers_its_study_ingest_only(isolated_project, instance):
    ingest_everything(instance)
    survey = isolated_project.raw_dir / CITIZENS_2020
    new_wave = isolated_project.raw_dir / "surveys" / "citoyens" / "2024"
    new_wave.mkdir()
    (new_wave / "citoyens_2024.sav").write_bytes(survey.read_bytes())
    (survey.parent / "notes.txt").write_text("pas une livraison")
    settled(new_wave / "citoyens_2024.sav")
    [request] = evaluate(instance).run_requests
    assert request.job_name == "ingest_survey_citoyens"
    assert request.tags["impact/deliveries"] == "surveys/citoyens/2024/citoyens_2024.sav"


def test_the_same_unchanged_request_has_the_same_run_key(isolated_project, instance):
    # Dagster drops a run request whose key it has seen: a failing delivery is not retried
    # every 30 seconds, only when its files change again.
    first, second = evaluate(instance), evaluate(instance)
    assert [r.run_key for r in first.run_requests] == [r.run_key for r in second.run_requests]


def test_a_file_being_copied_is_read_only_once_settled(isolated_project, instance):
    ingest_everything(instance)
    cases = isolated_project.raw_dir / CASE_EXPORT
    whole = cases.read_bytes()
    cases.write_bytes(whole[: len(whole) // 2])  # the copy has written half the file
    result = evaluate(instance)
    assert not result.run_requests
    assert result.skip_reason.skip_message == (
        f"fichiers en cours de copie, lus à un prochain passage : {CASE_EXPORT}"
    )
    cases.write_bytes(whole + b"\0")  # the copy ends; nothing touches the file any more
    settled(cases)
    [request] = evaluate(instance).run_requests
    assert request.job_name == "ingest_case_database"


def test_describe_changes_names_new_changed_and_withdrawn_files():
    ingested = {"a.sav": "1", "b.sav": "2", "old.sav": "3"}
    current = {"a.sav": "1", "b.sav": "9", "c.sav": "4"}
    assert describe_changes(ingested, current) == "b.sav, c.sav, old.sav (retiré)"


def test_sensor_jobs_ingest_their_delivery_and_check_it_only():
    from orchestration.definitions import defs

    job = defs.resolve_job_def("ingest_case_database")
    assert job.asset_layer.selected_asset_keys == {case_database.key}
    checks = {key.name for key in job.asset_layer.asset_graph.asset_check_keys}
    assert {"case_database", "case_profiles", "case_modes", "case_catalysts"} <= checks


def test_everything_downstream_of_the_deliveries_updates_by_itself():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    ingest_keys = {kind.asset_key for kind in DELIVERY_KINDS}
    for key in graph.get_all_asset_keys():
        condition = graph.get(key).automation_condition
        if key in ingest_keys:
            assert condition is None, key  # the delivery sensor ingests them
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
    assert not result.run_requests
    assert result.skip_reason.skip_message == (
        "toutes les livraisons de raw/ sont ingérées ; "
        "pas des livraisons, ignorés : surveys/citizens/2024/c.sav"
    )


def test_weekly_schedule_refreshes_everything_for_all_regions():
    from orchestration.definitions import defs

    monday = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
    request = weekly_refresh(dg.build_schedule_context(scheduled_execution_time=monday))
    assert request.tags == all_regions_run_tags()
    schedule = defs.resolve_schedule_def("weekly_refresh")
    assert schedule.cron_schedule == "0 6 * * 1"
    assert schedule.execution_timezone == "Europe/Paris"
    assert schedule.job_name == "refresh_all"
    assert defs.resolve_job_def("refresh_all").asset_layer.selected_asset_keys == (
        defs.resolve_asset_graph().get_all_asset_keys()
    )
