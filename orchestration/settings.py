"""Where the pipeline reads and writes, from environment variables with project defaults.

The same variables are read by the dbt profile (``dbt_project/profiles.yml``), so Dagster and
dbt always agree on the warehouse file. Paths given in the environment must be absolute: dbt runs
from ``dbt_project/`` and Dagster from anywhere, so a relative path would mean two files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
REPORT_SOURCES_DIR = PROJECT_ROOT / "reports"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
# Dagster instance settings (the warehouse pool limit), copied into $DAGSTER_HOME by make.
DAGSTER_INSTANCE_SETTINGS = PROJECT_ROOT / "orchestration" / "dagster.yaml"

RAW_DIR_VAR = "IMPACT_RAW_DIR"
WAREHOUSE_VAR = "IMPACT_WAREHOUSE"
REPORTS_DIR_VAR = "IMPACT_REPORTS_DIR"


# Who answers for each stage in the UI: the data engineers for ingest and dbt, the analysts who
# publish for the reports.
DATA_OWNERS = ["team:donnees"]
REPORT_OWNERS = ["team:etudes"]


@dataclass(frozen=True)
class ProjectPaths:
    """The three places a run touches: the delivery drop zone, the warehouse, the reports."""

    raw_dir: Path
    warehouse: Path
    reports_dir: Path

    @property
    def quarantine_dir(self) -> Path:
        """Rejection reports of refused deliveries, beside the warehouse (the files stay put)."""
        return self.warehouse.parent / "quarantine"

    @property
    def quality_store_dir(self) -> Path:
        """Great Expectations' project (suites and validation results), beside the warehouse."""
        return self.warehouse.parent / "quality"

    @property
    def exports_dir(self) -> Path:
        """What the reports read (figures, maps) and the record of each render, beside the
        warehouse and not in it, so renders never hold the database."""
        return self.warehouse.parent / "exports"

    @property
    def scratch_dir(self) -> Path:
        """The project's temporary folder, beside the warehouse: renders work there (never in the
        system's temporary folder), and a render step removes what killed runs left behind."""
        return self.warehouse.parent / "tmp"

    @property
    def data_docs_dir(self) -> Path:
        """The quality report's folder (``index.html``, in French), published beside the
        reports."""
        return self.reports_dir / "qualite"

    @classmethod
    def from_env(cls) -> ProjectPaths:
        """Read the paths from the environment now (not at import, so tests can redirect them)."""
        return cls(
            raw_dir=_path_from_env(RAW_DIR_VAR, PROJECT_ROOT / "raw"),
            warehouse=_path_from_env(WAREHOUSE_VAR, PROJECT_ROOT / "warehouse" / "impact.duckdb"),
            reports_dir=_path_from_env(REPORTS_DIR_VAR, PROJECT_ROOT / "reports" / "output"),
        )


def _path_from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    if not value:
        return default
    path = Path(value)
    if not path.is_absolute():
        raise ValueError(f"{variable}={value!r} must be an absolute path")
    return path


def dagster_instance_settings() -> dict:
    """The instance settings of ``orchestration/dagster.yaml``, for temporary instances too."""
    return yaml.safe_load(DAGSTER_INSTANCE_SETTINGS.read_text(encoding="utf-8"))
