"""The dbt models' unit tests (``unit_tests:`` in the models' yml files): each mart's SQL on
fixed inputs. A refresh's ``dbt build`` leaves them out (they test the code, not the data);
they run here, with ``dbt test`` on a copy of the shared run's warehouse, whose tables give the
columns a fixture leaves out."""

import json
import os
import shutil
import subprocess

from orchestration.settings import DBT_PROJECT_DIR, WAREHOUSE_VAR
from orchestration.transform.project import DBT_EXECUTABLE, manifest_path


def unit_tests_in_the_manifest() -> set[str]:
    """The unit tests dbt parsed, by unique id."""
    nodes = json.loads(manifest_path().read_text(encoding="utf-8"))["unit_tests"]
    return set(nodes)


def test_a_refresh_runs_the_data_tests_but_not_the_unit_tests(finished_run):
    # dagster-dbt gives each dbt invocation a target folder named after its run.
    [target] = (DBT_PROJECT_DIR / "target").glob(
        f"impact_dbt_models-{finished_run.result.run_id[:7]}-*"
    )
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    kinds = {result["unique_id"].split(".")[0] for result in results}
    assert {"seed", "model", "test"} <= kinds
    assert "unit_test" not in kinds


def test_every_dbt_unit_test_passes(finished_run, tmp_path):
    warehouse = tmp_path / "impact.duckdb"
    shutil.copyfile(finished_run.project.warehouse, warehouse)
    target = tmp_path / "target"
    command = [DBT_EXECUTABLE, "test", "--resource-type", "unit_test", "--target-path", target]
    done = subprocess.run(
        [*command, "--log-path", tmp_path / "logs"],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, WAREHOUSE_VAR: str(warehouse)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    expected = unit_tests_in_the_manifest()
    assert len(expected) >= 13
    assert {result["unique_id"] for result in results} == expected
    assert {result["status"] for result in results} == {"pass"}
