"""Which files under raw/ are which delivery, and where a survey file must live."""

from pathlib import Path

import pytest

from orchestration.ingest.deliveries import (
    CASE_DATABASE,
    DELIVERY_KINDS,
    SURVEY_KINDS,
    study_and_wave,
    unclaimed_files,
)
from orchestration.ingest.errors import DeliveryError
from orchestration.studies import STUDIES

CITIZENS = SURVEY_KINDS["citoyens"]


def test_one_delivery_kind_per_study_the_case_database_and_the_context():
    names = [kind.name for kind in DELIVERY_KINDS]
    # The studies of the seed (a new study is a row there), then the two other kinds.
    assert names == [
        *(f"survey_{study}" for study in STUDIES),
        "case_database",
        "context_statistics",
    ]
    assert names[:5] == [
        "survey_citoyens",
        "survey_elus",
        "survey_entreprises",
        "survey_associations",
        "survey_fondations",
    ]
    assert CITIZENS.asset_key.to_user_string() == "raw/survey_citoyens"


@pytest.mark.parametrize("name", ["livraison.sav", "livraison.csv", "LIVRAISON.XLSX"])
def test_survey_formats_are_claimed_by_their_study(name):
    assert CITIZENS.matches(f"surveys/citoyens/2024/{name}")
    assert not SURVEY_KINDS["elus"].matches(f"surveys/citoyens/2024/{name}")


@pytest.mark.parametrize(
    "path", ["surveys/citoyens/2024/notes.txt", "surveys/citoyens/2024/LISEZMOI.csv"]
)
def test_notes_are_not_data(path):
    assert not CITIZENS.matches(path)


def test_case_exports_are_workbooks():
    assert CASE_DATABASE.matches("cases/export-2023.xlsx")
    assert not CASE_DATABASE.matches("cases/export-2023.csv")


def test_study_and_wave_come_from_the_folders(tmp_path: Path):
    assert study_and_wave(tmp_path, tmp_path / "surveys/elus/2020/maires.sav") == ("elus", 2020)


@pytest.mark.parametrize(
    "path",
    [
        "surveys/citoyens/citoyens_2024.sav",  # no wave folder
        "surveys/citoyens/24/citoyens.sav",  # wave not four digits
        "surveys/citoyens/2024/extra/citoyens.sav",  # too deep
    ],
)
def test_a_misplaced_survey_file_is_refused_with_the_rule(tmp_path: Path, path: str):
    with pytest.raises(
        DeliveryError, match=r"un fichier d'enquête se dépose dans surveys/<étude>/<vague"
    ):
        study_and_wave(tmp_path, tmp_path / path)


def test_files_no_kind_takes_are_listed(tmp_path: Path):
    for path in (
        "surveys/citoyens/2020/c.sav",
        "surveys/citizens/2020/c.sav",  # unknown study
        "cases/export.csv",  # not a workbook
        "LISEZMOI.txt",  # a note
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(b"x")
    assert unclaimed_files(tmp_path) == ["cases/export.csv", "surveys/citizens/2020/c.sav"]
