"""Where the pipeline reads and writes, from environment variables.

Dagster reads them through resources configured from ``EnvVar`` (``orchestration/resources.py``);
the Makefile exports them with the project defaults below. The dbt profile
(``dbt_project/profiles.yml``) and the command-line tools outside Dagster read the same variables
(``ProjectPaths.from_env``), so Dagster and dbt always agree on the warehouse file. Paths must be
absolute: dbt runs from ``dbt_project/`` and Dagster from anywhere, so a relative path would mean
two files.
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
# Where an HTTP server serves the reports folder (`make ui` starts one): links in the UI open there.
REPORTS_URL_VAR = "IMPACT_REPORTS_URL"
# How often the sensors tick (deliveries, automation, dead runs), read when the definitions load.
SENSOR_SECONDS_VAR = "IMPACT_SENSOR_SECONDS"
DEFAULT_SENSOR_SECONDS = 30


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
    # The reports folder's address over HTTP, if something serves it (the UI opens no file://).
    reports_url: str | None = None

    def published_url(self, file: Path) -> str | None:
        """The address of a file under the reports folder, None if nothing serves the folder."""
        if not self.reports_url:
            return None
        return f"{self.reports_url.rstrip('/')}/{file.relative_to(self.reports_dir).as_posix()}"

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
        """Read the paths from the environment now, project defaults for unset variables: for
        the tools that run outside Dagster (Dagster's own steps take the resources)."""
        return cls(
            **{
                field: absolute_path(variable, os.environ.get(variable) or str(default))
                for field, (variable, default) in DEFAULT_PATHS.items()
            },
            reports_url=os.environ.get(REPORTS_URL_VAR) or None,
        )


# Each path's variable and its default in the project (what the Makefile exports).
DEFAULT_PATHS = {
    "raw_dir": (RAW_DIR_VAR, PROJECT_ROOT / "raw"),
    "warehouse": (WAREHOUSE_VAR, PROJECT_ROOT / "warehouse" / "impact.duckdb"),
    "reports_dir": (REPORTS_DIR_VAR, PROJECT_ROOT / "reports" / "output"),
}


def absolute_path(variable: str, value: str) -> Path:
    """The path ``variable`` names; a relative path is refused (it would mean two files)."""
    path = Path(value)
    if not path.is_absolute():
        raise ValueError(f"{variable}={value!r} must be an absolute path")
    return path


def dagster_instance_settings() -> dict:
    """The instance settings of ``orchestration/dagster.yaml``, for temporary instances too."""
    return yaml.safe_load(DAGSTER_INSTANCE_SETTINGS.read_text(encoding="utf-8"))


def sensor_interval_seconds() -> int:
    """Seconds between two ticks of each sensor (the delivery sensor, the automation sensor,
    the dead-run sweep): ``IMPACT_SENSOR_SECONDS`` if set, 30 otherwise. A shorter interval
    brings a dropped delivery to the reports sooner, for more evaluations of the asset graph."""
    value = os.environ.get(SENSOR_SECONDS_VAR) or str(DEFAULT_SENSOR_SECONDS)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"{SENSOR_SECONDS_VAR}={value!r} : un nombre entier de secondes (1 ou plus) est attendu"
        )
    return int(value)
