"""The dbt CLI resource of the code location: dagster-dbt's, without the work it does before
every dbt command that this project does not use.

Before each ``dbt`` command, dagster-dbt's ``DbtCliResource`` runs ``dbt --version`` in a second
process (to tell dbt Core from the Fusion engine), then loads dbt's adapter and macros in the
step's process (for the row counts and column metadata it can attach to the events). Here the
dbt it runs is always the dbt-core installed beside it (``DBT_EXECUTABLE``, pinned in
``requirements.lock``), and the dbt assets only stream dbt's events: both answers are known
without the cost, about 2.7 s of CPU at every dbt step (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as installed_version

from dagster_dbt import DbtCliResource
from packaging.version import Version

from orchestration.transform.project import DBT_EXECUTABLE, dbt_project


class InstalledDbtCli(DbtCliResource):
    """``DbtCliResource`` for the dbt-core of this environment (``DBT_EXECUTABLE``: build it
    with :func:`dbt_cli`). Its events carry no row counts nor column metadata
    (``fetch_row_counts``, ``fetch_column_metadata``): they need the adapter it does not load."""

    @cached_property
    def _cli_version(self) -> Version:
        # dagster-dbt reads this from `dbt --version`: the same version, from the package.
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        # dagster-dbt accepts no adapter (it has none for Fusion): nothing is fetched with it.
        return None


def dbt_cli() -> InstalledDbtCli:
    """The resource ``dbt`` of the code location: this environment's dbt on the project."""
    return InstalledDbtCli(project_dir=dbt_project, dbt_executable=str(DBT_EXECUTABLE))
