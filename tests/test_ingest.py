"""Loading into the warehouse: lineage on every row, double ingest is a no-op, a re-delivery
replaces its data."""

import hashlib

import dagster as dg
import duckdb
import pytest

from orchestration.ingest.assets import case_database, citizens_survey
from orchestration.ingest.deliveries import CITIZENS_SURVEY
from orchestration.warehouse import Warehouse
from tests.conftest import rewrite_survey


def ingest(instance) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        [citizens_survey, case_database], instance=instance, resources={"warehouse": Warehouse()}
    )
    assert result.success
    return result


def table(project, relation: str):
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        return connection.execute(f"from {relation} order by all").df()


def test_every_row_records_its_file_hash_row_and_load_time(isolated_project, dagster_instance):
    ingest(dagster_instance)
    survey = table(isolated_project, "raw.citizens_survey")
    delivered = isolated_project.raw_dir / CITIZENS_SURVEY.sample_file
    assert set(survey["_source_file"]) == {CITIZENS_SURVEY.sample_file}
    assert set(survey["_source_sha256"]) == {hashlib.sha256(delivered.read_bytes()).hexdigest()}
    assert sorted(survey["_source_row"]) == list(range(1, len(survey) + 1))
    assert survey["_ingested_at"].notna().all()
    cases = table(isolated_project, "raw.case_database")
    assert sorted(cases["_source_row"]) == list(range(2, len(cases) + 2))  # under the header


@pytest.mark.parametrize("relation", ["raw.citizens_survey", "raw.case_database"])
def test_ingesting_the_same_files_twice_changes_nothing(
    isolated_project, dagster_instance, relation
):
    ingest(dagster_instance)
    before = table(isolated_project, relation)
    second = ingest(dagster_instance)
    assert table(isolated_project, relation).equals(before)  # load times included
    loaded = {
        event.asset_key.to_user_string(): event.materialization.metadata["loaded"].value
        for event in second.get_asset_materialization_events()
    }
    assert loaded == {
        "raw/citizens_survey": False,
        "raw/citizens_survey_labels": False,
        "raw/citizens_survey_files": False,
        "raw/citizens_survey_answers": False,
        "raw/case_database": False,
    }


def test_a_corrected_delivery_replaces_the_previous_one(isolated_project, dagster_instance):
    ingest(dagster_instance)
    delivery = isolated_project.raw_dir / CITIZENS_SURVEY.sample_file
    before = table(isolated_project, "raw.citizens_survey")
    first_answer = before.loc[before["ID"] == 1.0, "Q1_COLLECTIF"].item()
    corrected_answer = 4.0 if first_answer != 4.0 else 3.0

    def correct(answers):
        answers.loc[answers["ID"] == 1.0, "Q1_COLLECTIF"] = corrected_answer

    corrected = rewrite_survey(delivery, correct)
    ingest(dagster_instance)

    survey = table(isolated_project, "raw.citizens_survey")
    assert len(survey) == len(before)
    assert survey.loc[survey["ID"] == 1.0, "Q1_COLLECTIF"].item() == corrected_answer
    assert set(survey["_source_sha256"]) == {corrected}


def test_a_missing_table_is_loaded_again_even_for_known_files(isolated_project, dagster_instance):
    # A new pipeline version may write a table an older load did not: same files, new load.
    ingest(dagster_instance)
    with duckdb.connect(str(isolated_project.warehouse)) as connection:
        connection.execute("drop table raw.citizens_survey_answers")
    ingest(dagster_instance)
    answers = table(isolated_project, "raw.citizens_survey_answers")
    assert len(answers) == len(table(isolated_project, "raw.citizens_survey"))
