"""The long form: one row per respondent and question, answers in canonical words."""

import numpy as np
import pyreadstat

from orchestration.ingest.codebooks import codebook_path, load_codebook
from orchestration.ingest.deliveries import CITIZENS_SURVEY
from orchestration.ingest.tidy import tidy_answers
from orchestration.settings import PROJECT_ROOT

CODEBOOK = load_codebook(codebook_path("citoyens", 2020))


def delivered():
    data, _ = pyreadstat.read_sav(str(PROJECT_ROOT / "raw" / CITIZENS_SURVEY.sample_file))
    return data


def test_one_row_per_respondent_and_question():
    data = delivered()
    answers = tidy_answers(data, CODEBOOK)
    assert len(answers) == len(data) * len(CODEBOOK.questions)
    assert set(answers["question"]) == {"jouer_collectif"}
    assert set(answers["answer"]) <= {
        "incontournable",
        "utile",
        "secondaire",
        "inutile",
        "contre_productif",
        "nsp",
    }
    assert (answers["study"] == "citoyens").all() and (answers["wave"] == 2020).all()


def test_codes_become_canonical_answers_and_rows_stay_traceable():
    data = delivered()
    data.loc[0, "Q1_COLLECTIF"] = 9.0
    data.loc[1, "Q1_COLLECTIF"] = np.nan  # item non-response
    answers = tidy_answers(data, CODEBOOK).set_index("_source_row")
    assert answers.loc[1, "answer"] == "nsp"
    assert answers.loc[1, "respondent_id"] == "1"
    assert (
        answers.loc[2, "answer"] is np.nan or answers.loc[2, "answer"] != answers.loc[2, "answer"]
    )
