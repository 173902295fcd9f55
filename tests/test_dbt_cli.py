"""The code location's dbt resource: what it answers without asking dbt is what dbt answers."""

from dagster_dbt import DbtCliResource

from orchestration.transform.dbt_cli import dbt_cli
from orchestration.transform.project import DBT_EXECUTABLE, dbt_project


def test_the_dbt_version_is_the_one_dbt_itself_reports():
    # dagster-dbt's own resource runs `dbt --version`; ours reads the installed package.
    asked = DbtCliResource(project_dir=dbt_project, dbt_executable=str(DBT_EXECUTABLE))

    assert dbt_cli()._cli_version == asked._cli_version
    assert dbt_cli()._cli_version.major == 1  # dbt Core: dagster-dbt streams its events
