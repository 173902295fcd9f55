"""The long form: one row per respondent and coded variable, answers in canonical words."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.ingest.codebooks import load_codebook
from orchestration.ingest.tidy import tidy_answers

CODEBOOK_YAML = """
study: entreprises
wave: 2021
title: test
respondent_id: ID
region: REGION
design:
  taille_entreprise: {variable: TAILLE, codes: {1: "10-49", 2: "50+"}}
questions:
  partenariat: {variable: Q3, codes: {1: oui, 0: non, 99: nsp}}
multiple:
  modes_partenariat:
    codes: {0: non, 1: oui}
    options: {mecenat: Q5_1, innovation_societale: Q5_2}
"""


@pytest.fixture
def codebook(tmp_path: Path):
    path = tmp_path / "2021.yml"
    path.write_text(CODEBOOK_YAML, encoding="utf-8")
    return load_codebook(path)


def delivered() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ID": [101.0, 102.0, 103.0],
            "REGION": [11.0, 84.0, 94.0],
            "TAILLE": [1.0, 2.0, 1.0],
            "Q3": [1.0, 0.0, 99.0],
            # Modes are asked of partnering companies only: empty for the others.
            "Q5_1": [1.0, np.nan, np.nan],
            "Q5_2": [0.0, np.nan, np.nan],
        }
    )


def test_one_row_per_respondent_and_coded_variable(codebook):
    answers = tidy_answers(delivered(), codebook)
    # 1 design variable + 1 question + 2 options, for 3 respondents.
    assert len(answers) == 3 * 4
    assert set(answers["role"]) == {"design", "question"}
    modes = answers[answers["question"] == "modes_partenariat"]
    assert set(modes["option"]) == {"mecenat", "innovation_societale"}
    assert answers.loc[answers["question"] == "partenariat", "option"].isna().all()
    assert (answers["study"] == "entreprises").all() and (answers["wave"] == 2021).all()


def test_codes_become_canonical_answers_and_rows_stay_traceable(codebook):
    answers = tidy_answers(delivered(), codebook, first_row=2)
    first = answers[answers["respondent_id"] == "101"]
    by_option = first.dropna(subset=["option"]).set_index("option")["answer"].to_dict()
    assert by_option == {"mecenat": "oui", "innovation_societale": "non"}
    assert first.loc[first["question"] == "partenariat", "answer"].item() == "oui"
    assert (answers.loc[answers["respondent_id"] == "101", "_source_row"] == 2).all()
    third = answers[(answers["respondent_id"] == "103") & (answers["question"] == "partenariat")]
    assert third["answer"].item() == "nsp"  # « ne sait pas » is an answer
    not_asked = answers[(answers["respondent_id"] == "102") & answers["option"].notna()]
    assert not_asked["answer"].isna().all()  # item non-response has no answer
    assert (answers.loc[answers["respondent_id"] == "103", "_source_row"] == 4).all()
