"""Shared fixtures: the dbt manifest, and a project whose raw/, warehouse and reports live in a
temporary folder (the environment variables of ``orchestration.settings``)."""

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pyreadstat
import pytest

from orchestration.ingest.sensors import SETTLE_SECONDS
from orchestration.resources import project_resources
from orchestration.settings import (
    DBT_PROJECT_DIR,
    DEFAULT_PATHS,
    PROJECT_ROOT,
    RAW_DIR_VAR,
    REPORTS_DIR_VAR,
    WAREHOUSE_VAR,
    ProjectPaths,
    dagster_instance_settings,
)

# `make test` exports the path variables; a bare `pytest` gets the same project defaults, so the
# definitions load (tests that run the pipeline point them at a temporary project).
for _variable, _default in DEFAULT_PATHS.values():
    os.environ.setdefault(_variable, str(_default))

# The shipped citizens 2020 delivery, the one most tests change.
CITIZENS_2020 = "surveys/citoyens/2020/citoyens_2020.sav"


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    """``dbt parse``, as ``make manifest`` does: the definitions need the manifest to load."""
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "parse", "--quiet"],
        cwd=DBT_PROJECT_DIR,
        check=True,
    )
    return DBT_PROJECT_DIR / "target" / "manifest.json"


@dataclass(frozen=True)
class IsolatedProject:
    """Where a test's pipeline reads and writes."""

    raw_dir: Path
    warehouse: Path
    reports_dir: Path

    @property
    def paths(self) -> ProjectPaths:
        """The same three places, as the pipeline's settings type."""
        return ProjectPaths(self.raw_dir, self.warehouse, self.reports_dir)

    def env(self) -> dict[str, str]:
        """The environment variables that point the pipeline here."""
        return {
            RAW_DIR_VAR: str(self.raw_dir),
            WAREHOUSE_VAR: str(self.warehouse),
            REPORTS_DIR_VAR: str(self.reports_dir),
        }


def make_isolated_project(root: Path) -> IsolatedProject:
    """A copy of the shipped sample deliveries, an empty warehouse folder and reports folder."""
    project = IsolatedProject(root / "raw", root / "warehouse" / "impact.duckdb", root / "reports")
    shutil.copytree(PROJECT_ROOT / "raw", project.raw_dir)
    return project


def samples_warehouse(root: Path, target: str) -> Path:
    """A warehouse of the shipped survey samples and case database, built by dbt through the
    model ``target`` with the tests whose every parent is built (and the reference seeds the
    upstream relationship tests read)."""
    from orchestration.ingest.assets import case_database, survey_assets

    project = make_isolated_project(root)
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in project.env().items():
            monkeypatch.setenv(name, value)
        result = dg.materialize([*survey_assets, case_database], resources=project_resources())
        assert result.success
        subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), "build", "--quiet"]
            + ["--indirect-selection", "cautious", "--select"]
            + ["regions", "departements", f"+{target}"],
            cwd=DBT_PROJECT_DIR,
            env={**os.environ, **project.env()},
            check=True,
        )
    return project.warehouse


@pytest.fixture
def isolated_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IsolatedProject:
    """A per-test isolated project, its variables set in the environment."""
    project = make_isolated_project(tmp_path)
    for name, value in project.env().items():
        monkeypatch.setenv(name, value)
    return project


@pytest.fixture
def dagster_instance():
    """A temporary Dagster instance with the project's settings (the warehouse pool limit)."""
    with dg.instance_for_test(overrides=dagster_instance_settings()) as instance:
        yield instance


def rewrite_survey(path: Path, change) -> str:
    """Rewrite a delivered ``.sav`` with ``change`` applied to its data, labels kept; return
    the new file's SHA-256."""
    answers, meta = pyreadstat.read_sav(str(path))
    change(answers)
    pyreadstat.write_sav(
        answers,
        str(path),
        column_labels=meta.column_names_to_labels,
        variable_value_labels=meta.variable_value_labels,
        file_label=meta.file_label,
    )
    return hashlib.sha256(path.read_bytes()).hexdigest()


def settled(*paths: Path) -> None:
    """Date files back past the delivery sensor's settling time, as a finished copy would be."""
    past = time.time() - SETTLE_SECONDS - 1
    for path in paths:
        os.utime(path, (past, past))
