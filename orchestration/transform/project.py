"""The dbt project and its manifest, which ``make`` and the test fixture prepare (dbt parse)."""

from __future__ import annotations

import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# The dbt of this environment, found even when the virtualenv's bin/ is not on PATH.
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"


def manifest_path() -> Path:
    """The parsed manifest; a clear error says how to make it when it is missing."""
    path = dbt_project.manifest_path
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run `make manifest` (dbt parse) before loading the definitions"
        )
    return path
