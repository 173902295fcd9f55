"""Loading into the warehouse: every study and the case database, lineage on every row, any
format giving the same tables, double ingest a no-op, a re-delivery replacing its wave, the
views over every study that dbt reads."""

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.ingest.assets import case_database, survey_assets
from orchestration.ingest.codebooks import codebook_path, load_codebook
from orchestration.ingest.deliveries import SURVEY_KINDS, sha256
from orchestration.ingest.readers import read_survey
from orchestration.resources import project_resources
from orchestration.warehouse import Warehouse
from synthetic.survey_files import SurveyDelivery, write_delivery
from tests.conftest import CITIZENS_2020, rewrite_survey

CODEBOOK = load_codebook(codebook_path("citoyens", 2020))
SURVEY_PARTS = ("_respondents", "_answers", "_files")
LINEAGE = ["_source_file", "_source_sha256", "_source_row", "_ingested_at", "_load_key"]


def ingest(instance, assets=None) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        assets or [*survey_assets, case_database],
        instance=instance,
        resources=project_resources(),
    )
    assert result.success
    return result


def citizens_asset():
    return next(a for a in survey_assets if a.key == SURVEY_KINDS["citoyens"].asset_key)


def table(project, relation: str) -> pd.DataFrame:
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        return connection.execute(f"from {relation} order by all").df()


def test_every_study_and_wave_lands_with_its_long_form(isolated_project, dagster_instance):
    ingest(dagster_instance)
    for study, kind in SURVEY_KINDS.items():
        files = table(isolated_project, f"raw.{kind.name}_files")
        respondents = table(isolated_project, f"raw.{kind.name}_respondents")
        answers = table(isolated_project, f"raw.{kind.name}_answers")
        assert set(files["_source_file"]) == set(kind.fingerprints(isolated_project.raw_dir))
        assert files["respondents"].sum() == len(respondents) > 0
        assert set(respondents["study"]) == set(answers["study"]) == {study}
        # Every respondent has one row per coded variable of its wave's codebook.
        for wave, wave_respondents in respondents.groupby("wave"):
            codebook = load_codebook(codebook_path(study, int(wave)))
            coded = len(codebook.design) + len(codebook.questions)
            assert (answers["wave"] == wave).sum() == len(wave_respondents) * coded
    assert (
        table(isolated_project, "raw.survey_citoyens_files")["file_label"]
        .str.contains("ILLUSTRATIVES")
        .all()
    )


def test_the_views_dbt_reads_stack_every_study_even_after_a_load_with_nothing_new(
    isolated_project, dagster_instance
):
    ingest(dagster_instance)

    def stacked() -> dict[str, int]:
        views = {part: table(isolated_project, f"raw.survey{part}") for part in SURVEY_PARTS}
        for part, rows in views.items():
            for kind in SURVEY_KINDS.values():
                own = table(isolated_project, f"raw.{kind.name}{part}")
                assert (rows["study"] == kind.study).sum() == len(own) > 0
        return {part: len(rows) for part, rows in views.items()}

    counts = stacked()
    # A warehouse loaded before the views existed: the next ingest, with nothing to load,
    # makes them.
    with duckdb.connect(str(isolated_project.warehouse)) as connection:
        for part in SURVEY_PARTS:
            connection.execute(f"drop view raw.survey{part}")
    second = ingest(dagster_instance, [citizens_asset()])
    [event] = second.get_asset_materialization_events()
    assert event.materialization.metadata["loaded"].value is False
    assert stacked() == counts


def test_every_row_records_its_file_hash_row_and_load_time(isolated_project, dagster_instance):
    ingest(dagster_instance)
    delivered = isolated_project.raw_dir / CITIZENS_2020
    for part in ("", "_respondents", "_answers"):
        rows = table(isolated_project, f"raw.survey_citoyens{part}")
        wave = rows[rows["_source_file"] == CITIZENS_2020]
        assert set(wave["_source_sha256"]) == {sha256(delivered)}
        assert wave["_ingested_at"].notna().all()
        assert set(wave["_source_row"]) == set(range(1, wave["_source_row"].max() + 1))
    cases = table(isolated_project, "raw.case_database")
    assert sorted(cases["_source_row"]) == list(range(2, len(cases) + 2))  # under the header


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_wave_delivered_as_csv_or_excel_loads_like_the_sav(
    isolated_project, dagster_instance, suffix
):
    ingest(dagster_instance, [citizens_asset()])
    from_sav = table(isolated_project, "raw.survey_citoyens_answers").drop(columns=LINEAGE)
    sav = isolated_project.raw_dir / CITIZENS_2020
    survey = read_survey(sav, CODEBOOK)
    delivery = SurveyDelivery(survey.data, {}, {}, survey.file_label)
    sav.unlink()
    write_delivery(delivery, sav.with_suffix(suffix), CODEBOOK.layout)

    ingest(dagster_instance, [citizens_asset()])

    answers = table(isolated_project, "raw.survey_citoyens_answers")
    assert answers.drop(columns=LINEAGE).equals(from_sav)
    wave = answers[answers["_source_file"] == f"{CITIZENS_2020[:-4]}{suffix}"]
    assert wave["_source_row"].min() == 2  # the header is row 1 of a sheet or CSV


def test_ingesting_the_same_files_twice_changes_nothing(isolated_project, dagster_instance):
    first = ingest(dagster_instance)
    for event in first.get_asset_materialization_events():
        metadata = event.materialization.metadata
        assert metadata["dagster/row_count"].value > 0
        header, rule, *rows = metadata["preview"].value.split("\n")[2:]
        assert header.startswith("| ") and rule.startswith("|---|") and len(rows) == 5
    relations = ["raw.survey_citoyens_answers", "raw.survey_elus", "raw.case_database_modes"]
    before = {relation: table(isolated_project, relation) for relation in relations}
    second = ingest(dagster_instance)
    for relation in relations:
        assert table(isolated_project, relation).equals(before[relation])  # load times too
    loaded = {
        event.asset_key.to_user_string(): event.materialization.metadata["loaded"].value
        for event in second.get_asset_materialization_events()
    }
    assert loaded == {
        **{f"raw/{kind.name}": False for kind in SURVEY_KINDS.values()},
        "raw/case_database": False,
    }


def test_a_corrected_delivery_replaces_its_wave(isolated_project, dagster_instance):
    ingest(dagster_instance, [citizens_asset()])
    question = next(q for q in CODEBOOK.questions if q.name == "jouer_collectif")
    before = table(isolated_project, "raw.survey_citoyens")
    first_id = before.loc[before["_source_file"] == CITIZENS_2020, CODEBOOK.respondent_id].iloc[0]

    nsp = next(code for code, answer in question.codes.items() if answer == "nsp")

    def correct(data):
        data.loc[data[CODEBOOK.respondent_id] == first_id, question.variable] = nsp

    corrected = rewrite_survey(isolated_project.raw_dir / CITIZENS_2020, correct)
    ingest(dagster_instance, [citizens_asset()])

    survey = table(isolated_project, "raw.survey_citoyens")
    assert len(survey) == len(before)
    wave = survey[survey["_source_file"] == CITIZENS_2020]
    assert set(wave["_source_sha256"]) == {corrected}
    answers = table(isolated_project, "raw.survey_citoyens_answers")
    mine = answers[
        (answers["respondent_id"] == str(int(first_id)))
        & (answers["wave"] == 2020)
        & (answers["question"] == "jouer_collectif")
    ]
    assert mine["answer"].tolist() == ["nsp"]


def test_a_missing_table_is_loaded_again_even_for_known_files(isolated_project, dagster_instance):
    # A new pipeline version may write a table an older load did not: same files, new load.
    ingest(dagster_instance, [citizens_asset()])
    with duckdb.connect(str(isolated_project.warehouse)) as connection:
        connection.execute("drop table raw.survey_citoyens_answers")
    ingest(dagster_instance, [citizens_asset()])
    assert len(table(isolated_project, "raw.survey_citoyens_answers")) > 0


def test_a_load_failing_half_way_leaves_every_table_as_it_was(isolated_project):
    warehouse = Warehouse(path=str(isolated_project.warehouse))
    warehouse.replace_tables("raw", {"first": pd.DataFrame({"x": [1]})})
    # The second table cannot be created (its name is not valid SQL): the load stops there.
    with pytest.raises(duckdb.Error):
        warehouse.replace_tables(
            "raw", {"first": pd.DataFrame({"x": [2]}), "second table": pd.DataFrame({"x": [3]})}
        )
    assert table(isolated_project, "raw.first")["x"].tolist() == [1]
    with duckdb.connect(str(isolated_project.warehouse), read_only=True) as connection:
        tables = connection.execute("select table_name from duckdb_tables()").fetchall()
    assert tables == [("first",)]
