"""Reading deliveries: labels kept, and bad files named with the rule they break."""

from pathlib import Path

import pandas as pd
import pytest

from orchestration.ingest.deliveries import CASE_DATABASE, CITIZENS_SURVEY
from orchestration.ingest.errors import DeliveryError
from orchestration.ingest.readers import read_case_export, read_survey
from orchestration.settings import PROJECT_ROOT
from synthetic import citizens_survey
from synthetic.__main__ import main as synthetic_main

SHIPPED_SURVEY = PROJECT_ROOT / "raw" / CITIZENS_SURVEY.sample_file
SHIPPED_CASES = PROJECT_ROOT / "raw" / CASE_DATABASE.sample_file


def test_survey_keeps_variable_and_value_labels():
    survey = read_survey(SHIPPED_SURVEY)
    labels = survey.labels
    answer = labels[(labels["variable"] == "Q1_COLLECTIF") & (labels["code"] == 1.0)]
    assert answer["label"].tolist() == ["Incontournable"]
    question = labels[(labels["variable"] == "Q1_COLLECTIF") & labels["code"].isna()]
    assert "jouer collectif" in question["label"].item()
    assert "ILLUSTRATIVES" in survey.file_label


def test_regenerated_samples_are_byte_identical_to_the_shipped_ones(tmp_path: Path):
    synthetic_main(tmp_path)
    for relative in (CITIZENS_SURVEY.sample_file, CASE_DATABASE.sample_file):
        assert (tmp_path / relative).read_bytes() == (PROJECT_ROOT / "raw" / relative).read_bytes()


def test_sample_lands_near_the_published_national_figure():
    data = citizens_survey.generate().data
    necessary = data["Q1_COLLECTIF"].isin([1, 2])
    share = (data["POIDS"] * necessary).sum() / data["POIDS"].sum()
    assert share == pytest.approx(0.81, abs=0.02)  # IMPACT 2020: 81 %


def test_an_unreadable_survey_names_the_file(tmp_path: Path):
    broken = tmp_path / "citoyens_2021.sav"
    broken.write_bytes(b"not an SPSS file")
    with pytest.raises(DeliveryError) as error:
        read_survey(broken)
    assert str(broken) in str(error.value)
    assert "not a readable SPSS file" in str(error.value)


def test_a_case_export_without_its_sheet_names_the_sheet(tmp_path: Path):
    export = tmp_path / "cases.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(export, sheet_name="autre", index=False)
    with pytest.raises(DeliveryError, match=r"cases\.xlsx: no readable sheet 'cas'"):
        read_case_export(export)


def test_delivery_kinds_by_path():
    assert CITIZENS_SURVEY.matches("surveys/citoyens/2024/livraison.sav")
    assert not CITIZENS_SURVEY.matches("surveys/citoyens/2024/notes.txt")
    assert not CITIZENS_SURVEY.matches("surveys/citoyens_2024.sav")
    assert CASE_DATABASE.matches("cases/export-2023.xlsx")
