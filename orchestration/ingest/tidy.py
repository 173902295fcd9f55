"""The tidy long form of a survey: one row per respondent and coded variable, canonical answers."""

from __future__ import annotations

import pandas as pd

from orchestration.ingest.codebooks import Codebook, CodedVariable, code_text
from orchestration.ingest.lineage import SOURCE_ROW_COLUMN

DESIGN_ROLE = "design"
QUESTION_ROLE = "question"


def tidy_answers(data: pd.DataFrame, codebook: Codebook, first_row: int = 1) -> pd.DataFrame:
    """Respondent × question (× option for multi-answer questions) × answer, through the
    codebook; design variables come too (role ``design``). Item non-response has no answer.
    ``first_row`` is the file row of the first respondent, recorded for lineage."""
    codebook = codebook.for_delivery(data.columns)
    ids = data[codebook.respondent_id].map(code_text)
    coded = [(DESIGN_ROLE, v) for v in codebook.design]
    coded += [(QUESTION_ROLE, v) for v in codebook.questions]
    return pd.concat(
        [_one_variable(data, ids, codebook, role, v, first_row) for role, v in coded],
        ignore_index=True,
    )


def _one_variable(
    data: pd.DataFrame,
    ids: pd.Series,
    codebook: Codebook,
    role: str,
    coded: CodedVariable,
    first_row: int,
) -> pd.DataFrame:
    values = data[coded.variable].astype("float64")
    return pd.DataFrame(
        {
            "study": codebook.study,
            "wave": codebook.wave,
            "respondent_id": ids,
            "role": role,
            "question": coded.name,
            "option": coded.option,
            "answer_code": values,
            "answer": values.map(coded.codes),
            # The delivered row each answer comes from, for lineage.
            SOURCE_ROW_COLUMN: range(first_row, first_row + len(data)),
        }
    )
