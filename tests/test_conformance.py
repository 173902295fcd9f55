"""Validation at the door, one test per bad input: the message names file, row (respondent),
variable and rule, and an ingest of a rejected delivery leaves the warehouse as it was.

Variable names come from the codebook: the tests hold whatever names a wave delivers.
"""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.ingest.assets import survey_assets
from orchestration.ingest.codebooks import codebook_path, load_codebook
from orchestration.ingest.conformance import check_survey
from orchestration.ingest.readers import read_survey
from orchestration.resources import project_resources
from orchestration.settings import PROJECT_ROOT
from tests.conftest import CITIZENS_2020, rewrite_survey

FILE = Path(CITIZENS_2020)
CODEBOOK = load_codebook(codebook_path("citoyens", 2020))
ID, REGION, DEPARTMENT, WEIGHT = (
    CODEBOOK.respondent_id,
    CODEBOOK.region,
    CODEBOOK.department,
    CODEBOOK.weight,
)
JOUER_COLLECTIF = next(q for q in CODEBOOK.questions if q.name == "jouer_collectif")


@pytest.fixture
def answers():
    return read_survey(PROJECT_ROOT / "raw" / CITIZENS_2020, CODEBOOK).data


def problems(data) -> list[str]:
    return [p.describe(FILE) for p in check_survey(FILE, data, CODEBOOK).problems]


def who(data, position: int) -> str:
    """``ligne N (répondant X)`` of the respondent at ``position``."""
    respondent = data[ID].iloc[position]
    shown = int(respondent) if isinstance(respondent, float) else respondent
    return f"ligne {position + 1} (répondant {shown})"


def test_the_sample_delivery_conforms(answers):
    report = check_survey(FILE, answers, CODEBOOK)
    assert report.accepted, report.text()
    assert not report.warnings


def test_empty_file(answers):
    assert problems(answers.iloc[0:0]) == [f"{FILE} : le fichier ne contient aucun répondant"]


def test_missing_required_variable(answers):
    assert problems(answers.drop(columns=[WEIGHT])) == [
        f"{FILE}, variable {WEIGHT} : variable obligatoire absente"
    ]


def test_unknown_variable_is_a_warning_only(answers):
    report = check_survey(FILE, answers.assign(Q99_NOUVELLE=1.0), CODEBOOK)
    assert report.accepted
    assert [w.describe(FILE) for w in report.warnings] == [
        f"{FILE}, variable Q99_NOUVELLE : variable absente du codebook (conservée, non utilisée)"
    ]


def test_answer_code_not_in_the_codebook(answers):
    answers.loc[12, JOUER_COLLECTIF.variable] = 7.0
    assert problems(answers) == [
        f"{FILE}, {who(answers, 12)}, variable {JOUER_COLLECTIF.variable} : "
        "code absent du codebook pour jouer_collectif (valeur 7)"
    ]


def test_item_non_response_is_allowed(answers):
    answers.loc[12, JOUER_COLLECTIF.variable] = np.nan
    assert problems(answers) == []


def test_duplicate_respondent_id(answers):
    answers.loc[3, ID] = answers.loc[2, ID]
    assert [p.split(" : ")[0] for p in problems(answers)] == [
        f"{FILE}, {who(answers, 2)}, variable {ID}",
        f"{FILE}, {who(answers, 3)}, variable {ID}",
    ]
    assert all("identifiant du répondant absent ou en double" in p for p in problems(answers))


def test_region_not_in_the_reference(answers):
    answers.loc[4, REGION] = 99.0
    assert problems(answers) == [
        f"{FILE}, {who(answers, 4)}, variable {REGION} : "
        "ce n'est pas un code INSEE de région métropolitaine (valeur 99)"
    ]


def test_corsican_departments_are_2a_and_2b_not_20(answers):
    corsica = answers.index[answers[REGION] == 94.0]
    answers.loc[corsica[0], DEPARTMENT] = "2A"
    answers.loc[corsica[1], DEPARTMENT] = "2B"
    answers.loc[corsica[2], DEPARTMENT] = "20"
    assert problems(answers) == [
        f"{FILE}, {who(answers, int(corsica[2]))}, variable {DEPARTMENT} : ce n'est pas un "
        "code INSEE de département métropolitain ('2A'/'2B', pas '20') (valeur '20')"
    ]


def test_department_outside_the_region(answers):
    first = int(answers.index[answers[REGION] == 11.0][0])
    answers.loc[first, DEPARTMENT] = "13"  # Bouches-du-Rhône is not in Île-de-France
    assert problems(answers) == [
        f"{FILE}, {who(answers, first)}, variable {DEPARTMENT} : "
        "le département n'est pas dans la région du répondant (valeur '13')"
    ]


@pytest.mark.parametrize(
    "weight", [np.nan, 0.0, -1.0, np.inf], ids=["missing", "zero", "negative", "infinite"]
)
def test_bad_weight(answers, weight):
    answers.loc[7, WEIGHT] = weight
    [problem] = problems(answers)
    assert problem.startswith(
        f"{FILE}, {who(answers, 7)}, variable {WEIGHT} : le poids doit être un nombre fini"
    )


def test_wave_variable_differs_from_the_folder(answers):
    answers.loc[0, CODEBOOK.wave_variable] = 2019.0
    assert problems(answers) == [
        f"{FILE}, {who(answers, 0)}, variable {CODEBOOK.wave_variable} : la vague diffère de "
        "celle du dossier et du codebook (2020) (valeur 2019)"
    ]


def ingest_citizens(instance) -> dg.ExecuteInProcessResult:
    [citizens] = [a for a in survey_assets if a.key.path == ["raw", "survey_citoyens"]]
    return dg.materialize(
        [citizens], instance=instance, resources=project_resources(), raise_on_error=False
    )


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    [failure] = result.get_step_failure_events()
    return str(failure.step_failure_data.error.cause)


def respondents(project):
    with duckdb.connect(str(project.warehouse), read_only=True) as connection:
        return connection.execute("from raw.survey_citoyens_respondents order by all").df()


def test_a_rejected_delivery_leaves_the_warehouse_as_it_was(isolated_project, dagster_instance):
    assert ingest_citizens(dagster_instance).success
    before = respondents(isolated_project)
    delivery = isolated_project.raw_dir / CITIZENS_2020

    def unknown_region(data):
        data.loc[4, REGION] = 99.0

    rewrite_survey(delivery, unknown_region)
    delivered = delivery.read_bytes()

    result = ingest_citizens(dagster_instance)

    assert not result.success
    assert respondents(isolated_project).equals(before)
    assert delivery.read_bytes() == delivered  # never modified by the pipeline
    # The rejection report is written to the quarantine, named after the file and its hash.
    quarantine_dir = isolated_project.warehouse.parent / "quarantine"
    [entry] = quarantine_dir.rglob("*.rejected.txt")
    assert entry.parent == quarantine_dir / "surveys" / "citoyens" / "2020"
    report = entry.read_text(encoding="utf-8")
    assert f"{REGION} : ce n'est pas un code INSEE de région métropolitaine (valeur 99)" in report
    assert hashlib.sha256(delivered).hexdigest() in report
    assert str(entry) in failure_text(result)


def test_two_files_for_one_wave_are_refused(isolated_project, dagster_instance):
    delivery = isolated_project.raw_dir / CITIZENS_2020
    (delivery.parent / "citoyens_2020_corrige.sav").write_bytes(delivery.read_bytes())
    result = ingest_citizens(dagster_instance)
    assert not result.success
    assert not isolated_project.warehouse.exists()
    assert "plus d'un fichier de données pour cette vague" in failure_text(result)


def test_a_wave_without_codebook_is_refused(isolated_project, dagster_instance):
    delivery = isolated_project.raw_dir / CITIZENS_2020
    new_wave = isolated_project.raw_dir / "surveys" / "citoyens" / "2031"
    new_wave.mkdir()
    (new_wave / "citoyens_2031.sav").write_bytes(delivery.read_bytes())
    result = ingest_citizens(dagster_instance)
    assert not result.success
    assert "aucun codebook pour citoyens 2031 : livrez-le" in failure_text(result)
    assert "surveys/citoyens/2031/codebook.yml" in failure_text(result)
    assert "codebooks/citoyens/2031.yml" in failure_text(result)


def test_a_delivery_in_another_study_folder_is_refused(isolated_project, dagster_instance):
    # A citizens file dropped in the mayors' 2020 folder: the mayors' codebook does not fit.
    mayors = next((isolated_project.raw_dir / "surveys" / "elus" / "2020").iterdir())
    mayors.unlink()
    (mayors.parent / "citoyens_2020.sav").write_bytes(
        (isolated_project.raw_dir / CITIZENS_2020).read_bytes()
    )
    [elus] = [a for a in survey_assets if a.key.path == ["raw", "survey_elus"]]
    result = dg.materialize(
        [elus],
        instance=dagster_instance,
        resources=project_resources(),
        raise_on_error=False,
    )
    assert not result.success
    assert "surveys/elus/2020/citoyens_2020.sav : REFUSÉ au regard de" in failure_text(result)
    assert "variable obligatoire absente" in failure_text(result)
    assert "a misplaced" not in failure_text(result)


def replace_delivery(project, suffix: str, change=None, layout=None) -> Path:
    """The citizens 2020 wave re-delivered in another format, optionally spoiled first."""
    from synthetic.survey_files import SurveyDelivery, write_delivery

    sav = project.raw_dir / CITIZENS_2020
    data = read_survey(sav, CODEBOOK).data
    if change is not None:
        change(data)
    sav.unlink()
    target = sav.with_suffix(suffix)
    write_delivery(SurveyDelivery(data, {}, {}, ""), target, layout or CODEBOOK.layout)
    return target


def latin1_csv(project) -> Path:
    from orchestration.ingest.codebooks import FileLayout

    def accented(data):
        data["COMMENTAIRE"] = "réponse complète"  # unknown variable: a warning, kept

    return replace_delivery(project, ".csv", accented, FileLayout("latin-1", ";"))


def merged_cells(project) -> Path:
    from openpyxl import load_workbook

    path = replace_delivery(project, ".xlsx")
    workbook = load_workbook(path)
    workbook.active.merge_cells("B2:B3")
    workbook.save(path)
    return path


def title_rows(project) -> Path:
    from openpyxl import load_workbook

    path = replace_delivery(project, ".xlsx")
    workbook = load_workbook(path)
    workbook.active.insert_rows(1, amount=2)
    workbook.active["A1"] = "Enquête IMPACT-Citoyens 2020 – fichier de données"
    workbook.save(path)
    return path


def serial_dates(project) -> Path:
    def as_serials(data):
        dates = data[CODEBOOK.fieldwork_date]
        data[CODEBOOK.fieldwork_date] = (dates - pd.Timestamp("1899-12-30")).dt.days

    return replace_delivery(project, ".xlsx", as_serials)


def spoiled_sav(change):
    def spoil(project) -> Path:
        delivery = project.raw_dir / CITIZENS_2020
        rewrite_survey(delivery, change)
        return delivery

    return spoil


def unreadable(project) -> Path:
    delivery = project.raw_dir / CITIZENS_2020
    delivery.write_bytes(b"pas un fichier SPSS")
    return delivery


def _drop(column):
    def change(data):
        del data[column]

    return change


def _set(column, row, value):
    def change(data):
        data.loc[row, column] = value

    return change


BAD_DELIVERIES = {
    "unreadable": (unreadable, "fichier SPSS illisible"),
    "missing variable": (
        spoiled_sav(_drop(WEIGHT)),
        f"variable {WEIGHT} : variable obligatoire absente",
    ),
    "unknown code": (
        spoiled_sav(_set(JOUER_COLLECTIF.variable, 12, 7.0)),
        "code absent du codebook pour jouer_collectif (valeur 7)",
    ),
    "duplicate id": (spoiled_sav(_set(ID, 3, 1.0)), "identifiant du répondant absent ou en double"),
    "unknown region": (spoiled_sav(_set(REGION, 4, 99.0)), "ce n'est pas un code INSEE de"),
    "department 20": (spoiled_sav(_set(DEPARTMENT, 4, "20")), "('2A'/'2B', pas '20')"),
    "zero weight": (spoiled_sav(_set(WEIGHT, 7, 0.0)), "le poids doit être un nombre fini"),
    "wrong wave": (
        spoiled_sav(_set(CODEBOOK.wave_variable, 0, 2019.0)),
        "la vague diffère de celle du dossier et du codebook (2020) (valeur 2019)",
    ),
    "latin-1 read as utf-8": (latin1_csv, "texte non UTF-8 à la ligne"),
    "merged cells": (merged_cells, "cellules fusionnées B2:B3"),
    "title rows": (title_rows, "en-tête trouvé ligne 3, pas ligne 1"),
    "excel serial dates": (serial_dates, "date enregistrée comme numéro de série Excel"),
}


@pytest.mark.parametrize("case", list(BAD_DELIVERIES))
def test_every_bad_delivery_is_rejected_whole_with_its_rule(
    isolated_project, dagster_instance, case
):
    assert ingest_citizens(dagster_instance).success
    before = respondents(isolated_project)
    spoil, rule = BAD_DELIVERIES[case]
    delivery = spoil(isolated_project)
    if case == "latin-1 read as utf-8":
        # The codebook declares UTF-8 (the default); the institute exported Latin-1.
        assert CODEBOOK.layout.encoding == "utf-8"
    delivered = delivery.read_bytes()

    result = ingest_citizens(dagster_instance)

    assert not result.success
    error = failure_text(result)
    assert f"{delivery.relative_to(isolated_project.raw_dir)}" in error and rule in error
    assert respondents(isolated_project).equals(before)  # the warehouse is unchanged
    assert delivery.read_bytes() == delivered  # the file is untouched
    [entry] = (isolated_project.warehouse.parent / "quarantine").rglob("*.rejected.txt")
    assert rule in entry.read_text(encoding="utf-8")
