"""The delivery sensor and the weekly schedule, evaluated with Dagster's test utilities."""

import datetime as dt
import json

import dagster as dg

from orchestration.ingest.deliveries import CASE_DATABASE, CITIZENS_SURVEY
from orchestration.ingest.sensors import changed_files, raw_delivery_sensor
from orchestration.publication.partitions import all_regions_run_tags
from orchestration.schedules import weekly_refresh


def evaluate(cursor: str | None) -> dg.SensorResult:
    with dg.instance_for_test() as instance:
        return raw_delivery_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))


def test_first_evaluation_requests_one_run_per_delivery_kind(isolated_project):
    result = evaluate(cursor=None)
    assert sorted(r.job_name for r in result.run_requests) == [
        "ingest_case_database",
        "ingest_citizens_survey",
    ]
    for request in result.run_requests:
        # All 13 regional reports are rebuilt in the same run.
        assert all_regions_run_tags().items() <= request.tags.items()
    assert set(json.loads(result.cursor)) == {
        CITIZENS_SURVEY.sample_file,
        CASE_DATABASE.sample_file,
    }


def test_nothing_new_means_no_run(isolated_project):
    first = evaluate(cursor=None)
    second = evaluate(cursor=first.cursor)
    assert not second.run_requests
    assert second.skip_reason is not None


def test_a_changed_file_triggers_its_own_ingest_only(isolated_project):
    cursor = evaluate(cursor=None).cursor
    cases = isolated_project.raw_dir / CASE_DATABASE.sample_file
    cases.write_bytes(cases.read_bytes() + b"\0")
    result = evaluate(cursor=cursor)
    assert [r.job_name for r in result.run_requests] == ["ingest_case_database"]
    assert result.run_requests[0].tags["impact/deliveries"] == CASE_DATABASE.sample_file


def test_a_new_wave_triggers_the_survey_ingest(isolated_project):
    cursor = evaluate(cursor=None).cursor
    survey = isolated_project.raw_dir / CITIZENS_SURVEY.sample_file
    (survey.parent / "citoyens_2024.sav").write_bytes(survey.read_bytes())
    (isolated_project.raw_dir / "surveys" / "notes.txt").write_text("pas une livraison")
    result = evaluate(cursor=cursor)
    assert [r.job_name for r in result.run_requests] == ["ingest_citizens_survey"]
    assert result.run_requests[0].tags["impact/deliveries"] == "surveys/citoyens_2024.sav"


def test_sensor_jobs_select_the_ingest_and_everything_downstream():
    from orchestration.definitions import defs

    job = defs.resolve_job_def("ingest_case_database")
    keys = {key.to_user_string() for key in job.asset_layer.selected_asset_keys}
    assert {
        "raw/case_database",
        "marts/cases_by_region",
        "regional_report",
        "national_report",
        "reports_index",
    } <= keys
    assert "raw/citizens_survey" not in keys


def test_changed_files_is_new_or_different_content():
    previous = {"a.sav": "1", "b.xlsx": "2"}
    current = {"a.sav": "1", "b.xlsx": "3", "c.sav": "4"}
    assert changed_files(previous, current) == ["b.xlsx", "c.sav"]


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
