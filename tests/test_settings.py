"""Paths from the environment: defaults in the project, absolute paths only."""

import pytest

from orchestration.geography import regions
from orchestration.settings import (
    PROJECT_ROOT,
    SENSOR_SECONDS_VAR,
    WAREHOUSE_VAR,
    ProjectPaths,
    sensor_interval_seconds,
)


def test_defaults_are_inside_the_project(monkeypatch):
    for name in ("IMPACT_RAW_DIR", "IMPACT_WAREHOUSE", "IMPACT_REPORTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    paths = ProjectPaths.from_env()
    assert paths.raw_dir == PROJECT_ROOT / "raw"
    assert paths.warehouse == PROJECT_ROOT / "warehouse" / "impact.duckdb"
    assert paths.reports_dir == PROJECT_ROOT / "reports" / "output"


def test_a_relative_warehouse_path_is_refused(monkeypatch):
    # dbt runs from dbt_project/ and Dagster from anywhere: a relative path would mean two files.
    monkeypatch.setenv(WAREHOUSE_VAR, "warehouse/other.duckdb")
    with pytest.raises(ValueError, match="IMPACT_WAREHOUSE='warehouse/other.duckdb' must be"):
        ProjectPaths.from_env()


def test_the_sensors_tick_every_30_seconds_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv(SENSOR_SECONDS_VAR, raising=False)
    assert sensor_interval_seconds() == 30
    monkeypatch.setenv(SENSOR_SECONDS_VAR, "5")
    assert sensor_interval_seconds() == 5
    for wrong in ("0", "-5", "2.5", "trente"):
        monkeypatch.setenv(SENSOR_SECONDS_VAR, wrong)
        with pytest.raises(ValueError, match=f"IMPACT_SENSOR_SECONDS='{wrong}' : un nombre"):
            sensor_interval_seconds()


def test_regions_are_the_13_metropolitan_regions_with_text_codes():
    codes = [region.code for region in regions()]
    assert len(codes) == 13
    assert codes[0] == "11" and "94" in codes
    assert sum(region.population for region in regions()) == 65_505_213  # INSEE 2021
    assert [r.slug for r in regions() if r.code == "93"] == ["93-provence-alpes-cote-d-azur"]
