"""Validation at the door, one test per bad input: the message names file, row (respondent),
variable and rule, and an ingest of a rejected delivery leaves the warehouse as it was."""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pyreadstat
import pytest

from orchestration.ingest.assets import citizens_survey
from orchestration.ingest.codebooks import codebook_path, load_codebook
from orchestration.ingest.conformance import check_survey
from orchestration.ingest.deliveries import CITIZENS_SURVEY, study_and_wave
from orchestration.ingest.errors import DeliveryError
from orchestration.settings import PROJECT_ROOT
from orchestration.warehouse import Warehouse
from tests.conftest import rewrite_survey

FILE = Path(CITIZENS_SURVEY.sample_file)
CODEBOOK = load_codebook(codebook_path("citoyens", 2020))


@pytest.fixture
def answers():
    data, _ = pyreadstat.read_sav(str(PROJECT_ROOT / "raw" / CITIZENS_SURVEY.sample_file))
    return data


def problems(data) -> list[str]:
    return [p.describe(FILE) for p in check_survey(FILE, data, CODEBOOK).problems]


def test_the_sample_delivery_conforms(answers):
    report = check_survey(FILE, answers, CODEBOOK)
    assert report.accepted, report.text()
    assert not report.warnings


def test_empty_file(answers):
    assert problems(answers.iloc[0:0]) == [f"{FILE}: the file has no respondent"]


def test_missing_required_variable(answers):
    assert problems(answers.drop(columns=["POIDS"])) == [
        f"{FILE}, variable POIDS: required variable is missing"
    ]


def test_unknown_variable_is_a_warning_only(answers):
    report = check_survey(FILE, answers.assign(Q99_NOUVELLE=1.0), CODEBOOK)
    assert report.accepted
    assert [w.describe(FILE) for w in report.warnings] == [
        f"{FILE}, variable Q99_NOUVELLE: variable not in the codebook (kept, not used)"
    ]


def test_answer_code_not_in_the_codebook(answers):
    answers.loc[12, "Q1_COLLECTIF"] = 7.0
    assert problems(answers) == [
        f"{FILE}, row 13 (respondent 13), variable Q1_COLLECTIF: "
        "code not in the codebook for jouer_collectif (value 7)"
    ]


def test_item_non_response_is_allowed(answers):
    answers.loc[12, "Q1_COLLECTIF"] = np.nan
    assert problems(answers) == []


def test_duplicate_respondent_id(answers):
    answers.loc[3, "ID"] = answers.loc[2, "ID"]
    assert problems(answers) == [
        f"{FILE}, row 3 (respondent 3), variable ID: respondent id is missing or not unique "
        "(value 3)",
        f"{FILE}, row 4 (respondent 3), variable ID: respondent id is missing or not unique "
        "(value 3)",
    ]


def test_region_not_in_the_reference(answers):
    answers.loc[4, "REGION"] = 99.0
    assert problems(answers) == [
        f"{FILE}, row 5 (respondent 5), variable REGION: "
        "not an INSEE code of a metropolitan region (value 99)"
    ]


def test_corsican_departments_are_2a_and_2b_not_20(answers):
    corsica = answers.index[answers["REGION"] == 94.0]
    answers.loc[corsica[0], "DEP"] = "2A"
    answers.loc[corsica[1], "DEP"] = "2B"
    answers.loc[corsica[2], "DEP"] = "20"
    row = int(corsica[2]) + 1
    assert problems(answers) == [
        f"{FILE}, row {row} (respondent {row}), variable DEP: not an INSEE code of a "
        "metropolitan department ('2A'/'2B', not '20') (value '20')"
    ]


def test_department_outside_the_region(answers):
    first = int(answers.index[answers["REGION"] == 11.0][0])
    answers.loc[first, "DEP"] = "13"  # Bouches-du-Rhône is not in Île-de-France
    assert problems(answers) == [
        f"{FILE}, row {first + 1} (respondent {first + 1}), variable DEP: "
        "department is not in the respondent's region (value '13')"
    ]


@pytest.mark.parametrize(
    "weight", [np.nan, 0.0, -1.0, np.inf], ids=["missing", "zero", "negative", "infinite"]
)
def test_bad_weight(answers, weight):
    answers.loc[7, "POIDS"] = weight
    [problem] = problems(answers)
    assert problem.startswith(f"{FILE}, row 8 (respondent 8), variable POIDS: weight must be")


def test_wave_variable_differs_from_the_folder(answers):
    answers.loc[0, "VAGUE"] = 2019.0
    assert problems(answers) == [
        f"{FILE}, row 1 (respondent 1), variable VAGUE: wave differs from the delivery's "
        "folder and codebook (2020) (value 2019)"
    ]


def test_a_file_outside_a_wave_folder_is_refused(tmp_path):
    misplaced = tmp_path / "surveys" / "citoyens" / "vague1" / "data.sav"
    with pytest.raises(DeliveryError, match="goes in surveys/<study>/<wave, 4 digits>/"):
        study_and_wave(tmp_path, misplaced)


def test_a_rejected_delivery_leaves_the_warehouse_as_it_was(isolated_project, dagster_instance):
    def ingest():
        return dg.materialize(
            [citizens_survey],
            instance=dagster_instance,
            resources={"warehouse": Warehouse()},
            raise_on_error=False,
        )

    assert ingest().success
    with duckdb.connect(str(isolated_project.warehouse), read_only=True) as connection:
        before = connection.execute("from raw.citizens_survey order by ID").df()
    delivery = isolated_project.raw_dir / CITIZENS_SURVEY.sample_file

    def unknown_region(answers):
        answers.loc[4, "REGION"] = 99.0

    rewrite_survey(delivery, unknown_region)
    delivered = delivery.read_bytes()

    result = ingest()

    assert not result.success
    with duckdb.connect(str(isolated_project.warehouse), read_only=True) as connection:
        after = connection.execute("from raw.citizens_survey order by ID").df()
    assert after.equals(before)
    assert delivery.read_bytes() == delivered  # never modified by the pipeline
    # The rejection report is written to the quarantine, named after the file and its hash.
    quarantine_dir = isolated_project.warehouse.parent / "quarantine"
    [entry] = quarantine_dir.rglob("*.rejected.txt")
    assert entry.parent == quarantine_dir / "surveys" / "citoyens" / "2020"
    report = entry.read_text(encoding="utf-8")
    assert "REGION: not an INSEE code of a metropolitan region (value 99)" in report
    assert hashlib.sha256(delivered).hexdigest() in report
    [failure] = result.get_step_failure_events()
    assert str(entry) in str(failure.step_failure_data.error.cause)


def test_two_files_for_one_wave_are_refused(isolated_project, dagster_instance):
    delivery = isolated_project.raw_dir / CITIZENS_SURVEY.sample_file
    (delivery.parent / "citoyens_2020_corrige.sav").write_bytes(delivery.read_bytes())
    result = dg.materialize(
        [citizens_survey],
        instance=dagster_instance,
        resources={"warehouse": Warehouse()},
        raise_on_error=False,
    )
    assert not result.success
    assert not isolated_project.warehouse.exists()
    [failure] = result.get_step_failure_events()
    assert "more than one data file for this wave" in str(failure.step_failure_data.error.cause)
