"""Settings from the environment: the project's paths and the warehouse as resources read when a
run starts, the refresh schedule's cron when the definitions load."""

import dagster as dg
import duckdb
import pytest

from orchestration.ingest.assets import case_database
from orchestration.resources import PATH_VARIABLES, MissingSettings, project_resources
from orchestration.settings import WAREHOUSE_VAR


def test_without_the_path_variables_loading_says_which_are_missing_in_french(monkeypatch):
    monkeypatch.delenv(WAREHOUSE_VAR)
    with pytest.raises(MissingSettings, match="non définie.*IMPACT_WAREHOUSE.*make ui"):
        project_resources()


def test_a_run_reads_the_variables_when_it_starts_not_when_definitions_load(
    isolated_project, dagster_instance, tmp_path, monkeypatch
):
    resources = project_resources()
    elsewhere = tmp_path / "elsewhere" / "impact.duckdb"
    monkeypatch.setenv(WAREHOUSE_VAR, str(elsewhere))

    result = dg.materialize([case_database], instance=dagster_instance, resources=resources)

    assert result.success
    assert not isolated_project.warehouse.exists()
    with duckdb.connect(str(elsewhere), read_only=True) as connection:
        assert connection.execute("select count(*) from raw.case_database").fetchone()[0] > 0


def test_the_code_location_configures_both_resources_from_the_path_variables():
    from orchestration.definitions import defs

    paths, warehouse = defs.resources["project_paths"], defs.resources["warehouse"]
    fields = (paths.raw_dir, paths.warehouse, paths.reports_dir, warehouse.path)
    assert all(isinstance(field, dg.EnvVar) for field in fields)
    assert [field.env_var_name for field in fields] == [*PATH_VARIABLES, WAREHOUSE_VAR]


def test_the_refresh_schedule_follows_its_variable(monkeypatch):
    from orchestration.schedules import REFRESH_CRON_VAR, refresh_cron, refresh_schedule

    monkeypatch.setenv(REFRESH_CRON_VAR, "30 7 * * 1-5")
    schedule = refresh_schedule(refresh_cron())
    assert schedule.cron_schedule == "30 7 * * 1-5"
    assert "`30 7 * * 1-5`" in schedule.description
    assert schedule.execution_timezone == "Europe/Paris"
    monkeypatch.delenv(REFRESH_CRON_VAR)
    assert refresh_schedule(refresh_cron()).cron_schedule == "0 6 * * 1"
