"""The resources every step is given: the project's paths and the warehouse, configured from
environment variables (``dg.EnvVar``), read when a run starts and shown in the UI's resource
page.

``EnvVar`` has no default: ``make run``, ``make ui``, ``make test`` and the team deployment's
targets export the variables (project defaults in the Makefile), and loading the definitions
without them fails at once with a French message, rather than a run failing later.
"""

from __future__ import annotations

import os

import dagster as dg
from pydantic import Field

from orchestration.settings import (
    RAW_DIR_VAR,
    REPORTS_DIR_VAR,
    REPORTS_URL_VAR,
    WAREHOUSE_VAR,
    ProjectPaths,
    absolute_path,
)
from orchestration.warehouse import Warehouse

PATH_VARIABLES = (RAW_DIR_VAR, WAREHOUSE_VAR, REPORTS_DIR_VAR)


class MissingSettings(RuntimeError):
    """A variable naming where the pipeline reads or writes is not set."""


class ProjectPathsResource(dg.ConfigurableResource):
    """Where runs read deliveries and write the warehouse and the reports."""

    raw_dir: str = Field(description="Dossier de dépôt des livraisons (chemin absolu).")
    warehouse: str = Field(
        description="Fichier DuckDB de l'entrepôt (chemin absolu) ; à côté : exports, "
        "quarantaine, contrôles qualité, dossier temporaire."
    )
    reports_dir: str = Field(description="Dossier des rapports publiés (chemin absolu).")
    reports_url: str | None = Field(
        default=None,
        description="Adresse HTTP où ce dossier est servi (`make ui` en sert un) : les liens "
        "de l'interface vers les rapports et les contrôles qualité s'y ouvrent.",
    )

    def paths(self) -> ProjectPaths:
        """The three places and the reports' address as the pipeline's settings type (absolute
        paths only)."""
        return ProjectPaths(
            raw_dir=absolute_path(RAW_DIR_VAR, self.raw_dir),
            warehouse=absolute_path(WAREHOUSE_VAR, self.warehouse),
            reports_dir=absolute_path(REPORTS_DIR_VAR, self.reports_dir),
            reports_url=self.reports_url,
        )


def require_settings() -> None:
    """Refuse to go on without the path variables, naming the missing ones in French."""
    missing = [variable for variable in PATH_VARIABLES if not os.environ.get(variable)]
    if missing:
        raise MissingSettings(
            f"Variable(s) d'environnement non définie(s) : {', '.join(missing)}. Lancez le "
            "pipeline par `make run`, `make ui` ou `make test`, qui leur donnent les chemins du "
            "projet, ou exportez-les (chemins absolus : livraisons, entrepôt DuckDB, rapports)."
        )


def project_resources() -> dict[str, dg.ConfigurableResource]:
    """The warehouse and the project's paths, read from the environment when a run starts."""
    require_settings()
    return {
        "warehouse": Warehouse(path=dg.EnvVar(WAREHOUSE_VAR)),
        "project_paths": ProjectPathsResource(
            raw_dir=dg.EnvVar(RAW_DIR_VAR),
            warehouse=dg.EnvVar(WAREHOUSE_VAR),
            reports_dir=dg.EnvVar(REPORTS_DIR_VAR),
            # Optional: without a server the UI shows the files' paths (EnvVar must be set).
            reports_url=dg.EnvVar(REPORTS_URL_VAR) if os.environ.get(REPORTS_URL_VAR) else None,
        ),
    }
